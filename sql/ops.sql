-- pg_tviews operations: views over the execution store, and the rights on
-- the operator functions.  Loaded after the Rust functions it names.

-- Per TVIEW, from pg_tview_refresh_log (recorded when
-- pg_tviews.log_refreshes = all, or errors only with = errors).
CREATE VIEW pg_tviews_performance_summary AS
SELECT entity,
       pg_catalog.count(*) AS refreshes,
       pg_catalog.sum(rows_inserted + rows_updated + rows_deleted) AS rows_written,
       pg_catalog.round(pg_catalog.avg(duration_ms)::numeric, 3) AS avg_ms,
       pg_catalog.round((pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::numeric, 3) AS p50_ms,
       pg_catalog.round((pg_catalog.percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::numeric, 3) AS p95_ms,
       pg_catalog.round((pg_catalog.percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms))::numeric, 3) AS p99_ms,
       pg_catalog.count(*) FILTER (WHERE mode = 'full') AS full_refreshes,
       pg_catalog.count(*) FILTER (WHERE status = 'error') AS errors,
       pg_catalog.max(logged_at) AS last_refresh
  FROM pg_tview_refresh_log
 GROUP BY entity;
COMMENT ON VIEW pg_tviews_performance_summary IS
    'per TVIEW: maintenance runs, rows written, duration percentiles, full rebuilds, errors, last run';
GRANT SELECT ON pg_tviews_performance_summary TO PUBLIC;

-- Purging deletes history as the extension owner: not for everyone.
REVOKE EXECUTE ON FUNCTION pg_tviews_purge_history(interval) FROM PUBLIC;
