-- shape: a table read more than once (self-joins, a table joined twice):
-- one write, or one write and the foreign-key actions it fires, changes rows
-- of several occurrences at once; the TVIEW row their old versions produced
-- together must go
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_self_join_writes;
SET search_path = shape_self_join_writes, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''chain'', ''doubled'', ''managed'')'

CREATE TABLE users (id int PRIMARY KEY, manager_id int REFERENCES users ON DELETE SET NULL);
CREATE TABLE posts (id int PRIMARY KEY, user_id int NOT NULL);
CREATE TABLE categories (id int PRIMARY KEY);
CREATE TABLE items (id int PRIMARY KEY, category_id int);
INSERT INTO users VALUES (22, NULL), (5, 22), (7, NULL), (12, 7);
INSERT INTO posts VALUES (82, 5), (83, 12);
INSERT INTO categories VALUES (51), (52);
INSERT INTO items VALUES (214, 51), (215, 52);

-- a post whose author has a manager: users read twice
CREATE TABLE tv_chain AS
SELECT p.id AS pk_chain FROM posts p JOIN users u2 ON u2.id = p.user_id JOIN users u3 ON u3.id = u2.manager_id;
-- categories joined twice on the same column
CREATE TABLE tv_doubled AS
SELECT i.id AS pk_doubled FROM items i JOIN categories c1 ON c1.id = i.category_id JOIN categories c2 ON c2.id = i.category_id;
-- users read three times, through a CTE and an EXISTS
CREATE TABLE tv_managed AS
WITH base AS (
  SELECT u1.id AS pk_managed, u1.manager_id FROM users u1 LEFT JOIN users u2 ON u2.id = u1.manager_id
   WHERE EXISTS (SELECT 1 FROM users u4 WHERE u4.manager_id = u2.id))
SELECT * FROM base;
:check;

-- the manager goes; ON DELETE SET NULL updates the author in a nested statement
DELETE FROM users WHERE id = 22;
SELECT pk_chain FROM tv_chain ORDER BY 1;
:check;
-- one DELETE removes the row both occurrences joined
DELETE FROM categories WHERE id = 51;
SELECT pk_doubled FROM tv_doubled ORDER BY 1;
:check;
-- a plain UPDATE of the row two occurrences read
UPDATE users SET manager_id = NULL WHERE id = 12;
SELECT pk_managed FROM tv_managed ORDER BY 1;
:check;
-- and back, in one statement for several rows
INSERT INTO users VALUES (22, NULL);
UPDATE users SET manager_id = CASE id WHEN 5 THEN 22 WHEN 12 THEN 7 END WHERE id IN (5, 12);
SELECT pk_chain FROM tv_chain ORDER BY 1;
SELECT pk_managed FROM tv_managed ORDER BY 1;
:check;
MERGE INTO users t USING (VALUES (7), (5)) AS s(id) ON t.id = s.id
 WHEN MATCHED AND t.id = 7 THEN DELETE
 WHEN MATCHED THEN UPDATE SET manager_id = NULL;
:check;

DROP SCHEMA shape_self_join_writes CASCADE;
