-- a transaction writing thousands of rows one statement at a time: the
-- transaction-level locks pg_tviews takes stay within a budget (the lock table
-- is shared and bounded); past it, the transaction holds the TVIEW whole
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA lock_budget;
SET search_path = lock_budget, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

CREATE TABLE tb_user (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 50) g;
CREATE TABLE tv_post AS
SELECT p.id AS pk_post, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.id = p.fk_user;

CREATE FUNCTION our_locks() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 7 AND pid = pg_backend_pid()
$$;

-- immediate mode
BEGIN;
DO $$ BEGIN
    FOR i IN 1..2000 LOOP INSERT INTO tb_post VALUES (i, 1 + i % 50, 'post ' || i); END LOOP;
END $$;
SELECT our_locks() <= current_setting('max_locks_per_transaction')::int * 8 + 1 AS within_budget,
       our_locks() > 100 AS fine_locks_were_taken;
-- the TVIEW is held whole now: another run in this transaction takes no fine lock
SELECT our_locks() AS before \gset
UPDATE tb_post SET title = 'again' WHERE id = 7;
SELECT our_locks() = :before AS no_new_lock;
COMMIT;
SELECT * FROM tv_check('post');

-- deferred mode
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
DO $$ BEGIN
    FOR i IN 1..2000 LOOP UPDATE tb_post SET title = 'deferred ' || i WHERE id = i; END LOOP;
END $$;
SELECT our_locks() <= current_setting('max_locks_per_transaction')::int * 8 + 1 AS within_budget;
COMMIT;
SELECT count(*) AS deferred_titles FROM tv_post WHERE data ->> 'title' LIKE 'deferred %';
SELECT * FROM tv_check('post');

-- a rolled-back subtransaction gives its whole-TVIEW lock back; the
-- transaction then takes fine locks again
BEGIN;
SAVEPOINT s;
DO $$ BEGIN
    FOR i IN 1..1000 LOOP UPDATE tb_post SET title = 'sp ' || i WHERE id = i; END LOOP;
END $$;
ROLLBACK TO SAVEPOINT s;
SELECT our_locks() AS after_rollback;
UPDATE tb_post SET title = 'after' WHERE id = 1;
SELECT our_locks() > 0 AS locked_again;
COMMIT;
SELECT * FROM tv_check('post');

DROP SCHEMA lock_budget CASCADE;
