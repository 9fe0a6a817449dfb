-- pg_tviews catalog: what the extension knows about each TVIEW, the audit
-- log, and the execution store.  Loaded first by CREATE EXTENSION.
--
-- Relations are stored as regclass so that pg_dump writes them as names
-- and a restore binds them to the new objects.

CREATE TABLE pg_tview_meta (
    entity          text        NOT NULL,
    schema_name     name        NOT NULL,
    table_oid       regclass    NOT NULL,
    view_oid        regclass    NOT NULL,
    key_column      name        NOT NULL,
    definition      text        NOT NULL,
    dependencies    regclass[]  NOT NULL DEFAULT '{}',
    refresh_mode    text        NOT NULL DEFAULT 'immediate'
                    CHECK (refresh_mode IN ('immediate', 'deferred', 'async')),
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by      name        NOT NULL DEFAULT CURRENT_USER,
    settings        jsonb       NOT NULL,
    PRIMARY KEY (schema_name, entity)
);
CREATE UNIQUE INDEX pg_tview_meta_table_idx ON pg_tview_meta (table_oid);
CREATE INDEX pg_tview_meta_dependencies_idx ON pg_tview_meta USING gin (dependencies);
COMMENT ON TABLE pg_tview_meta IS 'one row per TVIEW: its table, view, key and direct sources';
COMMENT ON COLUMN pg_tview_meta.settings IS 'the creating session''s settings that change how values print (TimeZone, DateStyle, ...): every run of the definition applies them';

CREATE TABLE pg_tview_audit_log (
    log_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operation       text        NOT NULL,
    entity          text,
    performed_by    name        NOT NULL DEFAULT SESSION_USER,
    performed_at    timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    details         jsonb       NOT NULL DEFAULT '{}',
    client_addr     inet        DEFAULT pg_catalog.inet_client_addr(),
    client_port     integer     DEFAULT pg_catalog.inet_client_port()
);
CREATE INDEX pg_tview_audit_log_entity_idx ON pg_tview_audit_log (entity, performed_at);
COMMENT ON TABLE pg_tview_audit_log IS 'CREATE, DROP, REFRESH, CONVERT and trigger reinstall events';

CREATE TABLE pg_tview_refresh_log (
    refresh_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity          text        NOT NULL,
    source_table    regclass,
    operation       text        NOT NULL
                    CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'MERGE', 'CASCADE', 'MANUAL')),
    mode            text        NOT NULL CHECK (mode IN ('incremental', 'full')),
    keys_examined   bigint      NOT NULL DEFAULT 0,
    rows_inserted   bigint      NOT NULL DEFAULT 0,
    rows_updated    bigint      NOT NULL DEFAULT 0,
    rows_deleted    bigint      NOT NULL DEFAULT 0,
    duration_ms     double precision NOT NULL DEFAULT 0,
    status          text        NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'error')),
    error_text      text,
    transaction_id  xid8        DEFAULT pg_catalog.pg_current_xact_id_if_assigned(),
    backend_pid     integer     NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    logged_at       timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
CREATE INDEX pg_tview_refresh_log_entity_idx ON pg_tview_refresh_log (entity, logged_at);
CREATE INDEX pg_tview_refresh_log_logged_at_idx ON pg_tview_refresh_log (logged_at);
COMMENT ON TABLE pg_tview_refresh_log IS 'execution store: one row per (statement, TVIEW) maintenance run';

CREATE TABLE pg_tview_capture (
    source          regclass    PRIMARY KEY,
    mode            text        NOT NULL CHECK (mode IN ('replica', 'row')),
    set_by          name        NOT NULL DEFAULT CURRENT_USER,
    set_at          timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE pg_tview_capture IS 'capture modes set with pg_tviews_set_capture (a table not listed is in mode statement, or replica when a subscription writes it)';

SELECT pg_catalog.pg_extension_config_dump('pg_tview_meta', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tview_capture', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tview_audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tview_refresh_log', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tview_audit_log_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pg_tview_refresh_log_refresh_id_seq', '');

-- Anyone may read what pg_tviews knows (maintenance reads it as the
-- writing user); only pg_tviews writes it, as the extension's owner.
GRANT SELECT ON pg_tview_meta, pg_tview_audit_log, pg_tview_refresh_log TO PUBLIC;
GRANT SELECT ON pg_tview_capture TO PUBLIC;
