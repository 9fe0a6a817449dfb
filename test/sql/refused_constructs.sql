-- refused_constructs: shapes that cannot be maintained are refused at
-- CREATE with a SQLSTATE naming the construct, and leave nothing behind
-- (no table, no view, no metadata, no trigger on the sources)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA refused;
SET search_path = refused, public;
\set VERBOSITY terse
-- leftovers(entity): what a refused CREATE left behind (expect f, f, 0, 0)
CREATE FUNCTION leftovers(e text) RETURNS TABLE (has_view boolean, has_table boolean, meta_rows bigint, triggers bigint)
LANGUAGE sql AS $$
    SELECT to_regclass('refused.v_' || e) IS NOT NULL, to_regclass('refused.tv_' || e) IS NOT NULL,
           (SELECT count(*) FROM pg_tview_meta WHERE entity = e),
           (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'refused' AND t.tgname LIKE 'pg\_tviews\_%')
$$;
CREATE TABLE tb_s (id int PRIMARY KEY, v int);
INSERT INTO tb_s SELECT g, g FROM generate_series(1, 200) g;

-- TABLESAMPLE (it would hold a random subset of the view)
CREATE TABLE tv_samp AS SELECT s.id AS pk_samp FROM tb_s s TABLESAMPLE system (50);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('samp');
CREATE TABLE tv_samp AS SELECT s.id AS pk_samp, (SELECT count(*) FROM tb_s x TABLESAMPLE bernoulli (10) REPEATABLE (1)) AS n FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('samp');

-- system columns (every later write would fail, or the value go stale)
CREATE TABLE tv_sys AS SELECT s.id AS pk_sys, s.xmin::text AS x FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('sys');
CREATE TABLE tv_sys AS SELECT s.id AS pk_sys, s.ctid::text AS c FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_sys AS SELECT s.id AS pk_sys FROM tb_s s WHERE s.tableoid > 0;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_sys AS SELECT s.id AS pk_sys, (SELECT max(x.cmin::text) FROM tb_s x WHERE x.id = s.id) AS m FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('sys');

-- key types the key array cannot carry
CREATE TABLE tv_arr AS SELECT ARRAY[s.id] AS pk_arr FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('arr');
CREATE DOMAIN int_list AS int[];
CREATE TABLE tv_arr AS SELECT ARRAY[s.id]::int_list AS pk_arr FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
CREATE TYPE pair AS (a int, b int);
CREATE TABLE tv_comp AS SELECT ROW(s.id, s.v)::pair AS pk_comp FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('comp');
CREATE TABLE tv_js AS SELECT json_build_object('id', s.id) AS pk_js FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('js');
CREATE TABLE tv_pt AS SELECT point(s.id, s.v) AS pk_pt FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
-- a domain over a scalar is a scalar key
CREATE DOMAIN small_id AS int CHECK (VALUE > 0);
CREATE TABLE tv_dom AS SELECT s.id::small_id AS pk_dom, s.v FROM tb_s s WHERE s.id <= 3;
UPDATE tb_s SET v = -v WHERE id = 2;
SELECT * FROM tv_dom ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('refused.dom');
DROP TABLE tv_dom;
UPDATE tb_s SET v = -v WHERE id = 2;

-- pg_tviews' own tables
CREATE TABLE tv_meta AS SELECT m.entity AS pk_meta FROM pg_tview_meta m;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('meta');
CREATE TABLE tv_log AS SELECT l.refresh_id AS pk_log FROM pg_tview_refresh_log l;
\echo :LAST_ERROR_SQLSTATE

-- temporary and unlogged tables, as the TVIEW or as a source
CREATE TEMP TABLE tv_tmp AS SELECT s.id AS pk_tmp FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE entity = 'tmp';
CREATE TEMP TABLE tmp_src (id int PRIMARY KEY);
CREATE TABLE tv_tsrc AS SELECT t.id AS pk_tsrc FROM tmp_src t;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('tsrc');
SELECT count(*) AS triggers_on_tmp_src FROM pg_trigger WHERE tgrelid = 'tmp_src'::regclass;
CREATE UNLOGGED TABLE tv_unl AS SELECT s.id AS pk_unl FROM tb_s s;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('unl');
CREATE UNLOGGED TABLE unl_src (id int PRIMARY KEY);
CREATE TABLE tv_usrc AS SELECT u.id AS pk_usrc FROM unl_src u;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('usrc');
SELECT count(*) AS triggers_on_unl_src FROM pg_trigger WHERE tgrelid = 'unl_src'::regclass;
-- pg_tviews_create takes the same path
SELECT pg_tviews_create('usrc', 'SELECT u.id AS pk_usrc FROM refused.unl_src u');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('usrc');

-- views, materialized views and foreign tables as sources
CREATE VIEW plain_v AS SELECT * FROM tb_s;
CREATE TABLE tv_pv AS SELECT p.id AS pk_pv FROM plain_v p;
\echo :LAST_ERROR_SQLSTATE
CREATE MATERIALIZED VIEW mat_v AS SELECT * FROM tb_s;
CREATE TABLE tv_mv AS SELECT m.id AS pk_mv FROM mat_v m;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('mv');

-- CREATE TABLE AS EXECUTE
PREPARE q AS SELECT s.id AS pk_ex FROM tb_s s;
CREATE TABLE tv_ex AS EXECUTE q;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('ex');

-- IF NOT EXISTS over a plain table named tv_x: PostgreSQL skips, nothing is adopted
CREATE TABLE tv_plain (pk_plain int, note text);
INSERT INTO tv_plain VALUES (1, 'mine');
CREATE TABLE IF NOT EXISTS tv_plain AS SELECT s.id AS pk_plain, 'x'::text AS note FROM tb_s s;
SELECT * FROM tv_plain;
SELECT * FROM leftovers('plain');
-- ... and over an existing TVIEW: also a no-op (and the definition a failed
-- pg_tviews_create was given above is not recorded for another CREATE)
CREATE TABLE tv_ok AS SELECT s.id AS pk_ok, s.v FROM tb_s s WHERE s.id <= 2;
CREATE TABLE IF NOT EXISTS tv_ok AS SELECT s.id AS pk_ok, s.v FROM tb_s s;
SELECT count(*) FROM tv_ok;
SELECT definition FROM pg_tview_meta WHERE entity = 'ok';

-- SELECT INTO and WITH NO DATA make populated TVIEWs; a materialized view
-- named tv_x is only a materialized view
SELECT s.id AS pk_into, s.v INTO tv_into FROM tb_s s WHERE s.id <= 3;
CREATE TABLE tv_nodata AS SELECT s.id AS pk_nodata FROM tb_s s WHERE s.id <= 3 WITH NO DATA;
UPDATE tb_s SET v = v + 1 WHERE id = 1;
SELECT * FROM tv_into ORDER BY 1;
SELECT count(*) FROM tv_nodata;
SELECT count(*) AS problems FROM pg_tviews_verify('refused.into');
CREATE MATERIALIZED VIEW tv_matv AS SELECT s.id AS pk_matv FROM tb_s s;
SELECT entity FROM pg_tview_meta WHERE schema_name = 'refused' ORDER BY 1;

DROP SCHEMA refused CASCADE;
