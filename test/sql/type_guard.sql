-- type_guard: ALTER TYPE on a type a TVIEW's definition reads (an enum
-- value renamed, a composite type's attributes added, renamed, dropped)
-- rebuilds the TVIEW in the same statement, so it equals its view at once.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
\set VERBOSITY terse
CREATE SCHEMA tg;
SET search_path = tg, public;
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TYPE flag AS ENUM ('ok', 'no');
CREATE TYPE addr AS (street text, city text);
CREATE TYPE spare AS ENUM ('a', 'b');
CREATE TABLE tb_person (pk_person int PRIMARY KEY, m mood, home addr);
INSERT INTO tb_person VALUES (1, 'ok', ROW('Main St', 'Oslo')), (2, 'sad', ROW('High St', 'Rome'));
-- the enum read from a column, and one used only in the definition's text
CREATE TABLE tv_person AS SELECT p.pk_person, jsonb_build_object('mood', p.m, 'flag', 'ok'::flag) AS data FROM tb_person p;
-- the composite read whole, and one of its attributes
CREATE TABLE tv_home AS SELECT p.pk_person AS pk_home, to_jsonb(p.home) AS data FROM tb_person p;
CREATE TABLE tv_city AS SELECT p.pk_person AS pk_city, (p.home).city AS city FROM tb_person p;

ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
SELECT * FROM pg_tviews_verify('tg.person');
SELECT pk_person, data FROM tv_person ORDER BY 1;
ALTER TYPE flag RENAME VALUE 'ok' TO 'yes';
SELECT * FROM pg_tviews_verify('tg.person');
SELECT pk_person, data FROM tv_person ORDER BY 1;

ALTER TYPE addr ADD ATTRIBUTE zip text;
SELECT * FROM pg_tviews_verify('tg.home');
SELECT pk_home, data FROM tv_home ORDER BY 1;
ALTER TYPE addr RENAME ATTRIBUTE street TO road;
SELECT * FROM pg_tviews_verify('tg.home');
SELECT pk_home, data FROM tv_home ORDER BY 1;
ALTER TYPE addr DROP ATTRIBUTE zip;
SELECT * FROM pg_tviews_verify('tg.home');
SELECT pk_home, data FROM tv_home ORDER BY 1;
-- (col).field: a renamed attribute keeps its value
ALTER TYPE addr RENAME ATTRIBUTE road TO street;
SELECT * FROM pg_tviews_verify('tg.city');
SELECT * FROM pg_tviews_verify('tg.home');

-- a type no TVIEW uses: nothing is rebuilt (a write made with maintenance
-- off stays unseen), while one tv_city reads rebuilds it
SET pg_tviews.enabled = off;
UPDATE tb_person SET home = ROW('Low St', 'Nice') WHERE pk_person = 2;
RESET pg_tviews.enabled;
ALTER TYPE spare RENAME VALUE 'a' TO 'z';
SELECT * FROM pg_tviews_verify('tg.city');
ALTER TYPE addr ADD ATTRIBUTE zip text;
SELECT * FROM pg_tviews_verify('tg.city');
SELECT * FROM pg_tviews_verify('tg.home');

-- in a transaction that rolls back, the TVIEW comes back equal to its view
BEGIN;
ALTER TYPE mood RENAME VALUE 'sad' TO 'glum';
SELECT pk_person, data FROM tv_person ORDER BY 1;
ROLLBACK;
SELECT * FROM pg_tviews_verify('tg.person');
SELECT pk_person, data FROM tv_person ORDER BY 1;

DROP SCHEMA tg CASCADE;
