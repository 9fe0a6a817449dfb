-- shape: generated outer-join shapes.  Every join type (LEFT, RIGHT, FULL) x
-- key side (the left table's, the right table's, both) x join condition
-- (equality; equality and a comparison) is created; a key only a nullable side
-- computes is refused (0A000).  Then for each written side (left, right) x
-- write (insert with and without a match, moving the join column, NULLing it,
-- a column only the comparison reads, the primary key, delete, delete all,
-- TRUNCATE) the data is reset and the write run, and every created TVIEW is
-- compared with its view after every statement.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_outer_join_matrix;
SET search_path = shape_outer_join_matrix, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

-- i is unique on each side, so a key from one side alone stays unique
CREATE TABLE l (id int PRIMARY KEY, i int UNIQUE, v int);
CREATE TABLE r (id int PRIMARY KEY, i int UNIQUE, v int);

CREATE FUNCTION oj_reset() RETURNS void LANGUAGE sql AS $$
    DELETE FROM l; DELETE FROM r;
    INSERT INTO l VALUES (1, 1, 5), (2, 2, 5), (3, NULL, 5), (4, 4, 5);
    INSERT INTO r VALUES (10, 1, 3), (11, 2, 8), (13, 3, 0), (14, NULL, 1);
$$;
SELECT oj_reset();

CREATE TABLE oj_case (entity text PRIMARY KEY, join_type text, key_side text, cond text, outcome text);
DO $$
DECLARE
    j text; k text; c text; e text; key text; on_cond text;
BEGIN
    FOREACH j IN ARRAY ARRAY['LEFT', 'RIGHT', 'FULL'] LOOP
        FOREACH k IN ARRAY ARRAY['left', 'right', 'both'] LOOP
            FOREACH c IN ARRAY ARRAY['eq', 'eq_cmp'] LOOP
                e := lower(j) || '_' || k || '_' || c;
                key := CASE k WHEN 'left' THEN 'l.id' WHEN 'right' THEN 'r.id'
                       ELSE $k$coalesce(l.id::text, '-') || ':' || coalesce(r.id::text, '-')$k$ END;
                on_cond := CASE c WHEN 'eq' THEN 'l.i = r.i' ELSE 'l.i = r.i AND r.v > l.v' END;
                BEGIN
                    EXECUTE format('CREATE TABLE %I AS SELECT %s AS %I, l.v, r.v AS rv FROM l %s JOIN r ON %s',
                                   'tv_' || e, key, 'pk_' || e, j, on_cond);
                    INSERT INTO oj_case VALUES (e, j, k, c, 'created');
                EXCEPTION WHEN OTHERS THEN
                    INSERT INTO oj_case VALUES (e, j, k, c, SQLSTATE || ': ' || SQLERRM);
                END;
            END LOOP;
        END LOOP;
    END LOOP;
END $$;
SELECT join_type, key_side, cond, outcome FROM oj_case ORDER BY join_type, key_side, cond;

-- the number of created TVIEWs that differ from their view
CREATE FUNCTION oj_mismatches() RETURNS int LANGUAGE sql AS $$
    SELECT count(*)::int FROM tv_check(VARIADIC (SELECT array_agg(entity ORDER BY entity) FROM oj_case WHERE outcome = 'created'))
     WHERE problems + differences > 0;
$$;
SELECT oj_mismatches() AS after_create;

CREATE TABLE oj_write (side text, op text, ord int, sql text, PRIMARY KEY (side, op));
INSERT INTO oj_write VALUES
    ('l', 'insert with a match',    1, 'INSERT INTO l VALUES (50, 3, 0)'),
    ('l', 'insert without a match', 2, 'INSERT INTO l VALUES (51, 7, 0)'),
    ('l', 'move the join column',   3, 'UPDATE l SET i = 3 WHERE id = 1'),
    ('l', 'NULL the join column',   4, 'UPDATE l SET i = NULL WHERE id = 2'),
    ('l', 'compared column',        5, 'UPDATE l SET v = 0 WHERE id IN (1, 2)'),
    ('l', 'primary key',            6, 'UPDATE l SET id = id + 100 WHERE id IN (1, 3)'),
    ('l', 'delete',                 7, 'DELETE FROM l WHERE id = 1'),
    ('l', 'delete all',             8, 'DELETE FROM l'),
    ('l', 'truncate',               9, 'TRUNCATE l'),
    ('r', 'insert with a match',    1, 'INSERT INTO r VALUES (60, 4, 9)'),
    ('r', 'insert without a match', 2, 'INSERT INTO r VALUES (61, 8, 0)'),
    ('r', 'move the join column',   3, 'UPDATE r SET i = 4 WHERE id = 10'),
    ('r', 'NULL the join column',   4, 'UPDATE r SET i = NULL WHERE id = 11'),
    ('r', 'compared column',        5, 'UPDATE r SET v = 9 WHERE id IN (10, 13)'),
    ('r', 'primary key',            6, 'UPDATE r SET id = id + 100 WHERE id IN (10, 14)'),
    ('r', 'delete',                 7, 'DELETE FROM r WHERE id IN (10, 13)'),
    ('r', 'delete all',             8, 'DELETE FROM r'),
    ('r', 'truncate',               9, 'TRUNCATE r');

-- per write: reset, check, write, check (and the rows it changed, so a
-- write that changes nothing cannot pass for a tested one)
CREATE FUNCTION oj_run() RETURNS TABLE (side text, op text, statements int, mismatches int, rows_changed bigint)
LANGUAGE plpgsql AS $$
DECLARE w record; before text; after text;
BEGIN
    FOR w IN SELECT * FROM oj_write ORDER BY oj_write.side, ord LOOP
        side := w.side; op := w.op; statements := 0; mismatches := 0;
        PERFORM oj_reset();
        statements := statements + 1;
        mismatches := mismatches + oj_mismatches();
        SELECT string_agg(x::text, ',' ORDER BY x::text) INTO before FROM (TABLE l UNION ALL TABLE r) x;
        EXECUTE w.sql;
        statements := statements + 1;
        mismatches := mismatches + oj_mismatches();
        SELECT string_agg(x::text, ',' ORDER BY x::text) INTO after FROM (TABLE l UNION ALL TABLE r) x;
        rows_changed := CASE WHEN before IS DISTINCT FROM after THEN 1 ELSE 0 END;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT side, op, statements, mismatches, rows_changed FROM oj_run();

-- the same writes one after the other, without resets
DO $$
DECLARE w record; bad int := 0; failed int := 0;
BEGIN
    PERFORM oj_reset();
    FOR w IN SELECT * FROM oj_write WHERE op NOT IN ('delete all', 'truncate') ORDER BY ord, side LOOP
        BEGIN
            EXECUTE w.sql;
        EXCEPTION WHEN unique_violation THEN
            failed := failed + 1;
        END;
        bad := bad + oj_mismatches();
    END LOOP;
    RAISE NOTICE 'writes in sequence: % mismatching TVIEWs, % refused by a unique index of l or r', bad, failed;
END $$;

SET client_min_messages = warning;
DROP SCHEMA shape_outer_join_matrix CASCADE;
RESET client_min_messages;
