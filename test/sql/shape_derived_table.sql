-- shape: derived table in FROM
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_derived_table;
SET search_path = shape_derived_table, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'', ''big_post'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
SELECT u.id AS pk_user, u.name, coalesce(s.n, 0) AS posts, s.best
  FROM tb_user u
  LEFT JOIN (SELECT fk_user, count(*) AS n, max(score) AS best
               FROM tb_post GROUP BY fk_user) s ON s.fk_user = u.id;

CREATE TABLE tv_big_post AS
SELECT d.id AS pk_big_post, d.title, d.author
  FROM (SELECT p.id, p.title, u.name AS author, p.score
          FROM tb_post p JOIN tb_user u ON u.id = p.fk_user) d
 WHERE d.score >= 5;

:check;
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_big_post ORDER BY 1;

\set show 'SELECT * FROM tv_user ORDER BY 1; SELECT * FROM tv_big_post ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_big_post ORDER BY 1;

(SELECT * FROM tv_big_post EXCEPT SELECT * FROM v_big_post)
UNION ALL
(SELECT * FROM v_big_post EXCEPT SELECT * FROM tv_big_post);
DROP TABLE tv_big_post;
DROP TABLE tv_user;

-- a derived table that is not simply pulled up (DISTINCT) with a column
-- computed by a subquery over a source: its key query reads the source's
-- changed rows once, so an UPDATE (old and new rows) does not make that
-- scalar subquery return two rows
CREATE TABLE tv_member AS
SELECT d.id AS pk_member, d.company
  FROM (SELECT DISTINCT u.id, (SELECT c.name FROM tb_company c WHERE c.id = u.fk_company) AS company
          FROM tb_user u) d;
UPDATE tb_company SET name = name || ' inc' WHERE id = (SELECT min(id) FROM tb_company);
UPDATE tb_user SET fk_company = (SELECT max(id) FROM tb_company) WHERE id = (SELECT min(id) FROM tb_user);
SELECT * FROM tv_check('member');
DROP TABLE tv_member;

-- refused: DISTINCT ON in a derived table that is not LATERAL keeps one row
-- per group, and a changed row can displace one that did not change
CREATE TABLE tv_latest AS
SELECT d.fk_user AS pk_latest, d.title
  FROM (SELECT DISTINCT ON (p.fk_user) p.fk_user, p.title FROM tb_post p ORDER BY p.fk_user, p.id DESC) d;
-- refused: a table function whose argument reads a table
CREATE TABLE tv_names AS
SELECT u.id AS pk_names, e.value
  FROM tb_user u, jsonb_array_elements((SELECT jsonb_agg(c.name) FROM tb_company c)) e(value);
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_derived_table';
SET client_min_messages = warning;
DROP SCHEMA shape_derived_table CASCADE;
RESET client_min_messages;
