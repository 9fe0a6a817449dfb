-- drop: DROP TABLE, pg_tviews_drop, dropping base tables
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA drops;
SET search_path = drops, public;
\set VERBOSITY terse
-- state(): TVIEWs, views and maintenance triggers left in this schema
CREATE FUNCTION state() RETURNS TABLE (what text, name text) LANGUAGE sql AS $$
    SELECT 'meta', entity FROM pg_tview_meta WHERE schema_name = 'drops'
    UNION ALL
    SELECT 'relation', c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'drops' AND c.relkind IN ('r', 'v') AND c.relname ~ '^(tv|v)_'
    UNION ALL
    SELECT 'trigger on ' || t.tgrelid::regclass::text, t.tgname::text FROM pg_trigger t
      JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE NOT t.tgisinternal AND p.proname LIKE 'pg\_tviews%'
       AND t.tgrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'drops')
    ORDER BY 1, 2
$$;
CREATE TABLE tb_a (id int PRIMARY KEY, name text);
CREATE TABLE tb_b (id int PRIMARY KEY, fk_a int, title text);
INSERT INTO tb_a VALUES (1, 'one'), (2, 'two');
INSERT INTO tb_b VALUES (1, 1, 'b1'), (2, 2, 'b2');

-- plain DROP TABLE
CREATE TABLE tv_a AS SELECT id AS pk_a, name FROM tb_a;
SELECT what, count(*) FROM state() GROUP BY what ORDER BY what;
DROP TABLE tv_a;
SELECT * FROM state();
SELECT count(*) AS audit_drops FROM pg_tview_audit_log WHERE entity = 'a' AND operation = 'DROP';
INSERT INTO tb_a VALUES (3, 'three');

-- a TVIEW read by another one: refused without CASCADE, both gone with it
CREATE TABLE tv_a AS SELECT id AS pk_a, name FROM tb_a;
CREATE TABLE tv_b AS SELECT b.id AS pk_b, b.title, a.name FROM tb_b b JOIN tv_a a ON a.pk_a = b.fk_a;
DROP TABLE tv_a;
\echo :LAST_ERROR_SQLSTATE
SELECT name FROM state() WHERE what = 'meta';
SET client_min_messages = warning;
DROP TABLE tv_a CASCADE;
RESET client_min_messages;
SELECT * FROM state();
UPDATE tb_b SET title = 'b1!' WHERE id = 1;

-- several TVIEWs of one stack in one DROP TABLE
CREATE TABLE tv_a AS SELECT id AS pk_a, name FROM tb_a;
CREATE TABLE tv_b AS SELECT b.id AS pk_b, b.title, a.name FROM tb_b b JOIN tv_a a ON a.pk_a = b.fk_a;
DROP TABLE tv_b, tv_a;
SELECT * FROM state();
CREATE TABLE tv_a AS SELECT id AS pk_a, name FROM tb_a;
CREATE TABLE tv_b AS SELECT b.id AS pk_b, b.title, a.name FROM tb_b b JOIN tv_a a ON a.pk_a = b.fk_a;
DROP TABLE tv_a, tv_b;
SELECT * FROM state();

-- pg_tviews_drop, with and without if_exists
CREATE TABLE tv_a AS SELECT id AS pk_a, name FROM tb_a;
SELECT pg_tviews_drop('a') IS NOT NULL AS dropped;
SELECT * FROM state();
SELECT pg_tviews_drop('a');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('a', true) IS NOT NULL AS no_error;

-- dropping a base table: refused through the view, CASCADE drops the TVIEW
CREATE TABLE tv_b AS SELECT b.id AS pk_b, b.title, a.name FROM tb_b b JOIN tb_a a ON a.id = b.fk_a;
DROP TABLE tb_b;
\echo :LAST_ERROR_SQLSTATE
SELECT name FROM state() WHERE what = 'meta';
SET client_min_messages = warning;
DROP TABLE tb_b CASCADE;
RESET client_min_messages;
SELECT * FROM state();
-- the other base table is free again
INSERT INTO tb_a VALUES (4, 'four');
UPDATE tb_a SET name = upper(name);
DELETE FROM tb_a WHERE id = 1;
TRUNCATE tb_a;

-- DROP SCHEMA CASCADE forgets its TVIEWs
CREATE SCHEMA drops2;
CREATE TABLE drops2.tb_x (id int PRIMARY KEY);
CREATE TABLE drops2.tv_x AS SELECT id AS pk_x FROM drops2.tb_x;
SELECT count(*) FROM pg_tview_meta WHERE schema_name = 'drops2';
SET client_min_messages = warning;
DROP SCHEMA drops2 CASCADE;
RESET client_min_messages;
SELECT count(*) FROM pg_tview_meta WHERE schema_name = 'drops2';

-- a TVIEW whose view is gone: the drop event trigger did not fire (replica
-- mode) and the view did not belong to the table (as after a restore,
-- before pg_tviews_reinstall_triggers)
CREATE TABLE tv_c AS SELECT id AS pk_c, name FROM tb_a;
CREATE TABLE tv_d AS SELECT id AS pk_d, name FROM tb_a;
DELETE FROM pg_depend WHERE classid = 'pg_class'::regclass AND deptype = 'i'
   AND objid IN ('v_c'::regclass, 'v_d'::regclass);
SET session_replication_role = replica;
DROP VIEW v_c, v_d;
RESET session_replication_role;
SELECT * FROM state();
-- its sources are still written, its table still refuses direct writes
INSERT INTO tb_a VALUES (5, 'five');
INSERT INTO tv_c VALUES (9, 'nine');
\echo :LAST_ERROR_SQLSTATE
-- refresh and verify say what is wrong and what to do (55000)
\set VERBOSITY default
SELECT pg_tviews_refresh('c');
SELECT * FROM pg_tviews_verify('drops.c');
SELECT pg_tviews_set_refresh_mode('c', 'deferred');
\set VERBOSITY terse
\echo :LAST_ERROR_SQLSTATE
-- the health check names it; its guard is not reported as unneeded
SELECT status, component, message, severity FROM pg_tviews_health_check()
 WHERE status <> 'ok' AND component ~ 'drops\.' ORDER BY component;
-- installing triggers keeps its triggers until it is dropped
SELECT pg_tviews_install_stmt_triggers() AS created;
SELECT * FROM state() WHERE name = 'pg_tviews_guard';
-- pg_tviews_drop and DROP TABLE drop it: metadata, triggers, table
SELECT pg_tviews_drop('c');
DROP TABLE tv_d;
SELECT * FROM state();
SELECT entity, details FROM pg_tview_audit_log
 WHERE operation = 'DROP' AND entity IN ('c', 'd') AND details->>'schema' = 'drops' ORDER BY log_id;
SELECT pg_tviews_drop('c');
\echo :LAST_ERROR_SQLSTATE

SET client_min_messages = warning;
DROP SCHEMA drops CASCADE;
RESET client_min_messages;
