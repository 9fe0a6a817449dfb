-- security_names: names a user controls never become SQL.  A table owner
-- renames a pg_tviews trigger into SQL text (once a superuser escalation);
-- hostile names (quotes, semicolons, $$, unicode, 63 bytes) on every object
-- pg_tviews reads from the catalog, with every function run afterwards;
-- settings one session could abuse; entity arguments read one way by all.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_names_bob;
CREATE ROLE "regress_names_r'o;le$$ é";
GRANT CREATE ON SCHEMA public TO regress_names_bob;

-- 1. a renamed trigger is not ours: never pasted into SQL, never dropped
SET ROLE regress_names_bob;
CREATE TABLE public.names_mine (pk_mine int PRIMARY KEY, v text);
INSERT INTO public.names_mine VALUES (1, 'a');
CREATE TABLE public.tv_names_mine AS SELECT m.pk_mine AS pk_names_mine, m.v FROM public.names_mine m;
-- the DDL guard refuses the rename ...
ALTER TRIGGER pg_tviews_ins ON public.names_mine
  RENAME TO "IF EXISTS x ON t;ALTER ROLE regress_names_bob SUPERUSER;--";
-- ... but a rename it did not see (made while it was disabled, or before
-- it existed) must be harmless too
RESET ROLE;
ALTER EVENT TRIGGER pg_tviews_ddl_guard_start DISABLE;
ALTER EVENT TRIGGER pg_tviews_ddl_guard DISABLE;
SET ROLE regress_names_bob;
ALTER TRIGGER pg_tviews_ins ON public.names_mine
  RENAME TO "IF EXISTS x ON t;ALTER ROLE regress_names_bob SUPERUSER;--";
RESET ROLE;
ALTER EVENT TRIGGER pg_tviews_ddl_guard_start ENABLE;
ALTER EVENT TRIGGER pg_tviews_ddl_guard ENABLE;
SET ROLE regress_names_bob;
SELECT pg_tviews_install_stmt_triggers() AS created;
RESET ROLE;
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_names_bob';
-- the renamed trigger is still there, the real one beside it; a write is
-- maintained once
SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.names_mine'::regclass AND NOT tgisinternal ORDER BY 1;
SET ROLE regress_names_bob;
INSERT INTO public.names_mine VALUES (2, 'b');
SELECT * FROM public.tv_names_mine ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('public.names_mine');
SELECT pg_tviews_drop('public.names_mine');
RESET ROLE;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.names_mine'::regclass AND NOT tgisinternal ORDER BY 1;
DROP TABLE public.names_mine;

-- 2. hostile names on every object pg_tviews reads from the catalog
CREATE SCHEMA "names s'; DROP TABLE x;--$$" AUTHORIZATION "regress_names_r'o;le$$ é";
SET ROLE "regress_names_r'o;le$$ é";
SET search_path = "names s'; DROP TABLE x;--$$", public;
CREATE TABLE "tb ""q""; $$ é" ("id'; --" int PRIMARY KEY,
    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" text,
    "$$x$$" int);
CREATE TABLE "tb parent;" ("pid" int PRIMARY KEY, "lab'el" text);
INSERT INTO "tb parent;" VALUES (1, 'one'), (2, 'two');
INSERT INTO "tb ""q""; $$ é" VALUES (1, 'a', 1), (2, 'b', 2);
CREATE TABLE "tv_e'v;$$ é" AS
SELECT t."id'; --" AS "pk_e'v;$$ é",
       t."ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" AS "values",
       p."lab'el" AS "row"
  FROM "tb ""q""; $$ é" t LEFT JOIN "tb parent;" p ON p."pid" = t."$$x$$";
-- a 63-byte table name: tv_ and a 60-byte entity
CREATE TABLE "tv_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" AS
SELECT t."id'; --" AS "pk_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", t."$$x$$"
  FROM "tb ""q""; $$ é" t;
-- a TVIEW over the first, for the cascade
CREATE TABLE "tv_über" AS
SELECT e."pk_e'v;$$ é" AS "pk_über", e."values" FROM "tv_e'v;$$ é" e;
-- a trigger of the table owner's own, named like SQL
CREATE FUNCTION "f'n;$$"() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RETURN NULL; END $f$;
CREATE TRIGGER "t'g; DROP TABLE x;--" AFTER INSERT ON "tb ""q""; $$ é"
  FOR EACH STATEMENT EXECUTE FUNCTION "f'n;$$"();
UPDATE "tb parent;" SET "lab'el" = 'ONE' WHERE "pid" = 1;
INSERT INTO "tb ""q""; $$ é" VALUES (3, 'c', 2);
UPDATE "tb ""q""; $$ é" SET "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" = 'A' WHERE "id'; --" = 1;
DELETE FROM "tb ""q""; $$ é" WHERE "id'; --" = 2;
SELECT * FROM "tv_e'v;$$ é" ORDER BY 1;
SELECT * FROM "tv_über" ORDER BY 1;
SELECT entity FROM pg_tview_meta WHERE schema_name = 'names s''; DROP TABLE x;--$$' ORDER BY 1;
-- every function, by entity argument
SELECT pg_tviews_refresh('e''v;$$ é') AS refreshed;
SELECT pg_tviews_refresh('"names s''; DROP TABLE x;--$$".eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee') AS refreshed;
SELECT count(*) AS problems FROM pg_tviews_verify('e''v;$$ é');
SELECT count(*) AS problems FROM pg_tviews_verify('über');
SELECT count(*) AS problems FROM pg_tviews_verify('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee');
SELECT depth, entity_name FROM pg_tviews_show_cascade_path('e''v;$$ é') ORDER BY 1, 2;
SELECT count(*) > 0 AS suggested FROM pg_tviews_suggest_indexes('e''v;$$ é');
SELECT pg_tviews_set_refresh_mode('e''v;$$ é', 'deferred');
INSERT INTO "tb ""q""; $$ é" VALUES (4, 'd', 1);
SELECT pg_tviews_set_refresh_mode('e''v;$$ é', 'immediate');
SELECT count(*) AS problems FROM pg_tviews_verify('e''v;$$ é');
SELECT pg_tviews_install_stmt_triggers() AS created;
RESET ROLE;
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
SELECT count(*) > 0 AS explained FROM pg_tviews_analyze_cascade('"names s''; DROP TABLE x;--$$".e''v;$$ é', '1');
SELECT status, component FROM pg_tviews_health_check() WHERE component LIKE '%names s%' ORDER BY 2, 1;
SET ROLE "regress_names_r'o;le$$ é";
SELECT pg_tviews_drop('über');
SELECT pg_tviews_drop('e''v;$$ é');
SELECT pg_tviews_drop('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee');
SELECT tgname FROM pg_trigger WHERE tgrelid = '"tb ""q""; $$ é"'::regclass AND NOT tgisinternal ORDER BY 1;
RESET ROLE;
RESET search_path;

-- 3. entity arguments: schema.entity read the same way by every function
CREATE SCHEMA names_r2;
CREATE TABLE names_r2.tb_x (id int PRIMARY KEY, v text);
INSERT INTO names_r2.tb_x VALUES (1, 'a');
SELECT pg_tviews_create('names_r2.x', 'SELECT id AS pk_x, v FROM names_r2.tb_x');
SELECT schema_name, entity FROM pg_tview_meta WHERE entity LIKE '%x' ORDER BY 1, 2;
INSERT INTO names_r2.tb_x VALUES (2, 'b');
SELECT pg_tviews_refresh('names_r2.x') AS refreshed;
SELECT count(*) AS problems FROM pg_tviews_verify('names_r2.x');
SELECT pg_tviews_set_refresh_mode('names_r2.x', 'immediate');
-- a dot inside the entity: quoted, it names tv_<entity> of the search_path
SET search_path = names_r2, public;
CREATE TABLE "tv_r2.x" AS SELECT id AS "pk_r2.x", v FROM names_r2.tb_x;
SELECT count(*) AS problems FROM pg_tviews_verify('"r2.x"');
SELECT pg_tviews_drop('"r2.x"');
SELECT pg_tviews_create('"a.b"', 'SELECT id AS "pk_a.b" FROM names_r2.tb_x');
SELECT relname FROM pg_class WHERE relnamespace = 'names_r2'::regnamespace AND relname LIKE 'tv_%' ORDER BY 1;
SELECT pg_tviews_drop('names_r2."a.b"');
RESET search_path;
SELECT pg_tviews_drop('names_r2.x');
SELECT relname FROM pg_class WHERE relnamespace = 'names_r2'::regnamespace ORDER BY 1;
-- malformed arguments: 22023 from every function
SELECT pg_tviews_create('a.b.c', 'SELECT 1 AS pk_c');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop('.x');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_refresh('names_r2.');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_tviews_verify('"unclosed');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_refresh_mode('"x"y', 'deferred');
\echo :LAST_ERROR_SQLSTATE
-- too long for tv_<entity>: refused at create, found by no lookup
SELECT pg_tviews_create(repeat('y', 61), 'SELECT 1 AS pk_y');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_drop(repeat('y', 61));
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA names_r2 CASCADE;

-- 4. settings: what one session could do to others needs a superuser
SELECT name, context FROM pg_settings WHERE name LIKE 'pg\_tviews.%' ORDER BY 1;
SET ROLE regress_names_bob;
SET pg_tviews.log_refreshes = 'all';
\echo :LAST_ERROR_SQLSTATE
SET pg_tviews.full_refresh_threshold = 0;
\echo :LAST_ERROR_SQLSTATE
SET pg_tviews.refresh_mode = 'deferred';
RESET pg_tviews.refresh_mode;
SET pg_tviews.no_such_setting = 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- analyze_cascade quiets pg_tviews' triggers without session_replication_role
-- (superuser-only): a reader may call it, and the setting is never changed
CREATE TABLE public.names_an (id int PRIMARY KEY);
INSERT INTO public.names_an VALUES (1);
CREATE TABLE public.tv_names_an AS SELECT id AS pk_names_an FROM public.names_an;
CREATE TABLE public.tv_names_an2 AS SELECT a.pk_names_an AS pk_names_an2 FROM public.tv_names_an a;
GRANT SELECT ON public.tv_names_an, public.v_names_an TO regress_names_bob;
SET ROLE regress_names_bob;
SELECT count(*) > 0 AS explained FROM pg_tviews_analyze_cascade('public.names_an', '1');
SHOW session_replication_role;
RESET ROLE;
SELECT * FROM pg_tviews_queue_realtime;
SELECT count(*) AS problems FROM pg_tviews_verify('public.names_an2');
DROP TABLE public.tv_names_an2;
DROP TABLE public.tv_names_an;
DROP TABLE public.names_an;

-- the superuser flag never changed
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_names%' ORDER BY 1;
DROP SCHEMA "names s'; DROP TABLE x;--$$" CASCADE;
REVOKE CREATE ON SCHEMA public FROM regress_names_bob;
DROP ROLE regress_names_bob;
DROP ROLE "regress_names_r'o;le$$ é";
