#!/usr/bin/env bash
# test.sh - run every pg_tviews test suite, in order, and add up the results:
#   a. planner    cargo test -p pg_tviews_planner
#   b. pgrx       cargo pgrx test pg15 (root package, feature pg_test, server run as postgres)
#   c. pg_regress test/schedule (or every test/sql/*.sql) against a throw-away cluster
#   d. isolation  test/isolation/isolation_schedule (specs/*.spec) with pg_isolation_regress,
#                 against the same cluster, in its own database isolation_regression
#   e. extra      each executable test/extra/*.sh, against the same cluster; its last
#                 output line must be "N passed, N failed"
# A suite that cannot build or run counts as one failed test. The last line printed is
# "N passed, N failed" for all suites; the exit status is 1 if anything failed.
# Full logs go to target/test-logs/; VERBOSE=1 also streams them to the terminal.
# SUITES="planner pgrx regress" (the default) picks suites; "regress" includes c, d and e.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster.sh"
cd "$REPO_ROOT"

LOG_DIR="$REPO_ROOT/target/test-logs"
PGRX_PGDATA="$REPO_ROOT/target/test-pgdata"
PG_REGRESS="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress"
PG_ISOLATION_REGRESS="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress"
TOTAL_PASSED=0
TOTAL_FAILED=0
SUMMARY=()
CLUSTER=""
PGRX_BEFORE=""   # set while the pgrx suite runs: test-pgdata entries that are not ours

# Stop whatever this run started: the regress cluster and any pgrx test server left behind.
cleanup() {
    if [ -n "$CLUSTER" ]; then cluster_stop "$CLUSTER"; CLUSTER=""; fi
    [ -n "$PGRX_BEFORE" ] || return 0
    local d
    for d in "$PGRX_PGDATA"/*/; do
        d="${d%/}"
        [ -f "$d/postmaster.pid" ] || continue
        case " $PGRX_BEFORE " in *" $d "*) continue ;; esac   # not ours
        as_postgres "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$d"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# record NAME PASSED FAILED [NOTE]: add to the totals and print the suite's result line.
record() {
    TOTAL_PASSED=$((TOTAL_PASSED + $2))
    TOTAL_FAILED=$((TOTAL_FAILED + $3))
    local line
    line="$(printf '%-22s %4d passed, %4d failed%s' "$1" "$2" "$3" "${4:+  ($4)}")"
    SUMMARY+=("$line")
    echo "    $line"
}

# run_logged LOG CMD...: run CMD with all output to LOG (and the terminal if VERBOSE=1).
run_logged() {
    local log="$1"; shift
    if [ -n "${VERBOSE:-}" ]; then
        "$@" 2>&1 | tee "$log"
        return "${PIPESTATUS[0]}"
    fi
    "$@" >"$log" 2>&1
}

# Print the interesting end of a failed suite's log.
strip_ansi() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$@"; }

# Print the interesting end of a failed suite's log.
show_failure() {
    echo "---- end of ${1#"$REPO_ROOT"/} ----"
    if grep -q '^failures:$' "$1"; then
        strip_ansi "$1" | sed -n '/^failures:$/,$p' | head -n 400
    else
        strip_ansi "$1" | grep -v '^ *Compiling ' | tail -n 120
    fi
    echo "----"
}

want() { [[ " ${SUITES:-planner pgrx regress} " == *" $1 "* ]]; }

# Sum "test result: ... N passed; M failed" lines; prints "PASSED FAILED".
cargo_counts() {
    strip_ansi "$1" | awk '/^test result:/ {
        for (i = 1; i < NF; i++) {
            if ($(i+1) ~ /^passed;?$/) p += $i
            if ($(i+1) ~ /^failed;?$/) f += $i
        } }
        END { print p + 0, f + 0 }'
}

# cargo_suite NAME CMD...: run a cargo test command and record its counts.
cargo_suite() {
    local name="$1" log="$LOG_DIR/$1.log" rc=0 passed failed note=""; shift
    say "[$name] $*"
    run_logged "$log" "$@" || rc=$?
    read -r passed failed < <(cargo_counts "$log")
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1; note="exit $rc: did not build or crashed"
    fi
    if [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ]; then show_failure "$log"; fi
    record "$name" "$passed" "$failed" "$note"
}

# Counts from pg_regress's summary line; prints "PASSED FAILED NOTE" or nothing.
regress_counts() {
    local line
    line="$(grep -E '^ *(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests (passed|failed))' "$1" | tail -n 1)"
    set -- $line
    case "$line" in
        *"All "*)                 echo "$2 0" ;;
        *"failures ignored"*)     echo "$(($3 - $1)) $(($1 - $6)) $6 ignored" ;;
        *"failed test(s) ignored"*) echo "$1 0 $6 ignored" ;;
        *"tests failed"*)         echo "$(($3 - $1)) $1" ;;
    esac
}

# pg_regress --use-existing does not create its database: make it the way pg_regress
# would for a temporary instance (it sets PGTZ=PST8PDT, PGDATESTYLE="Postgres, MDY" itself).
# create_regress_db [DB]: default regression.
create_regress_db() {
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -v db="${1:-regression}" -d postgres <<'SQL'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"db";
CREATE DATABASE :"db" TEMPLATE = template0;
ALTER DATABASE :"db" SET lc_messages TO 'C';
ALTER DATABASE :"db" SET lc_monetary TO 'C';
ALTER DATABASE :"db" SET lc_numeric TO 'C';
ALTER DATABASE :"db" SET lc_time TO 'C';
ALTER DATABASE :"db" SET bytea_output TO 'hex';
ALTER DATABASE :"db" SET timezone_abbreviations TO 'Default';
SQL
}

regress_suite() {
    local log="$LOG_DIR/pg_regress.log" rc=0 tests=()
    if [ -f test/schedule ]; then
        tests=(--schedule=test/schedule)
    else
        local f
        for f in test/sql/*.sql; do [ -e "$f" ] && tests+=("$(basename "$f" .sql)"); done
    fi
    if [ "${#tests[@]}" -eq 0 ]; then
        say "[pg_regress] no test/schedule and no test/sql/*.sql"
        record pg_regress 0 0 "no tests"
        return
    fi
    say "[pg_regress] ${tests[*]}"
    rm -rf test/results test/regression.diffs test/regression.out
    if ! create_regress_db; then
        record pg_regress 0 1 "could not create database regression"; return
    fi
    run_logged "$log" "$PG_REGRESS" --inputdir=test --outputdir=test --bindir="$PGBIN" \
        --use-existing --host=/tmp --port="$PGPORT" --user=postgres "${tests[@]}" || rc=$?
    regress_result pg_regress "$log" "$rc" test/regression.diffs
}

# regress_result NAME LOG RC DIFFS: record a pg_regress-style run (pg_regress or
# pg_isolation_regress) from its summary line; on failure show the diffs and server log.
regress_result() {
    local name="$1" log="$2" rc="$3" diffs="$4" passed failed note
    [ -n "${VERBOSE:-}" ] || grep -E '^(test |ok |not ok |     |parallel group)' "$log" || true
    # "|| true": under pipefail a log without a summary line makes regress_counts fail
    read -r passed failed note < <(regress_counts "$log" || true; echo)
    if [ -z "$passed" ]; then
        passed=0 failed=1 note="exit $rc: no summary, crashed"
    elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1 note="exit $rc"
    fi
    if [ "$failed" -gt 0 ]; then
        [ -z "$note" ] || show_failure "$log"
        if [ -f "$diffs" ]; then
            echo "---- $diffs ----"; head -n 500 "$diffs"; echo "----"
        fi
        echo "---- server log (last 30 lines) ----"; cluster_log "$CLUSTER" 30; echo "----"
    fi
    record "$name" "$passed" "$failed" "$note"
}

# Concurrency interleavings (SPEC 3.3): isolationtester specs in test/isolation, run by
# pg_isolation_regress in the order of test/isolation/isolation_schedule. A step that
# waits where it should not is cancelled after PGISOLATIONTIMEOUT seconds (60 here).
isolation_suite() {
    local log="$LOG_DIR/isolation.log" dir=test/isolation rc=0
    if [ ! -f "$dir/isolation_schedule" ]; then
        record isolation 0 1 "no $dir/isolation_schedule"; return
    fi
    say "[isolation] $dir/isolation_schedule"
    rm -rf "$dir/results" "$dir/regression.diffs" "$dir/regression.out"
    if ! create_regress_db isolation_regression; then
        record isolation 0 1 "could not create database isolation_regression"; return
    fi
    PGISOLATIONTIMEOUT="${PGISOLATIONTIMEOUT:-60}" run_logged "$log" "$PG_ISOLATION_REGRESS" \
        --inputdir="$dir" --outputdir="$dir" --bindir="$PGBIN" --use-existing --host=/tmp \
        --port="$PGPORT" --user=postgres --dbname=isolation_regression \
        --schedule="$dir/isolation_schedule" || rc=$?
    regress_result isolation "$log" "$rc" "$dir/regression.diffs"
}

extra_suite() {
    local script="$1" name log rc=0 last passed=0 failed=1 note=""
    name="extra/$(basename "$script" .sh)"
    log="$LOG_DIR/extra-$(basename "$script" .sh).log"
    say "[$name] $script"
    run_logged "$log" "$script" || rc=$?
    last="$(strip_ansi "$log" | tail -n 1)"
    if [[ "$last" =~ ^[[:space:]]*([0-9]+)\ passed,\ ([0-9]+)\ failed[[:space:]]*$ ]]; then
        passed="${BASH_REMATCH[1]}" failed="${BASH_REMATCH[2]}"
        if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1 note="exit $rc"; fi
    else
        note="exit $rc: no 'N passed, N failed' last line"
    fi
    if [ "$failed" -gt 0 ]; then show_failure "$log"; fi
    record "$name" "$passed" "$failed" "$note"
}

mkdir -p "$LOG_DIR"

# a. pure-Rust planner
want planner && cargo_suite planner cargo test -p pg_tviews_planner

# b. pgrx in-server tests; pgrx-tests makes its PGDATA below $PGRX_PGDATA as postgres
if want pgrx; then
    mkdir -p "$PGRX_PGDATA"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PGRX_PGDATA"
    allow_traverse "$PGRX_PGDATA"
    PGRX_BEFORE="$(echo "$PGRX_PGDATA"/* ".")"
    CARGO_PGRX_TEST_RUNAS=postgres CARGO_PGRX_TEST_PGDATA="$PGRX_PGDATA" \
        cargo_suite pgrx cargo pgrx test pg15 --package pg_tviews
    cleanup
    PGRX_BEFORE=""
fi

# c + d + e. install, then pg_regress, isolation and the extra suites against one
# throw-away cluster
regress_and_extras() {
    local f extras=() setup_error=""
    for f in test/extra/*.sh; do [ -f "$f" ] && [ -x "$f" ] && extras+=("$f"); done
    say "[install] scripts/install.sh"
    if ! run_logged "$LOG_DIR/install.log" scripts/install.sh; then
        show_failure "$LOG_DIR/install.log"; setup_error="extension did not build/install"
    else
        CLUSTER="$(mktemp -d /tmp/pg_tviews_test.XXXXXX)"
        cluster_start "$CLUSTER" || setup_error="could not start a cluster"
    fi
    if [ -n "$setup_error" ]; then
        record pg_regress 0 1 "$setup_error"
        record isolation 0 1 "$setup_error"
        for f in "${extras[@]}"; do record "extra/$(basename "$f" .sh)" 0 1 "$setup_error"; done
    else
        regress_suite
        isolation_suite
        for f in "${extras[@]}"; do extra_suite "$f"; done
    fi
    cleanup
}
want regress && regress_and_extras

echo
echo "==> summary"
printf '    %s\n' "${SUMMARY[@]}"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ "$TOTAL_FAILED" -eq 0 ]
