-- log_errors: with pg_tviews.log_refreshes = errors or all, a maintenance ERROR is
-- recorded in pg_tview_refresh_log (status 'error') by a background worker in a
-- transaction of its own, so the row outlives the rollback of the failing write;
-- the client still gets the original ERROR, and the TVIEWs are left unchanged
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA log_errors;
SET search_path = log_errors, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''ratio'', ''ratio_share'')'
\set VERBOSITY terse

CREATE TABLE tb_item (id int PRIMARY KEY, total int NOT NULL, parts int NOT NULL);
INSERT INTO tb_item VALUES (1, 10, 2), (2, 9, 3);
-- a write setting parts to 0 makes maintenance divide by zero
CREATE TABLE tv_ratio AS SELECT id AS pk_ratio, total / parts AS ratio FROM tb_item;
-- ... and one setting total to 0 makes the TVIEW stacked on it do so
CREATE TABLE tv_ratio_share AS SELECT pk_ratio AS pk_ratio_share, 100 / ratio AS share FROM tv_ratio;
-- this test's rows of the execution store
CREATE VIEW logged AS
SELECT entity, source_table, operation, mode, status, error_text,
       backend_pid = pg_backend_pid() AS this_backend, transaction_id IS NOT NULL AS has_xid
  FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share') ORDER BY refresh_id;
SELECT * FROM tv_ratio ORDER BY pk_ratio;

-- errors: a success records nothing, the failure exactly one row
SET pg_tviews.log_refreshes = errors;
UPDATE tb_item SET total = 12 WHERE id = 1;
UPDATE tb_item SET parts = 0 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM logged;
SELECT * FROM tv_ratio ORDER BY pk_ratio;
:check;

-- off: the same failure, the same ERROR, nothing recorded
DELETE FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share');
SET pg_tviews.log_refreshes = off;
UPDATE tb_item SET parts = 0 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_logged FROM logged;

-- all: the successes and the failure
SET pg_tviews.log_refreshes = 'all';
UPDATE tb_item SET total = 14 WHERE id = 1;
UPDATE tb_item SET parts = 0 WHERE id = 2;
SELECT * FROM logged;
:check;

-- a failure in a stacked TVIEW is recorded once, for that TVIEW, as a cascade
DELETE FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share');
SET pg_tviews.log_refreshes = errors;
UPDATE tb_item SET total = 0 WHERE id = 2;
SELECT * FROM logged;
:check;

-- deferred: the failure at COMMIT is recorded, and COMMIT reports the ERROR
DELETE FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share');
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_item SET total = 20 WHERE id = 1;
UPDATE tb_item SET parts = 0 WHERE id = 2;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime ORDER BY entity;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM logged;
SELECT * FROM tb_item ORDER BY id;
SELECT * FROM tv_ratio ORDER BY pk_ratio;
:check;

-- an exception block that catches the ERROR: the row is recorded all the same
DELETE FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share');
DO $$
BEGIN
    UPDATE tb_item SET parts = 0 WHERE id = 1;
EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'caught %', SQLSTATE;
END $$;
SELECT * FROM logged;
:check;

-- the health check reports the recorded errors
SELECT status, component, message, severity FROM pg_tviews_health_check()
 WHERE component IN ('execution store: ratio', 'execution store: ratio_share');

DELETE FROM pg_tview_refresh_log WHERE entity IN ('ratio', 'ratio_share');
RESET pg_tviews.log_refreshes;
DROP TABLE tv_ratio_share, tv_ratio;
SET client_min_messages = warning;
DROP SCHEMA log_errors CASCADE;
RESET client_min_messages;
