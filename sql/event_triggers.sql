-- DDL capture.  Event triggers belong to the database, fire in every
-- session (also its first statement) and load the library themselves, so
-- no preload setting or server restart is needed; they vanish with the
-- extension, which leaves nothing active where it is not installed.

CREATE FUNCTION _pg_tviews_on_create_table_as() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_on_create_table_as';

-- At start the query is deparsed (before planning touches it), at end the
-- new table becomes a TVIEW.
CREATE EVENT TRIGGER pg_tviews_create_table_as_start ON ddl_command_start
    WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO')
    EXECUTE FUNCTION _pg_tviews_on_create_table_as();

CREATE EVENT TRIGGER pg_tviews_create_table_as ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE AS', 'SELECT INTO')
    EXECUTE FUNCTION _pg_tviews_on_create_table_as();

-- After a DROP: forget TVIEWs whose table or view went away, drop the
-- other half, and remove maintenance triggers nobody needs any more.
CREATE FUNCTION _pg_tviews_on_drop() RETURNS event_trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    gone record;
BEGIN
    FOR gone IN
        SELECT m.schema_name, m.entity
          FROM @extschema@.pg_tview_meta m
         WHERE EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d
                        WHERE d.classid = 'pg_class'::regclass
                          AND d.objsubid = 0
                          AND d.objid IN (m.table_oid::oid, m.view_oid::oid))
    LOOP
        PERFORM @extschema@._pg_tviews_forget(gone.schema_name, gone.entity);
    END LOOP;
END
$$;

CREATE EVENT TRIGGER pg_tviews_drop ON sql_drop
    EXECUTE FUNCTION _pg_tviews_on_drop();
