-- an UPDATE that changes no column a TVIEW reads does no work for it; one that
-- changes only how a value prints (1.0 -> 1.00, in a column or inside jsonb)
-- or a primary key is a change
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA update_gate;
SET search_path = update_gate, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''item'', ''loose'', ''shelf'')'

-- with a primary key (rows paired by it) and without one (compared as text)
CREATE TABLE items (id int PRIMARY KEY, price numeric, meta jsonb, note text);
CREATE TABLE loose_items (id int, price numeric, meta jsonb, note text);
INSERT INTO items VALUES (1, 1.0, '{"a": 1.0}', 'x'), (2, 2.5, '{"a": [1, 2]}', 'y');
INSERT INTO loose_items SELECT * FROM items;

CREATE TABLE tv_item AS
SELECT i.id AS pk_item, jsonb_build_object('price', i.price, 'meta', i.meta) AS data FROM items i;
CREATE TABLE tv_loose AS
SELECT l.id AS pk_loose, jsonb_build_object('price', l.price, 'meta', l.meta) AS data FROM loose_items l;
-- a TVIEW reading a TVIEW: its source's rows are documents
CREATE TABLE tv_shelf AS
SELECT t.pk_item AS pk_shelf, t.data ->> 'price' AS price, t.data -> 'meta' ->> 'a' AS a FROM tv_item t;
:check;

SELECT coalesce(max(refresh_id), 0) AS last_log FROM pg_tview_refresh_log \gset
SET pg_tviews.log_refreshes = 'all';
-- unread column: no work
UPDATE items SET note = 'changed' WHERE id = 1;
UPDATE loose_items SET note = 'changed' WHERE id = 1;
SELECT count(*) AS runs FROM pg_tview_refresh_log WHERE refresh_id > :last_log;

-- same value, printed differently
UPDATE items SET price = 1.00 WHERE id = 1;
UPDATE loose_items SET price = 1.00 WHERE id = 1;
SELECT pk_item, data ->> 'price' AS price FROM tv_item ORDER BY 1;
SELECT * FROM tv_shelf ORDER BY 1;
:check;
UPDATE items SET meta = '{"a": 1.00}' WHERE id = 1;
UPDATE loose_items SET meta = '{"a": 1.00}' WHERE id = 1;
SELECT pk_loose, data -> 'meta' AS meta FROM tv_loose ORDER BY 1;
SELECT * FROM tv_shelf ORDER BY 1;
:check;
SELECT entity, operation, keys_examined, rows_updated FROM pg_tview_refresh_log
 WHERE refresh_id > :last_log ORDER BY refresh_id;

-- a new primary key, every read column as it was: the rows lose their partners
UPDATE items SET id = id + 10;
UPDATE loose_items SET id = id + 10;
SELECT pk_item, data ->> 'price' AS price FROM tv_item ORDER BY 1;
:check;
SELECT count(*) AS runs_before FROM pg_tview_refresh_log WHERE refresh_id > :last_log \gset
-- every read column rewritten with the value it had: no work
UPDATE items i SET price = o.price, meta = o.meta FROM items o WHERE o.id = i.id;
SELECT count(*) - :runs_before AS runs_for_identical_rewrite FROM pg_tview_refresh_log WHERE refresh_id > :last_log;
SET pg_tviews.log_refreshes = 'off';
:check;

DROP SCHEMA update_gate CASCADE;
