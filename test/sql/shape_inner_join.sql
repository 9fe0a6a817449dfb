-- shape: inner joins (post JOIN user JOIN company)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_inner_join;
SET search_path = shape_inner_join, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''post'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_post AS
SELECT p.id AS pk_post, p.fk_user, u.name AS author, c.name AS company,
       jsonb_build_object('id', p.id, 'title', p.title, 'score', p.score,
                          'author', u.name, 'company', c.name) AS data
  FROM tb_post p
  JOIN tb_user u ON u.id = p.fk_user
  JOIN tb_company c ON c.id = u.fk_company;

:check;
SELECT * FROM tv_post ORDER BY pk_post;

\set show 'SELECT * FROM tv_post ORDER BY pk_post;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_post ORDER BY pk_post;

(SELECT * FROM tv_post EXCEPT SELECT * FROM v_post)
UNION ALL
(SELECT * FROM v_post EXCEPT SELECT * FROM tv_post);
DROP TABLE tv_post;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_inner_join';
SET client_min_messages = warning;
DROP SCHEMA shape_inner_join CASCADE;
RESET client_min_messages;
