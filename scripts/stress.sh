#!/usr/bin/env bash
# stress.sh - the large-scale runs behind docs/limits.md ("Tested limits"):
# a 1M-row TVIEW (create, then 1-row, 1k-row and 10k-row updates), a 5-level
# stack of 100k rows per level, one table read by 10 TVIEWs of 100k rows, a
# 10k-row INSERT, and the peak memory of the backend running the largest
# cascade.  Release build, throw-away cluster, one connection; each figure is
# the median of REPS runs (a write is rolled back between runs, so each
# repetition changes the same rows).  Not part of `make test`: it measures,
# it never fails on a number.  Writes bench/results/stress.md.  The row
# counts in the labels (1,000 / 10,000 rows written) hold at SCALE=1.
#
# Knobs: REPS=N (default 3), SCALE=N (row counts times N; fractional to try
# it out), STRESS_OUT=file, BENCH_NO_INSTALL=1 (use the installed build).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster.sh"
cd "$REPO_ROOT"

REPS="${REPS:-3}"
SCALE="${SCALE:-1}"
STRESS_OUT="${STRESS_OUT:-$REPO_ROOT/bench/results/stress.md}"
read -r BIG LEVEL < <(awk -v s="$SCALE" 'BEGIN { printf "%d %d\n", 1000000 * s, 100000 * s }')

CLUSTER=""
cleanup() { if [ -n "$CLUSTER" ]; then cluster_stop "$CLUSTER"; CLUSTER=""; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_q() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

if [ -z "${BENCH_NO_INSTALL:-}" ]; then
    bash scripts/bootstrap.sh
    bash scripts/install.sh --release
fi
CLUSTER="$(mktemp -d /tmp/pg_tviews_stress.XXXXXX)"
cluster_start "$CLUSTER"
for s in "shared_buffers=1GB" "work_mem=64MB" "maintenance_work_mem=1GB" "max_wal_size=8GB" \
         "jit=off" "autovacuum=off"; do
    psql_q -c "ALTER SYSTEM SET ${s%%=*} = '${s#*=}'"
done
(cd "$CLUSTER" && as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" -w -t 60 restart >/dev/null)
psql_q -c "CREATE DATABASE stress"
export PGDATABASE=stress
psql_q -c "CREATE EXTENSION pg_tviews"

ROWS=()
row() { ROWS+=("| $1 | $2 |"); printf '    %-58s %s\n' "$1" "$2"; }

# ms SQL: wall-clock milliseconds of SQL in one session (\timing, server round trip included).
ms() {
    psql_q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
# median_ms SQL [SETUP]: median over REPS runs of the one statement SQL in
# one session, each inside BEGIN [SETUP] ... ROLLBACK, after one untimed run
# (library load, plans prepared).
median_ms() {
    local i begin="BEGIN;"$'\n'"${2:+$2;}"$'\n'
    local script="\\timing off"$'\n'"$begin$1;"$'\n'"ROLLBACK;"$'\n'
    for i in $(seq "$REPS"); do
        script+="$begin\\timing on"$'\n'"$1;"$'\n'"\\timing off"$'\n'"ROLLBACK;"$'\n'
    done
    psql_q <<<"$script" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -g \
        | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'
}

say "1. one TVIEW of $BIG rows"
psql_q <<SQL
CREATE TABLE tb_item (pk_item int PRIMARY KEY, grp int NOT NULL, name text, price numeric(10,2));
INSERT INTO tb_item SELECT g, g % 1000, 'item ' || g, (g % 997) / 10.0 FROM generate_series(1, $BIG) g;
CREATE INDEX ON tb_item (grp);
VACUUM ANALYZE tb_item;
SQL
row "CREATE TABLE tv_item AS ... ($BIG rows)" "$(ms "CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('name', i.name, 'price', i.price, 'grp', i.grp) AS data FROM tb_item i") ms"
psql_q -c "VACUUM ANALYZE tv_item"
row "UPDATE 1 row (of $BIG)" "$(median_ms "UPDATE tb_item SET price = price + 1 WHERE pk_item = 4242") ms"
row "UPDATE 1,000 rows (of $BIG)" "$(median_ms "UPDATE tb_item SET price = price + 1 WHERE grp = 7") ms"
row "UPDATE 10,000 rows (of $BIG)" "$(median_ms "UPDATE tb_item SET price = price + 1 WHERE grp < 10") ms"
row "INSERT 10,000 rows" "$(median_ms "INSERT INTO tb_item SELECT g, g % 1000, 'new ' || g, 1 FROM generate_series($BIG + 1, $BIG + 10000) g") ms"
row "plain UPDATE 10,000 rows, no TVIEW (SET pg_tviews.enabled = off)" \
    "$(median_ms "UPDATE tb_item SET price = price + 1 WHERE grp < 10" "SET LOCAL pg_tviews.enabled = off") ms"
row "size of tb_item / tv_item" "$(psql_q -At -c "SELECT pg_size_pretty(pg_total_relation_size('tb_item')) || ' / ' || pg_size_pretty(pg_total_relation_size('tv_item'))")"

say "2. a stack of 5 TVIEWs, $LEVEL rows each"
psql_q <<SQL
CREATE TABLE tb_base (pk_base int PRIMARY KEY, grp int NOT NULL, v int);
INSERT INTO tb_base SELECT g, g % 100, g FROM generate_series(1, $LEVEL) g;
CREATE INDEX ON tb_base (grp);
CREATE TABLE tv_l1 AS SELECT b.pk_base AS pk_l1, b.grp, jsonb_build_object('v', b.v) AS data FROM tb_base b;
CREATE TABLE tv_l2 AS SELECT l.pk_l1 AS pk_l2, l.grp, jsonb_build_object('l1', l.data) AS data FROM tv_l1 l;
CREATE TABLE tv_l3 AS SELECT l.pk_l2 AS pk_l3, l.grp, jsonb_build_object('l2', l.data) AS data FROM tv_l2 l;
CREATE TABLE tv_l4 AS SELECT l.pk_l3 AS pk_l4, l.grp, jsonb_build_object('l3', l.data) AS data FROM tv_l3 l;
CREATE TABLE tv_l5 AS SELECT l.pk_l4 AS pk_l5, l.grp, jsonb_build_object('l4', l.data) AS data FROM tv_l4 l;
VACUUM ANALYZE;
SQL
row "5-level cascade: UPDATE 1 base row" "$(median_ms "UPDATE tb_base SET v = v + 1 WHERE pk_base = 77") ms"
row "5-level cascade: UPDATE 1,000 base rows" "$(median_ms "UPDATE tb_base SET v = v + 1 WHERE grp = 3") ms"
row "5-level cascade: UPDATE 10,000 base rows" "$(median_ms "UPDATE tb_base SET v = v + 1 WHERE grp < 10") ms"
# Peak memory of one backend through the largest cascade: VmHWM of its process.
peak="$(psql_q -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
BEGIN;
UPDATE tb_base SET v = v + 1 WHERE grp < 10;
\setenv STRESS_PID :pid
\! awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' /proc/$STRESS_PID/status
ROLLBACK;
SQL
)"
row "peak backend memory (VmHWM), 10,000-row 5-level cascade" "$peak"

say "3. one table read by 10 TVIEWs of $LEVEL rows"
psql_q <<SQL
CREATE TABLE tb_wide (pk_wide int PRIMARY KEY, grp int NOT NULL, v int);
INSERT INTO tb_wide SELECT g, g % 100, g FROM generate_series(1, $LEVEL) g;
CREATE INDEX ON tb_wide (grp);
SQL
for i in $(seq 1 10); do
    psql_q -c "CREATE TABLE tv_w$i AS SELECT w.pk_wide AS pk_w$i, w.v + $i AS v FROM tb_wide w"
done
psql_q -c "VACUUM ANALYZE"
row "10 TVIEWs on one table: UPDATE 1 row" "$(median_ms "UPDATE tb_wide SET v = v + 1 WHERE pk_wide = 5") ms"
row "10 TVIEWs on one table: UPDATE 1,000 rows" "$(median_ms "UPDATE tb_wide SET v = v + 1 WHERE grp = 5") ms"

cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
mem="$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)"
mkdir -p "$(dirname "$STRESS_OUT")"
{
    echo "# pg_tviews stress run"
    echo
    echo "$(date -u +%Y-%m-%d), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), release build;" \
         "$(nproc) cores ($cpu), $mem; PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }')," \
         "shared_buffers 1GB, work_mem 64MB, fsync off; median of $REPS runs, each rolled back."
    echo
    echo "| run | result |"
    echo "|---|---|"
    printf '%s\n' "${ROWS[@]}"
} >"$STRESS_OUT"
say "written to ${STRESS_OUT#"$REPO_ROOT"/}"
