-- definition_functions: a TVIEW may call functions outside pg_catalog only
-- when they are IMMUTABLE or SQL functions whose body reads no table;
-- everything else is refused at CREATE with 0A000 naming the function.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_df_owner;
CREATE ROLE regress_df_writer;
CREATE SCHEMA app AUTHORIZATION regress_df_owner;
GRANT USAGE ON SCHEMA app TO regress_df_writer;
GRANT TEMPORARY ON DATABASE regression TO regress_df_writer;
CREATE FUNCTION df_leftovers(e text) RETURNS TABLE (has_view boolean, has_table boolean, meta_rows bigint)
LANGUAGE sql AS $$
    SELECT to_regclass('app.v_' || e) IS NOT NULL, to_regclass('app.tv_' || e) IS NOT NULL,
           (SELECT count(*) FROM pg_tview_meta WHERE schema_name = 'app' AND entity = e)
$$;

SET ROLE regress_df_owner;
SET search_path = app, public;
CREATE TABLE tb_tag (id int PRIMARY KEY, label text);
CREATE TABLE tb_item (pk_item int PRIMARY KEY, tag int, name text, price numeric);
INSERT INTO tb_tag VALUES (1, 'red'), (2, 'blue');
INSERT INTO tb_item VALUES (1, 1, 'one', 1.5), (2, 2, 'two', 2.25);
GRANT SELECT, UPDATE ON tb_item TO regress_df_writer;

-- issue 11 item 4: a STABLE SQL function whose body reads tb_tag by name.
-- Its table would be an unmaintained source, and a writer's temporary
-- tb_tag could take its place: refused, whichever way the TVIEW is made.
CREATE FUNCTION label_of(int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT label FROM tb_tag WHERE id = $1 $$;
CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('label', label_of(i.tag)) AS data FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM df_leftovers('item');
SELECT pg_tviews_create('item', 'SELECT i.pk_item, jsonb_build_object(''label'', label_of(i.tag)) AS data FROM tb_item i');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM df_leftovers('item');
CREATE TABLE tv_conv (pk_conv int, data jsonb);
CREATE VIEW v_conv AS SELECT i.pk_item AS pk_conv, jsonb_build_object('label', label_of(i.tag)) AS data FROM tb_item i;
SELECT pg_tviews_convert_table('app.tv_conv');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS conv_meta FROM pg_tview_meta WHERE entity = 'conv';
DROP VIEW v_conv;
DROP TABLE tv_conv;
-- the same table read through a BEGIN ATOMIC body (dependencies recorded)
CREATE FUNCTION label_atomic(int) RETURNS text STABLE LANGUAGE sql
BEGIN ATOMIC SELECT label FROM app.tb_tag WHERE id = $1; END;
CREATE TABLE tv_atomic AS SELECT i.pk_item AS pk_atomic, label_atomic(i.tag) AS label FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- reached through another SQL function that reads no table itself
CREATE FUNCTION wrapped(int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'tag ' || app.label_of($1) $$;
CREATE TABLE tv_wrapped AS SELECT i.pk_item AS pk_wrapped, wrapped(i.tag) AS label FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- IMMUTABLE does not exempt an SQL body that reads a table: it is read
CREATE FUNCTION label_lie(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT label FROM app.tb_tag WHERE id = $1 $$;
CREATE TABLE tv_lie AS SELECT i.pk_item AS pk_lie, label_lie(i.tag) AS label FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a body that cannot be analysed, or that writes, is refused
CREATE FUNCTION label_cte(int) RETURNS text STABLE LANGUAGE sql AS $$ WITH t AS (SELECT * FROM app.tb_tag) SELECT label FROM t WHERE id = $1 $$;
CREATE TABLE tv_cte AS SELECT i.pk_item AS pk_cte, label_cte(i.tag) AS label FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a STABLE function in another language: its body cannot be checked
CREATE FUNCTION shout_stable(text) RETURNS text STABLE LANGUAGE plpgsql AS $$ BEGIN RETURN upper($1); END $$;
CREATE TABLE tv_pl AS SELECT i.pk_item AS pk_pl, shout_stable(i.name) AS name FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- an operator whose function reads a table
CREATE FUNCTION tag_is(int, text) RETURNS boolean STABLE LANGUAGE sql AS $$ SELECT EXISTS (SELECT 1 FROM app.tb_tag WHERE id = $1 AND label = $2) $$;
CREATE OPERATOR app.@@ (LEFTARG = int, RIGHTARG = text, FUNCTION = app.tag_is);
CREATE TABLE tv_op AS SELECT i.pk_item AS pk_op, i.tag OPERATOR(app.@@) 'red' AS is_red FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- an operator whose function is volatile
CREATE FUNCTION roll(int, int) RETURNS int VOLATILE LANGUAGE plpgsql AS $$ BEGIN RETURN $1 + $2; END $$;
CREATE OPERATOR app.## (LEFTARG = int, RIGHTARG = int, FUNCTION = app.roll);
CREATE TABLE tv_opv AS SELECT i.pk_item AS pk_opv, i.tag OPERATOR(app.##) 1 AS n FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a cast whose function is STABLE plpgsql
CREATE TYPE pair AS (a int, b int);
CREATE FUNCTION pair_text(pair) RETURNS text STABLE LANGUAGE plpgsql AS $$ BEGIN RETURN $1.a || '/' || $1.b; END $$;
CREATE CAST (pair AS text) WITH FUNCTION pair_text(pair);
CREATE TABLE tv_cast AS SELECT i.pk_item AS pk_cast, (ROW(i.pk_item, i.tag)::pair)::text AS p FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- an aggregate whose transition function reads a table
CREATE FUNCTION add_label(text, int) RETURNS text STABLE LANGUAGE sql AS $$ SELECT coalesce($1, '') || (SELECT label FROM app.tb_tag WHERE id = $2) $$;
CREATE AGGREGATE labels(int) (SFUNC = add_label, STYPE = text);
CREATE TABLE tv_agg AS SELECT i.pk_item AS pk_agg, (SELECT labels(j.tag) FROM tb_item j WHERE j.pk_item <= i.pk_item) AS l FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a domain whose CHECK calls such a function
CREATE FUNCTION known_tag(int) RETURNS boolean STABLE LANGUAGE sql AS $$ SELECT EXISTS (SELECT 1 FROM app.tb_tag WHERE id = $1) $$;
CREATE DOMAIN tag_id AS int CHECK (app.known_tag(VALUE));
CREATE TABLE tv_dom AS SELECT i.pk_item AS pk_dom, i.tag::tag_id AS tag FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- pg_catalog functions that depend on the session running them, and a
-- cast of a column to a reg* type (a name looked up when maintenance runs)
CREATE TABLE tv_guc AS SELECT i.pk_item AS pk_guc, current_setting('app.tenant', true) AS t FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_reg AS SELECT i.pk_item AS pk_reg, to_regclass(i.name) AS r FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_regt AS SELECT i.pk_item AS pk_regt, i.name::regtype AS r FROM tb_item i WHERE false;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_priv AS SELECT i.pk_item AS pk_priv, has_table_privilege(i.name, 'SELECT') AS p FROM tb_item i WHERE false;
\echo :LAST_ERROR_SQLSTATE
-- a BEGIN ATOMIC body calling a built-in that depends on the session
CREATE FUNCTION tenant_of(int) RETURNS text STABLE LANGUAGE sql BEGIN ATOMIC SELECT current_setting('app.tenant', true) || $1; END;
CREATE TABLE tv_tenant AS SELECT i.pk_item AS pk_tenant, tenant_of(i.tag) AS t FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a string body calling SQL's clock
CREATE FUNCTION stamped(text) RETURNS text STABLE LANGUAGE sql AS $$ SELECT $1 || current_timestamp::text $$;
CREATE TABLE tv_stamp AS SELECT i.pk_item AS pk_stamp, stamped(i.name) AS s FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- a plain operator symbol in a body resolves through the function's own
-- search_path, here to an operator whose function reads a table
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE FUNCTION mood_rank(mood, int) RETURNS int STABLE LANGUAGE sql AS $$ SELECT (SELECT count(*)::int FROM app.tb_tag) + $2 $$;
CREATE OPERATOR app.+ (LEFTARG = mood, RIGHTARG = int, FUNCTION = app.mood_rank);
CREATE FUNCTION mood_plus(mood, int) RETURNS int STABLE LANGUAGE sql SET search_path = app AS $$ SELECT $1 + $2 $$;
CREATE TABLE tv_mood AS SELECT i.pk_item AS pk_mood, mood_plus('happy', i.tag) AS m FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
-- volatile built-ins, which the rule records no dependency on: in the
-- definition and in a BEGIN ATOMIC body
CREATE TABLE tv_setc AS SELECT i.pk_item AS pk_setc, set_config('app.x', i.name, true) AS s FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION noisy(text) RETURNS text STABLE LANGUAGE sql BEGIN ATOMIC SELECT set_config('app.x', $1, true); END;
CREATE TABLE tv_noisy AS SELECT i.pk_item AS pk_noisy, noisy(i.name) AS s FROM tb_item i;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS refused_left_behind FROM pg_tview_meta WHERE schema_name = 'app';

-- allowed: an IMMUTABLE function in any language, SQL functions that read
-- no table (string or BEGIN ATOMIC body, STABLE or not), a user aggregate
-- over such functions, pg_catalog functions; all maintained.
CREATE FUNCTION shout(text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN RETURN upper($1) || '!'; END $$;
CREATE FUNCTION tagged(text) RETURNS text STABLE LANGUAGE sql AS $$ SELECT 'tag:' || coalesce(nullif(lower($1), ''), greatest('none', least($1, 'x'))) $$;
CREATE FUNCTION doubled(numeric) RETURNS numeric STABLE LANGUAGE sql BEGIN ATOMIC SELECT $1 * 2; END;
CREATE FUNCTION concat_sep(text, text) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT CASE WHEN $1 IS NULL THEN $2 ELSE $1 || ',' || $2 END $$;
CREATE AGGREGATE joined(text) (SFUNC = concat_sep, STYPE = text);
CREATE TABLE tv_ok AS
SELECT i.pk_item AS pk_ok,
       jsonb_build_object('shout', shout(i.name), 'tagged', tagged(i.name), 'doubled', doubled(i.price),
                          'upper', upper(i.name), 'price', to_char(i.price, 'FM990.00'),
                          'labels', (SELECT joined(t.label ORDER BY t.label, t.id) FROM tb_tag t WHERE t.id <= i.tag)) AS data
FROM tb_item i;
SELECT pk_ok, data FROM tv_ok ORDER BY 1;
RESET ROLE;
SET ROLE regress_df_writer;
UPDATE app.tb_item SET name = 'Uno', price = 10 WHERE pk_item = 1;
RESET ROLE;
SET ROLE regress_df_owner;
UPDATE tb_tag SET label = 'azure' WHERE id = 2;
INSERT INTO tb_tag VALUES (0, 'black');
SELECT pk_ok, data FROM tv_ok ORDER BY 1;
SELECT * FROM pg_tviews_verify('app.ok');

RESET ROLE;
RESET search_path;
DROP SCHEMA app CASCADE;
DROP FUNCTION df_leftovers(text);
REVOKE TEMPORARY ON DATABASE regression FROM regress_df_writer;
DROP ROLE regress_df_owner, regress_df_writer;
