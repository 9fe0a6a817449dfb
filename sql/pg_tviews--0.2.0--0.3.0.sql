-- pg_tviews 0.2.0 -> 0.3.0: the security boundary and exact-or-refused
-- definitions.  Each change to the install scripts (sql/*.sql and the
-- functions' SQL) has its counterpart here, in the order of the sections.
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.3.0'" to load this file. \quit

-- Deterministic maintenance (issue 11): pg_tview_meta.settings, the
-- settings each TVIEW's definition runs under (src/definition_settings.rs,
-- CAPTURED).  A TVIEW created before 0.3.0 gets the values of the session
-- running this update: its documents were written under whichever
-- sessions wrote its sources, so no value is right for all of them; the
-- updating session's is the one an administrator chooses, and
-- pg_tviews_refresh rewrites the documents under it.
ALTER TABLE pg_tview_meta ADD COLUMN settings jsonb;
UPDATE pg_tview_meta SET settings = (
    SELECT pg_catalog.jsonb_object_agg(s, pg_catalog.current_setting(s))
      FROM pg_catalog.unnest(ARRAY['DateStyle', 'IntervalStyle', 'TimeZone', 'timezone_abbreviations',
                                   'extra_float_digits', 'bytea_output', 'xmlbinary', 'xmloption',
                                   'default_text_search_config', 'lc_monetary', 'lc_numeric', 'lc_time',
                                   'array_nulls', 'quote_all_identifiers']) AS s);
ALTER TABLE pg_tview_meta ALTER COLUMN settings SET NOT NULL;
COMMENT ON COLUMN pg_tview_meta.settings IS 'the creating session''s settings that change how values print (TimeZone, DateStyle, ...): every run of the definition applies them';

-- DDL racing writers (src/ddl/serialize.rs, src/ddl/drop_start.rs): DROP
-- TABLE locks the sources of the TVIEWs it drops before it locks their
-- tables, and the sql_drop event trigger reads the metadata as committed
-- now (through _pg_tviews_forget_dropped), not with the transaction's
-- snapshot.
CREATE FUNCTION _pg_tviews_on_drop_start() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_on_drop_start';
CREATE EVENT TRIGGER pg_tviews_drop_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE')
    EXECUTE FUNCTION _pg_tviews_on_drop_start();
CREATE FUNCTION "_pg_tviews_forget_dropped"("relations" oid[]) RETURNS void
    STRICT LANGUAGE c AS 'MODULE_PATHNAME', '_pg_tviews_forget_dropped_wrapper';
CREATE OR REPLACE FUNCTION _pg_tviews_on_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- The metadata is read by _pg_tviews_forget_dropped as committed now,
    -- not with this transaction's snapshot (which, under REPEATABLE READ,
    -- may predate the TVIEW being dropped).
    PERFORM @extschema@._pg_tviews_forget_dropped(ARRAY(
        SELECT d.objid FROM pg_event_trigger_dropped_objects() d
         WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0));
END
$$;
REVOKE EXECUTE ON FUNCTION _pg_tviews_on_drop_start(), _pg_tviews_forget_dropped(oid[]) FROM PUBLIC;

-- The DDL guard (sql/ddl_guard.sql): DDL that would leave a TVIEW's table,
-- view or sources unmaintainable is refused.
CREATE FUNCTION _pg_tviews_ddl_guard() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_ddl_guard';

CREATE EVENT TRIGGER pg_tviews_ddl_guard_start ON ddl_command_start
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

CREATE EVENT TRIGGER pg_tviews_ddl_guard ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER TRIGGER', 'ALTER FOREIGN TABLE',
                 'CREATE TABLE', 'CREATE FOREIGN TABLE', 'CREATE VIEW', 'CREATE RULE',
                 'CREATE TRIGGER', 'DROP TRIGGER')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();

REVOKE EXECUTE ON FUNCTION _pg_tviews_ddl_guard() FROM PUBLIC;

-- The function guard (sql/ddl_guard.sql, src/ddl/function_guard.rs):
-- replacing or altering a function a TVIEW's definition runs checks it
-- again and rebuilds the TVIEW, or refuses the command.
-- ALTER TYPE on a type a TVIEW's definition reads rebuilds the TVIEW
-- (src/ddl/type_guard.rs).
CREATE EVENT TRIGGER pg_tviews_function_guard ON ddl_command_end
    WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE AGGREGATE', 'ALTER AGGREGATE',
                 'ALTER ROUTINE', 'ALTER TYPE')
    EXECUTE FUNCTION _pg_tviews_ddl_guard();
