-- pg_tviews 0.1.0 -> 0.2.0: deferred maintenance, manual cascade, cache
-- statistics and the operator functions; the internal functions are no
-- longer executable by PUBLIC.  Otherwise nothing existing changes: this
-- script adds objects (the library behind them is the new one).
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.2.0'" to load this file. \quit

-- deferred maintenance
CREATE FUNCTION pg_tviews_set_refresh_mode(entity text, mode text) RETURNS text
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_set_refresh_mode_wrapper';
CREATE FUNCTION pg_tviews_queue()
    RETURNS TABLE (entity text, pending_keys bigint, oldest_enqueued_at timestamp with time zone)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_queue_wrapper';
CREATE VIEW pg_tviews_queue_realtime AS
    SELECT entity, pending_keys, oldest_enqueued_at FROM pg_tviews_queue();
COMMENT ON VIEW pg_tviews_queue_realtime IS 'this session''s deferred maintenance, applied at commit';
GRANT SELECT ON pg_tviews_queue_realtime TO PUBLIC;

-- maintenance by hand
CREATE FUNCTION pg_tviews_cascade(source regclass, keys anyarray) RETURNS bigint
    STRICT VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_cascade_wrapper';

-- caches
CREATE FUNCTION pg_tviews_cache_stats_fn()
    RETURNS TABLE (cache_name text, entries bigint, capacity bigint, hits bigint, misses bigint,
                   estimated_bytes bigint)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_cache_stats_fn_wrapper';
CREATE VIEW pg_tviews_cache_stats AS
    SELECT cache_name, entries, capacity, hits, misses, estimated_bytes FROM pg_tviews_cache_stats_fn();
COMMENT ON VIEW pg_tviews_cache_stats IS 'this backend''s pg_tviews caches: entries, bound, hits, misses, estimated size';
GRANT SELECT ON pg_tviews_cache_stats TO PUBLIC;

-- operator functions
CREATE FUNCTION pg_tviews_health_check()
    RETURNS TABLE (status text, component text, message text, severity text)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_health_check_wrapper';
CREATE FUNCTION pg_tviews_show_cascade_path(entity text)
    RETURNS TABLE (depth int, entity_name text, depends_on text, dependency_type text)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_show_cascade_path_wrapper';
CREATE FUNCTION pg_tviews_analyze_cascade(entity text, pk_value text)
    RETURNS TABLE (query_plan text)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_analyze_cascade_wrapper';
CREATE FUNCTION pg_tviews_suggest_indexes(entity text)
    RETURNS TABLE (index_suggestion text, reason text)
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_suggest_indexes_wrapper';
CREATE FUNCTION pg_tviews_purge_history(older_than interval) RETURNS bigint
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_purge_history_wrapper';
-- Purging deletes history as the extension owner: not for everyone.
REVOKE EXECUTE ON FUNCTION pg_tviews_purge_history(interval) FROM PUBLIC;

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

-- internal functions: for pg_tviews only (see sql/event_triggers.sql).
-- The drop event trigger calls _pg_tviews_forget for whoever drops a
-- TVIEW, so it now runs as the extension's owner.
ALTER FUNCTION _pg_tviews_on_drop() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION _pg_tviews_forget(text, text), _pg_tviews_on_create_table_as(),
    _pg_tviews_on_drop(), pg_tviews_trigger() FROM PUBLIC;
