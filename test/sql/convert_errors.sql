-- convert_errors: each refusal of pg_tviews_convert_table has its SQLSTATE and
-- converts nothing (no catalog row, no trigger, the table as it was); then the
-- same table, fixed, converts
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA conv;
SET search_path = conv, public;
\set VERBOSITY terse
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
SELECT count(*) AS catalog_rows FROM pg_tview_meta WHERE entity = 'item';

SELECT pg_tviews_drop('item');
RESET search_path;
DROP SCHEMA conv CASCADE;
