-- shape: single table
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_single;
SET search_path = shape_single, public;
-- problems: rows pg_tviews_verify reports; differences: rows of tv/v not in the other (multiset)
\set check 'SELECT (SELECT count(*) FROM pg_tviews_verify(''item'')) AS problems, (SELECT count(*) FROM ((TABLE tv_item EXCEPT ALL TABLE v_item) UNION ALL (TABLE v_item EXCEPT ALL TABLE tv_item)) d) AS differences'

CREATE TABLE tb_item (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2), tags text[]);
INSERT INTO tb_item VALUES (1, 'apple', 1.50, '{fruit}'), (2, 'bread', 2.25, '{bakery}');

CREATE TABLE tv_item AS
SELECT id AS pk_item, name, price,
       jsonb_build_object('id', id, 'name', name, 'price', price, 'tags', tags) AS data
  FROM tb_item;
SELECT * FROM tv_item ORDER BY pk_item;
:check;

-- INSERT one row
INSERT INTO tb_item VALUES (3, 'cheese', 7.00, NULL);
:check;
-- multi-row INSERT
INSERT INTO tb_item SELECT g, 'item' || g, g, ARRAY['bulk'] FROM generate_series(10, 14) g;
:check;
-- UPDATE of a plain column
UPDATE tb_item SET price = price * 2 WHERE id = 2;
:check;
-- UPDATE of the key column
UPDATE tb_item SET id = 100 WHERE id = 1;
:check;
SELECT * FROM tv_item WHERE pk_item IN (1, 100) ORDER BY pk_item;
-- UPDATE that changes nothing
UPDATE tb_item SET name = name WHERE id = 3;
:check;
-- multi-row UPDATE
UPDATE tb_item SET tags = tags || 'sale'::text WHERE id BETWEEN 10 AND 12;
:check;
-- DELETE
DELETE FROM tb_item WHERE id = 13;
:check;
-- INSERT ... ON CONFLICT DO UPDATE (one conflict, one new row)
INSERT INTO tb_item VALUES (2, 'rye bread', 3.00, '{bakery}'), (4, 'dates', 4.00, '{fruit}')
ON CONFLICT (id) DO UPDATE SET name = excluded.name, price = excluded.price;
:check;
-- INSERT ... ON CONFLICT DO NOTHING
INSERT INTO tb_item VALUES (3, 'ignored', 0, NULL), (5, 'eggs', 3.10, NULL)
ON CONFLICT DO NOTHING;
:check;
SELECT * FROM tv_item ORDER BY pk_item;
-- MERGE: update, delete and insert in one statement
MERGE INTO tb_item t
USING (VALUES (2, 'sourdough', 5.00), (14, NULL, NULL), (6, 'figs', 6.00)) AS s(id, name, price)
ON t.id = s.id
WHEN MATCHED AND s.name IS NULL THEN DELETE
WHEN MATCHED THEN UPDATE SET name = s.name, price = s.price
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.price, '{merged}');
:check;
-- COPY FROM STDIN
COPY tb_item FROM STDIN;
7	grapes	2.80	{fruit}
8	honey	9.99	\N
\.
:check;
-- writable CTE: delete one row, re-insert it under a new key, update another
WITH moved AS (DELETE FROM tb_item WHERE id = 7 RETURNING *),
     upd AS (UPDATE tb_item SET price = 0 WHERE id = 8 RETURNING id)
INSERT INTO tb_item SELECT id + 70, name, price, tags FROM moved;
:check;
SELECT * FROM tv_item ORDER BY pk_item;
(SELECT * FROM tv_item EXCEPT SELECT * FROM v_item)
UNION ALL
(SELECT * FROM v_item EXCEPT SELECT * FROM tv_item);
-- UPDATE of every row
UPDATE tb_item SET price = coalesce(price, 0) + 1;
:check;
-- DELETE in a transaction that rolls back
BEGIN;
DELETE FROM tb_item WHERE id < 10;
:check;
ROLLBACK;
:check;
-- TRUNCATE
TRUNCATE tb_item;
:check;
SELECT count(*) AS rows_left FROM tv_item;
INSERT INTO tb_item VALUES (1, 'again', 1, NULL);
:check;
SELECT * FROM tv_item ORDER BY pk_item;

DROP TABLE tv_item;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_single';
SET client_min_messages = warning;
DROP SCHEMA shape_single CASCADE;
RESET client_min_messages;
