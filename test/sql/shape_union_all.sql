-- shape: UNION ALL of two sources with disjoint (text) keys
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_union_all;
SET search_path = shape_union_all, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''party'')'

CREATE TABLE tb_person (id int PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE tb_org (id int PRIMARY KEY, title text NOT NULL, vat text);
INSERT INTO tb_person VALUES (1, 'ann', 'ann@example.com'), (2, 'ben', NULL);
INSERT INTO tb_org VALUES (1, 'Acme', 'DE1'), (2, 'Globex', NULL);

CREATE TABLE tv_party AS
SELECT 'person:' || p.id AS pk_party, 'person' AS kind,
       jsonb_build_object('name', p.name, 'email', p.email) AS data
  FROM tb_person p
UNION ALL
SELECT 'org:' || o.id, 'org',
       jsonb_build_object('name', o.title, 'vat', o.vat)
  FROM tb_org o;

:check;
SELECT * FROM tv_party ORDER BY 1;

INSERT INTO tb_person VALUES (3, 'cy', NULL);
:check;
INSERT INTO tb_org SELECT g, 'org ' || g, NULL FROM generate_series(3, 6) g;
:check;
UPDATE tb_person SET name = 'Ann' WHERE id = 1;
:check;
UPDATE tb_org SET vat = 'FR2' WHERE id = 2;
:check;
-- the key of one branch changes
UPDATE tb_person SET id = 10 WHERE id = 2;
:check;
SELECT * FROM tv_party ORDER BY 1;
DELETE FROM tb_org WHERE id = 1;
:check;
INSERT INTO tb_person VALUES (1, 'ann', NULL), (4, 'dee', NULL) ON CONFLICT (id) DO UPDATE SET email = excluded.email;
:check;
INSERT INTO tb_org VALUES (2, 'x', NULL) ON CONFLICT DO NOTHING;
:check;
MERGE INTO tb_org t USING (VALUES (3), (7)) AS s(id) ON t.id = s.id
WHEN MATCHED THEN DELETE
WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'merged', NULL);
:check;
COPY tb_person FROM STDIN;
5	eve	eve@example.com
\.
:check;
WITH p AS (DELETE FROM tb_person WHERE id = 5 RETURNING name)
INSERT INTO tb_org SELECT 50, name || ' inc', NULL FROM p;
:check;
UPDATE tb_org SET vat = coalesce(vat, 'none');
:check;
SELECT * FROM tv_party ORDER BY 1;
TRUNCATE tb_org;
:check;
TRUNCATE tb_person;
:check;
INSERT INTO tb_person VALUES (1, 'last', NULL);
INSERT INTO tb_org VALUES (1, 'last', NULL);
:check;
SELECT * FROM tv_party ORDER BY 1;

(SELECT * FROM tv_party EXCEPT SELECT * FROM v_party)
UNION ALL
(SELECT * FROM v_party EXCEPT SELECT * FROM tv_party);
DROP TABLE tv_party;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_union_all';
SET client_min_messages = warning;
DROP SCHEMA shape_union_all CASCADE;
RESET client_min_messages;
