-- shape: non-equi joins (ranges)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_non_equi_join;
SET search_path = shape_non_equi_join, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''order'')'

CREATE TABLE tb_band (lo int NOT NULL, hi int NOT NULL, label text NOT NULL);
CREATE TABLE tb_order (id int PRIMARY KEY, amount int NOT NULL, placed date NOT NULL);
CREATE TABLE tb_promo (id int PRIMARY KEY, starts date NOT NULL, ends date NOT NULL, name text);
INSERT INTO tb_band VALUES (0, 100, 'small'), (100, 1000, 'medium'), (1000, 1000000, 'large');
INSERT INTO tb_order VALUES (1, 50, '2024-01-05'), (2, 500, '2024-02-10'), (3, 5000, '2024-03-15'), (4, 99, '2024-03-20');
INSERT INTO tb_promo VALUES (1, '2024-01-01', '2024-01-31', 'january'), (2, '2024-03-10', '2024-03-31', 'spring');

CREATE TABLE tv_order AS
SELECT o.id AS pk_order, o.amount, b.label AS band, p.name AS promo
  FROM tb_order o
  LEFT JOIN tb_band b ON o.amount >= b.lo AND o.amount < b.hi
  LEFT JOIN tb_promo p ON o.placed BETWEEN p.starts AND p.ends;

:check;
SELECT * FROM tv_order ORDER BY 1;

-- INSERT
INSERT INTO tb_order VALUES (5, 100, '2024-01-20');
:check;
INSERT INTO tb_order SELECT 10 + g, g * 300, date '2024-01-01' + g * 20 FROM generate_series(1, 5) g;
:check;
-- UPDATE the joined value: the order changes band
UPDATE tb_order SET amount = 1500 WHERE id = 2;
:check;
-- UPDATE a band's boundary: orders move between bands
UPDATE tb_band SET hi = 50 WHERE label = 'small';
UPDATE tb_band SET lo = 50 WHERE label = 'medium';
:check;
UPDATE tb_band SET label = 'LARGE' WHERE lo = 1000;
:check;
-- UPDATE the key
UPDATE tb_order SET id = 100 WHERE id = 1;
:check;
-- a promo range changes
UPDATE tb_promo SET ends = '2024-02-29' WHERE id = 1;
:check;
SELECT * FROM tv_order ORDER BY 1;
-- DELETE a band: its orders lose their label
DELETE FROM tb_band WHERE label = 'LARGE';
:check;
DELETE FROM tb_order WHERE id = 3;
:check;
-- INSERT ... ON CONFLICT
INSERT INTO tb_order VALUES (4, 20000, '2024-03-21'), (6, 7, '2024-06-01')
ON CONFLICT (id) DO UPDATE SET amount = excluded.amount;
:check;
INSERT INTO tb_band VALUES (1000, 1000000, 'big again');
:check;
-- MERGE
MERGE INTO tb_promo t
USING (VALUES (2, NULL::date), (3, date '2024-06-01')) AS s(id, starts)
ON t.id = s.id
WHEN MATCHED THEN DELETE
WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.starts, s.starts + 30, 'summer');
:check;
-- COPY FROM STDIN
COPY tb_order FROM STDIN;
7	75	2024-06-15
8	750	2024-07-15
\.
:check;
-- writable CTE
WITH b AS (INSERT INTO tb_band VALUES (-100, 0, 'refund') RETURNING lo)
INSERT INTO tb_order SELECT 9, lo + 10, '2024-01-02' FROM b;
:check;
UPDATE tb_order SET amount = amount + 1;
:check;
SELECT * FROM tv_order ORDER BY 1;
TRUNCATE tb_band;
:check;
TRUNCATE tb_order, tb_promo;
:check;
INSERT INTO tb_order VALUES (1, 10, '2024-01-01');
INSERT INTO tb_band VALUES (0, 100, 'small');
:check;
SELECT * FROM tv_order ORDER BY 1;

(SELECT * FROM tv_order EXCEPT SELECT * FROM v_order)
UNION ALL
(SELECT * FROM v_order EXCEPT SELECT * FROM tv_order);
DROP TABLE tv_order;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_non_equi_join';
SET client_min_messages = warning;
DROP SCHEMA shape_non_equi_join CASCADE;
RESET client_min_messages;
