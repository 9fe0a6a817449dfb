#!/usr/bin/env bash
# bench.sh - the pg_tviews benchmark (protocol: ../shared/BENCHMARKS.md, method:
# docs/benchmarks.md). Bootstraps, installs a release build, starts a throw-away
# cluster with fixed settings, loads the seeded data set (bench/sql/setup.sql),
# runs scenarios S1-S12, the reads R1-R3, the plan cache under ANALYZE
# (S1an, S8an) and the scenarios of docs/performance.md (I1, I2, R4, R5, W1,
# M1, P1, P2: bench/perf.sh) with pgbench custom scripts (bench/pgbench/) interleaving
# pg_tviews with its baselines (A B A B ...), among them the oracle (the
# write + the minimal recompute, bench/sql/oracle.sql) and, where installed,
# pg_ivm on the same view, and prints one table of medians and ratios, also
# written to bench/results/latest.md. It is a benchmark, not a test:
# it fails only when something cannot run, never on a timing.
#
# Knobs (environment): QUICK=1 (fewer repetitions and transactions, S12 on 200k
# rows; a few minutes), SCALE=N (multiplies the 10k/100k/300k data set; may be
# fractional for trying things out), REPS=N (repetitions), ONLY="S1 S8 R1" (run
# these scenarios only; S14, the logical-replication scenario, is bench/replica.sh
# and writes bench/results/replica.md; "async" is the async-mode section),
# BENCH_OUT=file (default bench/results/latest.md),
# KEEP_CLUSTER=1 (keep the cluster's directory after stopping it),
# BENCH_NO_INSTALL=1 (benchmark the pg_tviews already installed, e.g. while the
# working tree does not build; the report says so).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster.sh"
cd "$REPO_ROOT"
. bench/perf.sh

SCALE="${SCALE:-1}"
if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
    MODE=quick; REPS="${REPS:-3}"; TX=200; TX_FANOUT=100; TX_BULK=5; S8_SECONDS=5
    S12_ROWS=200000; S12_UPDATES=10000
else
    MODE=full; REPS="${REPS:-7}"; TX=1000; TX_FANOUT=300; TX_BULK=20; S8_SECONDS=10
    S12_ROWS=1000000; S12_UPDATES=100000
fi
WARMUP=5   # transactions per connection before measuring: plans prepared, caches built
BENCH_OUT="${BENCH_OUT:-$REPO_ROOT/bench/results/latest.md}"
ONLY="${ONLY:-S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 S12 S14 R1 R2 R3 S1an S8an I1 I2 R4 R5 W1 M1 P1 P2 async}"
# sizes of the data set; awk so that SCALE may be fractional
read -r NUSERS NPOSTS NCOMMENTS < <(awk -v s="$SCALE" 'BEGIN {
    printf "%d %d %d\n", 10000 * s, 100000 * s, 300000 * s }')
[ "$NUSERS" -ge 100 ] || die "SCALE=$SCALE is too small"

CLUSTER=""
ANALYZER=""   # pid of the S1an/S8an ANALYZE loop while it runs
WORK="$(mktemp -d /tmp/pg_tviews_bench_work.XXXXXX)"   # generated scripts, logs
cleanup() {
    if [ -n "$ANALYZER" ]; then kill "$ANALYZER" 2>/dev/null || true; wait "$ANALYZER" 2>/dev/null || true; ANALYZER=""; fi
    if [ -n "$CLUSTER" ]; then cluster_stop "$CLUSTER"; CLUSTER=""; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

psql_q() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }

# Server settings of every run (printed in the report). The cluster is
# throw-away, so durability is off (cluster.sh already sets fsync,
# synchronous_commit and full_page_writes off); autovacuum is off and the
# harness VACUUMs between scenarios instead, so that no background work lands
# inside one variant's run; JIT is off everywhere (pg_tviews turns it off for
# its own statements; a REFRESH baseline would otherwise pay JIT compile time
# at random).
SETTINGS=(
    "shared_buffers=1GB" "work_mem=32MB" "maintenance_work_mem=512MB"
    "effective_cache_size=4GB" "max_wal_size=8GB" "checkpoint_timeout=30min"
    "random_page_cost=1.1" "jit=off" "autovacuum=off" "max_connections=50"
)

start_cluster() {
    local s
    CLUSTER="$(mktemp -d /tmp/pg_tviews_bench.XXXXXX)"
    cluster_start "$CLUSTER"
    for s in "${SETTINGS[@]}"; do
        psql_q -c "ALTER SYSTEM SET ${s%%=*} = '${s#*=}'"
    done
    # shared_buffers needs a restart; this is our own cluster
    (cd "$CLUSTER" && as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/server.log" \
        -w -t 60 restart >/dev/null)
    psql_q -c "CREATE DATABASE bench"
    export PGDATABASE=bench
}

# Record one figure: record SCENARIO VARIANT REP VALUE UNIT
record() {
    psql_q -v s="$1" -v v="$2" -v r="$3" -v x="$4" -v u="$5" \
        <<<"INSERT INTO bench.runs VALUES (:'s', :'v', :r, :x, :'u');"
}

# Sum of the latencies (ms) pgbench -r reports for the SQL statements of the
# measured part of a script: after "\else" when the script has a warm-up
# branch, without BEGIN/ROLLBACK, which only exist to undo the write;
# MEASURE_COMMIT=1 counts COMMIT (a transaction whose maintenance runs there).
measured_latency() {
    awk -v commit="${MEASURE_COMMIT:-}" '/^statement latencies/ { on = 1; next }
         !on || NF < 3 { next }
         { text = $0; sub(/^ *[0-9.]+ +[0-9]+ +/, "", text) }
         text ~ /^\\else/ { sum = 0; next }
         text ~ /^\\/ || text ~ /^(BEGIN|ROLLBACK|END)/ || (!commit && text ~ /^COMMIT/) { next }
         { sum += $1; n++ }
         END { if (!n) exit 1; printf "%.4f\n", sum }'
}

# Wrap a script so each connection runs it $WARMUP times before measuring
# (first-use costs: plan preparation, caches); the warm-up statements are
# reported separately by pgbench -r, before "\else".
with_warmup() {
    local out
    out="$WORK/$(basename "$1" .pgbench).warm.pgbench"
    { echo "\\if :warm < $WARMUP"; echo '\set warm :warm + 1'; cat "$1"
      echo '\else'; cat "$1"; echo '\endif'; } >"$out"
    echo "$out"
}

# warm counts warm-up transactions (with_warmup), n all of them (run_plan_cache)
PGBENCH_VARS=(-D "nusers=$NUSERS" -D "nposts=$NPOSTS" -D "ncomments=$NCOMMENTS" -D warm=0 -D n=0)

# latency SCENARIO VARIANT REP SCHEMA SCRIPT TX [PGOPTIONS...]: run SCRIPT TX times
# in one connection with search_path SCHEMA, record the measured statements'
# mean latency. TX=1 runs the script once, without warm-up, simple protocol
# (long statements and DDL: there is nothing to amortise).
latency() {
    local scenario="$1" variant="$2" rep="$3" schema="$4" script="$5" tx="$6" out value
    shift 6
    local args=(-n -r "${PGBENCH_VARS[@]}")
    if [ "$tx" -gt 1 ]; then
        args+=(-t $((tx + WARMUP)) -M prepared -f "$(with_warmup "$script")")
    else
        args+=(-t 1 -M simple -f "$script")
    fi
    out="$(PGOPTIONS="-c search_path=$schema,public $*" "$PGBIN/pgbench" "${args[@]}" 2>&1)" \
        || { echo "$out" >&2; die "pgbench failed: $scenario $variant"; }
    value="$(measured_latency <<<"$out")" || { echo "$out" >&2; die "no latency: $scenario $variant"; }
    record "$scenario" "$variant" "$rep" "$value" ms
    printf '    %-6s %-14s rep %d  %10.3f ms\n' "$scenario" "$variant" "$rep" "$value"
}

# throughput SCENARIO VARIANT REP SCHEMA SCRIPT CLIENTS [PGOPTIONS...]: tps
# over S8_SECONDS.
throughput() {
    local scenario="$1" variant="$2" rep="$3" schema="$4" script="$5" clients="$6" out value
    shift 6
    out="$(PGOPTIONS="-c search_path=$schema,public $*" "$PGBIN/pgbench" -n -M prepared \
        -c "$clients" -j "$clients" -T "$S8_SECONDS" "${PGBENCH_VARS[@]}" -f "$script" 2>&1)" \
        || { echo "$out" >&2; die "pgbench failed: $scenario $variant"; }
    value="$(awk '/^tps = / { print $3 }' <<<"$out")"
    [ -n "$value" ] || { echo "$out" >&2; die "no tps: $scenario $variant"; }
    record "$scenario" "$variant" "$rep" "$value" tps
    printf '    %-6s %-14s rep %d  %10.1f tps\n' "$scenario" "$variant" "$rep" "$value"
}

# Dead rows of rolled-back writes are cleaned between scenarios (autovacuum
# is off); the visibility map makes this cheap when little changed.
vacuum() { psql_q -c "VACUUM (ANALYZE)" 2>/dev/null; }

B="bench/pgbench"
VARIANTS=(plain tv hand)
HAS_IVM=false

# interleave SCENARIO RUN...: every repetition makes each RUN once, in the
# order given (A B A B ...). A RUN is one string "VARIANT SCHEMA SCRIPT TX
# [PGOPTIONS...]", split on blanks (no path here has any). VACUUM_EACH_REP=1
# vacuums after every repetition, for writes that leave many dead rows.
interleave() {
    local scenario="$1" rep run words
    shift
    local runs=("$@")
    for rep in $(seq 1 "$REPS"); do
        for run in "${runs[@]}"; do
            read -r -a words <<<"$run"
            latency "$scenario" "${words[0]}" "$rep" "${words[1]}" "${words[2]}" "${words[3]}" "${words[@]:4}"
        done
        [ -z "${VACUUM_EACH_REP:-}" ] || vacuum
    done
    vacuum
}

title() { say "$1: $(sed -n '1s/^-- S[0-9]*[^:]*: //p' "$2")${3:+; $3}"; }

# A single-statement scenario on every variant's own tables (search_path),
# and the oracle's function doing the same write.
# same_tables SCENARIO SCRIPT TX
same_tables() {
    local v runs=()
    for v in "${VARIANTS[@]}"; do runs+=("$v $v $2 $3"); done
    runs+=("$(oracle_run "$1" "$3")")
    title "$1" "$2"
    interleave "$1" "${runs[@]}"
}

run_s1() {
    local v runs=() s1="$B/s1_update_post.pgbench"
    for v in "${VARIANTS[@]}"; do runs+=("$v $v $s1 $TX"); done
    runs+=("$(oracle_run S1 "$TX")")
    title S1 "$s1" "also the execution store and audit cost"
    interleave S1 "${runs[@]}" \
        "tv_log_all tv $s1 $TX -c pg_tviews.log_refreshes=all" \
        "tv_audit_off tv $s1 $TX -c pg_tviews.audit=off"
}

run_s6() {
    title S6 "$B/s6_update_half_posts.pgbench"
    VACUUM_EACH_REP=1 interleave S6 \
        "tv tv $B/s6_update_half_posts.pgbench 1" \
        "plain+refresh plain $B/s6_plain_and_refresh.pgbench 1" \
        "plain plain $B/s6_update_half_posts.pgbench 1" \
        "hand hand $B/s6_update_half_posts.pgbench 1"
}

run_s7() {
    say "S7: one-row maintenance (S1 on tv) vs REFRESH MATERIALIZED VIEW of the post view"
    interleave S7 "tv tv $B/s1_update_post.pgbench $TX" "refresh mv $B/s7_refresh_post_mv.pgbench 1"
}

run_s8() {
    local rep clients v
    for clients in 2 4; do
        say "S8: pgbench, $clients clients, committed single-post updates, ${S8_SECONDS}s per run"
        for rep in $(seq 1 "$REPS"); do
            for v in "${VARIANTS[@]}"; do
                throughput "S8c$clients" "$v" "$rep" "$v" "$B/s8_update_post_commit.pgbench" "$clients"
            done
            throughput "S8c$clients" oracle "$rep" oracle "$B/oracle_s8.pgbench" "$clients"
        done
        vacuum
    done
}

# S11: CREATE of the post TVIEW vs CREATE TABLE AS + PRIMARY KEY of the same
# SELECT, each rolled back. The SELECT comes from setup.sql's definition.
run_s11() {
    local post_tv post_plain
    post_tv="$(psql_q -At -c "SELECT bench.post_sql('tv')")"
    post_plain="$(psql_q -At -c "SELECT bench.post_sql('plain')")"
    # a second tv_post (its key must be pk_post) in an empty schema, over the tv tables
    psql_q -c "CREATE SCHEMA IF NOT EXISTS s11"
    printf 'BEGIN;\nCREATE TABLE s11.tv_post AS %s;\nROLLBACK;\n' "$post_tv" >"$WORK/s11_tv.pgbench"
    printf 'BEGIN;\nCREATE TABLE plain.x_post AS %s;\nALTER TABLE plain.x_post ADD PRIMARY KEY (pk_post);\nROLLBACK;\n' \
        "$post_plain" >"$WORK/s11_ctas.pgbench"
    say "S11: CREATE TVIEW on $NPOSTS posts vs CREATE TABLE AS + PRIMARY KEY"
    VACUUM_EACH_REP=1 interleave S11 "tv tv $WORK/s11_tv.pgbench 1" "ctas+pk plain $WORK/s11_ctas.pgbench 1"
}

# S12: a separate 1,000,000-row table (200,000 in quick mode): CREATE TVIEW,
# a 10,000-row UPDATE, and the backend's memory over many single-row updates.
run_s12() {
    local big_tv big_plain
    say "S12: $S12_ROWS-row stress (bench/sql/big.sql)"
    psql_q -v rows="$S12_ROWS" -f bench/sql/big.sql >"$WORK/big.log"
    big_tv="$(psql_q -At -c "SELECT bench.big_sql('big')")"
    big_plain="$(psql_q -At -c "SELECT bench.big_sql('bigp')")"
    printf 'BEGIN;\nCREATE TABLE bigp.x_big AS %s;\nALTER TABLE bigp.x_big ADD PRIMARY KEY (pk_big);\nROLLBACK;\n' \
        "$big_plain" >"$WORK/s12_ctas.pgbench"
    printf 'CREATE TABLE big.tv_big AS %s;\n' "$big_tv" >"$WORK/s12_create.pgbench"
    printf 'BEGIN;\nUPDATE tb_big SET v = v + 1 WHERE pk_big <= 10000;\nROLLBACK;\n' >"$WORK/s12_update.pgbench"
    latency S12create ctas+pk 1 bigp "$WORK/s12_ctas.pgbench" 1
    latency S12create tv 1 big "$WORK/s12_create.pgbench" 1   # kept: the TVIEW of what follows
    vacuum
    interleave S12update "tv big $WORK/s12_update.pgbench 1" "plain bigp $WORK/s12_update.pgbench 1"
    psql_q -v updates="$S12_UPDATES" -v rows="$S12_ROWS" -f bench/sql/big_memory.sql >"$WORK/big_memory.log"
    psql_q -At -F ' ' -c "SELECT variant, value, unit FROM bench.runs WHERE scenario = 'S12memory' ORDER BY variant" \
        | sed 's/^/    S12memory /'
}

# Async mode (docs/async.md): S1 and S2 committed (in async mode the write's
# cost is at COMMIT), plain vs immediate vs async (the tv schema with
# pg_tviews.refresh_mode = async for the writing session); S8 tps, plain vs
# async, with the worker's keys per second, the backlog when the run ends
# and the time to drain it; the lag from COMMIT to reflected (S13), idle and
# under S8's load (2 clients), from pg_tviews_wait polling.  Runs last: the
# committed writes change titles and names (md5 strings, as S8's).
async_drain() { psql_q -At -c "SELECT pg_tviews_wait('600 s')" >/dev/null; }
run_async() {
    local s1c="$B/s8_update_post_commit.pgbench" s2c="$B/a2_update_user_commit.pgbench" async="-c pg_tviews.refresh_mode=async"
    local rep clients k0 k1 t0 out tps backlog drained
    psql_q -f bench/sql/async.sql >/dev/null
    say "async S1: committed post title update, plain / immediate / async"
    interleave S1async "plain plain $s1c $TX" "tv tv $s1c $TX" "async tv $s1c $TX $async"
    async_drain
    say "async S2: committed user rename, plain / immediate / async"
    interleave S2async "plain plain $s2c $TX_FANOUT" "tv tv $s2c $TX_FANOUT" "async tv $s2c $TX_FANOUT $async"
    async_drain
    say "async S13: lag from COMMIT to reflected, idle"
    psql_q -c "CALL bench.async_lag($TX, 'idle')"
    for clients in 2 4; do
        say "async S8: pgbench, $clients clients, plain vs async, ${S8_SECONDS}s per run"
        for rep in $(seq 1 "$REPS"); do
            throughput "S8c${clients}async" plain "$rep" plain "$s1c" "$clients"
            k0="$(psql_q -At -c "SELECT COALESCE((SELECT keys_applied FROM pg_tviews_async_worker), 0)")"
            t0="$(date +%s.%N)"
            if [ "$clients" = 2 ] && [ "$rep" = 1 ]; then
                # the lag under load: probe while the clients write
                psql_q -c "CALL bench.async_lag(50, 'S8 2 clients')" >"$WORK/lag.log" 2>&1 &
            fi
            out="$(PGOPTIONS="-c search_path=tv,public $async" "$PGBIN/pgbench" -n -M prepared \
                -c "$clients" -j "$clients" -T "$S8_SECONDS" "${PGBENCH_VARS[@]}" -f "$s1c" 2>&1)" \
                || { echo "$out" >&2; die "pgbench failed: S8c${clients}async async"; }
            tps="$(awk '/^tps = / { print $3 }' <<<"$out")"
            record "S8c${clients}async" async "$rep" "$tps" tps
            backlog="$(psql_q -At -c "SELECT count(*) FROM pg_tviews_async_queue")"
            drained="$(date +%s.%N)"
            async_drain
            wait
            k1="$(psql_q -At -c "SELECT COALESCE((SELECT keys_applied FROM pg_tviews_async_worker), 0)")"
            record S13keys "c$clients keys/s" "$rep" "$(awk -v a="$k0" -v b="$k1" -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", (b - a) / (t1 - t0) }')" keys/s
            record S13keys "c$clients backlog" "$rep" "$backlog" entries
            record S13keys "c$clients drain" "$rep" "$(awk -v a="$drained" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", (b - a) * 1000 }')" ms
            printf '    %-10s %-14s rep %d  %10.1f tps, backlog %s entries\n' "S8c${clients}async" async "$rep" "$tps" "$backlog"
        done
        vacuum
    done
}

# ---- The oracle (bench/sql/oracle.sql): the write and the minimal
# recompute of exactly the affected rows, keys known, in one call of a
# PL/pgSQL function per scenario, on tables without TVIEW triggers. The
# physical limit of synchronous maintenance; pg_tviews' immediate-mode
# targets are ratios to it.
# oracle_run SCENARIO TX: the interleave RUN of the oracle of SCENARIO.
oracle_run() {
    local n
    n="$(tr '[:upper:]' '[:lower:]' <<<"$1")"
    echo "oracle public $B/oracle_$n.pgbench $2"
}

# ---- pg_ivm, fairly: the IMMV ivm.ivm_post and the TVIEW same.tv_post have
# the identical definition (bench.ivm_sql: post + author with both keys,
# so pg_ivm indexes its IMMV), each over its own copy of the base tables;
# S1, S2, S5 and S8 run on both, recorded as variants "same" and "ivm" of
# those scenarios. Without pg_ivm the report's column says so.
run_ivm() {
    local rep clients
    "$HAS_IVM" || return 0
    if want S1; then
        say "S1 (pg_ivm): the same view as an IMMV and as a TVIEW"
        interleave S1 "same same $B/s1_update_post.pgbench $TX" "ivm ivm $B/s1_update_post.pgbench $TX"
    fi
    if want S2; then
        say "S2 (pg_ivm): the same view as an IMMV and as a TVIEW"
        interleave S2 "same same $B/s2_update_user.pgbench $TX_FANOUT" "ivm ivm $B/s2_update_user.pgbench $TX_FANOUT"
    fi
    if want S5; then
        say "S5 (pg_ivm): the same view as an IMMV and as a TVIEW"
        interleave S5 "same same $B/s5_update_1000_posts.pgbench $TX_BULK" "ivm ivm $B/s5_update_1000_posts.pgbench $TX_BULK"
    fi
    if want S8; then
        for clients in 2 4; do
            say "S8 (pg_ivm): $clients clients, the same view as an IMMV and as a TVIEW"
            for rep in $(seq 1 "$REPS"); do
                throughput "S8c$clients" same "$rep" same "$B/s8_update_post_commit.pgbench" "$clients"
                throughput "S8c$clients" ivm "$rep" ivm "$B/s8_update_post_commit.pgbench" "$clients"
            done
            vacuum
        done
    fi
}

# ---- Reads R1-R3: the documents read from the TVIEW against the same
# documents computed by the view at read time (tv.v_post; R3: tv.r_feed, the
# feed cards of v_post), tps at 2 clients over S8_SECONDS. R2 reads through
# an index on tv_post(fk_user), created here and dropped afterwards so that
# the write scenarios never maintain it; R2 also runs with index scans off
# (variant no_index: what the same read costs without that index).
run_reads() {
    local r rep
    want R1 || want R2 || want R3 || return 0
    psql_q -c "CREATE INDEX bench_tv_post_fk_user ON tv.tv_post (fk_user)" -c "VACUUM (ANALYZE) tv.tv_post"
    for r in R1 R2 R3; do
        want "$r" || continue
        say "$r: $(sed -n '1s/^-- R[0-9]*: //p' "$B/${r,,}_tv.pgbench") (tps, 2 clients, ${S8_SECONDS}s per run)"
        for rep in $(seq 1 "$REPS"); do
            throughput "$r" tv "$rep" tv "$B/${r,,}_tv.pgbench" 2
            throughput "$r" view "$rep" tv "$B/${r,,}_view.pgbench" 2
            if [ "$r" = R2 ] && [ "$rep" -le "$PERF_REPS" ]; then
                S8_SECONDS="$PERF_SECONDS" throughput R2 no_index "$rep" tv "$B/r2_tv.pgbench" 2 $NO_INDEX_SCANS
            fi
        done
    done
    psql_q -c "DROP INDEX tv.bench_tv_post_fk_user"
}

# ---- The plan cache under real traffic: S1 (1 client, latency) or S8 (2
# clients, tps) for S8_SECONDS per run, with autovacuum on and an ANALYZE of
# every source (and of the oracle's tables) each second. The pg_tviews runs
# also report their maintenance cache misses per 1,000 writes: each client
# reads pg_tviews_cache_stats after its 20th transaction and every 100th
# after that (bench/results: "misses"), the oracle runs give the ratio.
# run_plan_cache S1an|S8an
run_plan_cache() {
    local scenario="$1" rep clients base script oscript
    if [ "$scenario" = S1an ]; then
        clients=1; base="$B/s1_update_post.pgbench"; oscript="$B/oracle_s1.pgbench"
    else
        clients=2; base="$B/s8_update_post_commit.pgbench"; oscript="$B/oracle_s8.pgbench"
    fi
    say "$scenario: ${scenario%an} with autovacuum on and ANALYZE of the sources every second ($clients client(s), ${S8_SECONDS}s per run)"
    script="$WORK/$scenario.pgbench"
    { echo '\set n :n + 1'; cat "$base"
      echo '\if :n = 20 or :n % 100 = 0'
      echo 'SELECT coalesce(sum(misses), 0) AS m FROM pg_tviews_cache_stats \gset'
      echo "\\shell echo :client_id :n :m >> $WORK/$scenario.misses"
      echo '\endif'; } >"$script"
    psql_q -c "ALTER SYSTEM SET autovacuum = on" -c "SELECT pg_reload_conf()" >/dev/null
    ( while :; do
          psql_q -c "ANALYZE tv.tb_post, tv.tb_user, tv.tb_comment, tv.tv_post, oracle.tb_post, oracle.tb_user, oracle.tb_comment, oracle.o_post" \
              >/dev/null 2>&1 || true
          sleep 1
      done ) &
    ANALYZER=$!
    for rep in $(seq 1 "$REPS"); do
        rm -f "$WORK/$scenario.misses"
        cache_run "$scenario" tv "$rep" tv "$script" "$clients"
        cache_misses "$scenario" "$rep"
        cache_run "$scenario" oracle "$rep" oracle "$oscript" "$clients"
    done
    kill "$ANALYZER" 2>/dev/null || true; wait "$ANALYZER" 2>/dev/null || true; ANALYZER=""
    psql_q -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
    vacuum
}

# cache_run SCENARIO VARIANT REP SCHEMA SCRIPT CLIENTS: one client records
# the latency of the write (the cache probe left out), more record tps.
cache_run() {
    local scenario="$1" variant="$2" rep="$3" schema="$4" script="$5" clients="$6" out value
    if [ "$clients" -gt 1 ]; then
        throughput "$scenario" "$variant" "$rep" "$schema" "$script" "$clients"
        return
    fi
    out="$(PGOPTIONS="-c search_path=$schema,public" "$PGBIN/pgbench" -n -r -M prepared -T "$S8_SECONDS" \
        "${PGBENCH_VARS[@]}" -f "$script" 2>&1)" || { echo "$out" >&2; die "pgbench failed: $scenario $variant"; }
    value="$(grep -v pg_tviews_cache_stats <<<"$out" | measured_latency)" \
        || { echo "$out" >&2; die "no latency: $scenario $variant"; }
    record "$scenario" "$variant" "$rep" "$value" ms
    printf '    %-6s %-14s rep %d  %10.3f ms\n' "$scenario" "$variant" "$rep" "$value"
}

# Misses per 1,000 writes of the last run, from each client's first and last
# probe (none recorded when the run was too short to probe twice).
cache_misses() {
    local value
    value="$(awk '{ if (!($1 in n0)) { n0[$1] = $2; m0[$1] = $3 } n1[$1] = $2; m1[$1] = $3 }
                  END { for (c in n0) { w += n1[c] - n0[c]; m += m1[c] - m0[c] }
                        if (w > 0) printf "%.3f\n", 1000 * m / w }' "$WORK/$1.misses" 2>/dev/null)"
    [ -n "$value" ] || { say "    $1: too few transactions to count cache misses"; return 0; }
    record "$1" misses "$2" "$value" "misses/1k writes"
    printf '    %-6s %-14s rep %d  %10.3f misses per 1,000 writes\n' "$1" misses "$2" "$value"
}

# Machine and run description for the report.
facts() {
    local commit dirty=""
    commit="$(git rev-parse --short HEAD)"
    git diff --quiet HEAD -- src planner sql Cargo.toml 2>/dev/null || dirty=" (engine sources modified)"
    psql_q -v cores="$(nproc)" \
        -v cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
        -v mem="$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)" \
        -v os="$(. /etc/os-release && echo "$PRETTY_NAME") $(uname -r)" \
        -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
        -v build="$BUILD_NOTE of pg_tviews at $commit$dirty" \
        -v mode="$MODE: SCALE=$SCALE, $REPS repetitions, $TX transactions per run for single-row scenarios ($TX_FANOUT for S2/S4, $TX_BULK for S5), S8 ${S8_SECONDS}s per run, S12 on $S12_ROWS rows and $S12_UPDATES single-row updates; the scenarios of docs/performance.md (bench/perf.sh): $PERF_REPS repetitions, ${PERF_SECONDS}s per read run, $PERF_TX transactions per run ($PERF_TX_FANOUT for I1, $TX_BULK for P1)" \
        -v ivm="$HAS_IVM" <<'SQL'
INSERT INTO bench.facts VALUES
    ('cores', :'cores'), ('cpu', :'cpu'), ('memory', :'mem'), ('os', :'os'),
    ('load average at start', :'load'), ('build', :'build'), ('mode', :'mode'),
    ('pg_ivm', CASE WHEN :'ivm' THEN 'installed' ELSE 'not installed' END),
    ('postgresql', version()),
    ('settings', (SELECT string_agg(name || ' = ' || setting || coalesce(unit, ''), ', ' ORDER BY name)
                    FROM pg_settings
                   WHERE name IN ('shared_buffers', 'work_mem', 'maintenance_work_mem', 'effective_cache_size',
                                  'max_wal_size', 'checkpoint_timeout', 'random_page_cost', 'jit', 'autovacuum',
                                  'fsync', 'synchronous_commit', 'full_page_writes', 'max_connections')))
ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
SQL
}

scripts/bootstrap.sh
mkdir -p target
if [ -n "${BENCH_NO_INSTALL:-}" ]; then
    # explicit only: benchmarks whatever pg_tviews is installed (the report says so)
    BUILD_NOTE="installed build, not rebuilt (BENCH_NO_INSTALL)"
else
    say "building and installing a release build (log: target/bench-install.log)"
    if ! scripts/install.sh --release >target/bench-install.log 2>&1; then
        tail -n 80 target/bench-install.log
        die "install failed"
    fi
    BUILD_NOTE="release build"
fi

start_cluster
if [ "$(psql_q -At -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_ivm'")" = 1 ]; then
    HAS_IVM=true
fi
say "loading the data set: $NUSERS users, $NPOSTS posts, $NCOMMENTS comments (log: $WORK/setup.log)"
started=$SECONDS
psql_q -v nusers="$NUSERS" -v nposts="$NPOSTS" -v ncomments="$NCOMMENTS" -v with_ivm="$HAS_IVM" \
    -f bench/sql/setup.sql >"$WORK/setup.log" 2>&1 || { tail -n 40 "$WORK/setup.log"; die "setup failed"; }
psql_q -c "VACUUM (ANALYZE)"
say "loaded in $((SECONDS - started))s"
facts
psql_q -At -c "SELECT name || ': ' || value FROM bench.facts ORDER BY name" | sed 's/^/    /'

want S1 && run_s1
want S2 && same_tables S2 "$B/s2_update_user.pgbench" "$TX_FANOUT"
want S3 && same_tables S3 "$B/s3_insert_comment.pgbench" "$TX"
want S4 && same_tables S4 "$B/s4_delete_post.pgbench" "$TX_FANOUT"
want S5 && same_tables S5 "$B/s5_update_1000_posts.pgbench" "$TX_BULK"
want S6 && run_s6
want S7 && run_s7
want S8 && run_s8
if want S9; then
    title S9 "$B/s9_stack.pgbench"
    interleave S9 "tv public $B/s9_stack.pgbench $TX" "single-levels public $B/s9_single_levels.pgbench $TX" \
        "$(oracle_run S9 "$TX")"
fi
if want S10; then
    title S10 "$B/s10_fan.pgbench"
    interleave S10 "tv public $B/s10_fan.pgbench $TX" "separate public $B/s10_separate.pgbench $TX" \
        "$(oracle_run S10 "$TX")"
fi
want S11 && run_s11
want S12 && run_s12
run_ivm
run_reads
want S1an && run_plan_cache S1an
want S8an && run_plan_cache S8an
run_index_maintenance
run_read_indexes
want M1 && run_plan_memory
# S14 runs on two clusters of its own and writes bench/results/replica.md
want S14 && QUICK="${QUICK:-}" REPS="$REPS" bench/replica.sh

run_practices
want async && run_async

mkdir -p "$(dirname "$BENCH_OUT")"
psql_q -At -f bench/sql/report.sql >"$BENCH_OUT.tmp"
if want async; then psql_q -At -f bench/sql/async_report.sql >>"$BENCH_OUT.tmp"; fi
mv "$BENCH_OUT.tmp" "$BENCH_OUT"
echo
cat "$BENCH_OUT"
say "written to ${BENCH_OUT#"$REPO_ROOT"/}"
