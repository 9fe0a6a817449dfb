-- shape: self joins (employee and manager)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_self_join;
SET search_path = shape_self_join, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''employee'', ''manager'')'

CREATE TABLE tb_employee (id int PRIMARY KEY, manager_id int, name text NOT NULL, salary int);
INSERT INTO tb_employee VALUES (1, NULL, 'ceo', 300), (2, 1, 'cto', 200), (3, 1, 'cfo', 190),
                               (4, 2, 'dev a', 100), (5, 2, 'dev b', 110), (6, 3, 'accountant', 90);

CREATE TABLE tv_employee AS
SELECT e.id AS pk_employee, e.name, m.name AS manager, mm.name AS managers_manager,
       jsonb_build_object('name', e.name, 'manager', m.name, 'salary', e.salary) AS data
  FROM tb_employee e
  LEFT JOIN tb_employee m ON m.id = e.manager_id
  LEFT JOIN tb_employee mm ON mm.id = m.manager_id;

CREATE TABLE tv_manager AS
SELECT m.id AS pk_manager, m.name, count(e.id) AS reports, sum(e.salary) AS team_salary
  FROM tb_employee m
  JOIN tb_employee e ON e.manager_id = m.id
 GROUP BY m.id, m.name;

:check;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_manager ORDER BY 1;

-- INSERT
INSERT INTO tb_employee VALUES (7, 4, 'intern', 20);
:check;
-- multi-row INSERT
INSERT INTO tb_employee SELECT 10 + g, 1 + g % 3, 'temp ' || g, 50 FROM generate_series(1, 4) g;
:check;
-- UPDATE a manager's name: every report's row changes
UPDATE tb_employee SET name = 'CTO' WHERE id = 2;
:check;
-- UPDATE the foreign key: dev b moves to the cfo
UPDATE tb_employee SET manager_id = 3 WHERE id = 5;
:check;
-- UPDATE the key of a manager (reports now point at a missing id)
UPDATE tb_employee SET id = 20 WHERE id = 2;
:check;
UPDATE tb_employee SET manager_id = 20 WHERE manager_id = 2;
:check;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_manager ORDER BY 1;
-- DELETE a manager
DELETE FROM tb_employee WHERE id = 3;
:check;
-- INSERT ... ON CONFLICT: the deleted manager comes back, one conflict
INSERT INTO tb_employee VALUES (3, 1, 'new cfo', 180), (1, NULL, 'chief', 300)
ON CONFLICT (id) DO UPDATE SET name = excluded.name;
:check;
INSERT INTO tb_employee VALUES (3, 1, 'ignored', 0) ON CONFLICT DO NOTHING;
:check;
-- MERGE
MERGE INTO tb_employee t
USING (VALUES (4, 3, 'dev a'), (11, NULL, NULL), (30, 20, 'dev c')) AS s(id, manager_id, name)
ON t.id = s.id
WHEN MATCHED AND s.name IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET manager_id = s.manager_id
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.manager_id, s.name, 100);
:check;
-- COPY FROM STDIN
COPY tb_employee FROM STDIN;
40	30	junior	60
41	40	trainee	\N
\.
:check;
-- writable CTE
WITH promoted AS (UPDATE tb_employee SET manager_id = 1 WHERE id = 30 RETURNING id)
UPDATE tb_employee SET name = name || ' (reports to ' || (SELECT min(id) FROM promoted) || ')' WHERE id = 40;
:check;
-- every row
UPDATE tb_employee SET salary = coalesce(salary, 0) + 5;
:check;
BEGIN;
DELETE FROM tb_employee WHERE manager_id = 1;
:check;
ROLLBACK;
:check;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_manager ORDER BY 1;
TRUNCATE tb_employee;
:check;
INSERT INTO tb_employee VALUES (1, NULL, 'solo', 1), (2, 1, 'second', 1);
:check;
SELECT * FROM tv_employee ORDER BY 1;
SELECT * FROM tv_manager ORDER BY 1;

(SELECT * FROM tv_manager EXCEPT SELECT * FROM v_manager)
UNION ALL
(SELECT * FROM v_manager EXCEPT SELECT * FROM tv_manager);
DROP TABLE tv_manager;
DROP TABLE tv_employee;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_self_join';
SET client_min_messages = warning;
DROP SCHEMA shape_self_join CASCADE;
RESET client_min_messages;
