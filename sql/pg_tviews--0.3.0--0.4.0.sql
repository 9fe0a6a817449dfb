-- pg_tviews 0.3.0 -> 0.4.0.  Each change to the install scripts (sql/*.sql
-- and the functions' SQL) has its counterpart here, in the order of the
-- sections.
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.4.0'" to load this file. \quit

-- The DDL guard's reach (sql/ddl_guard.sql): CREATE INDEX (a unique index
-- on a TVIEW's table), policy DDL (src/ddl/policy_guard.rs), and renaming
-- or dropping a function a TVIEW calls by name (src/ddl/function_guard.rs).
-- An event trigger's tags cannot be altered: each is created again.
DROP EVENT TRIGGER pg_tviews_ddl_guard_start;
CREATE EVENT TRIGGER pg_tviews_ddl_guard_start ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER', 'CREATE INDEX',
                 'CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();
DROP EVENT TRIGGER pg_tviews_ddl_guard;
CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER', 'CREATE INDEX',
                 'CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();
CREATE EVENT TRIGGER pg_tviews_function_guard_start ON ddl_command_start
    WHEN TAG IN ('ALTER FUNCTION', 'ALTER AGGREGATE', 'ALTER ROUTINE',
                 'DROP FUNCTION', 'DROP AGGREGATE', 'DROP ROUTINE')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();
DROP EVENT TRIGGER pg_tviews_function_guard;
CREATE EVENT TRIGGER pg_tviews_function_guard ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE AGGREGATE', 'ALTER AGGREGATE',
                 'ALTER ROUTINE', 'ALTER TYPE', 'DROP FUNCTION', 'DROP AGGREGATE', 'DROP ROUTINE')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

-- DROP SCHEMA ... CASCADE locks the sources of the TVIEWs it drops first,
-- like DROP TABLE (src/ddl/drop_start.rs).
DROP EVENT TRIGGER pg_tviews_drop_start;
CREATE EVENT TRIGGER pg_tviews_drop_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA')
    EXECUTE FUNCTION _pg_tviews_on_drop_start();

-- Capture modes and TVIEWs on logical-replication subscribers (issue 14,
-- src/ddl/capture.rs, src/engine/row_capture.rs, docs/replication.md).
CREATE TABLE pg_tview_capture (
    source          regclass    PRIMARY KEY,
    mode            text        NOT NULL CHECK (mode IN ('replica', 'row')),
    set_by          name        NOT NULL DEFAULT CURRENT_USER,
    set_at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE pg_tview_capture IS 'capture modes set with pg_tviews_set_capture (a table not listed is in mode statement, or replica when a subscription writes it)';
SELECT pg_catalog.pg_extension_config_dump('pg_tview_capture', '');
GRANT SELECT ON pg_tview_capture TO PUBLIC;

CREATE FUNCTION pg_tviews_set_capture(source regclass, mode text) RETURNS text
    STRICT VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_set_capture_wrapper';

CREATE EVENT TRIGGER pg_tviews_subscription_capture ON ddl_command_end
    WHEN TAG IN ('CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION', 'DROP SUBSCRIPTION')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

-- The statement triggers on a TVIEW's table that a stacked TVIEW reads now
-- fire in every session (ENABLE ALWAYS), so cascades also run inside the
-- apply worker; the next trigger sync would do the same.  Subscribed
-- sources get their row capture from SELECT pg_tviews_install_stmt_triggers().
DO $$
DECLARE t record;
BEGIN
    FOR t IN
        SELECT g.tgrelid::regclass AS rel, g.tgname
          FROM pg_catalog.pg_trigger g
          JOIN @extschema@.pg_tview_meta m ON m.table_oid = g.tgrelid
         WHERE g.tgname IN ('pg_tviews_ins', 'pg_tviews_upd', 'pg_tviews_del', 'pg_tviews_trunc')
           AND g.tgenabled = 'O'
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.rel, t.tgname);
    END LOOP;
END
$$;

-- Async refresh mode (issue 15): a TVIEW's refresh_mode may be 'async';
-- the durable queue, the worker's row and the status view (sql/async.sql);
-- pg_tviews_wait.
ALTER TABLE pg_tview_meta DROP CONSTRAINT pg_tview_meta_refresh_mode_check;
ALTER TABLE pg_tview_meta ADD CONSTRAINT pg_tview_meta_refresh_mode_check
    CHECK (refresh_mode IN ('immediate', 'deferred', 'async'));

-- One row per (committed writing transaction, async TVIEW): the TVIEW keys
-- the write may have changed (array_out text of the key array, printed
-- under fixed settings so it reads back exactly), or NULL for "rebuild it
-- whole" (TRUNCATE, a statement over the full-refresh threshold).  Rows
-- are inserted at PRE_COMMIT / PREPARE TRANSACTION of the writer, so they
-- are visible exactly when its writes are, and deleted by the transaction
-- that applies them.
CREATE TABLE pg_tviews_async_queue (
    entry_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- for pg_tviews_wait: an entry a drain produced (a stacked async
    -- TVIEW) carries the oldest origin of the entries that drain applied
    origin_id       bigint,
    tview           regclass    NOT NULL,
    source_table    regclass,
    operation       text        NOT NULL,
    keys            text,
    key_count       bigint      NOT NULL DEFAULT 0,
    enqueued_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX pg_tviews_async_queue_tview_idx ON pg_tviews_async_queue (tview, entry_id);
COMMENT ON TABLE pg_tviews_async_queue IS 'async mode: TVIEW keys written by committed transactions and not yet applied by the worker';

-- The worker of this database: at most one row.
CREATE TABLE pg_tviews_async_worker (
    singleton       boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    pid             integer,
    state           text        NOT NULL DEFAULT 'stopped'
                    CHECK (state IN ('stopped', 'running', 'retrying')),
    started_at      timestamptz,
    last_batch_at   timestamptz,
    batches         bigint      NOT NULL DEFAULT 0,
    keys_applied    bigint      NOT NULL DEFAULT 0,
    last_error      text,
    last_error_at   timestamptz
);
COMMENT ON TABLE pg_tviews_async_worker IS 'async mode: the background worker of this database, its state and last error';

SELECT pg_catalog.pg_extension_config_dump('pg_tviews_async_queue', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tviews_async_queue_entry_id_seq', '');

-- The queue holds key values of TVIEW rows: not for everyone.  The view
-- below shows counts and ages only.
GRANT SELECT ON pg_tviews_async_worker TO PUBLIC;

-- Per TVIEW in async mode or with entries pending: the backlog, its lag
-- (age of the oldest entry), the worker, and the TVIEW's latest failure
-- since that entry was queued.
CREATE VIEW pg_tviews_async_status AS
SELECT m.entity,
       m.schema_name,
       m.refresh_mode,
       COALESCE(q.entries, 0) AS pending_entries,
       COALESCE(q.keys, 0) AS pending_keys,
       COALESCE(q.rebuilds, 0) AS pending_rebuilds,
       q.oldest AS oldest_enqueued_at,
       pg_catalog.clock_timestamp() - q.oldest AS lag,
       a.pid AS worker_pid,
       COALESCE(CASE WHEN a.pid IS NOT NULL THEN w.state END, 'stopped') AS worker_state,
       e.error_text AS last_error,
       e.logged_at AS last_error_at
  FROM pg_tview_meta m
  LEFT JOIN (SELECT tview, pg_catalog.count(*) AS entries, pg_catalog.sum(key_count) AS keys,
                    pg_catalog.count(*) FILTER (WHERE keys IS NULL) AS rebuilds,
                    pg_catalog.min(enqueued_at) AS oldest
               FROM pg_tviews_async_queue GROUP BY tview) q ON q.tview = m.table_oid
  LEFT JOIN pg_tviews_async_worker w ON true
  -- the row of a worker killed or lost in a restart still names its pid
  LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid AND a.backend_type = 'pg_tviews async worker'
  LEFT JOIN LATERAL (SELECT l.error_text, l.logged_at FROM pg_tview_refresh_log l
                      WHERE l.entity = m.entity AND l.status = 'error' AND l.logged_at >= q.oldest
                      ORDER BY l.logged_at DESC LIMIT 1) e ON true
 WHERE m.refresh_mode = 'async' OR q.entries IS NOT NULL;
COMMENT ON VIEW pg_tviews_async_status IS
    'async mode: per TVIEW, pending entries and keys, lag of the oldest, the worker''s state and the latest failure';
GRANT SELECT ON pg_tviews_async_status TO PUBLIC;

CREATE FUNCTION "pg_tviews_wait"("timeout" interval DEFAULT '5s') RETURNS bool
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_wait_wrapper';
