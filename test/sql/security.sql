-- security: maintenance runs as the TVIEW's owner with a fixed search_path;
-- a writer of a base table needs no right on the TVIEW; creating a TVIEW
-- needs the TRIGGER right on its sources.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE ROLE regress_tv_owner;
CREATE ROLE regress_tv_writer;
CREATE ROLE regress_tv_reader;
CREATE SCHEMA sec AUTHORIZATION regress_tv_owner;
GRANT USAGE ON SCHEMA sec TO regress_tv_writer, regress_tv_reader;
GRANT CREATE ON SCHEMA sec TO regress_tv_reader;

SET ROLE regress_tv_owner;
CREATE TABLE sec.tb_item (pk_item int PRIMARY KEY, name text);
CREATE TABLE sec.tv_item AS
SELECT i.pk_item, jsonb_build_object('name', upper(i.name)) AS data FROM sec.tb_item i;
GRANT SELECT, INSERT, UPDATE, DELETE ON sec.tb_item TO regress_tv_writer;
GRANT SELECT ON sec.tb_item TO regress_tv_reader;
RESET ROLE;

-- the writer has no right on tv_item, yet it is maintained
SET ROLE regress_tv_writer;
INSERT INTO sec.tb_item VALUES (1, 'one'), (2, 'two');
UPDATE sec.tb_item SET name = 'uno' WHERE pk_item = 1;
DELETE FROM sec.tb_item WHERE pk_item = 2;
SELECT * FROM sec.tv_item;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO sec.tv_item VALUES (3, '{}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pk_item, data FROM sec.tv_item ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('sec.item');

-- a hostile search_path: a schema placed first shadows upper() and the
-- text = operator; maintenance must not call them
CREATE SCHEMA evil;
CREATE FUNCTION evil.upper(text) RETURNS text LANGUAGE sql AS $$ SELECT 'HIJACKED' $$;
CREATE FUNCTION evil.texteq_always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq_always);
CREATE TABLE evil.tb_item (pk_item int, name text);
SET search_path = evil, public, pg_catalog;
INSERT INTO sec.tb_item VALUES (4, 'four');
UPDATE sec.tb_item SET name = 'quattro' WHERE pk_item = 4;
RESET search_path;
SELECT pk_item, data FROM sec.tv_item ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('sec.item');

-- creating a TVIEW puts triggers on its sources: TRIGGER right needed
SET ROLE regress_tv_reader;
CREATE TABLE sec.tv_copy AS SELECT i.pk_item AS pk_copy FROM sec.tb_item i;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS copy_left FROM pg_class WHERE relname IN ('tv_copy', 'v_copy');

-- names with quotes, semicolons, spaces, capitals and unicode are quoted
SET ROLE regress_tv_owner;
CREATE TABLE sec."tb ""odd""; name" ("Pk" int PRIMARY KEY, "välue; DROP TABLE x" text);
INSERT INTO sec."tb ""odd""; name" VALUES (1, 'a');
CREATE TABLE sec."tv_Odd ""one""" AS
SELECT o."Pk" AS "pk_Odd ""one""", o."välue; DROP TABLE x" AS "Välue"
  FROM sec."tb ""odd""; name" o;
UPDATE sec."tb ""odd""; name" SET "välue; DROP TABLE x" = 'b';
INSERT INTO sec."tb ""odd""; name" VALUES (2, 'c');
SELECT * FROM sec."tv_Odd ""one""" ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('sec.Odd "one"');
RESET ROLE;

DROP SCHEMA evil CASCADE;
DROP SCHEMA sec CASCADE;
DROP ROLE regress_tv_owner;
DROP ROLE regress_tv_writer;
DROP ROLE regress_tv_reader;
