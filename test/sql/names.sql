-- names: awkward entity names, schemas, quoted identifiers, multi-line DDL
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA names_s;
SET search_path = names_s, public;
CREATE TABLE tb_thing (id int PRIMARY KEY, name text);
INSERT INTO tb_thing VALUES (1, 'a'), (2, 'b');

-- entities whose names are SQL-ish words
CREATE TABLE tv_task AS SELECT id AS pk_task, name FROM tb_thing;
CREATE TABLE tv_class AS SELECT id AS pk_class, name FROM tb_thing;
CREATE TABLE tv_has_orders AS SELECT id AS pk_has_orders, name FROM tb_thing;
UPDATE tb_thing SET name = name || '!';
INSERT INTO tb_thing VALUES (3, 'c');
SELECT entity, key_column FROM pg_tview_meta WHERE schema_name = 'names_s' ORDER BY entity;
SELECT (SELECT count(*) FROM pg_tviews_verify('task')) + (SELECT count(*) FROM pg_tviews_verify('class'))
     + (SELECT count(*) FROM pg_tviews_verify('has_orders')) AS problems;
SELECT * FROM tv_has_orders ORDER BY 1;

-- schema-qualified creation in a schema not on the search_path
CREATE SCHEMA "other schema";
CREATE TABLE "other schema".tb_w (id int PRIMARY KEY, val int);
INSERT INTO "other schema".tb_w VALUES (1, 10);
CREATE TABLE "other schema".tv_w AS SELECT id AS pk_w, val FROM "other schema".tb_w;
SELECT schema_name, entity, table_oid, view_oid FROM pg_tview_meta WHERE entity = 'w';
INSERT INTO "other schema".tb_w VALUES (2, 20);
UPDATE "other schema".tb_w SET val = val + 1;
SELECT * FROM "other schema".tv_w ORDER BY 1;
SET search_path = "other schema", names_s, public;
SELECT count(*) AS problems FROM pg_tviews_verify('w');
SET search_path = names_s, public;

-- quoted names with capitals, spaces and quotes in base tables and columns
CREATE TABLE "Tb Weird ""Q""" ("Id" int PRIMARY KEY, "Full Name" text, "it's" int);
CREATE TABLE "Parent Table" ("ID" int PRIMARY KEY, "Label ""x""" text);
INSERT INTO "Tb Weird ""Q""" VALUES (1, 'Ann', 1), (2, 'Bo', 2);
INSERT INTO "Parent Table" VALUES (1, 'one'), (2, 'two');
CREATE TABLE tv_weird AS
SELECT w."Id" AS pk_weird, w."Full Name", p."Label ""x""" AS "Parent ""Label""",
       jsonb_build_object('name', w."Full Name", 'parent', p."Label ""x""") AS data
  FROM "Tb Weird ""Q""" w
  LEFT JOIN "Parent Table" p ON p."ID" = w."it's";
UPDATE "Parent Table" SET "Label ""x""" = 'ONE' WHERE "ID" = 1;
UPDATE "Tb Weird ""Q""" SET "it's" = 1 WHERE "Id" = 2;
INSERT INTO "Tb Weird ""Q""" VALUES (3, 'O''Brien', 2);
DELETE FROM "Parent Table" WHERE "ID" = 2;
SELECT * FROM tv_weird ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('weird');

-- an alias that is a keyword in other SQL dialects
CREATE TABLE tv_kw AS
SELECT t.id AS pk_kw, top.name AS top_name
  FROM tb_thing t
  LEFT JOIN LATERAL (SELECT x.name FROM tb_thing x WHERE x.id <= t.id ORDER BY x.id DESC LIMIT 1) top ON true;
UPDATE tb_thing SET name = 'B' WHERE id = 2;
SELECT * FROM tv_kw ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('kw');

-- multi-line CREATE with comments, AS on its own line
CREATE TABLE
    -- the entity
    tv_multi   /* a block comment */
AS
    -- the definition
    SELECT id AS pk_multi,  -- the key
           upper(name) AS shout
      FROM tb_thing
     /* everything */ ;
DELETE FROM tb_thing WHERE id = 1;
SELECT * FROM tv_multi ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('multi');

-- SELECT ... INTO and WITH NO DATA
SELECT id AS pk_into, name INTO tv_into FROM tb_thing;
CREATE TABLE tv_nodata AS SELECT id AS pk_nodata, name FROM tb_thing WITH NO DATA;
SELECT entity FROM pg_tview_meta WHERE entity IN ('into', 'nodata') ORDER BY 1;
INSERT INTO tb_thing VALUES (4, 'd');
SELECT * FROM tv_into ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('into');
SELECT pg_tviews_refresh('nodata') >= 0 AS refreshed;
SELECT count(*) AS problems FROM pg_tviews_verify('nodata');

-- pg_tviews_create gives the same result as the DDL form
SELECT pg_tviews_create('viafn', 'SELECT id AS pk_viafn, name FROM tb_thing') IS NOT NULL AS created;
SELECT schema_name, entity FROM pg_tview_meta WHERE entity = 'viafn';
UPDATE tb_thing SET name = 'x' WHERE id = 3;
SELECT * FROM tv_viafn ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('viafn');

SET client_min_messages = warning;
DROP SCHEMA "other schema" CASCADE;
DROP SCHEMA names_s CASCADE;
RESET client_min_messages;
SELECT count(*) AS meta_rows FROM pg_tview_meta;
