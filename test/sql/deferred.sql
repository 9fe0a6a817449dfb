-- deferred: pg_tviews.refresh_mode = deferred (per transaction, per TVIEW) maintains
-- at COMMIT / PREPARE TRANSACTION, once per row, and forgets what rollbacks undo
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA deferred;
SET search_path = deferred, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''post'', ''feed'')'

CREATE TABLE tb_user (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'hello'), (2, 2, 'world');
CREATE TABLE tv_post AS
SELECT p.id AS pk_post, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.id = p.fk_user;
CREATE TABLE tv_feed AS
SELECT t.pk_post AS pk_feed, t.data ->> 'title' || ' by ' || (t.data ->> 'author') AS line
  FROM tv_post t;
SET pg_tviews.log_refreshes = 'all';
TRUNCATE pg_tview_refresh_log;

-- 100 updates of one row in one transaction: nothing until COMMIT, then one refresh
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
DO $$ BEGIN FOR i IN 1..100 LOOP UPDATE tb_post SET title = 'v' || i WHERE id = 1; END LOOP; END $$;
SELECT data ->> 'title' AS before_commit FROM tv_post WHERE pk_post = 1;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
COMMIT;
SELECT data ->> 'title' AS after_commit FROM tv_post WHERE pk_post = 1;
SELECT entity, operation, mode, keys_examined, rows_inserted, rows_updated, rows_deleted
  FROM pg_tview_refresh_log ORDER BY refresh_id;
:check;
TRUNCATE pg_tview_refresh_log;

-- ROLLBACK TO SAVEPOINT and a failed exception block forget exactly their work
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_user SET name = 'alicia' WHERE id = 1;
SAVEPOINT s1;
UPDATE tb_user SET name = 'robert' WHERE id = 2;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
ROLLBACK TO SAVEPOINT s1;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
DO $$
BEGIN
    INSERT INTO tb_post VALUES (3, 2, 'lost');
    RAISE EXCEPTION 'undo the insert';
EXCEPTION WHEN raise_exception THEN NULL;
END $$;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
INSERT INTO tb_post VALUES (4, 1, 'kept');
COMMIT;
SELECT * FROM tv_feed ORDER BY pk_feed;
:check;

-- a rolled-back transaction leaves nothing queued for the next one
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
DELETE FROM tb_post WHERE id = 4;
ROLLBACK;
SELECT count(*) AS pending FROM pg_tviews_queue_realtime;
SELECT count(*) AS feed_rows FROM tv_feed;

-- per TVIEW: tv_post deferred, tv_feed immediate (it follows tv_post at commit)
SELECT pg_tviews_set_refresh_mode('post', 'deferred');
SELECT entity, refresh_mode FROM pg_tview_meta WHERE schema_name = 'deferred' ORDER BY entity;
BEGIN;
UPDATE tb_post SET title = 'deferred by catalog' WHERE id = 2;
SELECT line AS feed_before_commit FROM tv_feed WHERE pk_feed = 2;
COMMIT;
SELECT line AS feed_after_commit FROM tv_feed WHERE pk_feed = 2;
:check;
SELECT pg_tviews_set_refresh_mode('post', 'immediate');
SELECT pg_tviews_set_refresh_mode('post', 'later');

-- two-phase commit: maintained at PREPARE, visible at COMMIT PREPARED
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_user SET name = 'bobby' WHERE id = 2;
PREPARE TRANSACTION 'pg_tviews_deferred_1';
SELECT line FROM tv_feed WHERE pk_feed = 2;
COMMIT PREPARED 'pg_tviews_deferred_1';
SELECT line FROM tv_feed WHERE pk_feed = 2;
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_user SET name = 'nobody' WHERE id = 2;
PREPARE TRANSACTION 'pg_tviews_deferred_2';
ROLLBACK PREPARED 'pg_tviews_deferred_2';
SELECT line FROM tv_feed WHERE pk_feed = 2;
-- immediate mode under 2PC too
BEGIN;
UPDATE tb_post SET title = 'two phase' WHERE id = 1;
PREPARE TRANSACTION 'pg_tviews_deferred_3';
COMMIT PREPARED 'pg_tviews_deferred_3';
SELECT line FROM tv_feed WHERE pk_feed = 1;
:check;

-- a long transaction: 3,000 statements over 500 posts, each post written six
-- times, in turn; the queued keys are compacted as they pile up, and COMMIT
-- refreshes each post once
INSERT INTO tb_post SELECT g, 1 + g % 2, 'bulk ' || g FROM generate_series(1000, 1499) g;
TRUNCATE pg_tview_refresh_log;
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
DO $$ BEGIN
    FOR i IN 0..2999 LOOP UPDATE tb_post SET title = 'round ' || i WHERE id = 1000 + i % 500; END LOOP;
END $$;
SELECT entity, pending_keys <= 2 * 500 + 1024 AS compacted FROM pg_tviews_queue_realtime;
COMMIT;
SELECT entity, operation, keys_examined, rows_updated FROM pg_tview_refresh_log ORDER BY refresh_id;
SELECT count(*) AS posts_with_their_last_title FROM tv_feed
 WHERE substring(line FROM '^round (\d+) by')::int >= 2500;
:check;

RESET pg_tviews.log_refreshes;
DROP TABLE tv_feed, tv_post;
SET client_min_messages = warning;
DROP SCHEMA deferred CASCADE;
RESET client_min_messages;
