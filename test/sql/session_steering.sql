-- session_steering: settings a writer may SET that would change what
-- maintenance computes, beyond those deterministic_settings covers.
-- array_nulls and quote_all_identifiers change a value's text (they are
-- captured at CREATE like TimeZone); gin_fuzzy_search_limit makes a GIN
-- index scan return a sample of its rows (maintenance pins it to 0).
-- After each write from a session with the other value, verify is empty.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE SCHEMA steer;
SET search_path = steer, public;
CREATE TABLE tb_s (pk_s int PRIMARY KEY, arr text, name text);
INSERT INTO tb_s VALUES (1, '{a,NULL}', 'abc'), (2, '{b}', 'Mixed');
-- array input reads NULL as a null element unless array_nulls is off;
-- quote_ident and format('%I') quote every name when quote_all_identifiers is on
CREATE TABLE tv_s AS
SELECT s.pk_s, s.arr::text[] AS arr, quote_ident(s.name) AS q, format('%I', s.name) AS f FROM tb_s s;
SELECT settings->>'array_nulls' AS array_nulls, settings->>'quote_all_identifiers' AS quote_all
  FROM pg_tview_meta WHERE schema_name = 'steer' AND entity = 's';
SET array_nulls = off;
UPDATE tb_s SET arr = '{a,NULL,c}' WHERE pk_s = 1;
INSERT INTO tb_s VALUES (3, '{NULL}', 'x');
RESET array_nulls;
SELECT * FROM pg_tviews_verify('steer.s');
SET quote_all_identifiers = on;
UPDATE tb_s SET name = 'abd' WHERE pk_s = 1;
RESET quote_all_identifiers;
SELECT * FROM pg_tviews_verify('steer.s');
-- the verifier's settings do not change the comparison either
SET array_nulls = off;
SET quote_all_identifiers = on;
SELECT * FROM pg_tviews_verify('steer.s');
RESET array_nulls;
RESET quote_all_identifiers;
SELECT * FROM tv_s ORDER BY 1;

-- a writer's statement over a quarter of the rows (a set-wise rebuild,
-- above pg_tviews.full_refresh_threshold) and a refresh, from a session
-- whose GIN index scans return at most 10 rows
CREATE TABLE tb_g (pk_g int PRIMARY KEY, tags int[]);
INSERT INTO tb_g SELECT g, ARRAY[g % 5, 1] FROM generate_series(1, 2000) g;
CREATE INDEX ON tb_g USING gin (tags);
ANALYZE tb_g;
CREATE TABLE tv_g AS SELECT g.pk_g, g.tags FROM tb_g g WHERE g.tags @> ARRAY[1];
SET enable_seqscan = off;
SET gin_fuzzy_search_limit = 10;
UPDATE tb_g SET tags = ARRAY[9, 1] WHERE pk_g <= 500;
SELECT count(*) AS problems FROM pg_tviews_verify('steer.g');
SELECT pg_tviews_refresh('steer.g') AS rows_written;
RESET gin_fuzzy_search_limit;
RESET enable_seqscan;
SELECT count(*) AS rows, count(*) FILTER (WHERE tags[1] = 9) AS updated FROM tv_g;
SELECT pg_tviews_refresh('steer.g') AS rows_written;
SELECT count(*) AS problems FROM pg_tviews_verify('steer.g');

RESET search_path;
DROP SCHEMA steer CASCADE;
