-- guard: direct writes to a TVIEW table are refused
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA guard_s;
SET search_path = guard_s, public;
\set VERBOSITY terse
CREATE TABLE tb_g (id int PRIMARY KEY, val int);
INSERT INTO tb_g VALUES (1, 1), (2, 2);
CREATE TABLE tv_g AS SELECT id AS pk_g, val FROM tb_g;
INSERT INTO tv_g VALUES (3, 3);
\echo :LAST_ERROR_SQLSTATE
UPDATE tv_g SET val = 10;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM tv_g;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE tv_g;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO tv_g VALUES (1, 5) ON CONFLICT (pk_g) DO UPDATE SET val = 5;
\echo :LAST_ERROR_SQLSTATE
MERGE INTO tv_g t USING (VALUES (1)) s(id) ON t.pk_g = s.id WHEN MATCHED THEN DELETE;
\echo :LAST_ERROR_SQLSTATE
COPY tv_g FROM STDIN;
9	9
\.
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM tv_g ORDER BY 1;
-- maintenance still writes it
UPDATE tb_g SET val = val * 100;
SELECT * FROM tv_g ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('g');
DROP TABLE tv_g;
-- once dropped, a table of that name is an ordinary table again
CREATE TABLE tv_g (pk_g int);
INSERT INTO tv_g VALUES (1);
DROP TABLE tv_g;
SET client_min_messages = warning;
DROP SCHEMA guard_s CASCADE;
RESET client_min_messages;
