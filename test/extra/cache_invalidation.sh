#!/usr/bin/env bash
# cache_invalidation.sh - a backend's maintenance cache follows DDL done by
# other sessions: one session keeps writing a source while another creates,
# drops and re-creates TVIEWs on it, and alters the source (a column's
# type, a new index, a dropped column: the plans are prepared again and the
# TVIEW stays equal to its view); while ANALYZE and VACUUM, which send the
# same invalidations, empty nothing (pg_tviews_cache_stats' misses stay
# put).  Session A is one long psql; session B runs from it with \!
# (sequential, no sleeps).  Needs PGHOST/PGPORT/PGUSER of a running cluster
# with the extension installed.
# Last line: "N passed, N failed".
set -uo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
DB=tviews_cache_inval
"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
"$PGBIN/createdb" "$DB" || { echo "0 passed, 1 failed"; exit 1; }
trap '"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null' EXIT
export PGDATABASE="$DB"
B="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"

out="$("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 2>&1 <<SQL
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_src (id int PRIMARY KEY, v int);
CREATE TABLE tv_one AS SELECT s.id AS pk_one, s.v FROM tb_src s;
INSERT INTO tb_src VALUES (1, 1);
-- session B adds a second TVIEW on the source session A has cached
\! $B -c "CREATE TABLE tv_two AS SELECT s.id AS pk_two, s.v * 2 AS v2 FROM tb_src s"
INSERT INTO tb_src VALUES (2, 2);
SELECT 'two maintained after create elsewhere=' || (SELECT count(*) FROM pg_tviews_verify('two'))::text;
-- session B drops the first one: A must stop maintaining it, not fail
\! $B -c "DROP TABLE tv_one"
UPDATE tb_src SET v = v + 10;
SELECT 'write after drop elsewhere=ok';
SELECT 'two still maintained=' || (SELECT count(*) FROM pg_tviews_verify('two'))::text;
-- session B re-creates tv_one with another definition
\! $B -c "CREATE TABLE tv_one AS SELECT s.id AS pk_one, s.v + 1000 AS w FROM tb_src s"
DELETE FROM tb_src WHERE id = 1;
INSERT INTO tb_src VALUES (3, 3);
SELECT 'recreated one maintained=' || (SELECT count(*) FROM pg_tviews_verify('one'))::text;
SELECT 'recreated one has new column=' || (SELECT w FROM tv_one WHERE pk_one = 3)::text;
-- a source joined through a column that gets an index later
CREATE TABLE tb_p (id int PRIMARY KEY, v int, x int, y text);
CREATE TABLE tb_c (id int PRIMARY KEY, pid int, n int);
CREATE TABLE tv_j AS SELECT p.id AS pk_j, p.v, (SELECT sum(c.n) FROM tb_c c WHERE c.pid = p.id) AS total FROM tb_p p;
INSERT INTO tb_p SELECT g, g, g, 'y' FROM generate_series(1, 200) g;
INSERT INTO tb_c SELECT g, 1 + g % 200, g FROM generate_series(1, 2000) g;
UPDATE tb_p SET v = v + 1 WHERE id = 1;
UPDATE tb_p SET v = v + 1 WHERE id = 2;
SELECT sum(misses) AS m0 FROM pg_tviews_cache_stats \gset
-- ANALYZE and VACUUM, in this session and elsewhere: nothing is prepared again
ANALYZE tb_p;
VACUUM tb_c;
\! $B -c "ANALYZE tb_p" -c "VACUUM tb_p" -c "VACUUM ANALYZE tb_c" -c "ANALYZE tv_j"
UPDATE tb_p SET v = v + 1 WHERE id = 3;
UPDATE tb_p SET v = v + 1 WHERE id = 4;
SELECT 'analyze and vacuum keep the plans=' || ((SELECT sum(misses) FROM pg_tviews_cache_stats) = :m0)::text;
-- a column's type changes elsewhere: prepared again, still equal to the view
\! $B -c "ALTER TABLE tb_p ALTER COLUMN x TYPE bigint"
UPDATE tb_p SET v = v + 1, x = x + 1 WHERE id = 5;
SELECT 'type change prepares again=' || ((SELECT sum(misses) FROM pg_tviews_cache_stats) > :m0)::text;
SELECT 'maintained after type change=' || (SELECT count(*) FROM pg_tviews_verify('j'))::text;
SELECT sum(misses) AS m1 FROM pg_tviews_cache_stats \gset
-- an index the recompute can use: prepared again, and the plans use it
\! $B -c "CREATE INDEX tb_c_pid ON tb_c (pid)"
UPDATE tb_p SET v = v + 1 WHERE id = 6;
SELECT 'new index prepares again=' || ((SELECT sum(misses) FROM pg_tviews_cache_stats) > :m1)::text;
SELECT 'maintained after new index=' || (SELECT count(*) FROM pg_tviews_verify('j'))::text;
SELECT pg_stat_force_next_flush();
SELECT 'new index used=' || (SELECT idx_scan > 0 FROM pg_stat_user_indexes WHERE indexrelname = 'tb_c_pid')::text;
SELECT sum(misses) AS m2 FROM pg_tviews_cache_stats \gset
-- a dropped column: prepared again, still equal to the view
\! $B -c "ALTER TABLE tb_p DROP COLUMN y"
UPDATE tb_p SET v = v + 1 WHERE id = 7;
INSERT INTO tb_p VALUES (201, 201, 201);
DELETE FROM tb_p WHERE id = 8;
SELECT 'dropped column prepares again=' || ((SELECT sum(misses) FROM pg_tviews_cache_stats) > :m2)::text;
SELECT 'maintained after dropped column=' || (SELECT count(*) FROM pg_tviews_verify('j'))::text;
SQL
)"
rc=$?
echo "$out"
passed=0
failed=0
for want in "two maintained after create elsewhere=0" "write after drop elsewhere=ok" \
            "two still maintained=0" "recreated one maintained=0" "recreated one has new column=1003" \
            "analyze and vacuum keep the plans=true" "type change prepares again=true" \
            "maintained after type change=0" "new index prepares again=true" "maintained after new index=0" \
            "new index used=true" "dropped column prepares again=true" "maintained after dropped column=0"; do
    if grep -qx "$want" <<<"$out"; then
        passed=$((passed + 1)); echo "ok   $want"
    else
        failed=$((failed + 1)); echo "FAIL $want"
    fi
done
[ "$rc" -eq 0 ] || { failed=$((failed + 1)); echo "FAIL session A exited with $rc"; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
