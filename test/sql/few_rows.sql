-- few_rows: a write of a few rows is maintained from the rows themselves
-- (keys, edge locks and the "did the UPDATE change what the TVIEW reads"
-- check read off the transition tables, no statement run for them); the
-- outcome is the same as for a bigger write, which runs those statements.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA few_rows;
SET search_path = few_rows, public;

CREATE TABLE tb_author (pk_author int PRIMARY KEY, name text NOT NULL, born date);
CREATE TABLE tb_book (pk_book bigint PRIMARY KEY, fk_author int REFERENCES tb_author,
                      title varchar(40), code char(6), note text);
INSERT INTO tb_author SELECT g, 'author ' || g, DATE '1950-01-01' + g FROM generate_series(1, 5) g;
INSERT INTO tb_book SELECT g, 1 + g % 5, 'book ' || g, 'c' || g, NULL FROM generate_series(1, 40) g;
CREATE TABLE tv_book AS
SELECT b.pk_book, b.fk_author,
       jsonb_build_object('title', b.title, 'code', b.code, 'author', a.name) AS data
  FROM tb_book b LEFT JOIN tb_author a ON a.pk_author = b.fk_author;
-- keyed by a char column: its keys are read off the rows too
CREATE TABLE tv_code AS SELECT b.code AS pk_code, b.title FROM tb_book b;

-- the books of an author: a book's write finds its author's key as its
-- fk_author (joined to the key by equality)
CREATE TABLE tv_author AS
SELECT a.pk_author, a.name,
       (SELECT count(*) FROM tb_book b WHERE b.fk_author = a.pk_author) AS books
  FROM tb_author a;

CREATE FUNCTION same() RETURNS boolean LANGUAGE sql AS $$
    SELECT NOT EXISTS (SELECT * FROM tv_author EXCEPT SELECT * FROM v_author)
       AND NOT EXISTS (SELECT * FROM v_author EXCEPT SELECT * FROM tv_author)
       AND NOT EXISTS (SELECT * FROM tv_book EXCEPT SELECT * FROM v_book)
       AND NOT EXISTS (SELECT * FROM v_book EXCEPT SELECT * FROM tv_book)
       AND NOT EXISTS (SELECT * FROM tv_code EXCEPT SELECT * FROM v_code)
       AND NOT EXISTS (SELECT * FROM v_code EXCEPT SELECT * FROM tv_code) $$;
-- the pg_tviews locks this transaction holds (advisory, objsubid 7)
CREATE FUNCTION my_locks() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 7 AND pid = pg_backend_pid() $$;

-- one row: insert, update (key, join column, read column), delete
INSERT INTO tb_book VALUES (100, 2, 'new', 'c100  ', 'n');
SELECT same() AS after_insert;
UPDATE tb_book SET title = 'renamed' WHERE pk_book = 100;
UPDATE tb_book SET fk_author = 3 WHERE pk_book = 100;
UPDATE tb_book SET pk_book = 101 WHERE pk_book = 100;
UPDATE tb_book SET code = 'c101' WHERE pk_book = 101;
SELECT same() AS after_updates;
DELETE FROM tb_book WHERE pk_book = 101;
SELECT same() AS after_delete, (SELECT count(*) FROM tv_book WHERE pk_book IN (100, 101)) AS gone;
SELECT pk_author, books FROM tv_author ORDER BY 1;

-- an UPDATE of a column no TVIEW reads takes no lock and writes nothing;
-- one of a read column locks (the TVIEW shared, the key, the join values)
BEGIN;
UPDATE tb_book SET note = 'unread' WHERE pk_book = 1;
SELECT my_locks() AS locks_unread_column;
UPDATE tb_book SET title = 'read' WHERE pk_book = 1;
SELECT my_locks() > 0 AS locks_read_column, same() AS same;
COMMIT;
-- an UPDATE writing the same values: nothing changed, nothing locked
BEGIN;
UPDATE tb_book SET title = title, fk_author = fk_author WHERE pk_book = 2;
SELECT my_locks() AS locks_same_values;
COMMIT;

-- two rows swapping a read value: the pairs differ, maintained
UPDATE tb_book SET title = CASE pk_book WHEN 3 THEN 'book 4' ELSE 'book 3' END WHERE pk_book IN (3, 4);
SELECT same() AS after_swap, (SELECT data->>'title' FROM tv_book WHERE pk_book = 3) AS title_3;

-- a NULL join value among few rows
UPDATE tb_book SET fk_author = NULL WHERE pk_book = 5;
SELECT same() AS after_null_join;
-- a book without a code would give tv_code a row without a key: refused
-- (23502), and the write with it
INSERT INTO tb_book VALUES (200, 1, 'no code', NULL, NULL);
SELECT count(*) AS not_inserted FROM tb_book WHERE pk_book = 200;
SELECT same() AS after_refused_null_key;

-- every write so far was read off its rows: the session prepared the five
-- writing statements of each of the three TVIEWs and no key or lock statement
SELECT entries AS statements_prepared FROM pg_tviews_cache_stats WHERE cache_name = 'statement plans';

-- the same writes as one statement of more than 16 rows run the key statements
UPDATE tb_book SET title = title || '!' WHERE pk_book <= 30;
SELECT same() AS after_bulk;

-- an author rename reaches their books (a joined relation: its key query runs)
UPDATE tb_author SET name = 'renamed author' WHERE pk_author = 2;
SELECT same() AS after_rename;

-- a key whose type is not the written column's (int and bigint branches
-- of a UNION make a bigint key): the key query runs, the keys have its type
CREATE TABLE tb_small (id int PRIMARY KEY, label text);
CREATE TABLE tb_large (id bigint PRIMARY KEY, label text);
CREATE TABLE tv_item AS
SELECT s.id AS pk_item, s.label FROM tb_small s
UNION ALL SELECT l.id + 1000, l.label FROM tb_large l;
INSERT INTO tb_small VALUES (1, 'small');
INSERT INTO tb_large VALUES (1, 'large');
UPDATE tb_small SET label = 'small!' WHERE id = 1;
SELECT pk_item, label, pg_typeof(pk_item) AS key_type FROM tv_item ORDER BY 1;

-- a new session whose first statement loads the library while it writes two
-- sources of a TVIEW (a post deleted, its comments by ON DELETE CASCADE): the
-- statement's start was not seen, but keys read off the rows need no look
-- back, so both runs stay incremental instead of rebuilding tv_thread
CREATE TABLE tb_thread (pk_thread int PRIMARY KEY, title text);
CREATE TABLE tb_reply (pk_reply int PRIMARY KEY,
                       fk_thread int NOT NULL REFERENCES tb_thread ON DELETE CASCADE, body text);
INSERT INTO tb_thread SELECT g, 'thread ' || g FROM generate_series(1, 5) g;
INSERT INTO tb_reply SELECT g, 1 + g % 5, 'reply ' || g FROM generate_series(1, 15) g;
CREATE TABLE tv_thread AS
SELECT t.pk_thread, t.title, (SELECT count(*) FROM tb_reply r WHERE r.fk_thread = t.pk_thread) AS replies
  FROM tb_thread t;
\c
SET search_path = few_rows, public;
SELECT coalesce(max(refresh_id), 0) AS last_log FROM pg_tview_refresh_log \gset
SET pg_tviews.log_refreshes = 'all';
DELETE FROM tb_thread WHERE pk_thread = 2;
SELECT entity, operation, mode FROM pg_tview_refresh_log WHERE refresh_id > :last_log ORDER BY refresh_id;
SET pg_tviews.log_refreshes = 'off';
SELECT NOT EXISTS (SELECT * FROM tv_thread EXCEPT SELECT * FROM v_thread)
   AND NOT EXISTS (SELECT * FROM v_thread EXCEPT SELECT * FROM tv_thread) AS same_threads,
       (SELECT count(*) FROM tv_thread) AS threads;

SET client_min_messages = warning;
DROP SCHEMA few_rows CASCADE;
RESET client_min_messages;
