-- errors: each bad input gets its SQLSTATE and leaves nothing behind
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA errs;
SET search_path = errs, public;
\set VERBOSITY terse
-- leftovers(entity): what a failed CREATE left behind (expect f, f, 0)
CREATE FUNCTION leftovers(e text) RETURNS TABLE (has_view boolean, has_table boolean, meta_rows bigint)
LANGUAGE sql AS $$
    SELECT to_regclass('errs.v_' || e) IS NOT NULL, to_regclass('errs.tv_' || e) IS NOT NULL,
           (SELECT count(*) FROM pg_tview_meta WHERE entity = e)
$$;
CREATE TABLE tb_a (id int PRIMARY KEY, grp int, name text, k2 int);
INSERT INTO tb_a VALUES (1, 1, 'x', 1), (2, 1, 'y', 1), (3, 2, 'z', 2);
CREATE VIEW plain_v AS SELECT * FROM tb_a;

-- missing pk column
CREATE TABLE tv_nokey AS SELECT id, name FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('nokey');
-- duplicate keys
CREATE TABLE tv_dup AS SELECT grp AS pk_dup, name FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('dup');
-- NULL key
CREATE TABLE tv_nullkey AS SELECT CASE WHEN id = 2 THEN NULL ELSE id END AS pk_nullkey FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('nullkey');
-- composite key: no single pk column
CREATE TABLE tv_comp AS SELECT id AS pk_comp_a, k2 AS pk_comp_b FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('comp');
SELECT pg_tviews_create('comp2', 'SELECT ROW(id, k2) AS pk_comp2_x, name FROM tb_a');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('comp2');
-- unsupported shapes
CREATE TABLE tv_win AS SELECT id AS pk_win, row_number() OVER (ORDER BY id) AS rn FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('win');
CREATE TABLE tv_lim AS SELECT id AS pk_lim FROM tb_a ORDER BY id LIMIT 2;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('lim');
CREATE TABLE tv_rec AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3)
SELECT n AS pk_rec FROM r;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('rec');
CREATE TABLE tv_grp AS SELECT grp AS pk_grp_x, count(*) AS n, min(id) AS pk_grp FROM tb_a GROUP BY grp;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('grp');
-- volatile / time-dependent functions
CREATE TABLE tv_now AS SELECT id AS pk_now, now() AS at FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('now');
CREATE TABLE tv_rnd AS SELECT id AS pk_rnd, random() AS r FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('rnd');
CREATE TABLE tv_cts AS SELECT id AS pk_cts, current_timestamp AS at FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('cts');
-- reading a plain view
CREATE TABLE tv_fromview AS SELECT id AS pk_fromview FROM plain_v;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('fromview');
-- the same errors through pg_tviews_create
SELECT pg_tviews_create('nokey2', 'SELECT id FROM tb_a');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_create('win2', 'SELECT id AS pk_win2, rank() OVER (ORDER BY id) FROM tb_a');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('nokey2') UNION ALL SELECT * FROM leftovers('win2');
-- bad SQL in pg_tviews_create
SELECT pg_tviews_create('bad', 'SELEKT 1 AS pk_bad');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_create('bad', 'SELECT id AS pk_bad FROM no_such_table');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_create('bad', 'SELECT no_such_col AS pk_bad FROM tb_a');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('bad');
-- unknown entity
SELECT pg_tviews_refresh('no_such');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_tviews_verify('no_such');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('no_such');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('no_such', true) IS NOT NULL AS if_exists_ok;
-- depth over pg_tviews.max_cascade_depth
SET pg_tviews.max_cascade_depth = 2;
CREATE TABLE tv_d1 AS SELECT id AS pk_d1 FROM tb_a;
CREATE TABLE tv_d2 AS SELECT pk_d1 AS pk_d2 FROM tv_d1;
CREATE TABLE tv_d3 AS SELECT pk_d2 AS pk_d3 FROM tv_d2;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('d3');
RESET pg_tviews.max_cascade_depth;
-- a failed CREATE inside a transaction block rolls back with it; the session goes on
BEGIN;
CREATE TABLE tv_tx AS SELECT id AS pk_tx FROM tb_a;
SAVEPOINT s;
CREATE TABLE tv_tx2 AS SELECT grp AS pk_tx2 FROM tb_a;
ROLLBACK TO SAVEPOINT s;
SELECT entity FROM pg_tview_meta WHERE schema_name = 'errs' ORDER BY entity;
ROLLBACK;
SELECT entity FROM pg_tview_meta WHERE schema_name = 'errs' ORDER BY entity;
SELECT * FROM leftovers('tx');
-- nothing was left by any failure
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'errs' AND c.relname ~ '^(tv|v)_' ORDER BY 1;
DROP TABLE tv_d2;
DROP TABLE tv_d1;
SET client_min_messages = warning;
DROP SCHEMA errs CASCADE;
RESET client_min_messages;
