-- function_guard: replacing or altering a function a TVIEW's definition
-- runs is checked again like at CREATE (refused with 0A000, the old
-- function stays) or rebuilds the TVIEW so it equals its view at once.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE SCHEMA fg;
SET search_path = fg, public;
CREATE TABLE tb_tag (id int PRIMARY KEY, name text);
CREATE TABLE tb_item (pk_item int PRIMARY KEY, tag int, name text);
INSERT INTO tb_tag VALUES (1, 'red'), (2, 'blue');
INSERT INTO tb_item VALUES (1, 1, 'one'), (2, 2, 'two');
CREATE FUNCTION label_of(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'tag ' || $1 $$;
CREATE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT upper($1) $$;
-- reached through another function: label_of is called by wrapped
CREATE FUNCTION wrapped(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT '<' || fg.label_of($1) || '>' $$;
CREATE FUNCTION unused(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'x' $$;
CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('label', label_of(i.tag), 'name', shout(i.name)) AS data FROM tb_item i;
CREATE TABLE tv_wrap AS SELECT i.pk_item AS pk_wrap, wrapped(i.tag) AS label FROM tb_item i;
SELECT pk_item, data FROM tv_item ORDER BY 1;

-- a new IMMUTABLE body: the TVIEWs are rebuilt in the same statement
CREATE OR REPLACE FUNCTION label_of(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'label ' || $1 $$;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');
SELECT count(*) AS problems FROM pg_tviews_verify('fg.wrap');
SELECT pk_item, data FROM tv_item ORDER BY 1;
SELECT pk_wrap, label FROM tv_wrap ORDER BY 1;
-- and in a transaction that rolls back, the old rows come back with the old body
BEGIN;
CREATE OR REPLACE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT lower($1) || '!' $$;
SELECT pk_item, data FROM tv_item ORDER BY 1;
ROLLBACK;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');

-- a body that reads a table (issue 11 item 4): refused, the old function stays
CREATE OR REPLACE FUNCTION label_of(int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT name FROM tb_tag WHERE id = $1 $$;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
CREATE OR REPLACE FUNCTION label_of(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT name FROM fg.tb_tag WHERE id = $1 $$;
\set VERBOSITY terse
SELECT provolatile, prosrc FROM pg_proc WHERE oid = 'fg.label_of(int)'::regprocedure;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');
-- ALTER FUNCTION ... VOLATILE, STABLE on a plpgsql function: refused
SELECT 1/0;
ALTER FUNCTION label_of(int) VOLATILE;
\echo :LAST_ERROR_SQLSTATE
ALTER FUNCTION wrapped(int) VOLATILE;
\echo :LAST_ERROR_SQLSTATE
SELECT provolatile FROM pg_proc WHERE oid IN ('fg.label_of(int)'::regprocedure, 'fg.wrapped(int)'::regprocedure);
CREATE OR REPLACE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN RETURN upper($1); END $$;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');
ALTER FUNCTION shout(text) STABLE;
\echo :LAST_ERROR_SQLSTATE
ALTER ROUTINE shout(text) VOLATILE;
\echo :LAST_ERROR_SQLSTATE
SELECT provolatile FROM pg_proc WHERE oid = 'fg.shout(text)'::regprocedure;
-- harmless ALTERs pass (and rebuild)
ALTER FUNCTION shout(text) COST 7;
SELECT procost FROM pg_proc WHERE oid = 'fg.shout(text)'::regprocedure;

-- a function no TVIEW runs is unaffected, whatever it becomes
CREATE OR REPLACE FUNCTION unused(int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT name FROM fg.tb_tag WHERE id = $1 $$;
ALTER FUNCTION unused(int) VOLATILE;
SELECT provolatile FROM pg_proc WHERE oid = 'fg.unused(int)'::regprocedure;
CREATE FUNCTION brand_new(int) RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT count(*)::int FROM fg.tb_tag $$;
SELECT brand_new(1);

-- maintenance still works after all this
UPDATE tb_item SET name = 'uno' WHERE pk_item = 1;
SELECT pk_item, data FROM tv_item ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');

SELECT pg_tviews_drop('fg.wrap');
SELECT pg_tviews_drop('fg.item');
DROP SCHEMA fg CASCADE;
RESET search_path;
