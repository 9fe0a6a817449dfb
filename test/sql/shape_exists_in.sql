-- shape: EXISTS / NOT EXISTS / IN / NOT IN subqueries in WHERE
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_exists_in;
SET search_path = shape_exists_in, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''poster'', ''lurker'', ''employee'', ''quiet_post'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_poster AS
SELECT u.id AS pk_poster, u.name FROM tb_user u
 WHERE EXISTS (SELECT 1 FROM tb_post p WHERE p.fk_user = u.id AND p.score > 2);

CREATE TABLE tv_lurker AS
SELECT u.id AS pk_lurker, u.name FROM tb_user u
 WHERE NOT EXISTS (SELECT 1 FROM tb_post p WHERE p.fk_user = u.id);

CREATE TABLE tv_employee AS
SELECT u.id AS pk_employee, u.name FROM tb_user u
 WHERE u.fk_company IN (SELECT c.id FROM tb_company c WHERE c.name LIKE 'A%' OR c.name LIKE 'G%');

CREATE TABLE tv_quiet_post AS
SELECT p.id AS pk_quiet_post, p.title FROM tb_post p
 WHERE p.fk_user NOT IN (SELECT u.id FROM tb_user u WHERE u.email IS NOT NULL);

:check;
SELECT * FROM tv_poster ORDER BY 1;
SELECT * FROM tv_lurker ORDER BY 1;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_quiet_post ORDER BY 1;

\set show 'SELECT * FROM tv_poster ORDER BY 1; SELECT * FROM tv_lurker ORDER BY 1; SELECT * FROM tv_employee ORDER BY 1; SELECT * FROM tv_quiet_post ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_poster ORDER BY 1;
SELECT * FROM tv_lurker ORDER BY 1;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_quiet_post ORDER BY 1;

(SELECT * FROM tv_quiet_post EXCEPT SELECT * FROM v_quiet_post)
UNION ALL
(SELECT * FROM v_quiet_post EXCEPT SELECT * FROM tv_quiet_post);
DROP TABLE tv_quiet_post;
DROP TABLE tv_employee;
DROP TABLE tv_lurker;
DROP TABLE tv_poster;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_exists_in';
SET client_min_messages = warning;
DROP SCHEMA shape_exists_in CASCADE;
RESET client_min_messages;
