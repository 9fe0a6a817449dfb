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

-- Before DROP TABLE (or DROP SCHEMA ... CASCADE) locks anything: lock the
-- sources of the TVIEWs it will drop (src/ddl/drop_start.rs), so that it
-- waits for their open writers instead of deadlocking with a deferred
-- writer's COMMIT.
CREATE FUNCTION _pg_tviews_on_drop_start() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_on_drop_start';

CREATE EVENT TRIGGER pg_tviews_drop_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA')
    EXECUTE FUNCTION _pg_tviews_on_drop_start();

-- After a DROP: forget TVIEWs whose table or view went away, drop the
-- other half, and remove maintenance triggers nobody needs any more.
-- SECURITY DEFINER: it calls _pg_tviews_forget_dropped, which ordinary roles may
-- not execute, for whoever dropped a TVIEW (its owner, or anyone dropping
-- one of its sources with CASCADE); it only forgets TVIEWs whose table or
-- view this very DROP removed, and an event trigger function cannot be
-- called directly.
CREATE FUNCTION _pg_tviews_on_drop() RETURNS event_trigger
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

CREATE EVENT TRIGGER pg_tviews_drop ON sql_drop
    EXECUTE FUNCTION _pg_tviews_on_drop();

-- Internal functions, for pg_tviews itself only.  Event triggers and
-- triggers are fired without an EXECUTE check, and the maintenance
-- triggers are created as the extension's owner, so revoking EXECUTE from
-- PUBLIC takes nothing from TVIEW owners and writers; it stops ordinary
-- roles from calling _pg_tviews_forget (which deletes metadata and drops
-- relations) and the trigger functions by hand.  pg_tviews_queue() and
-- pg_tviews_cache_stats_fn() stay executable: the public views
-- pg_tviews_queue_realtime and pg_tviews_cache_stats call them as the
-- reading user.
REVOKE EXECUTE ON FUNCTION _pg_tviews_forget(text, text), _pg_tviews_forget_dropped(oid[]),
    _pg_tviews_on_create_table_as(),
    _pg_tviews_on_drop(), _pg_tviews_on_drop_start(), pg_tviews_trigger() FROM PUBLIC;
