-- whole_row: a definition reading a table's row as a whole (to_jsonb(t),
-- t::text, t IS NOT NULL, ...) is refused (0A000): that row is the
-- table's columns when the query runs, so ADD / DROP / RENAME COLUMN on
-- the source would change every document without a write.  A derived
-- table's or CTE's row has the columns it had at CREATE, and stays exact
-- through those ALTERs.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE SCHEMA wr;
SET search_path = wr, public;
CREATE TABLE tb_w (pk_w int PRIMARY KEY, v int);
CREATE TABLE tb_c (pk_c int PRIMARY KEY, fk_w int, n text);
INSERT INTO tb_w VALUES (1, 10), (2, 20);
INSERT INTO tb_c VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c');
-- refused, wherever the whole row is read
CREATE TABLE tv_w1 AS SELECT w.pk_w AS pk_w1, to_jsonb(w) AS data FROM tb_w w;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_w2 AS SELECT w.pk_w AS pk_w2, w::text AS t FROM tb_w w;
CREATE TABLE tv_w3 AS SELECT w.pk_w AS pk_w3 FROM tb_w w WHERE w IS NOT NULL;
CREATE TABLE tv_w4 AS
SELECT w.pk_w AS pk_w4, (SELECT jsonb_agg(row_to_json(c) ORDER BY c.pk_c) FROM tb_c c WHERE c.fk_w = w.pk_w) AS cs
  FROM tb_w w;
CREATE TABLE tv_w5 AS SELECT w.pk_w || e.key AS pk_w5 FROM tb_w w, LATERAL jsonb_each(to_jsonb(w)) e;
SELECT pg_tviews_create('w6', 'SELECT w.pk_w AS pk_w6, count(c) AS n FROM tb_w w JOIN tb_c c ON c.fk_w = w.pk_w GROUP BY w.pk_w');
CREATE VIEW v_w7 AS SELECT w.pk_w AS pk_w7, hashtext(w::text) AS h FROM tb_w w;
CREATE TABLE tv_w7 (pk_w7 int, h int);
SELECT pg_tviews_convert_table('wr.tv_w7');
DROP TABLE tv_w7;
DROP VIEW v_w7;
SELECT count(*) AS tviews FROM pg_tview_meta WHERE schema_name = 'wr';
-- accepted: the row of a derived table and of a CTE
CREATE TABLE tv_ok AS
SELECT x.pk_w AS pk_ok, to_jsonb(x) AS data,
       (SELECT jsonb_agg(to_jsonb(y) ORDER BY y.pk_c) FROM (SELECT c.pk_c, c.n FROM tb_c c WHERE c.fk_w = x.pk_w) y) AS cs
  FROM (SELECT w.pk_w, w.v FROM tb_w w) x;
CREATE TABLE tv_okcte AS
WITH c AS (SELECT c.pk_c, c.n FROM tb_c c) SELECT c.pk_c AS pk_okcte, c::text AS t FROM c;
SELECT * FROM tv_ok ORDER BY 1;
ALTER TABLE tb_w ADD COLUMN extra int DEFAULT 7;
ALTER TABLE tb_c RENAME COLUMN n TO name;
ALTER TABLE tb_c ADD COLUMN more text DEFAULT 'x';
SELECT * FROM pg_tviews_verify('wr.ok');
SELECT * FROM pg_tviews_verify('wr.okcte');
UPDATE tb_c SET name = 'z' WHERE pk_c = 2;
INSERT INTO tb_w VALUES (3, 30, 0);
SELECT * FROM pg_tviews_verify('wr.ok');
SELECT * FROM pg_tviews_verify('wr.okcte');
SELECT * FROM tv_ok ORDER BY 1;
RESET search_path;
DROP SCHEMA wr CASCADE;
