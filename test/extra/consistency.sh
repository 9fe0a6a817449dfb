#!/usr/bin/env bash
# consistency.sh - randomized consistency test of pg_tviews (SPEC 3.1 and 3.4).
#
# Creates a database with base tables and one TVIEW per supported query shape
# (test/extra/consistency/*.sql), then runs random writes on the base tables and,
# after EVERY statement (and after every rolled-back subtransaction, ROLLBACK TO
# SAVEPOINT, COMMIT and ROLLBACK), compares every tv_<entity> with v_<entity>
# (EXCEPT ALL both ways) and cross-checks pg_tviews_verify.
#   phase 1: a PL/pgSQL procedure (cons_run): single/multi-row INSERT/UPDATE/DELETE,
#            key updates, FK moves, ON CONFLICT, MERGE, writable CTEs, TRUNCATE,
#            statements failing on constraints, BEGIN ... EXCEPTION blocks raising
#            on purpose, COMMIT every 25 statements.
#   phase 2: a psql script generated here: real BEGIN / SAVEPOINT / ROLLBACK TO /
#            RELEASE / COMMIT / ROLLBACK, statements via \gexec, ON_ERROR_ROLLBACK.
# Each TVIEW is one test (fails if its CREATE is refused or it ever mismatches);
# two more tests: pg_tviews_verify agrees with EXCEPT ALL, and no write fails with
# an error other than a constraint violation.  Last line: "N passed, N failed".
#
# Needs PGHOST/PGPORT/PGUSER of a running cluster with pg_tviews installed.
# Knobs: CONSISTENCY_SEED (in [-1,1], default 0.31415), CONSISTENCY_STATEMENTS
# (total random statements, default 1000; e.g. 20000 for a long run; 3/4 go to
# phase 1, 1/4 to phase 2), CONSISTENCY_DB (default pg_tviews_consistency),
# CONSISTENCY_KEEP_DB=1 keeps the database, CONSISTENCY_LOG=FILE keeps the full log.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SQL_DIR="$HERE/consistency"
SEED="${CONSISTENCY_SEED:-0.31415}"
TOTAL="${CONSISTENCY_STATEMENTS:-1000}"
DB="${CONSISTENCY_DB:-pg_tviews_consistency}"
MODE="${CONSISTENCY_MODE:-immediate}"
case "$MODE" in immediate|async) ;; *) echo "CONSISTENCY_MODE must be immediate or async"; echo "0 passed, 1 failed"; exit 1 ;; esac
N1=$((TOTAL * 3 / 4))
[ "$MODE" = async ] && N1=0
N2=$((TOTAL - N1))
WORK="$(mktemp -d /tmp/pg_tviews_consistency.XXXXXX)"
LOG="$WORK/full.log"
START=$SECONDS

cleanup() {
    if [ -z "${CONSISTENCY_KEEP_DB:-}" ]; then
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
    fi
    if [ -n "${CONSISTENCY_LOG:-}" ]; then cp "$LOG" "$CONSISTENCY_LOG" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fatal() {
    echo "consistency: $*"
    [ -s "$LOG" ] && { echo "---- end of log ----"; tail -n 30 "$LOG"; echo "----"; }
    echo "0 passed, 1 failed"
    exit 1
}

if ! awk -v s="$SEED" 'BEGIN { exit !(s + 0 == s && s >= -1 && s <= 1) }'; then
    fatal "CONSISTENCY_SEED must be a number in [-1, 1], got '$SEED'"
fi
case "$TOTAL" in ''|*[!0-9]*) fatal "CONSISTENCY_STATEMENTS must be a number" ;; esac

echo "consistency: seed=$SEED statements=$TOTAL (plpgsql $N1, psql $N2) database=$DB mode=$MODE"

# a lock wait (e.g. behind a prepared transaction) fails instead of hanging the suite
export PGOPTIONS="${PGOPTIONS:-} -c lock_timeout=60s"

run_psql() { psql -X -v ON_ERROR_STOP=1 -q -d "$DB" "$@" >>"$LOG" 2>&1; }

# 1. database, base tables, driver, TVIEW registry
psql -X -q -v ON_ERROR_STOP=1 -d postgres >>"$LOG" 2>&1 <<SQL || fatal "cannot create database $DB"
SET client_min_messages = warning;
DROP DATABASE IF EXISTS "$DB";
CREATE DATABASE "$DB" TEMPLATE template0;
SQL
run_psql -f "$SQL_DIR/schema.sql" -f "$SQL_DIR/tviews.sql" -f "$SQL_DIR/driver.sql" \
    || fatal "loading the schema failed"

# 2. create the TVIEWs, one CREATE TABLE ... AS per shape, as a user would type it
mapfile -t ENTITIES < <(psql -X -At -d "$DB" -c "SELECT entity FROM cons_tviews ORDER BY ord")
[ "${#ENTITIES[@]}" -gt 0 ] || fatal "no TVIEWs registered"
declare -A SHAPE=() CREATE_ERR=()
for e in "${ENTITIES[@]}"; do
    SHAPE[$e]="$(psql -X -At -d "$DB" -c "SELECT shape FROM cons_tviews WHERE entity = '$e'")"
    out="$(psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v e="$e" 2>&1 <<'SQL'
SELECT format(E'CREATE TABLE %I AS\n%s', 'tv_' || entity, definition)
FROM cons_tviews WHERE entity = :'e' \gexec
UPDATE cons_tviews SET created = true WHERE entity = :'e';
SQL
)" || CREATE_ERR[$e]="$(echo "$out" | grep -m1 -E 'ERROR|FATAL|server' || echo "$out" | head -n 1)"
    echo "$out" >>"$LOG"
done
run_psql -c "SELECT cons_make_checkers()" || fatal "cannot create the checker functions"
if [ "$MODE" = async ]; then
    run_psql -c "SELECT pg_tviews_set_refresh_mode(entity, 'async') FROM cons_tviews WHERE created ORDER BY ord" \
        || fatal "cannot set the TVIEWs async"
fi
echo "consistency: created $(( ${#ENTITIES[@]} - ${#CREATE_ERR[@]} )) of ${#ENTITIES[@]} TVIEWs ($((SECONDS - START))s)"

# 3. phase 1: PL/pgSQL driver
DRIVER_ERR=()
P1=$SECONDS
if [ "$N1" -gt 0 ]; then
    psql -X -v ON_ERROR_STOP=1 -q -d "$DB" -v VERBOSITY=default \
        -c "CALL cons_run($SEED, $N1, 25)" >>"$LOG" 2>&1 \
        || DRIVER_ERR+=("phase 1 (PL/pgSQL driver) aborted: $(grep -E 'ERROR|FATAL|server closed' "$LOG" | tail -n 3 | tr '\n' ' ')")
fi
echo "consistency: phase 1 (PL/pgSQL, $N1 statements) took $((SECONDS - P1))s"

# 4. phase 2: generated psql script with real savepoints and transactions
gen_script() {
    local n=0 ops op sp mode deferred gid=0
    RANDOM=$(( $(printf '%s' "$SEED" | cksum | cut -d' ' -f1) % 32768 ))
    echo '\set ON_ERROR_ROLLBACK on'
    echo '\set VERBOSITY verbose'
    echo "SELECT set_config('cons.seed', '$SEED', false), setseed($SEED) \\g /dev/null"
    stmt() {
        n=$((n + 1))
        echo "SELECT cons_next($n) \\gexec"
        [ "$deferred" = 1 ] || echo "SELECT cons_check_psql('after statement') \\g /dev/null"
    }
    check() {
        [ "$deferred" = 1 ] && return
        # async: the worker applies what committed; wait for it, then compare
        [ "$MODE" = async ] && echo "SELECT pg_tviews_wait('120 s') \\g /dev/null"
        echo "SELECT cons_check_psql('$1') \\g /dev/null"
    }
    while [ "$n" -lt "$N2" ]; do
        echo 'BEGIN;'
        mode=$((RANDOM % 20)) deferred=0
        # vary the maintenance path: set-wise always / never, and deferred mode
        if [ "$mode" -lt 3 ]; then
            echo 'SET LOCAL pg_tviews.full_refresh_threshold = 0;'
        elif [ "$mode" -lt 5 ]; then
            echo 'SET LOCAL pg_tviews.full_refresh_threshold = 1;'
        elif [ "$mode" -lt 8 ]; then
            echo 'SET LOCAL pg_tviews.refresh_mode = deferred;'; deferred=1
        fi
        # async: nothing is applied before COMMIT
        [ "$MODE" = async ] && deferred=1
        ops=$((1 + RANDOM % 5))
        for ((op = 0; op < ops; op++)); do
            sp=$((RANDOM % 10))
            if [ "$sp" -lt 5 ]; then
                stmt
            elif [ "$sp" -lt 7 ]; then
                echo 'SAVEPOINT a;'; stmt; [ $((RANDOM % 2)) -eq 0 ] && stmt
                echo 'ROLLBACK TO SAVEPOINT a;'; check 'after ROLLBACK TO SAVEPOINT'
                [ $((RANDOM % 2)) -eq 0 ] && stmt
                echo 'RELEASE SAVEPOINT a;'
            elif [ "$sp" -lt 8 ]; then
                echo 'SAVEPOINT b;'; stmt; echo 'RELEASE SAVEPOINT b;'; check 'after RELEASE SAVEPOINT'
            else
                echo 'SAVEPOINT outer_sp;'; stmt
                echo 'SAVEPOINT inner_sp;'; stmt
                if [ $((RANDOM % 2)) -eq 0 ]; then
                    echo 'ROLLBACK TO SAVEPOINT outer_sp;'; check 'after ROLLBACK TO an outer SAVEPOINT'
                else
                    echo 'RELEASE SAVEPOINT inner_sp;'; stmt
                    echo 'ROLLBACK TO SAVEPOINT outer_sp;'; check 'after ROLLBACK TO a SAVEPOINT released inside'
                fi
            fi
        done
        local how=" (deferred mode)"
        [ "$deferred" = 1 ] || how=""
        [ "$MODE" = async ] && how=" (async mode)"
        deferred=0
        sp=$((RANDOM % 10))
        if [ "$sp" -eq 0 ]; then
            echo 'ROLLBACK;'; check "after ROLLBACK$how"
        elif [ "$sp" -eq 1 ]; then
            gid=$((gid + 1))
            # no check in between: a prepared TRUNCATE holds its ACCESS EXCLUSIVE lock
            echo "PREPARE TRANSACTION 'cons_$gid';"
            echo "COMMIT PREPARED 'cons_$gid';"; check "after COMMIT PREPARED$how"
        else
            echo 'COMMIT;'; check "after COMMIT$how"
        fi
    done
}
P2=$SECONDS
if [ "$N2" -gt 0 ]; then
    gen_script >"$WORK/phase2.sql"
    : >"$WORK/phase2.log"
    psql -X -q -d "$DB" -f "$WORK/phase2.sql" >"$WORK/phase2.log" 2>&1
    rc=$?
    cat "$WORK/phase2.log" >>"$LOG"
    if [ "$rc" -ne 0 ] || grep -qE 'server closed the connection|connection to server was lost|FATAL' "$WORK/phase2.log"; then
        DRIVER_ERR+=("phase 2 (psql script) aborted (exit $rc): $(grep -E 'FATAL|server closed|lost' "$WORK/phase2.log" | head -n 2 | tr '\n' ' ')")
    fi
    # statement errors other than constraint violations (class 23) are unexpected
    while IFS= read -r line; do
        no="$(grep -B3 -F -- "$line" "$WORK/phase2.log" | grep -o 'CONSISTENCY-STMT [0-9]*: .*' | tail -n 1)"
        echo "CONSISTENCY-ERROR phase=psql seed=$SEED | ${no:-?} | error: $line" >>"$LOG"
    done < <(grep -E '^(psql:[^ ]* )?ERROR: ' "$WORK/phase2.log" | grep -vE 'ERROR:  23[0-9A-Z]{3}:' | sort -u)
fi
echo "consistency: phase 2 (psql, $N2 statements) took $((SECONDS - P2))s"

# 5. results
STATS="$(grep -o 'CONSISTENCY-STATS.*' "$LOG" | tail -n 1)"
[ -n "$STATS" ] && echo "consistency: ${STATS#CONSISTENCY-STATS }"
if grep -q 'CONSISTENCY-STMT' "$LOG"; then
    echo "consistency: phase=psql statements=$(grep -c 'CONSISTENCY-STMT' "$LOG") failed_as_expected=$(grep -cE 'ERROR:  23[0-9A-Z]{3}:' "$LOG")"
fi
PASSED=0
FAILED=0
DETAILS=()
echo
printf '%-4s %-16s %-8s %s\n' "" "TVIEW" "mismatch" "shape"
for e in "${ENTITIES[@]}"; do
    mism="$(grep -o "CONSISTENCY-MISMATCH entity=$e .*" "$LOG")"
    refr="$(grep -o "CONSISTENCY-REFRESH entity=$e .*" "$LOG" | head -n 1)"
    count=0
    [ -n "$mism" ] && count="$(echo "$mism" | wc -l)"
    if [ -n "${CREATE_ERR[$e]:-}" ]; then
        status=FAIL count="-"
        DETAILS+=("tv_$e (${SHAPE[$e]}): CREATE refused: ${CREATE_ERR[$e]}")
    elif [ "$count" -gt 0 ]; then
        status=FAIL
        DETAILS+=("tv_$e (${SHAPE[$e]}): $count mismatching checks; first: $(echo "$mism" | head -n 1 | cut -c1-1500)")
        [ -n "$refr" ] && DETAILS+=("tv_$e: $refr")
    else
        status=ok
    fi
    if [ "$status" = ok ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
    printf '%-4s %-16s %-8s %s\n' "$status" "tv_$e" "$count" "${SHAPE[$e]}"
done
verify="$(grep -o 'CONSISTENCY-VERIFY.*' "$LOG")"
if [ -z "$verify" ]; then
    PASSED=$((PASSED + 1)); printf '%-4s %s\n' ok "pg_tviews_verify agrees with EXCEPT ALL"
else
    FAILED=$((FAILED + 1)); printf '%-4s %s\n' FAIL "pg_tviews_verify agrees with EXCEPT ALL ($(echo "$verify" | wc -l) times not)"
    DETAILS+=("pg_tviews_verify: $(echo "$verify" | head -n 1 | cut -c1-1200)")
fi
errs="$(grep -o 'CONSISTENCY-ERROR.*' "$LOG")"
if [ -z "$errs" ] && [ "${#DRIVER_ERR[@]}" -eq 0 ]; then
    PASSED=$((PASSED + 1)); printf '%-4s %s\n' ok "writes fail only on constraint violations; drivers completed"
else
    FAILED=$((FAILED + 1))
    printf '%-4s %s\n' FAIL "writes fail only on constraint violations; drivers completed ($(echo "$errs" | grep -c .) unexpected errors)"
    for d in "${DRIVER_ERR[@]}"; do DETAILS+=("$d"); done
    [ -n "$errs" ] && while IFS= read -r l; do DETAILS+=("$(echo "$l" | cut -c1-800)"); done < <(echo "$errs" | head -n 5)
fi
if [ "${#DETAILS[@]}" -gt 0 ]; then
    echo
    echo "failures (seed=$SEED; rerun with CONSISTENCY_SEED=$SEED CONSISTENCY_STATEMENTS=$TOTAL):"
    printf -- '- %s\n' "${DETAILS[@]}"
fi
echo
echo "consistency: total $((SECONDS - START))s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
