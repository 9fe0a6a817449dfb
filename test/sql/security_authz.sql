-- security_authz: the authorization rule of every pg_tviews function
-- (docs/reference.md, "Authorization"), called by the TVIEW's owner, a
-- member of the owner role (the documented grant), a writer of the sources,
-- a reader of tv_*, and a role with no rights (USAGE on the schema only).
-- Runs in its own database: pg_tviews_install_stmt_triggers concerns every
-- TVIEW of a database, and other tests' TVIEWs must not decide its outcome.
CREATE DATABASE regress_authz;
\c regress_authz
SET client_min_messages = warning;
CREATE EXTENSION pg_tviews;
RESET client_min_messages;
\set VERBOSITY terse
CREATE ROLE regress_az_owner;
CREATE ROLE regress_az_member IN ROLE regress_az_owner;
CREATE ROLE regress_az_writer;
CREATE ROLE regress_az_reader;
CREATE ROLE regress_az_nobody;
CREATE SCHEMA az AUTHORIZATION regress_az_owner;
GRANT USAGE ON SCHEMA az TO regress_az_writer, regress_az_reader, regress_az_nobody;
GRANT CREATE ON SCHEMA az TO regress_az_reader, regress_az_nobody;
GRANT EXECUTE ON FUNCTION pg_tviews_purge_history(interval) TO regress_az_member;

SET ROLE regress_az_owner;
CREATE TABLE az.tb_item (pk_item int PRIMARY KEY, name text);
INSERT INTO az.tb_item VALUES (1, 'one'), (2, 'two');
CREATE TABLE az.tv_item AS
SELECT i.pk_item, jsonb_build_object('name', i.name) AS data FROM az.tb_item i;
GRANT SELECT, INSERT, UPDATE, DELETE ON az.tb_item TO regress_az_writer;
GRANT SELECT ON az.tv_item TO regress_az_reader;
-- a plain table and its view, for pg_tviews_convert_table
CREATE TABLE az.tb_conv (pk_conv int PRIMARY KEY, v text);
INSERT INTO az.tb_conv VALUES (1, 'a');
CREATE VIEW az.v_conv AS SELECT c.pk_conv, c.v FROM az.tb_conv c;
CREATE TABLE az.tv_conv (pk_conv int, v text);
RESET ROLE;

-- az_try(role, statement): the statement run as that role, then undone
-- (every call starts from the same state); 'ok' or the SQLSTATE it raised.
CREATE FUNCTION az_try(r text, stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET LOCAL ROLE %I', r);
        EXECUTE stmt;
        RAISE EXCEPTION USING ERRCODE = 'P0099';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = 'P0099' THEN
            RETURN 'ok';
        END IF;
        RETURN SQLSTATE;
    END;
END $$;

SET search_path = az, public;
SELECT f AS function,
       az_try('regress_az_owner', stmt) AS owner,
       az_try('regress_az_member', stmt) AS member,
       az_try('regress_az_writer', stmt) AS writer,
       az_try('regress_az_reader', stmt) AS reader,
       az_try('regress_az_nobody', stmt) AS nobody
  FROM (VALUES
    (1, 'pg_tviews_create', $$SELECT pg_tviews_create('stack', 'SELECT t.pk_item AS pk_stack, t.data FROM az.tv_item t')$$),
    (2, 'CREATE TABLE tv_ AS', $$CREATE TABLE az.tv_stack AS SELECT t.pk_item AS pk_stack, t.data FROM az.tv_item t$$),
    (3, 'pg_tviews_refresh', $$SELECT pg_tviews_refresh('az.item')$$),
    (4, 'pg_tviews_cascade', $$SELECT pg_tviews_cascade('az.tb_item', ARRAY[1, 2])$$),
    (5, 'pg_tviews_convert_table', $$SELECT pg_tviews_convert_table('az.tv_conv')$$),
    (6, 'pg_tviews_install_stmt_triggers', $$SELECT pg_tviews_install_stmt_triggers()$$),
    (7, 'pg_tviews_reinstall_triggers', $$SELECT pg_tviews_reinstall_triggers()$$),
    (8, 'pg_tviews_set_refresh_mode', $$SELECT pg_tviews_set_refresh_mode('az.item', 'deferred')$$),
    (9, 'pg_tviews_purge_history', $$SELECT pg_tviews_purge_history('1 day')$$),
    (10, 'pg_tviews_analyze_cascade', $$SELECT * FROM pg_tviews_analyze_cascade('az.item', '1')$$),
    (11, 'pg_tviews_verify', $$SELECT * FROM pg_tviews_verify('az.item')$$),
    (12, 'pg_tviews_drop', $$SELECT pg_tviews_drop('az.item')$$),
    (13, 'DROP TABLE tv_', $$DROP TABLE az.tv_item$$),
    (14, 'pg_tviews_health_check', $$SELECT * FROM pg_tviews_health_check()$$),
    (15, 'pg_tviews_show_cascade_path', $$SELECT * FROM pg_tviews_show_cascade_path('az.item')$$),
    (16, 'pg_tviews_suggest_indexes', $$SELECT * FROM pg_tviews_suggest_indexes('az.item')$$),
    (17, 'pg_tviews_queue_realtime', $$SELECT * FROM pg_tviews_queue_realtime$$),
    (18, 'pg_tviews_cache_stats', $$SELECT * FROM pg_tviews_cache_stats$$),
    (19, 'pg_tviews_version', $$SELECT pg_tviews_version()$$),
    (20, 'pg_tviews_set_capture', $$SELECT pg_tviews_set_capture('az.tb_item', 'row')$$),
    (21, 'pg_tviews_wait', $$SELECT pg_tviews_wait('1 s')$$),
    (22, 'pg_tviews_async_status', $$SELECT * FROM pg_tviews_async_status$$)
  ) AS calls(n, f, stmt)
 ORDER BY n;
RESET search_path;

-- the messages name the function, the TVIEW and what is needed
SET ROLE regress_az_nobody;
SELECT pg_tviews_refresh('az.item');
SELECT pg_tviews_cascade('az.tb_item', ARRAY[1]);
SELECT pg_tviews_set_refresh_mode('az.item', 'deferred');
SELECT pg_tviews_set_capture('az.tb_item', 'row');
SELECT pg_tviews_drop('az.item');
SELECT pg_tviews_install_stmt_triggers();
SELECT * FROM pg_tviews_verify('az.item');
RESET ROLE;
SET ROLE regress_az_reader;
SELECT * FROM pg_tviews_analyze_cascade('az.item', '1');
RESET ROLE;

-- a role with USAGE on the schema opens a transaction and refreshes (or
-- cascades) someone else's TVIEW: refused before any lock is taken, so no
-- writer waits for it
SET ROLE regress_az_nobody;
BEGIN;
SELECT pg_tviews_refresh('az.item');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT pg_tviews_cascade('az.tb_item', (SELECT array_agg(g) FROM generate_series(1, 300) g));
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
RESET ROLE;

-- a reader with SELECT on tv_item stacks its own TVIEW over it with its
-- own function, to make every write to the owner's sources fail: creating
-- a TVIEW puts triggers on tv_item, which needs TRIGGER on it
SET ROLE regress_az_reader;
CREATE FUNCTION az.reader_fn(jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT $1 $$;
CREATE TABLE az.tv_mine AS SELECT t.pk_item AS pk_mine, az.reader_fn(t.data) AS data FROM az.tv_item t;
\echo :LAST_ERROR_SQLSTATE
SET search_path = az, public;
SELECT pg_tviews_create('mine', 'SELECT t.pk_item AS pk_mine, az.reader_fn(t.data) AS data FROM az.tv_item t');
\echo :LAST_ERROR_SQLSTATE
RESET search_path;
CREATE OR REPLACE FUNCTION az.reader_fn(jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RAISE EXCEPTION 'every write fails'; END $$;
RESET ROLE;
SELECT count(*) AS reader_tviews FROM pg_tview_meta WHERE entity = 'mine';
-- the owner's writes go on
SET ROLE regress_az_writer;
UPDATE az.tb_item SET name = 'uno' WHERE pk_item = 1;
INSERT INTO az.tb_item VALUES (3, 'three');
RESET ROLE;
SELECT pk_item, data FROM az.tv_item ORDER BY 1;
-- granted TRIGGER on tv_item, the reader may stack a TVIEW over it (and
-- then owns what it attached to the owner's writes: the documented grant)
SET ROLE regress_az_owner;
GRANT TRIGGER ON az.tv_item TO regress_az_reader;
RESET ROLE;
SET ROLE regress_az_reader;
CREATE TABLE az.tv_mine AS SELECT t.pk_item AS pk_mine, t.data FROM az.tv_item t;
SELECT pg_tviews_drop('az.mine') IS NOT NULL AS dropped;
RESET ROLE;
SET ROLE regress_az_owner;
REVOKE TRIGGER ON az.tv_item FROM regress_az_reader;
RESET ROLE;

-- pg_tviews_convert_table trusts the table and the view it is given: a
-- role with CREATE in the schema writes v_plain for the owner's plain
-- table tv_plain; neither the attacker nor the owner may convert with it
SET ROLE regress_az_owner;
CREATE TABLE az.tv_plain (pk_plain int PRIMARY KEY, v text);
INSERT INTO az.tv_plain VALUES (1, 'kept');
RESET ROLE;
SET ROLE regress_az_nobody;
CREATE TABLE az.tb_evil (pk_evil int PRIMARY KEY, v text);
INSERT INTO az.tb_evil VALUES (1, 'PWNED');
CREATE VIEW az.v_plain AS SELECT e.pk_evil AS pk_plain, e.v FROM az.tb_evil e;
SELECT pg_tviews_convert_table('az.tv_plain');
RESET ROLE;
SET ROLE regress_az_owner;
SELECT pg_tviews_convert_table('az.tv_plain');
RESET ROLE;
-- a role that is a member of both owners may not mix them either
GRANT regress_az_nobody TO regress_az_member;
SET ROLE regress_az_member;
SELECT pg_tviews_convert_table('az.tv_plain');
RESET ROLE;
REVOKE regress_az_nobody FROM regress_az_member;
SELECT * FROM az.tv_plain;
SELECT count(*) AS converted FROM pg_tview_meta WHERE entity = 'plain';

-- the owner's own calls, for real
SET ROLE regress_az_owner;
SELECT pg_tviews_refresh('az.item') AS rows_written;
SELECT pg_tviews_convert_table('az.tv_conv');
SELECT count(*) AS problems FROM pg_tviews_verify('az.conv');
SELECT pg_tviews_install_stmt_triggers() AS created;
RESET ROLE;

\c postgres
DROP DATABASE regress_authz;
DROP ROLE regress_az_member;
DROP ROLE regress_az_owner;
DROP ROLE regress_az_writer;
DROP ROLE regress_az_reader;
DROP ROLE regress_az_nobody;
