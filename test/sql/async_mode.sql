-- async_mode: refresh_mode = 'async'.  Writes record the keys they may
-- have changed in pg_tviews_async_queue at COMMIT; the background worker
-- applies them; pg_tviews_wait() returns once everything committed before
-- it is applied.  Every check below waits first and then compares, so it
-- does not depend on when the worker runs.
CREATE TABLE tb_auser (pk_auser int PRIMARY KEY, name text);
CREATE TABLE tb_apost (pk_apost int PRIMARY KEY, fk_user int REFERENCES tb_auser, title text);
INSERT INTO tb_auser VALUES (1, 'ada'), (2, 'bob');
INSERT INTO tb_apost VALUES (10, 1, 'p10'), (11, 2, 'p11'), (12, 1, 'p12');
CREATE TABLE tv_apost AS
SELECT p.pk_apost, p.fk_user,
       jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_apost p JOIN tb_auser u ON u.pk_auser = p.fk_user;
-- stacked: an async TVIEW over an immediate one is the second part
CREATE TABLE tv_auser AS
SELECT u.pk_auser,
       jsonb_build_object('name', u.name,
                          'posts', COALESCE((SELECT jsonb_agg(p.data ->> 'title' ORDER BY p.pk_apost)
                                               FROM tv_apost p WHERE p.fk_user = u.pk_auser), '[]')) AS data
  FROM tb_auser u;

-- async_same(entity): the TVIEW equals its view
CREATE FUNCTION async_same(e text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((TABLE %1$I EXCEPT ALL TABLE %2$I) UNION ALL (TABLE %2$I EXCEPT ALL TABLE %1$I)) d',
                   'tv_' || e, 'v_' || e) INTO n;
    RETURN n = 0;
END $$;
-- async_poll(query): polls until the query returns true, for at most
-- 60 s (for what pg_tviews_wait cannot say: one TVIEW applied while
-- another's entries cannot be, the worker's failure recorded)
CREATE FUNCTION async_poll(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE deadline timestamptz := clock_timestamp() + interval '60 s'; done boolean;
BEGIN
    WHILE clock_timestamp() < deadline LOOP
        EXECUTE q INTO done;
        IF done THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN false;
END $$;

SELECT pg_tviews_set_refresh_mode('apost', 'async');
SELECT pg_tviews_set_refresh_mode('apost', 'sometimes');
SELECT entity, refresh_mode, pending_entries FROM pg_tviews_async_status;

-- a write, then wait: applied (and the immediate TVIEW above it follows)
UPDATE tb_auser SET name = 'ada2' WHERE pk_auser = 1;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser');
SELECT data FROM tv_apost ORDER BY pk_apost;

-- within the writing transaction the work is the session's (the queue view
-- of deferred work shows it); the table gets it at COMMIT
BEGIN;
UPDATE tb_apost SET title = 'p10b' WHERE pk_apost = 10;
UPDATE tb_apost SET title = 'p10c' WHERE pk_apost = 10;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
SELECT count(*) FROM pg_tviews_async_queue;
COMMIT;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), data ->> 'title' FROM tv_apost WHERE pk_apost = 10;

-- ROLLBACK leaves no entry
BEGIN;
UPDATE tb_apost SET title = 'gone' WHERE pk_apost = 11;
ROLLBACK;
SELECT count(*) FROM pg_tviews_async_queue;

-- ROLLBACK TO SAVEPOINT forgets what the subtransaction queued: post 12's
-- key is not recorded
BEGIN;
UPDATE tb_apost SET title = 'p11b' WHERE pk_apost = 11;
SAVEPOINT s;
UPDATE tb_apost SET title = 'gone' WHERE pk_apost = 12;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
ROLLBACK TO SAVEPOINT s;
SELECT entity, pending_keys FROM pg_tviews_queue_realtime;
COMMIT;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser');
SELECT data FROM tv_apost ORDER BY pk_apost;

-- a failed exception block is a rolled-back subtransaction too
DO $$
BEGIN
    BEGIN
        UPDATE tb_apost SET title = 'never' WHERE pk_apost = 12;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
END $$;
SELECT count(*) FROM pg_tviews_async_queue;

-- inserts, deletes, key changes, a statement writing many rows
INSERT INTO tb_apost SELECT g, 1 + g % 2, 'bulk' || g FROM generate_series(100, 400) g;
UPDATE tb_apost SET pk_apost = pk_apost + 1000 WHERE pk_apost BETWEEN 100 AND 150;
DELETE FROM tb_apost WHERE pk_apost BETWEEN 300 AND 350;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), count(*) FROM tv_apost;

-- TRUNCATE queues a rebuild
TRUNCATE tb_apost;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), count(*) FROM tv_apost;
INSERT INTO tb_apost VALUES (10, 1, 'p10'), (11, 2, 'p11');
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser');

-- a prepared transaction's entries are applied only after COMMIT PREPARED
BEGIN;
UPDATE tb_apost SET title = 'prepared' WHERE pk_apost = 11;
PREPARE TRANSACTION 'async_mode';
SELECT pg_tviews_wait();
SELECT data ->> 'title' FROM tv_apost WHERE pk_apost = 11;
COMMIT PREPARED 'async_mode';
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), data ->> 'title' FROM tv_apost WHERE pk_apost = 11;
BEGIN;
UPDATE tb_apost SET title = 'not this' WHERE pk_apost = 11;
PREPARE TRANSACTION 'async_mode_2';
ROLLBACK PREPARED 'async_mode_2';
SELECT count(*) FROM pg_tviews_async_queue;

-- the setting makes one session's writes async for an immediate TVIEW
SELECT pg_tviews_set_refresh_mode('apost', 'immediate');
BEGIN;
SET LOCAL pg_tviews.refresh_mode = async;
UPDATE tb_apost SET title = 'by setting' WHERE pk_apost = 10;
SELECT data ->> 'title' FROM tv_apost WHERE pk_apost = 10;
COMMIT;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), data ->> 'title' FROM tv_apost WHERE pk_apost = 10;

-- async over immediate: tv_apost immediate, tv_auser async; the writer
-- sees tv_apost up to date at once, tv_auser after the worker
SELECT pg_tviews_set_refresh_mode('auser', 'async');
UPDATE tb_apost SET title = 'p10 again' WHERE pk_apost = 10;
SELECT data ->> 'title' FROM tv_apost WHERE pk_apost = 10;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), data FROM tv_auser WHERE pk_auser = 1;

-- async over async: the worker's batch on tv_apost queues tv_auser's keys,
-- and pg_tviews_wait waits for those too
SELECT pg_tviews_set_refresh_mode('apost', 'async');
UPDATE tb_auser SET name = 'ada3' WHERE pk_auser = 1;
UPDATE tb_apost SET title = 'p11 again' WHERE pk_apost = 11;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser');
SELECT data FROM tv_auser ORDER BY pk_auser;

-- a failure of the worker is recorded, retried, and never drops the
-- entries: the view gives two rows one key (immediate mode would refuse
-- the write with 23505; async mode cannot refuse a committed write)
CREATE TABLE tb_akey (id int PRIMARY KEY, k int);
INSERT INTO tb_akey VALUES (1, 1), (2, 2);
CREATE TABLE tv_akey AS SELECT a.k AS pk_akey, jsonb_build_object('id', a.id) AS data FROM tb_akey a;
SELECT pg_tviews_set_refresh_mode('akey', 'async');
UPDATE tb_akey SET k = 1 WHERE id = 2;
SELECT async_poll($$SELECT last_error IS NOT NULL FROM pg_tviews_async_status WHERE entity = 'akey'$$);
SELECT pg_tviews_wait('100 ms');
SELECT entity, pending_entries, pending_keys, last_error LIKE '23505: duplicate key value violates the key of TVIEW%' AS failed
  FROM pg_tviews_async_status WHERE entity = 'akey';
SELECT status, operation, error_text LIKE '23505:%' FROM pg_tview_refresh_log WHERE entity = 'akey' LIMIT 1;
-- other TVIEWs are not held up by it (pg_tviews_wait waits for every
-- async TVIEW: it times out)
UPDATE tb_apost SET title = 'p10 once more' WHERE pk_apost = 10;
SELECT pg_tviews_wait('100 ms');
SELECT async_poll($$SELECT async_same('apost') AND async_same('auser')$$);
-- fixed, the retry applies it
UPDATE tb_akey SET k = 2 WHERE id = 2;
SELECT pg_tviews_wait('60 s');
SELECT async_same('akey'), count(*) FROM pg_tviews_async_queue;

-- leaving async applies what is queued in the same transaction: here the
-- failing entry again, so the change of mode fails and nothing changes
UPDATE tb_akey SET k = 1 WHERE id = 2;
SELECT pg_tviews_set_refresh_mode('akey', 'immediate');
SELECT refresh_mode FROM pg_tview_meta WHERE entity = 'akey';
-- DROP of a TVIEW with entries pending removes them
SELECT pg_tviews_drop('akey');
SELECT count(*) FROM pg_tviews_async_queue;
SELECT entity FROM pg_tviews_async_status ORDER BY 1;

-- leaving async with entries (queued by a transaction the mode change is
-- part of: the entries come at its commit, so the worker applies them)
BEGIN;
UPDATE tb_auser SET name = 'bob2' WHERE pk_auser = 2;
SELECT pg_tviews_set_refresh_mode('apost', 'immediate');
COMMIT;
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser');

-- CREATE while entries are queued: a new TVIEW over a source with queued
-- entries of another async TVIEW; both end equal to their views
SELECT pg_tviews_set_refresh_mode('apost', 'async');
INSERT INTO tb_apost SELECT g, 1 + g % 2, 'busy' || g FROM generate_series(500, 700) g;
UPDATE tb_auser SET name = name || '+';
CREATE TABLE tv_aname AS SELECT u.pk_auser AS pk_aname, jsonb_build_object('name', u.name) AS data FROM tb_auser u;
SELECT pg_tviews_set_refresh_mode('aname', 'async');
UPDATE tb_auser SET name = name || '-';
SELECT pg_tviews_wait();
SELECT async_same('apost'), async_same('auser'), async_same('aname');
SELECT pg_tviews_drop('aname');

-- pg_tviews_wait refuses a negative timeout
SELECT pg_tviews_wait('-1 s');

SELECT pg_tviews_drop('auser');
SELECT pg_tviews_drop('apost');
DROP FUNCTION async_poll(text), async_same(text);
DROP TABLE tb_apost, tb_auser, tb_akey;
