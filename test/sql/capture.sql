-- capture: pg_tviews_set_capture (modes statement, replica, row), its
-- refusals, and row-level capture (what the apply worker of a subscription
-- fires) maintaining TVIEWs at commit: once per transaction, rollbacks
-- forgotten, TRUNCATE, and random writes compared with the views.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA cap;
SET search_path = cap, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''post'', ''user'', ''feed'')'
\set VERBOSITY terse

CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text NOT NULL);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 10) g;
INSERT INTO tb_post SELECT g, 1 + g % 10, 'post ' || g FROM generate_series(1, 30) g;
INSERT INTO tb_comment SELECT g, 1 + g % 30, 'comment ' || g FROM generate_series(1, 60) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, jsonb_build_object('title', p.title, 'author', u.name,
       'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment) FROM tb_comment c
                             WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, u.name, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS n_posts
  FROM tb_user u;
CREATE TABLE tv_feed AS
SELECT t.pk_post AS pk_feed, t.data ->> 'title' AS title, jsonb_array_length(t.data -> 'comments') AS n_comments
  FROM tv_post t;
CREATE VIEW v_plain AS SELECT 1 AS x;
CREATE TABLE tb_parted (id int PRIMARY KEY) PARTITION BY RANGE (id);

-- refusals, each with its SQLSTATE; nothing changes
SELECT pg_tviews_set_capture('tb_user', 'rows');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_capture('v_plain', 'row');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_capture('tv_post', 'row');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_capture('tb_parted', 'replica');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_capture('tb_nothing', 'row');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_set_capture(NULL, 'row') IS NULL AS strict;
SELECT count(*) AS modes_set FROM pg_tview_capture;

-- the triggers of each mode: statement triggers (origin), row capture
-- (replica: only sessions running as a replica, such as the apply worker;
-- always); a TVIEW's table read by a stacked TVIEW fires always
SELECT pg_tviews_set_capture('tb_user', 'row');
SELECT pg_tviews_set_capture('tb_post', 'replica');
SELECT pg_tviews_set_capture('tb_comment', 'row');
SELECT tgrelid::regclass AS rel, tgname, tgenabled FROM pg_trigger
 WHERE tgrelid IN ('tb_user'::regclass, 'tb_post'::regclass, 'tb_comment'::regclass, 'tv_post'::regclass)
   AND tgname LIKE 'pg\_tviews\_%' ORDER BY tgrelid::regclass::text, tgname;
SELECT source, mode FROM pg_tview_capture ORDER BY source::text;
SELECT * FROM pg_tviews_show_cascade_path('feed') ORDER BY depth, depends_on;
SELECT * FROM pg_tviews_show_cascade_path('post') ORDER BY depth, depends_on;
SELECT operation, details ->> 'source' AS source, details ->> 'mode' AS mode, details ->> 'previous' AS previous
  FROM pg_tview_audit_log WHERE operation IN ('CAPTURE', 'SET CAPTURE') ORDER BY log_id;
SELECT status, component FROM pg_tviews_health_check()
 WHERE component LIKE 'trigger%cap.%' OR component = 'triggers' OR component = 'replication';
-- the DDL guard keeps the capture triggers as their mode needs them
ALTER TABLE tb_user DISABLE TRIGGER pg_tviews_row;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tb_post ENABLE TRIGGER pg_tviews_row;
\echo :LAST_ERROR_SQLSTATE

SET pg_tviews.log_refreshes = 'all';
TRUNCATE pg_tview_refresh_log;

-- mode row: maintained at commit, once per TVIEW for the whole transaction
BEGIN;
UPDATE tb_user SET name = name || '!' WHERE pk_user = 1;
UPDATE tb_user SET name = name || '?' WHERE pk_user = 1;
INSERT INTO tb_comment VALUES (100, 1, 'new');
SELECT data ->> 'author' AS before_commit FROM tv_post WHERE pk_post = 10;
COMMIT;
SELECT data ->> 'author' AS after_commit FROM tv_post WHERE pk_post = 10;
SELECT entity, operation, count(*) FROM pg_tview_refresh_log GROUP BY 1, 2 ORDER BY 1, 2;
:check;

-- a savepoint rolled back is forgotten; an aborted transaction leaves nothing
TRUNCATE pg_tview_refresh_log;
BEGIN;
UPDATE tb_user SET name = 'kept' WHERE pk_user = 2;
SAVEPOINT s;
UPDATE tb_user SET name = 'undone' WHERE pk_user = 3;
ROLLBACK TO s;
COMMIT;
SELECT name FROM tv_user WHERE pk_user IN (2, 3) ORDER BY pk_user;
BEGIN;
DELETE FROM tb_comment;
ROLLBACK;
SELECT count(*) AS comments_kept FROM tb_comment;
:check;

-- old rows of two sources that only met before the transaction: a post
-- moved to a new key while its author is deleted, in two statements
BEGIN;
DELETE FROM tb_user WHERE pk_user = 5;
UPDATE tb_post SET pk_post = pk_post + 1000 WHERE fk_user = 5;
COMMIT;
:check;

-- TRUNCATE of a captured source rebuilds its TVIEWs at commit
BEGIN;
TRUNCATE tb_comment;
INSERT INTO tb_comment VALUES (1, 2, 'after truncate');
COMMIT;
:check;

-- mode replica: ordinary sessions use the statement triggers, sessions
-- running as a replica (the apply worker) the row capture; never both
TRUNCATE pg_tview_refresh_log;
UPDATE tb_post SET title = 'origin' WHERE pk_post = 2;
SET session_replication_role = replica;
UPDATE tb_post SET title = 'replica' WHERE pk_post = 3;
RESET session_replication_role;
SELECT entity, operation, count(*) FROM pg_tview_refresh_log WHERE entity = 'post' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT data ->> 'title' AS title FROM tv_post WHERE pk_post IN (2, 3) ORDER BY pk_post;
:check;

-- random writes in mode row, each transaction then compared with the views
CREATE TABLE cap_result (round int, tview text, problems bigint, differences bigint);
CREATE FUNCTION cap_write(seed float8) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r float8; k int; j int;
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1 .. 8 LOOP
        r := random(); k := 1 + floor(random() * 14)::int; j := 1 + floor(random() * 40)::int;
        IF r < 0.15 THEN
            INSERT INTO tb_user VALUES (k, 'u' || k) ON CONFLICT (pk_user) DO UPDATE SET name = EXCLUDED.name || '*';
        ELSIF r < 0.22 THEN
            UPDATE tb_user SET pk_user = k + 100 WHERE pk_user = k AND NOT EXISTS (SELECT FROM tb_user WHERE pk_user = k + 100);
        ELSIF r < 0.28 THEN
            DELETE FROM tb_user WHERE pk_user = k;
        ELSIF r < 0.45 THEN
            INSERT INTO tb_post VALUES (j, k, 'p' || j) ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user;
        ELSIF r < 0.55 THEN
            UPDATE tb_post SET pk_post = j + 500 WHERE pk_post = j AND NOT EXISTS (SELECT FROM tb_post WHERE pk_post = j + 500);
        ELSIF r < 0.62 THEN
            DELETE FROM tb_post WHERE pk_post = j;
        ELSIF r < 0.80 THEN
            INSERT INTO tb_comment VALUES (j * 3 + k % 3, j, 'c' || k) ON CONFLICT (pk_comment) DO UPDATE SET fk_post = EXCLUDED.fk_post;
        ELSIF r < 0.90 THEN
            UPDATE tb_comment SET body = body || '.' WHERE pk_comment % 7 = k % 7;
        ELSE
            DELETE FROM tb_comment WHERE fk_post = j;
        END IF;
    END LOOP;
END $$;
SELECT pg_tviews_set_capture('tb_post', 'row');
\set ECHO none
\o /dev/null
SELECT format('SELECT cap_write(%s)', g / 100.0),
       format('INSERT INTO cap_result SELECT %s, * FROM tv_check(''post'', ''user'', ''feed'')', g)
  FROM generate_series(1, 40) g \gexec
\o
\set ECHO all
SELECT count(DISTINCT round) AS rounds, sum(problems) AS problems, sum(differences) AS differences FROM cap_result;

-- back to mode statement: the row capture goes, the statement triggers
-- come back, and maintenance runs after each statement again
SELECT pg_tviews_set_capture('tb_user', 'statement');
SELECT pg_tviews_set_capture('tb_post', 'statement');
SELECT pg_tviews_set_capture('tb_comment', 'statement');
SELECT count(*) AS capture_triggers FROM pg_trigger WHERE tgname IN ('pg_tviews_row', 'pg_tviews_row_trunc');
BEGIN;
INSERT INTO tb_user VALUES (1, 'statement again') ON CONFLICT (pk_user) DO UPDATE SET name = EXCLUDED.name;
SELECT name FROM tv_user WHERE pk_user = 1;
COMMIT;
:check;
RESET pg_tviews.log_refreshes;

SET client_min_messages = warning;
DROP SCHEMA cap CASCADE;
RESET client_min_messages;
SELECT count(*) AS modes_left FROM pg_tview_capture;
