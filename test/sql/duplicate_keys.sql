-- duplicate_keys: a write that gives two rows of a view one key fails with
-- 23505 naming the TVIEW and the key, as a unique index would, and one that
-- gives a row a NULL key fails with 23502; nothing is collapsed or left out.
-- Immediate and deferred maintenance, the full-rebuild path, and refresh.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA dupkeys;
SET search_path = dupkeys, public;
\set VERBOSITY terse
CREATE TABLE d (id int PRIMARY KEY, j int, note text);
INSERT INTO d VALUES (1, 10, 'a'), (2, 20, 'b');
-- the key alone, and the key with another column (an upsert with work to do)
CREATE TABLE tv_dup AS SELECT d.j AS pk_dup FROM d d;
CREATE TABLE tv_dupn AS SELECT d.j AS pk_dupn, d.note FROM d d;
-- same(): both TVIEWs equal their views
CREATE FUNCTION same() RETURNS bigint LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM pg_tviews_verify('dupkeys.dup')) + (SELECT count(*) FROM pg_tviews_verify('dupkeys.dupn'))
$$;

-- immediate: a new row with an existing key
INSERT INTO d VALUES (3, 10, 'c');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- the message names the TVIEW and the key
INSERT INTO d VALUES (3, 10, 'c');
\set VERBOSITY terse
-- an update moving a row onto another's key
UPDATE d SET j = 20 WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
-- two new rows sharing a key nobody had
INSERT INTO d VALUES (3, 30, 'c'), (4, 30, 'd');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM tv_dupn ORDER BY 1;
SELECT same();
-- a unique result again is fine: swap the keys of two rows in one statement
UPDATE d SET j = CASE id WHEN 1 THEN 20 ELSE 10 END;
SELECT * FROM tv_dupn ORDER BY 1;
SELECT same();
-- in a subtransaction: the failed write is undone, the rest goes on
BEGIN;
INSERT INTO d VALUES (5, 50, 'e');
SAVEPOINT s;
INSERT INTO d VALUES (6, 50, 'f');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT s;
INSERT INTO d VALUES (6, 60, 'f');
COMMIT;
SELECT * FROM tv_dupn ORDER BY 1;
SELECT same();

-- NULL keys: the view would have a row the TVIEW cannot store
UPDATE d SET j = NULL WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO d VALUES (7, NULL, 'g');
\echo :LAST_ERROR_SQLSTATE
SELECT same();

-- deferred: a duplicate is found when the queued work is written, at COMMIT,
-- and nothing of the transaction stays; a NULL key already when its keys are
-- found, at the statement
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
INSERT INTO d VALUES (7, 70, 'g');
INSERT INTO d VALUES (8, 70, 'h');
SELECT count(*) AS queued_rows_visible FROM tv_dupn WHERE pk_dupn = 70;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_7_8 FROM d WHERE id IN (7, 8);
SELECT same();
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE d SET j = NULL WHERE id = 2;
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT same();

-- full rebuild (threshold 0 rebuilds on every write)
SET pg_tviews.full_refresh_threshold = 0;
INSERT INTO d VALUES (7, 10, 'g');
\echo :LAST_ERROR_SQLSTATE
UPDATE d SET j = 10 WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO d VALUES (7, 80, 'g'), (8, 80, 'h');
\echo :LAST_ERROR_SQLSTATE
UPDATE d SET j = NULL WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO d VALUES (7, 70, 'g');
SELECT * FROM tv_dupn ORDER BY 1;
SELECT same();
RESET pg_tviews.full_refresh_threshold;

-- refresh: rows written while maintenance was off make the view's keys
-- non-unique; pg_tviews_refresh refuses them rather than keep one
SET pg_tviews.enabled = off;
INSERT INTO d VALUES (9, 70, 'i');
RESET pg_tviews.enabled;
SELECT pg_tviews_refresh('dupkeys.dupn');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_tviews_refresh('dupkeys.dup');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM d WHERE id = 9;
SELECT same();

DROP SCHEMA dupkeys CASCADE;
