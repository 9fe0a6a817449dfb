-- shape: a diamond (two TVIEWs read tv_user, a fourth reads both)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_diamond;
SET search_path = shape_diamond, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'', ''user_posts'', ''user_company'', ''profile'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
SELECT u.id AS pk_user, u.name, u.fk_company FROM tb_user u;

CREATE TABLE tv_user_posts AS
SELECT tu.pk_user AS pk_user_posts, tu.name,
       (SELECT count(*) FROM tb_post p WHERE p.fk_user = tu.pk_user) AS posts
  FROM tv_user tu;

CREATE TABLE tv_user_company AS
SELECT tu.pk_user AS pk_user_company, tu.name, c.name AS company
  FROM tv_user tu LEFT JOIN tb_company c ON c.id = tu.fk_company;

CREATE TABLE tv_profile AS
SELECT a.pk_user_posts AS pk_profile,
       jsonb_build_object('name', a.name, 'posts', a.posts, 'company', b.company) AS data
  FROM tv_user_posts a
  JOIN tv_user_company b ON b.pk_user_company = a.pk_user_posts;

:check;
SELECT pk_profile, data FROM tv_profile ORDER BY 1;

\set show 'SELECT pk_profile, data FROM tv_profile ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT pk_profile, data FROM tv_profile ORDER BY 1;

(SELECT * FROM tv_profile EXCEPT SELECT * FROM v_profile)
UNION ALL
(SELECT * FROM v_profile EXCEPT SELECT * FROM tv_profile);
DROP TABLE tv_profile;
DROP TABLE tv_user_company;
DROP TABLE tv_user_posts;
DROP TABLE tv_user;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_diamond';
SET client_min_messages = warning;
DROP SCHEMA shape_diamond CASCADE;
RESET client_min_messages;
