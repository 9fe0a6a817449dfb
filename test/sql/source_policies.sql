-- source_policies: a row-level-security policy of a source that applies to
-- the TVIEW's owner shapes the documents (maintenance reads as the owner)
-- and is evaluated in the writer's session: it must read no other table and
-- call no session-dependent function (docs/security.md), or CREATE is
-- refused with 0A000.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_pol_owner;
CREATE ROLE regress_pol_base;
CREATE ROLE regress_pol_writer;
CREATE SCHEMA pol AUTHORIZATION regress_pol_base;
GRANT USAGE, CREATE ON SCHEMA pol TO regress_pol_owner;
GRANT USAGE ON SCHEMA pol TO regress_pol_writer;

SET ROLE regress_pol_base;
CREATE TABLE pol.tb_q (pk_q int PRIMARY KEY, tenant text NOT NULL, body text);
INSERT INTO pol.tb_q VALUES (1, 'a', 'one'), (2, 'b', 'two');
ALTER TABLE pol.tb_q ENABLE ROW LEVEL SECURITY;
GRANT SELECT, TRIGGER ON pol.tb_q TO regress_pol_owner;
GRANT SELECT, INSERT, UPDATE ON pol.tb_q TO regress_pol_writer;
CREATE POLICY writers ON pol.tb_q TO regress_pol_writer USING (true) WITH CHECK (true);
-- the red-team reproduction: the writer's setting decides what the owner sees
CREATE POLICY by_setting ON pol.tb_q TO regress_pol_owner
  USING (coalesce(current_setting('app.tenant', true), '') IN ('', tenant));
RESET ROLE;
SET ROLE regress_pol_owner;
CREATE TABLE pol.tv_q AS SELECT q.pk_q, q.tenant, q.body FROM pol.tb_q q;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a policy reading another table: a hidden source
SET ROLE regress_pol_base;
DROP POLICY by_setting ON pol.tb_q;
CREATE TABLE pol.tb_allowed (tenant text PRIMARY KEY);
GRANT SELECT ON pol.tb_allowed TO regress_pol_owner;
CREATE POLICY by_table ON pol.tb_q TO regress_pol_owner
  USING (tenant IN (SELECT a.tenant FROM pol.tb_allowed a));
RESET ROLE;
SET ROLE regress_pol_owner;
CREATE TABLE pol.tv_q AS SELECT q.pk_q, q.tenant, q.body FROM pol.tb_q q;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a deterministic policy on another role's table: accepted and maintained,
-- whatever the writer's session says
SET ROLE regress_pol_base;
DROP POLICY by_table ON pol.tb_q;
CREATE POLICY tenant_a ON pol.tb_q TO regress_pol_owner USING (tenant = 'a');
RESET ROLE;
SET ROLE regress_pol_owner;
CREATE TABLE pol.tv_q AS SELECT q.pk_q, q.tenant, q.body FROM pol.tb_q q;
RESET ROLE;
SET ROLE regress_pol_writer;
SET app.tenant = 'b';
INSERT INTO pol.tb_q VALUES (3, 'a', 'three'), (4, 'b', 'four');
UPDATE pol.tb_q SET tenant = 'a' WHERE pk_q = 2;
RESET app.tenant;
RESET ROLE;
SELECT pk_q, tenant, body FROM pol.tv_q ORDER BY 1;
SET ROLE regress_pol_owner;
SELECT count(*) AS problems FROM pg_tviews_verify('pol.q');
RESET ROLE;

-- the same policy for PUBLIC applies too; for a role the owner is not a
-- member of it does not, and a superuser owner is not subject to any
SET ROLE regress_pol_base;
CREATE TABLE pol.tb_r (pk_r int PRIMARY KEY, v text);
ALTER TABLE pol.tb_r ENABLE ROW LEVEL SECURITY;
GRANT SELECT, TRIGGER ON pol.tb_r TO regress_pol_owner;
CREATE POLICY by_user ON pol.tb_r USING (v = current_user);
RESET ROLE;
SET ROLE regress_pol_owner;
CREATE TABLE pol.tv_r AS SELECT r.pk_r, r.v FROM pol.tb_r r;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE TABLE pol.tv_r AS SELECT r.pk_r, r.v FROM pol.tb_r r;
DROP TABLE pol.tv_r;
SET ROLE regress_pol_base;
ALTER POLICY by_user ON pol.tb_r TO regress_pol_writer;
RESET ROLE;
SET ROLE regress_pol_owner;
CREATE TABLE pol.tv_r AS SELECT r.pk_r, r.v FROM pol.tb_r r;
RESET ROLE;
SET client_min_messages = warning;
DROP SCHEMA pol CASCADE;
RESET client_min_messages;
DROP ROLE regress_pol_owner;
DROP ROLE regress_pol_base;
DROP ROLE regress_pol_writer;
