#!/usr/bin/env bash
# concurrency.sh - randomized concurrent writers (SPEC 3.3): several pgbench
# clients run random transactions (test/extra/concurrency/writes.pgbench) on
# a few shared users, posts and comments; serialization failures (40001) and
# deadlocks (40P01) are retried by pgbench --max-tries.  After each run every
# TVIEW must equal its view (EXCEPT ALL both ways, and pg_tviews_verify).
#   run rc:          READ COMMITTED
#   run rr:          REPEATABLE READ
#   run rc-deferred: READ COMMITTED, half the transactions with
#                    SET LOCAL pg_tviews.refresh_mode = deferred
#   run rc-async:    READ COMMITTED, every TVIEW async; pg_tviews_wait()
#                    before the checks
#   run rr-async:    the same under REPEATABLE READ
#   run rc-mixed-async: READ COMMITTED, TVIEWs immediate, and half the
#                    clients with pg_tviews.refresh_mode = async (PGOPTIONS):
#                    the worker's batches race immediate writers
#   runs single and single-connect: one single-row write per transaction,
#                    no deadlock allowed; single-connect connects anew for
#                    each transaction (pgbench -C), so every write is the
#                    first of its session, the one that loads pg_tviews
# Tests: per run, one that pgbench completed (no client aborted on another
# error, no transaction failed after its retries), and one per TVIEW.
# Last line: "N passed, N failed".
#
# Needs PGHOST/PGPORT/PGUSER of a running cluster with pg_tviews installed.
# Knobs: CONCURRENCY_SEED (pgbench --random-seed, default 20240515),
# CONCURRENCY_CLIENTS (default 4), CONCURRENCY_TXNS (transactions per client
# and run, default 80), CONCURRENCY_DB (default pg_tviews_concurrency),
# CONCURRENCY_KEEP_DB=1 keeps the database.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$HERE/concurrency"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
SEED="${CONCURRENCY_SEED:-20240515}"
CLIENTS="${CONCURRENCY_CLIENTS:-4}"
TXNS="${CONCURRENCY_TXNS:-80}"
DB="${CONCURRENCY_DB:-pg_tviews_concurrency}"
SIZES=(-v nusers=6 -v nposts=30 -v ncomments=80)
WORK="$(mktemp -d /tmp/pg_tviews_concurrency.XXXXXX)"
# shellcheck source=concurrency/lib.sh
. "$DIR/lib.sh"

cleanup() {
    [ -n "${CONCURRENCY_KEEP_DB:-}" ] || "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

for v in "$SEED" "$CLIENTS" "$TXNS"; do
    case "$v" in ''|*[!0-9]*) fail "CONCURRENCY_SEED/CLIENTS/TXNS must be numbers"; finish ;; esac
done

"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
if ! "$PGBIN/createdb" "$DB" \
    || ! "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "${SIZES[@]}" -f "$DIR/schema.sql"; then
    fail "setting up database $DB"; finish
fi
mapfile -t ENTITIES < <("$PGBIN/psql" -X -At -d "$DB" -c "SELECT entity FROM pg_tview_meta ORDER BY entity")
echo "concurrency: seed=$SEED clients=$CLIENTS transactions=$TXNS per client and run, TVIEWs: ${ENTITIES[*]}"
[ "${#ENTITIES[@]}" -eq 3 ] || { fail "expected 3 TVIEWs, found ${#ENTITIES[@]}"; finish; }

# deadlocks: pg_stat_database.deadlocks of $DB, once every pgbench backend and the
# async worker have gone (a backend flushes its counters when it exits; wait for
# that, up to 60s; the worker leaves 2 s after its last batch).
deadlocks() {
    "$PGBIN/psql" -X -At -q -v ON_ERROR_STOP=1 -d "$DB" 2>&1 <<'SQL'
DO $$
BEGIN
    FOR i IN 1 .. 6000 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity
                               WHERE datname = current_database()
                                 AND (application_name = 'pgbench' OR backend_type = 'pg_tviews async worker'));
        PERFORM pg_sleep(0.01);
    END LOOP;
    PERFORM pg_stat_clear_snapshot();
END $$;
SELECT deadlocks FROM pg_stat_database WHERE datname = current_database();
SQL
}

# run NAME SCRIPT ISOLATION DEFERRED_PCT [no-deadlock [connect]]: one pgbench run, then
# the checks.  Deadlocks are detected after 20ms instead of 1s (pgbench retries them).
# With "no-deadlock", a deadlock during the run is a failure (pg_stat_database.deadlocks);
# with "connect", each transaction has its own connection (half as many per client).
run() {
    local name="$1" script="$2" iso="$3" pct="$4" log="$WORK/$1.log" rc=0 d0 d1 txns="$TXNS" connect=()
    if [ "${6:-}" = connect ]; then connect=(-C); txns=$(( (TXNS + 1) / 2 )); fi
    d0="$(deadlocks)"
    PGOPTIONS="-c default_transaction_isolation=${iso// /\\ } -c lock_timeout=60s -c deadlock_timeout=20ms" \
        "$PGBIN/pgbench" -n "${connect[@]}" -d "$DB" -f "$DIR/$script" -c "$CLIENTS" -j "$CLIENTS" \
        -t "$txns" --random-seed="$SEED" --max-tries=100 --failures-detailed --verbose-errors \
        -D nusers=6 -D nposts=30 -D ncomments=80 -D deferred_pct="$pct" >"$log" 2>&1 || rc=$?
    d1="$(deadlocks)"
    echo "  $name: deadlocks detected: $((d1 - d0))"
    pgbench_result "$name" "$log" "$rc" "pgbench ran $((CLIENTS * txns)) transactions ($iso, $script, $pct% deferred)"
    if [ "${5:-}" = no-deadlock ]; then
        if [ "$((d1 - d0))" -eq 0 ]; then
            ok "$name: no deadlock between single-row writers"
        else
            fail "$name: $((d1 - d0)) deadlocks between single-row writers (maintenance lock order)"
        fi
    fi
    if [ -n "${ASYNC:-}" ]; then
        local waited
        waited="$("$PGBIN/psql" -X -At -d "$DB" -c "SELECT pg_tviews_wait('120 s')" 2>&1)"
        [ "$waited" = t ] && ok "$name: pg_tviews_wait() returned true" || fail "$name: pg_tviews_wait() returned $waited"
    fi
    check_tviews "$name"
}

# run_mixed_async: two pgbench runs at once on immediate TVIEWs, one of them
# with pg_tviews.refresh_mode = async, then wait and check.
run_mixed_async() {
    local name=rc-mixed-async half=$(( (CLIENTS + 1) / 2 )) rc1=0 rc2=0 pids=() waited
    for mode in async immediate; do
        PGOPTIONS="-c pg_tviews.refresh_mode=$mode -c lock_timeout=60s -c deadlock_timeout=20ms" \
            "$PGBIN/pgbench" -n -d "$DB" -f "$DIR/writes.pgbench" -c "$half" -j "$half" \
            -t "$TXNS" --random-seed="$SEED" --max-tries=100 --failures-detailed --verbose-errors \
            -D nusers=6 -D nposts=30 -D ncomments=80 -D deferred_pct=0 >"$WORK/$name-$mode.log" 2>&1 &
        pids+=($!)
    done
    wait "${pids[0]}" || rc1=$?
    wait "${pids[1]}" || rc2=$?
    pgbench_result "$name (async clients)" "$WORK/$name-async.log" "$rc1" "pgbench ran $((half * TXNS)) async transactions"
    pgbench_result "$name (immediate clients)" "$WORK/$name-immediate.log" "$rc2" "pgbench ran $((half * TXNS)) immediate transactions"
    waited="$("$PGBIN/psql" -X -At -d "$DB" -c "SELECT pg_tviews_wait('120 s')" 2>&1)"
    [ "$waited" = t ] && ok "$name: pg_tviews_wait() returned true" || fail "$name: pg_tviews_wait() returned $waited"
    check_tviews "$name"
}

# set_modes MODE: every TVIEW's refresh mode
set_modes() {
    "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" \
        -c "SELECT pg_tviews_set_refresh_mode(entity, '$1') FROM pg_tview_meta ORDER BY entity" >/dev/null \
        || fail "setting every TVIEW $1"
}

START=$SECONDS
run rc writes.pgbench "read committed" 0
run rr writes.pgbench "repeatable read" 0
run rc-deferred writes.pgbench "read committed" 50
set_modes async
ASYNC=1 run rc-async writes.pgbench "read committed" 50
ASYNC=1 run rr-async writes.pgbench "repeatable read" 0
set_modes immediate
run_mixed_async
run single single.pgbench "read committed" 50 no-deadlock
run single-connect single.pgbench "read committed" 50 no-deadlock connect
echo "concurrency: took $((SECONDS - START))s"
finish
