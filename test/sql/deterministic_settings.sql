-- deterministic_settings: a TVIEW's definition runs under the settings of
-- the session that created it (pg_tview_meta.settings), whatever the
-- settings of the session that writes its sources, refreshes, verifies or
-- cascades it.  Each TVIEW of a stack runs under its own.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE SCHEMA det;
SET search_path = det, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
CREATE TABLE ev (pk_ev int PRIMARY KEY, at timestamptz, amount numeric, d date, span interval, ratio float8, raw bytea);
INSERT INTO ev VALUES
    (1, '2026-01-01 00:00:00+00', 1.50, '2026-03-04', '1 day 02:03:04', 0.1, '\x0102'),
    (2, '2026-06-30 23:30:00+00', 2.25, '2026-01-10', '-1 day +02:00:00', 2.0 / 3, '\x41'),
    (3, '2026-12-31 12:00:00+00', 3.00, '2025-12-31', '3 mons 4 days', 1e-7, '\x');
-- issue 11 item 5: jsonb_build_object and ::text render in the session's settings
CREATE TABLE tv_ev AS
SELECT e.pk_ev, jsonb_build_object('at', e.at, 'amount', e.amount, 'day', e.d::text, 'span', e.span::text,
                                   'ratio', e.ratio::text, 'raw', e.raw::text, 'at_text', e.at::text) AS data
  FROM ev e;
-- a TVIEW created with other settings, stacked on tv_ev and reading ev too
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
CREATE TABLE tv_evlocal AS
SELECT e.pk_ev AS pk_evlocal, e.at::text AS local_at, e.d::text AS local_day, t.data->>'at' AS utc_at
  FROM ev e JOIN tv_ev t ON t.pk_ev = e.pk_ev;
RESET TimeZone;
RESET DateStyle;
-- a TVIEW whose key statement holds a date constant: built from the
-- view's text, which must mean the same date whatever DateStyle a writer
-- has (created under pg_regress's defaults, Postgres/MDY in Los Angeles)
CREATE TABLE tv_evlate AS SELECT e.pk_ev AS pk_evlate, e.amount FROM ev e WHERE e.d > '2026-01-02'::date;
SELECT entity, settings->>'TimeZone' AS tz, settings->>'DateStyle' AS datestyle, settings->>'IntervalStyle' AS intervalstyle,
       settings->>'extra_float_digits' AS efd, settings->>'bytea_output' AS bytea_output
  FROM pg_tview_meta WHERE schema_name = 'det' ORDER BY entity;
SELECT jsonb_pretty(settings) AS captured FROM pg_tview_meta WHERE schema_name = 'det' AND entity = 'ev';
SELECT pk_ev, data FROM tv_ev ORDER BY 1;
SELECT * FROM tv_evlocal ORDER BY 1;

-- The TVIEW equals its view evaluated under its own settings; verify
-- (run from any session) is empty.
CREATE FUNCTION det.same() RETURNS TABLE (tview text, differing bigint, verify_problems bigint) LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = 'postgres';
    SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex';
    tview := 'ev';
    SELECT count(*) INTO differing FROM ((TABLE det.tv_ev EXCEPT TABLE det.v_ev) UNION ALL (TABLE det.v_ev EXCEPT TABLE det.tv_ev)) s;
    SELECT count(*) INTO verify_problems FROM pg_tviews_verify('det.ev');
    RETURN NEXT;
    tview := 'evlate';
    SELECT count(*) INTO differing FROM ((TABLE det.tv_evlate EXCEPT TABLE det.v_evlate) UNION ALL (TABLE det.v_evlate EXCEPT TABLE det.tv_evlate)) s;
    SELECT count(*) INTO verify_problems FROM pg_tviews_verify('det.evlate');
    RETURN NEXT;
    SET LOCAL TimeZone = 'Asia/Tokyo'; SET LOCAL DateStyle = 'SQL, DMY';
    tview := 'evlocal';
    SELECT count(*) INTO differing FROM ((TABLE det.tv_evlocal EXCEPT TABLE det.v_evlocal) UNION ALL (TABLE det.v_evlocal EXCEPT TABLE det.tv_evlocal)) s;
    SELECT count(*) INTO verify_problems FROM pg_tviews_verify('det.evlocal');
    RETURN NEXT;
END $$;

-- writer 1: Tokyo, SQL/DMY, sql_standard intervals, few float digits, escaped bytea
\c
SET search_path = det, public;
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -3;
SET bytea_output = 'escape';
UPDATE ev SET amount = 2 WHERE pk_ev = 1;
-- 2026-01-10 is after the constant: the row stays in tv_evlate
UPDATE ev SET amount = 20 WHERE pk_ev = 2;
SELECT * FROM pg_tviews_verify('det.ev');
-- writer 2: New York, German dates, ISO 8601 intervals, every row
\c
SET search_path = det, public;
SET TimeZone = 'America/New_York';
SET DateStyle = 'German';
SET IntervalStyle = 'iso_8601';
SET extra_float_digits = 0;
UPDATE ev SET amount = amount + 1;
INSERT INTO ev VALUES (4, '2026-02-28 08:15:00-05', 4.75, '2026-02-01', '10 minutes', 1.0 / 7, '\xff');
-- writer 3: Chatham (+13:45), Postgres/DMY, verbose intervals; deferred maintenance
\c
SET search_path = det, public;
SET TimeZone = 'Pacific/Chatham';
SET DateStyle = 'Postgres, DMY';
SET IntervalStyle = 'postgres_verbose';
SELECT pg_tviews_set_refresh_mode('det.ev', 'deferred');
BEGIN;
UPDATE ev SET amount = 7, span = span + interval '1 hour' WHERE pk_ev = 3;
DELETE FROM ev WHERE pk_ev = 4;
INSERT INTO ev VALUES (4, '2026-02-28 08:15:00-05', 5.75, '2026-02-01', '10 minutes', 1.0 / 7, '\xff');
COMMIT;
SELECT pg_tviews_set_refresh_mode('det.ev', 'immediate');
SELECT * FROM same();
-- a rebuild of every row by the threshold, a TRUNCATE, a refresh, a
-- cascade, all from the Chatham session
SET pg_tviews.full_refresh_threshold = 0;
UPDATE ev SET amount = amount * 2 WHERE pk_ev <= 2;
RESET pg_tviews.full_refresh_threshold;
SELECT pg_tviews_refresh('det.ev') >= 0 AS refreshed;
SET pg_tviews.enabled = off;
UPDATE ev SET at = at + interval '1 minute' WHERE pk_ev = 1;
RESET pg_tviews.enabled;
SELECT pg_tviews_cascade('det.ev', ARRAY[1]) > 0 AS cascaded;
SELECT * FROM same();
SELECT status, component FROM pg_tviews_health_check() WHERE component LIKE 'consistency of det.%' ORDER BY component;
RESET ALL;
SET search_path = det, public;
-- the documents show the captured zone and formats, each TVIEW its own
SELECT pk_ev, data FROM tv_ev ORDER BY 1;
SELECT * FROM tv_evlocal ORDER BY 1;
SELECT * FROM tv_evlate ORDER BY 1;
TRUNCATE ev CASCADE;
SELECT count(*) AS after_truncate FROM tv_ev;
SELECT * FROM same();

-- pg_tviews_convert_table captures the converting session's settings
SET TimeZone = 'Asia/Kolkata';
CREATE TABLE tb_c (pk_c int PRIMARY KEY, at timestamptz);
INSERT INTO tb_c VALUES (1, '2026-01-01 00:00:00+00');
CREATE VIEW v_c AS SELECT c.pk_c, c.at::text AS at FROM tb_c c;
CREATE TABLE tv_c (pk_c int, at text);
SELECT pg_tviews_convert_table('det.tv_c');
RESET TimeZone;
UPDATE tb_c SET at = at + interval '1 hour';
SELECT settings->>'TimeZone' AS tz FROM pg_tview_meta WHERE entity = 'c';
SELECT * FROM tv_c;

RESET search_path;
DROP SCHEMA det CASCADE;
