-- threshold: a write above full_refresh_threshold gives the same result, done set-wise
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA thr;
SET search_path = thr, public;
CREATE TABLE tb_p (id int PRIMARY KEY, fk_u int, score int);
CREATE TABLE tb_u (id int PRIMARY KEY, name text);
INSERT INTO tb_u SELECT g, 'u' || g FROM generate_series(1, 200) g;
INSERT INTO tb_p SELECT g, 1 + g % 200, g FROM generate_series(1, 1000) g;
CREATE TABLE tv_u AS
SELECT u.id AS pk_u, u.name,
       (SELECT jsonb_agg(p.score ORDER BY p.id) FROM tb_p p WHERE p.fk_u = u.id) AS scores
  FROM tb_u u;
SET pg_tviews.log_refreshes = 'all';
TRUNCATE pg_tview_refresh_log;
-- 20 of 200 users (10%): incremental
UPDATE tb_u SET name = name || '!' WHERE id <= 20;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
-- 100 of 200 users (50%): full
UPDATE tb_u SET name = name || '?' WHERE id > 100;
-- 50 of 200 (25%, but under 64 keys): incremental, a rebuild would lock the TVIEW
UPDATE tb_u SET name = name || '.' WHERE id BETWEEN 51 AND 100;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
-- every post: touches every user
UPDATE tb_p SET score = score + 1;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
-- the same big change with the threshold at 1 (always incremental) ends equal too
SET pg_tviews.full_refresh_threshold = 1;
UPDATE tb_p SET score = score - 1;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
-- and with 0 (always full, even one key)
SET pg_tviews.full_refresh_threshold = 0;
UPDATE tb_u SET name = 'x' WHERE id = 1;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
RESET pg_tviews.full_refresh_threshold;
SELECT refresh_id - min(refresh_id) OVER () + 1 AS n, entity, source_table, operation, mode, status
  FROM pg_tview_refresh_log ORDER BY refresh_id;
SELECT pk_u, name, jsonb_array_length(scores) AS posts FROM tv_u WHERE pk_u IN (1, 2, 60, 111) ORDER BY 1;
-- an UPDATE of half the users that changes nothing the view reads: no
-- work, although the statement is big enough to be a rebuild at once
TRUNCATE pg_tview_refresh_log;
UPDATE tb_u SET name = name WHERE id > 100;
SELECT count(*) AS refreshes FROM pg_tview_refresh_log;
-- a rebuild writes only the rows that differ: 150 new users, then 40
-- gone, then 10 renamed (a threshold of 0 rebuilds every time)
SET pg_tviews.full_refresh_threshold = 0;
INSERT INTO tb_u SELECT g, 'n' || g FROM generate_series(201, 350) g;
DELETE FROM tb_u WHERE id BETWEEN 161 AND 200;
UPDATE tb_u SET name = name || '*' WHERE id BETWEEN 1 AND 10;
RESET pg_tviews.full_refresh_threshold;
SELECT count(*) AS problems FROM pg_tviews_verify('u');
-- stacked: tv_top reads every column of tv_u, so a rebuild of tv_u that
-- rewrites half its rows rebuilds tv_top too, with no key query
CREATE TABLE tv_top AS SELECT t.pk_u AS pk_top, t.name, t.scores FROM tv_u t;
UPDATE tb_u SET name = name || '+' WHERE id > 100;
SELECT count(*) AS problems FROM pg_tviews_verify('top');
SELECT entity, source_table, operation, mode, keys_examined, rows_inserted AS ins, rows_updated AS upd, rows_deleted AS del
  FROM pg_tview_refresh_log ORDER BY refresh_id;
SELECT pk_top, name FROM tv_top WHERE pk_top IN (1, 111, 300) ORDER BY 1;
RESET pg_tviews.log_refreshes;
DROP TABLE tv_top;
DROP TABLE tv_u;
SET client_min_messages = warning;
DROP SCHEMA thr CASCADE;
RESET client_min_messages;
