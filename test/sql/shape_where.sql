-- shape: WHERE filters (rows entering and leaving)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_where;
SET search_path = shape_where, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''open_task'')'

CREATE TABLE tb_task (id int PRIMARY KEY, fk_project int, title text NOT NULL, status text NOT NULL, priority int NOT NULL);
CREATE TABLE tb_project (id int PRIMARY KEY, name text NOT NULL, archived boolean NOT NULL DEFAULT false);
INSERT INTO tb_project VALUES (1, 'alpha', false), (2, 'beta', false), (3, 'old', true);
INSERT INTO tb_task VALUES (1, 1, 'design', 'open', 2), (2, 1, 'build', 'done', 3),
                           (3, 2, 'test', 'open', 5), (4, 3, 'legacy', 'open', 9), (5, 2, 'ship', 'open', 1);

CREATE TABLE tv_open_task AS
SELECT t.id AS pk_open_task, t.title, t.priority, p.name AS project
  FROM tb_task t
  JOIN tb_project p ON p.id = t.fk_project
 WHERE t.status = 'open' AND t.priority >= 2 AND NOT p.archived;

:check;
SELECT * FROM tv_open_task ORDER BY 1;

-- INSERT a row that passes the filter, and one that does not
INSERT INTO tb_task VALUES (6, 1, 'docs', 'open', 4), (7, 1, 'lunch', 'done', 4);
:check;
-- a row enters the filter
UPDATE tb_task SET status = 'open' WHERE id = 2;
:check;
-- a row leaves the filter
UPDATE tb_task SET status = 'done' WHERE id = 1;
:check;
-- a row leaves because its priority drops below the threshold
UPDATE tb_task SET priority = 1 WHERE id = 6;
:check;
-- rows enter and leave through the joined table
UPDATE tb_project SET archived = false WHERE id = 3;
:check;
UPDATE tb_project SET archived = true WHERE id = 2;
:check;
SELECT * FROM tv_open_task ORDER BY 1;
-- the foreign key moves a task to another project
UPDATE tb_task SET fk_project = 1 WHERE id = 3;
:check;
-- the key changes
UPDATE tb_task SET id = 30 WHERE id = 3;
:check;
-- a row that stays outside the filter
UPDATE tb_task SET title = 'lunch!' WHERE id = 7;
:check;
DELETE FROM tb_task WHERE id = 4;
:check;
INSERT INTO tb_task VALUES (30, 1, 'test', 'done', 5), (8, 1, 'new', 'open', 8)
ON CONFLICT (id) DO UPDATE SET status = excluded.status;
:check;
MERGE INTO tb_task t
USING (VALUES (8, 'done'), (2, NULL), (9, 'open')) AS s(id, status)
ON t.id = s.id
WHEN MATCHED AND s.status IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET status = s.status
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 1, 'merged', s.status, 7);
:check;
COPY tb_task FROM STDIN;
10	1	copied open	open	6
11	1	copied done	done	6
\.
:check;
WITH closed AS (UPDATE tb_task SET status = 'done' WHERE priority > 6 RETURNING id)
INSERT INTO tb_task SELECT id + 100, 1, 'follow-up', 'open', 3 FROM closed;
:check;
UPDATE tb_task SET priority = priority + 1;
:check;
SELECT * FROM tv_open_task ORDER BY 1;
TRUNCATE tb_task;
:check;
INSERT INTO tb_task VALUES (1, 1, 'again', 'open', 9);
:check;
SELECT * FROM tv_open_task ORDER BY 1;

(SELECT * FROM tv_open_task EXCEPT SELECT * FROM v_open_task)
UNION ALL
(SELECT * FROM v_open_task EXCEPT SELECT * FROM tv_open_task);
DROP TABLE tv_open_task;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_where';
SET client_min_messages = warning;
DROP SCHEMA shape_where CASCADE;
RESET client_min_messages;
