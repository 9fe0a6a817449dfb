-- tv_check(entity, ...): per TVIEW, the rows pg_tviews_verify reports (problems) and
-- the rows of tv_E and v_E missing from the other, as multisets (differences). 0 and 0 = equal.
CREATE FUNCTION tv_check(VARIADIC entities text[])
RETURNS TABLE (tview text, problems bigint, differences bigint) LANGUAGE plpgsql AS $$
DECLARE e text;
BEGIN
    FOREACH e IN ARRAY entities LOOP
        tview := 'tv_' || e;
        SELECT count(*) INTO problems FROM pg_tviews_verify(e);
        EXECUTE format('SELECT count(*) FROM ((TABLE %1$I EXCEPT ALL TABLE %2$I)
                         UNION ALL (TABLE %2$I EXCEPT ALL TABLE %1$I)) d', 'tv_' || e, 'v_' || e)
           INTO differences;
        RETURN NEXT;
    END LOOP;
END $$;
