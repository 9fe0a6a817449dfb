-- The DDL guard (src/ddl/alter_guard.rs): after DDL that can change a
-- TVIEW's table, view or sources, check they are still what maintenance
-- relies on, and refuse the command otherwise.  At the start of the same
-- commands it notes the maintenance triggers and primary keys there are,
-- so that only what the command itself takes away is refused.  Policy
-- DDL on a source, and row security or owner changes (ALTER TABLE),
-- rebuild the TVIEWs reading it (src/ddl/policy_guard.rs).

CREATE FUNCTION _pg_tviews_ddl_guard() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_ddl_guard';

CREATE EVENT TRIGGER pg_tviews_ddl_guard_start ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER', 'CREATE INDEX',
                 'CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER', 'CREATE INDEX',
                 'CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

REVOKE EXECUTE ON FUNCTION _pg_tviews_ddl_guard() FROM PUBLIC;

-- Functions (src/ddl/function_guard.rs): after a function or aggregate a
-- TVIEW's definition runs is replaced or altered, check it again and
-- rebuild the TVIEW, or refuse the command; also after one is renamed or
-- dropped.
-- Types (src/ddl/type_guard.rs): after ALTER TYPE on a type a TVIEW's
-- definition reads, rebuild the TVIEW in the same transaction.
-- Renaming or dropping a function (a string body may call it by name):
-- what each TVIEW reached is noted at the start.
CREATE EVENT TRIGGER pg_tviews_function_guard_start ON ddl_command_start
    WHEN TAG IN ('ALTER FUNCTION', 'ALTER AGGREGATE', 'ALTER ROUTINE',
                 'DROP FUNCTION', 'DROP AGGREGATE', 'DROP ROUTINE')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

CREATE EVENT TRIGGER pg_tviews_function_guard ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE AGGREGATE', 'ALTER AGGREGATE',
                 'ALTER ROUTINE', 'ALTER TYPE', 'DROP FUNCTION', 'DROP AGGREGATE', 'DROP ROUTINE')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

-- Subscriptions (src/ddl/capture.rs): after a subscription adds or drops
-- tables, the sources it writes get (or lose) row-level capture in the
-- same transaction, before its table-sync workers start copying.
CREATE EVENT TRIGGER pg_tviews_subscription_capture ON ddl_command_end
    WHEN TAG IN ('CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION', 'DROP SUBSCRIPTION')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();
