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

-- renaming or dropping a function a string body calls by name: refused,
-- the function stays where the body finds it
ALTER FUNCTION label_of(int) RENAME TO label_of_old;
\echo :LAST_ERROR_SQLSTATE
ALTER FUNCTION label_of(int) SET SCHEMA public;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS still_there FROM pg_proc WHERE oid = 'fg.label_of(int)'::regprocedure;
CREATE FUNCTION inner_fn(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT $1 * 10 $$;
CREATE FUNCTION outer_fn(int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT fg.inner_fn($1) + 1 $$;
CREATE TABLE tv_outer AS SELECT i.pk_item AS pk_outer, outer_fn(i.tag) AS n FROM tb_item i;
DROP FUNCTION inner_fn(int);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS still_there FROM pg_proc WHERE oid = 'fg.inner_fn(int)'::regprocedure;
SELECT pg_tviews_drop('fg.outer');
-- dropping one overload while the name still resolves (to another one,
-- with a cast): the TVIEW is rebuilt with what the body now calls
CREATE FUNCTION tagged(bigint) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'big ' || $1 $$;
CREATE FUNCTION tagged(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'int ' || $1 $$;
CREATE FUNCTION tag_text(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT fg.tagged($1) $$;
CREATE TABLE tv_tagged AS SELECT i.pk_item AS pk_tagged, tag_text(i.tag) AS t FROM tb_item i;
DROP FUNCTION tagged(int);
SELECT pk_tagged, t FROM tv_tagged ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.tagged');
SELECT pg_tviews_drop('fg.tagged');
-- dropping or renaming a function no TVIEW calls passes
ALTER FUNCTION unused(int) RENAME TO unused2;
DROP FUNCTION unused2(int);

-- maintenance still works after all this
UPDATE tb_item SET name = 'uno' WHERE pk_item = 1;
SELECT pk_item, data FROM tv_item ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('fg.item');

SELECT pg_tviews_drop('fg.wrap');
SELECT pg_tviews_drop('fg.item');
DROP SCHEMA fg CASCADE;
RESET search_path;
