-- ops_health_check: pg_tviews_health_check on a healthy database, then each
-- failure it must detect, and the repair its message names.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA hc;
SET search_path = hc, public;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text);
CREATE INDEX ON tb_post (fk_user);
INSERT INTO tb_user VALUES (1, 'Ada'), (2, 'Bob');
INSERT INTO tb_post VALUES (10, 1, 'Hello'), (11, 2, 'World');
CREATE TABLE tv_post AS
SELECT p.pk_post, p.title, u.name AS author
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
-- The rows about this schema, and the checks of this session and database
-- that other tests cannot change.
CREATE FUNCTION hc.health() RETURNS TABLE (status text, component text, message text, severity text)
LANGUAGE sql AS $$
    SELECT h.status, h.component, h.message, h.severity FROM pg_tviews_health_check() h
     WHERE h.component ~ '\mhc\.'
        OR h.component IN ('ddl capture', 'settings', 'jsonb_delta')
        OR h.component ~ '^(setting |event trigger |execution store: hc)'
     ORDER BY h.component, h.message
$$;
\pset format unaligned
\pset footer off
-- healthy
SELECT * FROM hc.health();

-- 1. a maintenance trigger dropped by hand: reported; writes are missed
-- (the DDL guard refuses that DDL; with event triggers off, as under
-- session_replication_role = replica, it goes through)
SET session_replication_role = replica;
DROP TRIGGER pg_tviews_upd ON tb_user;
RESET session_replication_role;
UPDATE tb_user SET name = 'Ada L.' WHERE pk_user = 1;
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
-- the trigger is back; the row missed meanwhile is still stale
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT pg_tviews_refresh('post') AS rows_written;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 2. a disabled trigger, and a missing guard
SET session_replication_role = replica;
ALTER TABLE tb_post DISABLE TRIGGER pg_tviews_ins;
DROP TRIGGER pg_tviews_guard ON tv_post;
RESET session_replication_role;
SELECT * FROM hc.health() WHERE status <> 'ok';
ALTER TABLE tb_post ENABLE TRIGGER pg_tviews_ins;
SELECT pg_tviews_install_stmt_triggers() AS created;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 3. a trigger of ours that no TVIEW needs
CREATE TABLE tb_other (id int);
CREATE TRIGGER pg_tviews_ins AFTER INSERT ON tb_other
    FOR EACH STATEMENT EXECUTE FUNCTION pg_tviews_trigger();
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT pg_tviews_install_stmt_triggers() AS created;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 4. settings that leave TVIEWs stale or maintenance costly
SET pg_tviews.enabled = off;
SET pg_tviews.refresh_mode = deferred;
SET pg_tviews.full_refresh_threshold = 0;
SET pg_tviews.audit = off;
SELECT * FROM hc.health() WHERE status <> 'ok';
RESET pg_tviews.enabled;
RESET pg_tviews.refresh_mode;
RESET pg_tviews.full_refresh_threshold;
RESET pg_tviews.audit;
-- this session in async mode; work pending in a deferred transaction; a
-- TVIEW deferred on its own (the last two are not about a setting, so read
-- from the health check itself)
SET pg_tviews.refresh_mode = async;
SELECT * FROM hc.health() WHERE status <> 'ok';
RESET pg_tviews.refresh_mode;
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_user SET name = 'Ada' WHERE pk_user = 1;
SELECT status, component, message, severity FROM pg_tviews_health_check() WHERE component = 'deferred queue';
COMMIT;
SELECT count(*) AS queued_after_commit FROM pg_tviews_health_check() WHERE component = 'deferred queue';
SELECT pg_tviews_set_refresh_mode('post', 'deferred') IS NOT NULL AS deferred;
SET search_path = public;   -- so that the message names hc.tv_post in full
SELECT status, component, severity FROM pg_tviews_health_check()
 WHERE component = 'refresh mode' AND message LIKE '%hc.tv_post%';
SET search_path = hc, public;
SELECT pg_tviews_set_refresh_mode('post', 'immediate') IS NOT NULL AS immediate;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 5. DDL capture off: an event trigger disabled, or none firing in this session
ALTER EVENT TRIGGER pg_tviews_drop DISABLE;
SELECT * FROM hc.health() WHERE status <> 'ok';
ALTER EVENT TRIGGER pg_tviews_drop ENABLE;
SET session_replication_role = replica;
SELECT component, severity FROM hc.health() WHERE status <> 'ok';
RESET session_replication_role;
-- enabled for replicas only: it fires in no ordinary session
ALTER EVENT TRIGGER pg_tviews_drop ENABLE REPLICA;
SELECT * FROM hc.health() WHERE status <> 'ok';
ALTER EVENT TRIGGER pg_tviews_drop ENABLE;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 6. maintenance errors in the execution store in the last hour
INSERT INTO pg_tview_refresh_log (entity, operation, mode, status, error_text)
VALUES ('hc_err', 'UPDATE', 'incremental', 'error', 'deadlock detected');
SELECT * FROM hc.health() WHERE status <> 'ok';
DELETE FROM pg_tview_refresh_log WHERE entity = 'hc_err';

-- 7. an index maintenance needs (found from the join, not the column name)
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text);
CREATE TABLE tv_thread AS
SELECT p.pk_post AS pk_thread,
       (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS comments
  FROM tb_post p;
SELECT * FROM hc.health() WHERE status <> 'ok';
CREATE INDEX ON tb_comment (fk_post);
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 8. drift found by the consistency check: whole TVIEW when small ...
SET pg_tviews.enabled = off;
UPDATE tb_post SET title = upper(title);
RESET pg_tviews.enabled;
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT pg_tviews_refresh('post') AS rows_written;
-- ... and a sample of keys when big
CREATE TABLE tb_big (id int PRIMARY KEY, val int);
INSERT INTO tb_big SELECT g, g FROM generate_series(1, 5000) g;
CREATE TABLE tv_big AS SELECT id AS pk_big, val FROM tb_big;
ANALYZE tv_big;
SELECT status, component, severity FROM hc.health() WHERE component = 'consistency of hc.tv_big';
SET pg_tviews.enabled = off;
UPDATE tb_big SET val = -val;
RESET pg_tviews.enabled;
SELECT status, component, regexp_replace(message, '[0-9]+', 'N', 'g') AS message, severity
  FROM hc.health() WHERE component = 'consistency of hc.tv_big';
DROP TABLE tv_big, tb_big;

-- 9. v_post dropped by force: the internal dependency on tv_post removed
-- and the view dropped with event triggers silent.  Reported (critical);
-- its triggers are not reported as unneeded: they stay until it is dropped.
SET session_replication_role = replica;
DELETE FROM pg_depend
 WHERE classid = 'pg_class'::regclass AND objid = 'hc.v_post'::regclass
   AND refobjid = 'hc.tv_post'::regclass AND deptype = 'i';
DROP VIEW hc.v_post;
RESET session_replication_role;
SELECT * FROM hc.health() WHERE status <> 'ok';
DROP TABLE tv_post;
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 10. a TVIEW table dropped by force: metadata without its table
SET session_replication_role = replica;
DROP TABLE tv_thread;
RESET session_replication_role;
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT _pg_tviews_forget('hc', 'thread');
SELECT count(*) AS problems FROM hc.health() WHERE status <> 'ok';

-- 11. a TVIEW table and view whose metadata was deleted
CREATE TABLE tv_user AS SELECT pk_user, name FROM tb_user;
DELETE FROM pg_tview_meta WHERE schema_name = 'hc' AND entity = 'user';
SELECT * FROM hc.health() WHERE status <> 'ok';
SELECT pg_tviews_convert_table('hc.tv_user');
SELECT * FROM hc.health();

\pset format aligned
\pset footer on
SET client_min_messages = warning;
DROP SCHEMA hc CASCADE;
RESET client_min_messages;
