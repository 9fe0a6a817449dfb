-- drop_extension: DROP EXTENSION with a TVIEW present leaves nothing that breaks writes
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA dx;
SET search_path = dx, public;
CREATE TABLE tb_d (id int PRIMARY KEY, v int);
INSERT INTO tb_d VALUES (1, 1);
CREATE TABLE tv_d AS SELECT id AS pk_d, v FROM tb_d;
SELECT count(*) > 0 AS has_triggers FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE p.proname LIKE '%tviews%';
SET client_min_messages = warning;
DROP EXTENSION pg_tviews CASCADE;
RESET client_min_messages;
-- no trigger or event trigger calling pg_tviews functions remains
SELECT count(*) AS tviews_triggers FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE p.proname LIKE '%tviews%';
SELECT count(*) AS tviews_event_triggers FROM pg_event_trigger WHERE evtname LIKE '%tviews%';
SELECT count(*) AS tviews_functions FROM pg_proc WHERE proname LIKE '%tviews%';
-- writes to the former base table succeed
INSERT INTO tb_d VALUES (2, 2);
UPDATE tb_d SET v = v + 1;
DELETE FROM tb_d WHERE id = 1;
TRUNCATE tb_d;
-- CREATE TABLE AS is ordinary again
CREATE TABLE tv_plain AS SELECT 1 AS x;
SELECT * FROM tv_plain;
SET client_min_messages = warning;
DROP SCHEMA dx CASCADE;
RESET client_min_messages;
-- back for whatever runs next
CREATE EXTENSION pg_tviews;
SELECT pg_tviews_version();
