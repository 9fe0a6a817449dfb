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
