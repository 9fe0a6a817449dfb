-- privileges: pg_tviews' internal functions are not executable by PUBLIC,
-- while a non-superuser TVIEW owner with the documented grants still
-- creates, maintains and drops TVIEWs, and writers still write sources.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_priv_owner;
CREATE ROLE regress_priv_writer;
CREATE ROLE regress_priv_base;
CREATE SCHEMA priv AUTHORIZATION regress_priv_owner;
GRANT USAGE ON SCHEMA priv TO regress_priv_writer, regress_priv_base;
GRANT CREATE ON SCHEMA priv TO regress_priv_base;

-- the extension's functions an ordinary role may not execute, and the one
-- running as the extension's owner: every other function is for everyone
SELECT p.oid::regprocedure AS not_for_public, p.prosecdef AS security_definer
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
  JOIN pg_extension e ON e.oid = d.refobjid AND d.deptype = 'e'
 WHERE e.extname = 'pg_tviews'
   AND (NOT has_function_privilege('regress_priv_writer', p.oid, 'EXECUTE') OR p.prosecdef)
 ORDER BY p.oid::regprocedure::text;

-- an ordinary role calling them by hand: 42501
SET ROLE regress_priv_writer;
SELECT _pg_tviews_forget('priv', 'item');
\echo :LAST_ERROR_SQLSTATE
SELECT _pg_tviews_on_drop();
\echo :LAST_ERROR_SQLSTATE
SELECT _pg_tviews_on_create_table_as();
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_trigger();
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_purge_history('1 day');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a non-superuser owner creates TVIEWs (DDL form, function form, stacked)
-- on its own tables and on a table it has the TRIGGER right on
SET ROLE regress_priv_base;
CREATE TABLE priv.tb_tag (pk_tag int PRIMARY KEY, label text);
INSERT INTO priv.tb_tag VALUES (1, 'red');
GRANT SELECT, TRIGGER ON priv.tb_tag TO regress_priv_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON priv.tb_tag TO regress_priv_writer;
RESET ROLE;
SET ROLE regress_priv_owner;
CREATE TABLE priv.tb_item (pk_item int PRIMARY KEY, fk_tag int, name text);
GRANT SELECT, INSERT, UPDATE, DELETE ON priv.tb_item TO regress_priv_writer;
CREATE TABLE priv.tv_item AS
SELECT i.pk_item, jsonb_build_object('name', i.name, 'tag', t.label) AS data
  FROM priv.tb_item i LEFT JOIN priv.tb_tag t ON t.pk_tag = i.fk_tag;
SET search_path = priv, public;
SELECT pg_tviews_create('tag', 'SELECT pk_tag, label FROM priv.tb_tag') IS NOT NULL AS created;
RESET search_path;
CREATE TABLE priv.tv_tagged AS
SELECT t.pk_tag AS pk_tagged, t.label FROM priv.tv_tag t;
SELECT pg_tviews_set_refresh_mode('priv.item', 'deferred') IS NOT NULL AS mode_set;
RESET ROLE;
SELECT entity, created_by FROM pg_tview_meta WHERE schema_name = 'priv' ORDER BY 1;

-- the writer writes the sources; maintenance runs as the owner
SET ROLE regress_priv_writer;
INSERT INTO priv.tb_item VALUES (1, 1, 'one'), (2, NULL, 'two');
UPDATE priv.tb_tag SET label = 'blue' WHERE pk_tag = 1;
INSERT INTO priv.tb_tag VALUES (2, 'green');
DELETE FROM priv.tb_item WHERE pk_item = 2;
-- documented owner-only and privileged functions refuse the writer
SELECT pg_tviews_set_refresh_mode('priv.item', 'immediate');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_tviews_analyze_cascade('priv.item', '1');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('priv.item');
\echo :LAST_ERROR_SQLSTATE
DROP TABLE priv.tv_item;
\echo :LAST_ERROR_SQLSTATE
-- the public operator views still answer (their functions stay executable)
SELECT count(*) AS queued FROM pg_tviews_queue_realtime;
SELECT count(*) AS caches FROM pg_tviews_cache_stats;
RESET ROLE;
SELECT pk_item, data FROM priv.tv_item ORDER BY 1;
SELECT pk_tagged, label FROM priv.tv_tagged ORDER BY 1;

-- the owner refreshes, verifies and drops its TVIEWs (the drop event
-- trigger forgets them although the owner may not call _pg_tviews_forget)
SET ROLE regress_priv_owner;
SELECT pg_tviews_refresh('priv.item') AS rows_written;
SELECT count(*) AS problems FROM pg_tviews_verify('priv.tagged');
SELECT pg_tviews_drop('priv.tagged') IS NOT NULL AS dropped;
DROP TABLE priv.tv_item;
RESET ROLE;
SELECT entity FROM pg_tview_meta WHERE schema_name = 'priv' ORDER BY 1;

-- the owner of a source drops it with CASCADE: the TVIEW of another role
-- reading it goes, and its metadata and triggers with it
SET ROLE regress_priv_base;
SET client_min_messages = warning;
DROP TABLE priv.tb_tag CASCADE;
RESET client_min_messages;
RESET ROLE;
SELECT count(*) AS meta_left FROM pg_tview_meta WHERE schema_name = 'priv';
SELECT count(*) AS triggers_left FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'priv'::regnamespace AND NOT t.tgisinternal;

SET client_min_messages = warning;
DROP SCHEMA priv CASCADE;
RESET client_min_messages;
DROP ROLE regress_priv_owner;
DROP ROLE regress_priv_writer;
DROP ROLE regress_priv_base;
