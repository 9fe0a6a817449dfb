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

SET client_min_messages = warning;
DROP SCHEMA drops CASCADE;
RESET client_min_messages;
