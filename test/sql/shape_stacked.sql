-- shape: stacked TVIEWs (company -> user -> post -> feed)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_stacked;
SET search_path = shape_stacked, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''company'', ''user'', ''post'', ''feed'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_company AS
SELECT c.id AS pk_company, c.name, jsonb_build_object('name', c.name) AS data
  FROM tb_company c;

CREATE TABLE tv_user AS
SELECT u.id AS pk_user, u.fk_company,
       jsonb_build_object('name', u.name, 'company', tc.data) AS data
  FROM tb_user u
  LEFT JOIN tv_company tc ON tc.pk_company = u.fk_company;

CREATE TABLE tv_post AS
SELECT p.id AS pk_post, p.fk_user,
       jsonb_build_object('title', p.title, 'score', p.score, 'author', tu.data) AS data
  FROM tb_post p
  JOIN tv_user tu ON tu.pk_user = p.fk_user;

CREATE TABLE tv_feed AS
SELECT tu.pk_user AS pk_feed,
       coalesce((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post) FROM tv_post tp
                  WHERE tp.fk_user = tu.pk_user), '[]'::jsonb) AS items
  FROM tv_user tu;

:check;
SELECT pk_feed, items FROM tv_feed ORDER BY 1;
-- a change at the bottom reaches the top of the stack
UPDATE tb_company SET name = 'ACME' WHERE id = 1;
:check;
SELECT pk_feed, items FROM tv_feed WHERE pk_feed = 1;
SELECT entity, dependencies FROM pg_tview_meta WHERE schema_name = 'shape_stacked' ORDER BY entity;

\set show 'SELECT pk_feed, items FROM tv_feed ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT pk_feed, items FROM tv_feed ORDER BY 1;

(SELECT * FROM tv_feed EXCEPT SELECT * FROM v_feed)
UNION ALL
(SELECT * FROM v_feed EXCEPT SELECT * FROM tv_feed);
DROP TABLE tv_feed;
DROP TABLE tv_post;
DROP TABLE tv_user;
DROP TABLE tv_company;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_stacked';
SET client_min_messages = warning;
DROP SCHEMA shape_stacked CASCADE;
RESET client_min_messages;
