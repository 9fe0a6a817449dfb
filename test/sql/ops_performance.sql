-- ops_performance: pg_tviews_performance_summary over the execution store,
-- and pg_tviews_purge_history.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA pf;
SET search_path = pf, public;
CREATE TABLE tb_item (pk_item int PRIMARY KEY, val int);
CREATE TABLE tv_perf_item AS SELECT pk_item AS pk_perf_item, val FROM tb_item;
-- real maintenance runs, recorded
SET pg_tviews.log_refreshes = 'all';
INSERT INTO tb_item SELECT g, g FROM generate_series(1, 10) g;
UPDATE tb_item SET val = val + 1 WHERE pk_item <= 3;
DELETE FROM tb_item WHERE pk_item = 10;
TRUNCATE tb_item;
RESET pg_tviews.log_refreshes;
SELECT entity, refreshes, rows_written, full_refreshes, errors,
       avg_ms >= 0 AS avg_known, p50_ms <= p95_ms AND p95_ms <= p99_ms AS ordered,
       last_refresh > now() - interval '1 hour' AS recent
  FROM pg_tviews_performance_summary WHERE entity = 'perf_item';
-- the statistics, on known durations (1, 2, ..., 100 ms, one an error)
INSERT INTO pg_tview_refresh_log (entity, operation, mode, rows_updated, duration_ms, status)
SELECT 'perf_synthetic', 'UPDATE', CASE WHEN g % 10 = 0 THEN 'full' ELSE 'incremental' END,
       2, g, CASE WHEN g = 100 THEN 'error' ELSE 'ok' END
  FROM generate_series(1, 100) g;
SELECT entity, refreshes, rows_written, avg_ms, p50_ms, p95_ms, p99_ms, full_refreshes, errors
  FROM pg_tviews_performance_summary WHERE entity = 'perf_synthetic';
-- purge: rows older than the interval go, and are counted
UPDATE pg_tview_refresh_log SET logged_at = now() - interval '40 days'
 WHERE entity = 'perf_synthetic' AND duration_ms <= 30;
SELECT pg_tviews_purge_history('30 days') AS deleted;
SELECT refreshes FROM pg_tviews_performance_summary WHERE entity = 'perf_synthetic';
SELECT pg_tviews_purge_history('30 days') AS deleted_again;
-- a negative interval would reach into the future and purge everything: refused
SELECT pg_tviews_purge_history('-1 day');
SELECT count(*) > 0 AS rows_kept FROM pg_tview_refresh_log WHERE entity = 'perf_synthetic';
SELECT operation, details FROM pg_tview_audit_log
 WHERE operation = 'PURGE HISTORY' ORDER BY log_id DESC LIMIT 2;
-- purging is for the extension's owner and those it grants it to
CREATE ROLE ops_perf_reader;
SET ROLE ops_perf_reader;
SELECT count(*) >= 0 AS may_read FROM pg_tviews_performance_summary;
SELECT pg_tviews_purge_history('0 seconds');
RESET ROLE;
DROP ROLE ops_perf_reader;
DELETE FROM pg_tview_refresh_log WHERE entity IN ('perf_synthetic', 'perf_item');
SET client_min_messages = warning;
DROP SCHEMA pf CASCADE;
RESET client_min_messages;
