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
                                   'default_text_search_config', 'lc_monetary', 'lc_numeric', 'lc_time']) AS s);
ALTER TABLE pg_tview_meta ALTER COLUMN settings SET NOT NULL;
COMMENT ON COLUMN pg_tview_meta.settings IS 'the creating session''s settings that change how values print (TimeZone, DateStyle, ...): every run of the definition applies them';
