-- ops_analyze_cascade: EXPLAIN (ANALYZE, BUFFERS) of refreshing one row,
-- read-only.  Timings, costs and buffer counts vary: the plan is shown
-- with them cut off.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA ac;
SET search_path = ac, public;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text);
INSERT INTO tb_user VALUES (1, 'Ada'), (2, 'Bob');
INSERT INTO tb_post VALUES (10, 1, 'Hello'), (11, 2, 'World');
CREATE TABLE tv_post AS
SELECT p.pk_post, p.title, u.name AS author
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_feed AS
SELECT u.pk_user AS pk_feed, (SELECT count(*) FROM tv_post p WHERE p.author = u.name) AS posts
  FROM tb_user u;
CREATE FUNCTION ac.plan_shape(entity text, pk text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT regexp_replace(query_plan, '\s+\((cost|actual)=.*$', '')
      FROM pg_tviews_analyze_cascade(entity, pk)
     WHERE query_plan !~ '^\s*(Buffers|Planning|Execution|I/O Timings)'
$$;
-- a row whose source changed while maintenance was off: the plan shows
-- the insert the refresh would make ...
SET pg_tviews.enabled = off;
INSERT INTO tb_post VALUES (12, 1, 'Again');
RESET pg_tviews.enabled;
SELECT * FROM ac.plan_shape('post', '12');
-- ... and nothing was written: no row, no audit or execution-store entry
SELECT count(*) AS rows_for_12 FROM tv_post WHERE pk_post = 12;
SELECT * FROM pg_tviews_verify('post');
-- inside a transaction too: no lock on tv_post is left behind
BEGIN;
SELECT count(*) > 0 AS explained FROM pg_tviews_analyze_cascade('post', '12');
SELECT count(*) AS locks_on_tv_post FROM pg_locks
 WHERE pid = pg_backend_pid() AND relation = 'ac.tv_post'::regclass;
COMMIT;
-- the key's text is cast to the key's type
SELECT * FROM pg_tviews_analyze_cascade('post', 'ten');
-- a TVIEW read by another: the update shows, triggers stay quiet (the
-- cascade to tv_feed is not part of the plan: pg_tviews_show_cascade_path
-- lists it) and nothing is written
SELECT pg_tviews_refresh('post') AS rows_written;
SET pg_tviews.enabled = off;
UPDATE tb_user SET name = 'Ada L.' WHERE pk_user = 1;
RESET pg_tviews.enabled;
SELECT * FROM ac.plan_shape('post', '10');
SELECT author FROM tv_post WHERE pk_post = 10;
-- only for those who may read the TVIEW
CREATE ROLE ops_analyze_nobody;
GRANT USAGE ON SCHEMA ac TO ops_analyze_nobody;
SET ROLE ops_analyze_nobody;
SELECT * FROM pg_tviews_analyze_cascade('ac.post', '10');
RESET ROLE;
-- errors
SELECT * FROM pg_tviews_analyze_cascade('nosuch', '1');
SET client_min_messages = warning;
DROP SCHEMA ac CASCADE;
DROP ROLE ops_analyze_nobody;
RESET client_min_messages;
