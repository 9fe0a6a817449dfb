-- shape: LEFT JOIN whose WHERE tests the NULL-extended side (rows without a
-- match: an anti-join); inserting or deleting the matching row must add or
-- remove the TVIEW row, with or without a foreign key, also through a CTE
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_anti_join;
SET search_path = shape_anti_join, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''lonely'', ''not_acme'', ''unnoted'', ''lonely_cte'')'

CREATE TABLE companies (id int PRIMARY KEY, name text);
CREATE TABLE users (id int PRIMARY KEY, company_id int, name text);
CREATE TABLE notes (id int PRIMARY KEY, company_id int);
INSERT INTO users VALUES (1, 1, 'ann'), (2, 2, 'bob'), (3, NULL, 'cid');
INSERT INTO companies VALUES (2, 'acme');

CREATE TABLE tv_lonely AS
SELECT u.id AS pk_lonely, u.name FROM users u LEFT JOIN companies co ON co.id = u.company_id WHERE co.id IS NULL;
CREATE TABLE tv_not_acme AS
SELECT u.id AS pk_not_acme, co.name FROM users u LEFT JOIN companies co ON co.id = u.company_id
 WHERE co.name IS DISTINCT FROM 'acme';
CREATE TABLE tv_unnoted AS
SELECT u.id AS pk_unnoted FROM users u LEFT JOIN companies co ON co.id = u.company_id
 WHERE NOT EXISTS (SELECT 1 FROM notes n WHERE n.company_id = co.id);
CREATE TABLE tv_lonely_cte AS
WITH matched AS (SELECT u.id, co.id AS company FROM users u LEFT JOIN companies co ON co.id = u.company_id)
SELECT m.id AS pk_lonely_cte FROM matched m WHERE m.company IS NULL;
SELECT pk_lonely FROM tv_lonely ORDER BY 1;
:check;

INSERT INTO companies VALUES (1, 'initech');
SELECT pk_lonely FROM tv_lonely ORDER BY 1;
:check;
UPDATE companies SET name = 'acme' WHERE id = 1;
SELECT pk_not_acme FROM tv_not_acme ORDER BY 1;
:check;
INSERT INTO notes VALUES (1, 2);
SELECT pk_unnoted FROM tv_unnoted ORDER BY 1;
:check;
DELETE FROM companies WHERE id = 2;
SELECT pk_lonely FROM tv_lonely ORDER BY 1;
SELECT pk_unnoted FROM tv_unnoted ORDER BY 1;
:check;
UPDATE companies SET id = 3 WHERE id = 1;
UPDATE users SET company_id = 3 WHERE id = 3;
SELECT pk_lonely FROM tv_lonely ORDER BY 1;
:check;
TRUNCATE companies;
:check;

DROP SCHEMA shape_anti_join CASCADE;
