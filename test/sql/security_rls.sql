-- security_rls: row-level security and TVIEWs (docs/security.md).  RLS on
-- a source does not filter tv_*: maintenance reads the sources as the
-- TVIEW's owner.  A policy on tv_* filters its readers, and maintenance
-- keeps writing every row under it, FORCE ROW LEVEL SECURITY included.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_rls_owner;
CREATE ROLE regress_rls_alice;
CREATE ROLE regress_rls_bob;
CREATE ROLE regress_rls_base;
CREATE SCHEMA rls AUTHORIZATION regress_rls_owner;
GRANT USAGE ON SCHEMA rls TO regress_rls_alice, regress_rls_bob, regress_rls_base;
GRANT CREATE ON SCHEMA rls TO regress_rls_base;

SET ROLE regress_rls_owner;
CREATE TABLE rls.tb_doc (pk_doc int PRIMARY KEY, tenant text NOT NULL, body text);
ALTER TABLE rls.tb_doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON rls.tb_doc USING (tenant = current_user);
GRANT SELECT, INSERT, UPDATE, DELETE ON rls.tb_doc TO regress_rls_alice, regress_rls_bob;
CREATE TABLE rls.tv_doc AS
SELECT d.pk_doc, jsonb_build_object('tenant', d.tenant, 'body', d.body) AS data FROM rls.tb_doc d;
GRANT SELECT ON rls.tv_doc TO regress_rls_alice, regress_rls_bob;
GRANT SELECT ON rls.v_doc TO regress_rls_alice;
RESET ROLE;

-- each tenant writes and sees only its own rows of the source ...
SET ROLE regress_rls_alice;
INSERT INTO rls.tb_doc VALUES (1, 'regress_rls_alice', 'a1'), (2, 'regress_rls_alice', 'a2');
SELECT count(*) AS alice_sees_in_source FROM rls.tb_doc;
RESET ROLE;
SET ROLE regress_rls_bob;
INSERT INTO rls.tb_doc VALUES (3, 'regress_rls_bob', 'b1'), (4, 'regress_rls_bob', 'b2');
SELECT count(*) AS bob_sees_in_source FROM rls.tb_doc;
-- ... but tv_doc is maintained as its owner: the source's policy does not
-- filter it, every reader of tv_doc sees every tenant
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
RESET ROLE;
-- a reader with SELECT on tv_doc and v_doc may compare them (no RLS on tv_doc)
SET ROLE regress_rls_alice;
SELECT count(*) AS problems FROM pg_tviews_verify('rls.doc');
RESET ROLE;

-- tenant isolation on tv_doc is tv_doc's own policy
SET ROLE regress_rls_owner;
ALTER TABLE rls.tv_doc ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON rls.tv_doc USING (data->>'tenant' = current_user);
RESET ROLE;
SET ROLE regress_rls_bob;
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
UPDATE rls.tb_doc SET body = 'b1 edited' WHERE pk_doc = 3;
INSERT INTO rls.tb_doc VALUES (5, 'regress_rls_bob', 'b3');
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
RESET ROLE;
-- comparing every row would show alice the keys the policy hides: refused
SET ROLE regress_rls_alice;
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
SELECT * FROM pg_tviews_verify('rls.doc');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_tviews_analyze_cascade('rls.doc', '1');
\echo :LAST_ERROR_SQLSTATE
SELECT status, message FROM pg_tviews_health_check() WHERE component = 'consistency of rls.tv_doc';
RESET ROLE;

-- FORCE ROW LEVEL SECURITY: the policy now applies to the owner too, and
-- hides every row from it (no row's tenant is the owner)
SET ROLE regress_rls_owner;
ALTER TABLE rls.tv_doc FORCE ROW LEVEL SECURITY;
SELECT count(*) AS owner_sees FROM rls.tv_doc;
RESET ROLE;
-- inserts, updates (one row, then a statement rebuilding the TVIEW
-- set-wise) and deletes are still maintained, every row of them
SET ROLE regress_rls_alice;
INSERT INTO rls.tb_doc VALUES (6, 'regress_rls_alice', 'a3');
UPDATE rls.tb_doc SET body = 'a1 edited' WHERE pk_doc = 1;
UPDATE rls.tb_doc SET body = body || '!';
DELETE FROM rls.tb_doc WHERE pk_doc = 2;
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
RESET ROLE;
SET ROLE regress_rls_bob;
DELETE FROM rls.tb_doc WHERE pk_doc = 4;
RESET ROLE;
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
-- deferred maintenance, at commit
SET ROLE regress_rls_owner;
SELECT pg_tviews_set_refresh_mode('rls.doc', 'deferred') IS NOT NULL AS deferred;
RESET ROLE;
SET ROLE regress_rls_bob;
BEGIN;
INSERT INTO rls.tb_doc VALUES (7, 'regress_rls_bob', 'b4');
UPDATE rls.tb_doc SET body = 'b3 edited' WHERE pk_doc = 5;
COMMIT;
RESET ROLE;
SET ROLE regress_rls_owner;
SELECT pg_tviews_set_refresh_mode('rls.doc', 'immediate') IS NOT NULL AS immediate;
RESET ROLE;
-- drift made with maintenance off (a superuser), then caught up by the
-- owner with pg_tviews_cascade and pg_tviews_refresh, and verified
SET pg_tviews.enabled = off;
UPDATE rls.tb_doc SET body = 'drift' WHERE pk_doc = 1;
UPDATE rls.tb_doc SET body = 'drift' WHERE pk_doc = 3;
INSERT INTO rls.tb_doc VALUES (8, 'regress_rls_alice', 'a4');
DELETE FROM rls.tb_doc WHERE pk_doc = 6;
RESET pg_tviews.enabled;
SET ROLE regress_rls_owner;
SELECT pk, problem FROM pg_tviews_verify('rls.doc') ORDER BY 1;
SELECT pg_tviews_cascade('rls.tb_doc', ARRAY[1]) AS cascaded;
SELECT pg_tviews_refresh('rls.doc') AS rows_written;
SELECT count(*) AS problems FROM pg_tviews_verify('rls.doc');
SELECT count(*) AS owner_sees FROM rls.tv_doc;
RESET ROLE;
-- as a superuser (not subject to the policy): tv_doc is its view, exactly
SELECT pk_doc, data FROM rls.tv_doc ORDER BY 1;
SELECT count(*) AS differences
  FROM ((TABLE rls.tv_doc EXCEPT ALL TABLE rls.v_doc) UNION ALL (TABLE rls.v_doc EXCEPT ALL TABLE rls.tv_doc)) d;
-- readers are still filtered
SET ROLE regress_rls_bob;
SELECT pk_doc FROM rls.tv_doc ORDER BY 1;
RESET ROLE;

-- a policy of another role's table that applies to the TVIEW's owner does
-- filter what the owner's view, and so the TVIEW, contains
SET ROLE regress_rls_base;
CREATE TABLE rls.tb_note (pk_note int PRIMARY KEY, shared boolean, body text);
INSERT INTO rls.tb_note VALUES (1, true, 'shared'), (2, false, 'private');
ALTER TABLE rls.tb_note ENABLE ROW LEVEL SECURITY;
CREATE POLICY shared_only ON rls.tb_note TO regress_rls_owner USING (shared);
GRANT SELECT, TRIGGER ON rls.tb_note TO regress_rls_owner;
RESET ROLE;
SET ROLE regress_rls_owner;
CREATE TABLE rls.tv_note AS SELECT n.pk_note, n.body FROM rls.tb_note n;
RESET ROLE;
SET ROLE regress_rls_base;
UPDATE rls.tb_note SET shared = true, body = 'now shared' WHERE pk_note = 2;
INSERT INTO rls.tb_note VALUES (3, false, 'private too');
RESET ROLE;
SELECT pk_note, body FROM rls.tv_note ORDER BY 1;
SET ROLE regress_rls_owner;
SELECT count(*) AS problems FROM pg_tviews_verify('rls.note');
RESET ROLE;

-- the owner's own source under FORCE ROW LEVEL SECURITY: maintenance reads
-- it as it reads tv_doc, every row, from the CREATE on (CREATE TABLE AS
-- itself ran under the policy: pg_tviews brings the rows in line)
SET ROLE regress_rls_owner;
CREATE TABLE rls.tb_forced (pk_forced int PRIMARY KEY, v text);
INSERT INTO rls.tb_forced VALUES (1, 'visible'), (2, 'hidden');
ALTER TABLE rls.tb_forced ENABLE ROW LEVEL SECURITY;
ALTER TABLE rls.tb_forced FORCE ROW LEVEL SECURITY;
CREATE POLICY not_hidden ON rls.tb_forced USING (v <> 'hidden');
CREATE TABLE rls.tv_forced AS SELECT f.pk_forced, f.v FROM rls.tb_forced f;
SELECT count(*) AS problems FROM pg_tviews_verify('rls.forced');
RESET ROLE;
INSERT INTO rls.tb_forced VALUES (3, 'hidden');
SELECT pk_forced, v FROM rls.tv_forced ORDER BY 1;

SET client_min_messages = warning;
DROP SCHEMA rls CASCADE;
RESET client_min_messages;
DROP ROLE regress_rls_owner;
DROP ROLE regress_rls_alice;
DROP ROLE regress_rls_bob;
DROP ROLE regress_rls_base;
