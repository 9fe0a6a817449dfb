-- extension: CREATE EXTENSION, catalog tables, version, pg_dump registration
CREATE EXTENSION IF NOT EXISTS pg_tviews;
SELECT extname, extversion FROM pg_extension WHERE extname = 'pg_tviews';
SELECT pg_tviews_version() = '0.4.0' AS version_ok;
SELECT pg_tviews_check_jsonb_delta() IS NOT NULL AS jsonb_delta_answers;

-- catalog tables and their columns
SELECT table_name, column_name, data_type
  FROM information_schema.columns
 WHERE table_name IN ('pg_tview_meta', 'pg_tview_audit_log', 'pg_tview_refresh_log')
 ORDER BY table_name, ordinal_position;

-- registered with pg_extension_config_dump so pg_dump keeps their rows
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid)
  JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'pg_tviews' AND c.relkind = 'r'
 ORDER BY 1;

-- public functions of the contract
SELECT p.proname
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
  JOIN pg_extension e ON e.oid = d.refobjid AND d.deptype = 'e'
 WHERE e.extname = 'pg_tviews' AND p.proname LIKE 'pg\_tviews\_%'
   AND p.proname IN ('pg_tviews_create', 'pg_tviews_drop', 'pg_tviews_refresh',
                     'pg_tviews_verify', 'pg_tviews_version', 'pg_tviews_check_jsonb_delta',
                     'pg_tviews_install_stmt_triggers', 'pg_tviews_reinstall_triggers')
 ORDER BY 1;

-- GUC defaults
SHOW pg_tviews.enabled;
SHOW pg_tviews.full_refresh_threshold;
SHOW pg_tviews.max_cascade_depth;
SELECT lower(current_setting('pg_tviews.log_refreshes')) AS log_refreshes;
SHOW pg_tviews.audit;

-- the catalog starts empty
SELECT count(*) AS tviews FROM pg_tview_meta;
