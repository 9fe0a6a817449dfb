#!/usr/bin/env bash
# cache_invalidation.sh - a backend's maintenance cache follows DDL done by
# other sessions: one session keeps writing a source while another creates,
# drops and re-creates TVIEWs on it.  Session A is one long psql; session B
# runs from it with \! (sequential, no sleeps).  Needs PGHOST/PGPORT/PGUSER
# of a running cluster with the extension installed.
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
SQL
)"
rc=$?
echo "$out"
passed=0
failed=0
for want in "two maintained after create elsewhere=0" "write after drop elsewhere=ok" \
            "two still maintained=0" "recreated one maintained=0" "recreated one has new column=1003"; do
    if grep -qx "$want" <<<"$out"; then
        passed=$((passed + 1)); echo "ok   $want"
    else
        failed=$((failed + 1)); echo "FAIL $want"
    fi
done
[ "$rc" -eq 0 ] || { failed=$((failed + 1)); echo "FAIL session A exited with $rc"; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
