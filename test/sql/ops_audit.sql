-- ops_audit: CREATE, REFRESH, CONVERT, trigger reinstall and DROP each
-- write one pg_tview_audit_log row with who, when, from where and what;
-- SET pg_tviews.audit = off stops it.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA au;
SET search_path = au, public;
SELECT coalesce(max(log_id), 0) AS start, clock_timestamp() AS t0 FROM pg_tview_audit_log \gset
CREATE TABLE tb_a (id int PRIMARY KEY, val text);
INSERT INTO tb_a VALUES (1, 'one');
CREATE TABLE tv_a AS SELECT id AS pk_a, val FROM tb_a;
SELECT pg_tviews_create('b', 'SELECT id AS pk_b, upper(val) AS val FROM au.tb_a');
SELECT pg_tviews_refresh('a') AS rows_written;
CREATE VIEW v_c AS SELECT id AS pk_c, val FROM tb_a;
CREATE TABLE tv_c (pk_c int, val text);
SELECT pg_tviews_convert_table('au.tv_c');
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
-- a missing trigger put back: the row names the TVIEWs it maintains (the
-- DDL guard refuses the DROP; with event triggers off it goes through)
SET session_replication_role = replica;
DROP TRIGGER pg_tviews_upd ON tb_a;
RESET session_replication_role;
SELECT pg_tviews_install_stmt_triggers() AS created;
DROP TABLE tv_b;
-- who (the session user, also when pg_tviews writes the log as the
-- extension's owner), when, from where (this connection's address: NULL
-- over a Unix socket), what
SELECT operation, entity, performed_by = session_user AS by_me,
       performed_at BETWEEN :'t0' AND clock_timestamp() AS during_this_test,
       client_addr IS NOT DISTINCT FROM inet_client_addr() AS from_here,
       client_port IS NOT DISTINCT FROM inet_client_port() AS port_here
  FROM pg_tview_audit_log WHERE log_id > :start ORDER BY log_id;
-- the details: the definition for CREATE, counts for REFRESH; trigger
-- installs concern no one TVIEW (entity NULL) and list the TVIEWs whose
-- triggers they created
SELECT operation, entity, details - 'triggers' AS details
  FROM pg_tview_audit_log WHERE log_id > :start ORDER BY log_id;
SELECT operation, entity IS NULL AS global, details->'triggers' AS triggers
  FROM pg_tview_audit_log WHERE log_id > :start AND operation = 'INSTALL TRIGGERS';
-- a role creating a TVIEW is the one recorded
CREATE ROLE ops_audit_maker;
GRANT CREATE, USAGE ON SCHEMA au TO ops_audit_maker;
GRANT SELECT, TRIGGER ON tb_a TO ops_audit_maker;
SET SESSION AUTHORIZATION ops_audit_maker;
CREATE TABLE au.tv_d AS SELECT id AS pk_d FROM au.tb_a;
RESET SESSION AUTHORIZATION;
SELECT operation, entity, performed_by FROM pg_tview_audit_log
 WHERE log_id > :start AND entity = 'd' ORDER BY log_id;
DROP TABLE tv_d;
-- audit off: nothing recorded
SELECT max(log_id) AS before_off FROM pg_tview_audit_log \gset
SET pg_tviews.audit = off;
CREATE TABLE tv_e AS SELECT id AS pk_e FROM tb_a;
SELECT pg_tviews_refresh('e') AS rows_written;
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
DROP TABLE tv_e;
SELECT count(*) AS recorded_while_off FROM pg_tview_audit_log WHERE log_id > :before_off;
RESET pg_tviews.audit;
-- only a superuser may turn it off
SET ROLE ops_audit_maker;
SET pg_tviews.audit = off;
RESET ROLE;
SET client_min_messages = warning;
DROP SCHEMA au CASCADE;
DROP OWNED BY ops_audit_maker;
DROP ROLE ops_audit_maker;
RESET client_min_messages;
