-- shape: scalar subqueries in the select list
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_scalar_subquery;
SET search_path = shape_scalar_subquery, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
SELECT u.id AS pk_user, u.name,
       (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.id) AS post_count,
       (SELECT max(p.score) FROM tb_post p WHERE p.fk_user = u.id) AS best_score,
       (SELECT c.name FROM tb_company c WHERE c.id = u.fk_company) AS company
  FROM tb_user u;

:check;
SELECT * FROM tv_user ORDER BY pk_user;

\set show 'SELECT * FROM tv_user ORDER BY pk_user;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_user ORDER BY pk_user;

(SELECT * FROM tv_user EXCEPT SELECT * FROM v_user)
UNION ALL
(SELECT * FROM v_user EXCEPT SELECT * FROM tv_user);
DROP TABLE tv_user;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_scalar_subquery';
SET client_min_messages = warning;
DROP SCHEMA shape_scalar_subquery CASCADE;
RESET client_min_messages;
