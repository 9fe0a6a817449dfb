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
