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
-- a column name list: the columns are named in the SELECT list instead
CREATE TABLE tv_named (pk_named, label) AS SELECT id, name FROM tb_a;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('named');
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

-- pg_tviews_convert_table: each refusal has its SQLSTATE and converts nothing
-- (no catalog row, no trigger, the table as it was); then the same table,
-- fixed, converts
CREATE SCHEMA conv;
SET search_path = conv, public;
CREATE TABLE tb_item (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL);
INSERT INTO tb_item VALUES (1, 'pen', 2), (2, 'ink', 5);
CREATE VIEW v_item AS SELECT i.id AS pk_item, i.name, i.price FROM tb_item i;
-- state(table): is it registered, how many triggers pg_tviews put on its
-- source, its primary key columns (expect f | 0 | the key it had)
CREATE FUNCTION state(t text) RETURNS TABLE (registered boolean, source_triggers bigint, primary_key text)
LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM pg_tview_meta m WHERE m.table_oid = to_regclass('conv.' || t)),
           (SELECT count(*) FROM pg_trigger g WHERE g.tgrelid = 'conv.tb_item'::regclass AND NOT g.tgisinternal),
           (SELECT string_agg(a.attname, ',' ORDER BY a.attnum)
              FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = to_regclass('conv.' || t) AND i.indisprimary)
$$;

-- no view v_item for the table's entity
CREATE TABLE tv_thing (pk_thing int, name text, price int);
SELECT pg_tviews_convert_table('tv_thing');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state('tv_thing');

-- the columns differ from the view's: one missing
CREATE TABLE tv_item (pk_item int, name text);
SELECT pg_tviews_convert_table('tv_item');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state('tv_item');
-- same names, another type
DROP TABLE tv_item;
CREATE TABLE tv_item (pk_item int, name text, price bigint);
SELECT pg_tviews_convert_table('tv_item');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state('tv_item');

-- a primary key on another column than pk_item
DROP TABLE tv_item;
CREATE TABLE tv_item (pk_item int, name text PRIMARY KEY, price int);
SELECT pg_tviews_convert_table('tv_item');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM state('tv_item');

-- fixed: no primary key at all (it is added on pk_item), stale rows
DROP TABLE tv_item;
CREATE TABLE tv_item (pk_item int, name text, price int);
INSERT INTO tv_item VALUES (1, 'pen', 99), (7, 'gone', 0);
SELECT pg_tviews_convert_table('tv_item');
SELECT * FROM state('tv_item');
SELECT * FROM tv_item ORDER BY pk_item;
UPDATE tb_item SET price = 3 WHERE id = 1;
SELECT * FROM tv_item ORDER BY pk_item;

-- converting it again: it is a TVIEW already
SELECT pg_tviews_convert_table('tv_item');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS catalog_rows FROM pg_tview_meta WHERE schema_name = 'conv' AND entity = 'item';

SELECT pg_tviews_drop('item');
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA conv CASCADE;
RESET client_min_messages;
