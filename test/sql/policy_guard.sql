-- policy_guard: row-level-security DDL on a source after CREATE.  The
-- policies that apply to a TVIEW's owner shape its documents, so CREATE /
-- ALTER / DROP POLICY, ALTER TABLE ... ENABLE / DISABLE ROW LEVEL
-- SECURITY and OWNER TO on a source rebuild the TVIEWs reading it (they
-- stay equal to their views), and a policy CREATE would refuse is refused
-- (0A000), undoing the command.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE ROLE regress_pol_admin;
CREATE ROLE regress_pol_viewer;
CREATE SCHEMA pol AUTHORIZATION regress_pol_admin;
GRANT USAGE, CREATE ON SCHEMA pol TO regress_pol_viewer;
\set VERBOSITY terse
SET ROLE regress_pol_admin;
CREATE TABLE pol.tb_doc (pk_doc int PRIMARY KEY, tenant int, body text);
CREATE TABLE pol.tb_other (id int);
INSERT INTO pol.tb_doc SELECT g, g % 3, 'doc ' || g FROM generate_series(1, 12) g;
GRANT SELECT, TRIGGER ON pol.tb_doc TO regress_pol_viewer;
ALTER TABLE pol.tb_doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant1 ON pol.tb_doc FOR SELECT TO regress_pol_viewer USING (tenant = 1);
SET ROLE regress_pol_viewer;
CREATE TABLE pol.tv_doc AS SELECT d.pk_doc, d.tenant, d.body FROM pol.tb_doc d;
-- state(): the tenants the TVIEW holds, and how many of its rows differ from its view
CREATE FUNCTION pol.state() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce((SELECT string_agg(DISTINCT tenant::text, ',' ORDER BY tenant::text) FROM pol.tv_doc), '-')
        || ' | drift ' || (SELECT count(*) FROM pg_tviews_verify('pol.doc'))
$$;
SELECT pol.state();

SET ROLE regress_pol_admin;
CREATE POLICY tenant2 ON pol.tb_doc FOR SELECT TO regress_pol_viewer USING (tenant = 2);
SET ROLE regress_pol_viewer;
SELECT pol.state();
SET ROLE regress_pol_admin;
ALTER POLICY tenant2 ON pol.tb_doc USING (tenant = 0);
SET ROLE regress_pol_viewer;
SELECT pol.state();
SET ROLE regress_pol_admin;
DROP POLICY tenant1 ON pol.tb_doc;
SET ROLE regress_pol_viewer;
SELECT pol.state();
SET ROLE regress_pol_admin;
ALTER TABLE pol.tb_doc DISABLE ROW LEVEL SECURITY;
SET ROLE regress_pol_viewer;
SELECT pol.state();
SET ROLE regress_pol_admin;
ALTER TABLE pol.tb_doc ENABLE ROW LEVEL SECURITY;
SET ROLE regress_pol_viewer;
SELECT pol.state();

-- policies CREATE would refuse: they depend on the writer's session or read another table
SET ROLE regress_pol_admin;
CREATE POLICY by_setting ON pol.tb_doc FOR SELECT TO regress_pol_viewer
    USING (tenant = current_setting('app.tenant', true)::int);
\echo :LAST_ERROR_SQLSTATE
CREATE POLICY by_table ON pol.tb_doc FOR SELECT TO regress_pol_viewer
    USING (EXISTS (SELECT FROM pol.tb_other o WHERE o.id = tenant));
\echo :LAST_ERROR_SQLSTATE
ALTER POLICY tenant2 ON pol.tb_doc USING (tenant = current_setting('app.tenant', true)::int);
\echo :LAST_ERROR_SQLSTATE
SELECT polname FROM pg_policy WHERE polrelid = 'pol.tb_doc'::regclass ORDER BY 1;
-- a policy for another role does not apply to the TVIEW's owner
CREATE POLICY for_others ON pol.tb_doc FOR SELECT TO regress_pol_admin USING (tenant = current_setting('app.tenant', true)::int);
SET ROLE regress_pol_viewer;
SELECT pol.state();

-- the owner of the source changes: the TVIEW's owner now owns it, no policy applies
RESET ROLE;
ALTER TABLE pol.tb_doc OWNER TO regress_pol_viewer;
SET ROLE regress_pol_viewer;
SELECT pol.state();
-- and back: the viewer's grants went with the ownership, so the TVIEW's
-- owner could no longer read the source: refused, as the rebuild failed
RESET ROLE;
ALTER TABLE pol.tb_doc OWNER TO regress_pol_admin;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'pol.tb_doc'::regclass;
-- still maintained
SET ROLE regress_pol_viewer;
UPDATE pol.tb_doc SET tenant = 0 WHERE pk_doc = 1;
SELECT pol.state();

RESET ROLE;
DROP SCHEMA pol CASCADE;
DROP ROLE regress_pol_admin, regress_pol_viewer;
