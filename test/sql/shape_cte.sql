-- shape: non-recursive CTEs
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_cte;
SET search_path = shape_cte, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'', ''user_company'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
WITH counts AS (SELECT fk_user, count(*) AS n, sum(score) AS total FROM tb_post GROUP BY fk_user)
SELECT u.id AS pk_user, u.name, coalesce(k.n, 0) AS posts, k.total
  FROM tb_user u LEFT JOIN counts k ON k.fk_user = u.id;

-- a CTE whose body is itself a join
CREATE TABLE tv_user_company AS
WITH named AS (SELECT u.id, u.name, c.name AS company
                 FROM tb_user u LEFT JOIN tb_company c ON c.id = u.fk_company)
SELECT n.id AS pk_user_company, n.name, n.company FROM named n;

:check;
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_user_company ORDER BY 1;

\set show 'SELECT * FROM tv_user ORDER BY 1; SELECT * FROM tv_user_company ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_user_company ORDER BY 1;

(SELECT * FROM tv_user_company EXCEPT SELECT * FROM v_user_company)
UNION ALL
(SELECT * FROM v_user_company EXCEPT SELECT * FROM tv_user_company);
DROP TABLE tv_user_company;
DROP TABLE tv_user;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_cte';
SET client_min_messages = warning;
DROP SCHEMA shape_cte CASCADE;
RESET client_min_messages;
