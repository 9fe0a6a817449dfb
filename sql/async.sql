-- pg_tviews async mode: the durable queue that writes to sources of async
-- TVIEWs fill in their own transaction, the background worker's state, and
-- the view operators read both through.  See docs/async.md.

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
