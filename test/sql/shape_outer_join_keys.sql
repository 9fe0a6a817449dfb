-- shape: outer joins whose key includes the nullable side.  A write to the
-- nullable side must also find the preserved rows it gives their first match
-- or takes their last one: their NULL-extended rows appear or vanish.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_outer_join_keys;
SET search_path = shape_outer_join_keys, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

CREATE TABLE a (id int PRIMARY KEY, i int, v int);
CREATE TABLE b (id int PRIMARY KEY, i int, v int);
CREATE TABLE c (id int PRIMARY KEY, i int, v int);
INSERT INTO a VALUES (1, 1, 0);

-- the reported case: the first match of a.1 must remove '1:-'
CREATE TABLE tv_lj AS
SELECT a.id || ':' || coalesce(b.id::text, '-') AS pk_lj, a.i, b.i AS bi
  FROM a LEFT JOIN b ON a.i = b.i;
INSERT INTO b VALUES (10, 1, 0);
SELECT * FROM pg_tviews_verify('lj');
TABLE tv_lj;
-- the last match goes: '1:-' comes back
DELETE FROM b WHERE id = 10;
SELECT * FROM pg_tviews_verify('lj');
TABLE tv_lj;

INSERT INTO a VALUES (2, 2, 5), (3, NULL, 1), (4, 1, 9);
INSERT INTO b VALUES (10, 1, 3), (11, 1, 7), (12, 3, 2), (13, NULL, 0);
INSERT INTO c VALUES (100, 1, 1), (101, 3, 1), (102, 9, 1);

CREATE TABLE tv_rj AS
SELECT coalesce(a.id::text, '-') || ':' || b.id AS pk_rj, a.v, b.v AS bv
  FROM a RIGHT JOIN b ON a.i = b.i;
CREATE TABLE tv_fj AS
SELECT coalesce(a.id::text, '-') || ':' || coalesce(b.id::text, '-') AS pk_fj, a.v, b.v AS bv
  FROM a FULL JOIN b ON a.i = b.i;
-- a chain: c joins on b's column, so it is NULL too where b is
CREATE TABLE tv_chain AS
SELECT a.id || ':' || coalesce(b.id::text, '-') || ':' || coalesce(c.id::text, '-') AS pk_chain, c.v
  FROM a LEFT JOIN b ON a.i = b.i LEFT JOIN c ON c.i = b.i;
-- a condition that is not an equality
CREATE TABLE tv_cond AS
SELECT a.id || ':' || coalesce(b.id::text, '-') AS pk_cond
  FROM a LEFT JOIN b ON a.i = b.i AND b.v > a.v;
-- an outer join on the nullable side of another one
CREATE TABLE tv_nest AS
SELECT c.id || ':' || coalesce(a.id::text, '-') || ':' || coalesce(b.id::text, '-') AS pk_nest
  FROM c LEFT JOIN (a LEFT JOIN b ON a.i = b.i) ON c.i = a.i;
-- inside a derived table
CREATE TABLE tv_der AS
SELECT d.k AS pk_der, d.bv
  FROM (SELECT a.id || ':' || coalesce(b.id::text, '-') AS k, b.v AS bv FROM a LEFT JOIN b ON a.i = b.i) d;
-- an anti-join: the rows exist only while nothing matches
CREATE TABLE tv_anti AS
SELECT a.id || ':' || coalesce(b.id::text, '-') AS pk_anti
  FROM a LEFT JOIN b ON a.i = b.i WHERE b.id IS NULL;

\set check 'SELECT * FROM tv_check(''lj'', ''rj'', ''fj'', ''chain'', ''cond'', ''nest'', ''der'', ''anti'') WHERE problems + differences > 0'
:check;
TABLE tv_fj ORDER BY 1;
-- writes to each side: a match appears, moves, goes
INSERT INTO b VALUES (14, 2, 8);
:check;
UPDATE b SET i = 3 WHERE id = 14;
:check;
UPDATE b SET v = 0 WHERE i = 1;
:check;
DELETE FROM b WHERE i = 1;
:check;
INSERT INTO a VALUES (5, 3, 0);
:check;
UPDATE a SET i = 1 WHERE id = 5;
:check;
UPDATE c SET i = 3 WHERE id = 102;
:check;
DELETE FROM a WHERE id = 2;
:check;
TABLE tv_fj ORDER BY 1;
TRUNCATE b;
:check;
TABLE tv_chain ORDER BY 1;
INSERT INTO b SELECT g, g % 4, g % 7 FROM generate_series(20, 29) g;
:check;
TRUNCATE a;
:check;
TABLE tv_rj ORDER BY 1;

-- random writes, many-to-many matches and NULLs, compared after every statement
CREATE FUNCTION oj_random(n int) RETURNS TABLE (statements int, failed_writes int, mismatches int)
LANGUAGE plpgsql AS $$
DECLARE
    t text; k float8; s text; bad int;
BEGIN
    statements := 0; failed_writes := 0; mismatches := 0;
    PERFORM setseed(0.42);
    FOR step IN 1..n LOOP
        t := (ARRAY['a', 'b', 'c'])[1 + floor(random() * 3)::int];
        k := random();
        s := CASE
            WHEN k < 0.35 THEN format('INSERT INTO %I VALUES (%s, %s, %s) ON CONFLICT DO NOTHING', t,
                 floor(random() * 40)::int, CASE WHEN random() < 0.15 THEN 'NULL' ELSE floor(random() * 5)::text END,
                 floor(random() * 10)::int)
            WHEN k < 0.55 THEN format('UPDATE %I SET i = %s WHERE id %% 7 = %s', t,
                 CASE WHEN random() < 0.15 THEN 'NULL' ELSE floor(random() * 5)::text END, floor(random() * 7)::int)
            WHEN k < 0.70 THEN format('UPDATE %I SET v = v + %s WHERE i = %s', t, floor(random() * 5)::int - 2, floor(random() * 5)::int)
            WHEN k < 0.75 THEN format('UPDATE %I SET id = id + 40 WHERE id = %s', t, floor(random() * 40)::int)
            WHEN k < 0.95 THEN format('DELETE FROM %I WHERE id %% 9 = %s', t, floor(random() * 9)::int)
            ELSE format('TRUNCATE %I', t)
        END;
        statements := statements + 1;
        BEGIN
            EXECUTE s;
        EXCEPTION WHEN unique_violation THEN
            failed_writes := failed_writes + 1;
        END;
        SELECT count(*) INTO bad FROM tv_check('lj', 'rj', 'fj', 'chain', 'cond', 'nest', 'der', 'anti')
         WHERE problems + differences > 0;
        IF bad > 0 THEN
            mismatches := mismatches + 1;
            RAISE NOTICE 'mismatch after %', s;
            PERFORM pg_tviews_refresh(e) FROM unnest(ARRAY['lj', 'rj', 'fj', 'chain', 'cond', 'nest', 'der', 'anti']) e;
        END IF;
    END LOOP;
    RETURN NEXT;
END $$;
SELECT statements, mismatches FROM oj_random(300);
SELECT (SELECT count(*) FROM tv_fj) > 0 AS fj_has_rows, (SELECT count(*) FROM tv_chain) > 0 AS chain_has_rows;
:check;

-- the join condition reads a table: a ban takes a match away, an unban gives it back
CREATE TABLE ban (id int PRIMARY KEY, b_id int);
CREATE TABLE tv_ban AS
SELECT a.id || ':' || coalesce(b.id::text, '-') AS pk_ban
  FROM a LEFT JOIN b ON a.i = b.i AND NOT EXISTS (SELECT 1 FROM ban WHERE ban.b_id = b.id);
TRUNCATE a, b;
INSERT INTO a VALUES (1, 1, 0), (2, 2, 0);
INSERT INTO b VALUES (1, 1, 0), (2, 1, 0), (3, 2, 0);
SELECT * FROM tv_check('ban');
INSERT INTO ban VALUES (1, 3);
SELECT * FROM tv_check('ban');
SELECT * FROM tv_ban WHERE pk_ban LIKE '2:%';
INSERT INTO ban VALUES (2, 1), (3, 2);
SELECT * FROM tv_check('ban');
DELETE FROM ban WHERE id = 1;
SELECT * FROM tv_check('ban');
TRUNCATE ban;
SELECT * FROM tv_check('ban');

-- refused: a key only the nullable side computes (NULL, or one key for
-- every row without a match), and a USING join the NULL row would need
CREATE FUNCTION oj_refused(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT oj_refused($$CREATE TABLE tv_bad AS SELECT b.id AS pk_bad FROM a LEFT JOIN b ON a.i = b.i$$);
SELECT oj_refused($$CREATE TABLE tv_bad AS SELECT coalesce(a.id, 0) AS pk_bad FROM a FULL JOIN b ON a.i = b.i$$);
SELECT oj_refused($$CREATE TABLE tv_bad AS SELECT d.k AS pk_bad FROM a LEFT JOIN (SELECT b.i, b.id || '!' AS k FROM b) d ON d.i = a.i$$);
SELECT oj_refused($$CREATE TABLE tv_bad AS SELECT a.id || ':' || coalesce(b.id::text, '-') AS pk_bad FROM a LEFT JOIN b USING (i)$$);
SELECT to_regclass('tv_bad') AS nothing_left;
-- a USING join whose key is the preserved side's is maintained
CREATE TABLE tv_using AS SELECT a.id AS pk_using, count(b.id) AS n FROM a LEFT JOIN b USING (i) GROUP BY a.id;
:check;
SELECT * FROM tv_check('using');
DELETE FROM b WHERE i = 1;
SELECT * FROM tv_check('using');
SELECT count(*) AS tviews_left FROM pg_tview_meta WHERE schema_name = 'shape_outer_join_keys';

SET client_min_messages = warning;
DROP SCHEMA shape_outer_join_keys CASCADE;
RESET client_min_messages;
