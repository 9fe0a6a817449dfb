# perf.sh - the scenarios behind docs/performance.md, sourced by
# scripts/bench.sh (it uses that script's latency, throughput, interleave,
# record and psql_q): what an index, or the way a transaction is written,
# changes.  Every comparison is of runs made next to each other on the same
# tables, as everywhere in the bench.
#   I1  S2 (rename one user) with and without the index on tb_post(fk_user)
#   I2  S1 (update one post) with and without the index on tb_comment(fk_post)
#   R4  post documents by author through data @> '...', GIN vs no index
#   R5  one post document by data->>'title', expression index vs no index
#   W1  S1 with the read-side indexes of R2, R4, R5 on tv_post vs without
#   M1  the plan cache's memory per entry (bench/sql/plan_memory.sql)
#   P1  100 posts updated by one statement vs 100 statements (immediate,
#       deferred), committed
#   P2  one post written by three statements of one committed transaction,
#       immediate vs deferred
# "Without the index" for a read (R2, R4, R5) is the same query with index
# scans off (enable_indexscan, enable_bitmapscan): what the planner does
# without it, and no index build between runs.  For a write (I1, I2, W1)
# the index is really dropped and created again between runs, since a
# write pays for maintaining it.

#
# Sizes: the same in quick and full mode (these scenarios compare a thing
# with and without it, and the differences are large), so that they add
# about two minutes to either: PERF_REPS repetitions (3), PERF_SECONDS per
# throughput run (3), PERF_TX transactions per single-row run (200),
# PERF_TX_FANOUT for S2 (100), TX_BULK for P1.
PERF_REPS="${PERF_REPS:-3}"
PERF_SECONDS="${PERF_SECONDS:-3}"
PERF_TX="${PERF_TX:-200}"
PERF_TX_FANOUT="${PERF_TX_FANOUT:-100}"
NO_INDEX_SCANS="-c enable_indexscan=off -c enable_bitmapscan=off"

# timed_sql SCENARIO VARIANT REP SQL: run SQL, record its wall time in ms.
timed_sql() {
    local scenario="$1" variant="$2" rep="$3" t0
    t0="$(date +%s.%N)"
    psql_q -c "$4" >/dev/null
    record "$scenario" "$variant" "$rep" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", (b - a) * 1000 }')" ms
}

# index_pair SCENARIO INDEX_DDL INDEX_NAME SCRIPT TX: per repetition, SCRIPT
# with the index (variant indexed), then dropped (variant no_index), then the
# index created again (the plans are prepared again in each run's warm-up:
# an index change invalidates them).
index_pair() {
    local scenario="$1" ddl="$2" name="$3" script="$4" tx="$5" rep
    for rep in $(seq 1 "$PERF_REPS"); do
        latency "$scenario" indexed "$rep" tv "$script" "$tx"
        psql_q -c "DROP INDEX $name"
        latency "$scenario" no_index "$rep" tv "$script" "$tx"
        psql_q -c "$ddl"
    done
    vacuum
}

run_index_maintenance() {
    if want I1; then
        say "I1: S2 (rename one user) with vs without the index on tb_post(fk_user)"
        index_pair I1 "CREATE INDEX tb_post_fk_user_idx ON tv.tb_post (fk_user)" tv.tb_post_fk_user_idx \
            "$B/s2_update_user.pgbench" "$PERF_TX_FANOUT"
    fi
    if want I2; then
        say "I2: S1 (update one post) with vs without the index on tb_comment(fk_post)"
        index_pair I2 "CREATE INDEX tb_comment_fk_post_idx ON tv.tb_comment (fk_post)" tv.tb_comment_fk_post_idx \
            "$B/s1_update_post.pgbench" "$PERF_TX"
    fi
}

# The read-side indexes on tv_post: R2's btree on fk_user, a GIN
# (jsonb_path_ops) on data for @>, an expression index on data->>'title'.
READ_INDEXES=(
    "CREATE INDEX bench_tv_post_fk_user ON tv.tv_post (fk_user)"
    "CREATE INDEX bench_tv_post_data ON tv.tv_post USING gin (data jsonb_path_ops)"
    "CREATE INDEX bench_tv_post_title ON tv.tv_post ((data ->> 'title'))"
)
READ_INDEX_NAMES="tv.bench_tv_post_fk_user, tv.bench_tv_post_data, tv.bench_tv_post_title"

# create_read_indexes REP: each index timed (scenario Ibuild, variants
# btree, gin, expression), then ANALYZE for the expression's statistics.
create_read_indexes() {
    local i variants=(btree gin expression)
    for i in 0 1 2; do timed_sql Ibuild "${variants[$i]}" "$1" "${READ_INDEXES[$i]}"; done
    psql_q -c "ANALYZE tv.tv_post"
}

run_read_indexes() {
    local r rep
    want R4 || want R5 || want W1 || return 0
    create_read_indexes 1
    psql_q -At -c "INSERT INTO bench.facts SELECT 'read-side indexes on tv_post (R2, R4, R5, W1)',
                     string_agg(format('%s %s', c.relname, pg_size_pretty(pg_relation_size(c.oid))), ', ' ORDER BY c.relname)
                     FROM pg_class c WHERE c.oid IN ('tv.bench_tv_post_fk_user'::regclass, 'tv.bench_tv_post_data'::regclass,
                                                     'tv.bench_tv_post_title'::regclass)
                   ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
    for r in R4 R5; do
        want "$r" || continue
        say "$r: $(sed -n '1s/^-- R[0-9]*: //p' "$B/${r,,}_tv.pgbench") (tps, 2 clients, ${PERF_SECONDS}s per run)"
        for rep in $(seq 1 "$PERF_REPS"); do
            S8_SECONDS="$PERF_SECONDS" throughput "$r" indexed "$rep" tv "$B/${r,,}_tv.pgbench" 2
            S8_SECONDS="$PERF_SECONDS" throughput "$r" no_index "$rep" tv "$B/${r,,}_tv.pgbench" 2 $NO_INDEX_SCANS
        done
    done
    if want W1; then
        say "W1: S1 with the read-side indexes on tv_post (btree fk_user, GIN data, expression title) vs without"
        for rep in $(seq 1 "$PERF_REPS"); do
            [ "$rep" = 1 ] || create_read_indexes "$rep"
            latency W1 read_indexes "$rep" tv "$B/s1_update_post.pgbench" "$PERF_TX"
            psql_q -c "DROP INDEX $READ_INDEX_NAMES"
            latency W1 no_read_indexes "$rep" tv "$B/s1_update_post.pgbench" "$PERF_TX"
        done
    else
        psql_q -c "DROP INDEX $READ_INDEX_NAMES"
    fi
    vacuum
}

# M1: a fresh connection runs each write of S1-S5 six times (rolled back),
# then compares its memory contexts with before (bench/sql/plan_memory.sql).
run_plan_memory() {
    say "M1: the plan cache's memory per entry (pg_backend_memory_contexts)"
    psql_q -v ncomments="$NCOMMENTS" -f bench/sql/plan_memory.sql >"$WORK/plan_memory.log"
    psql_q -At -F ' ' -c "SELECT variant, value, unit FROM bench.runs WHERE scenario = 'M1' ORDER BY variant" \
        | sed 's/^/    M1 /'
}

# P1 and P2 commit (deferred maintenance runs at COMMIT, which a rollback
# skips), so they run after the rolled-back scenarios; titles and bodies are
# replaced by strings of the same shape.  MEASURE_COMMIT=1: the COMMIT's
# latency is part of the figure.
run_practices() {
    local i stmts="$WORK/p1_100_statements.pgbench" deferred="-c pg_tviews.refresh_mode=deferred"
    if want P1; then
        { echo '-- P1: 100 single-row UPDATE statements in one committed transaction'
          echo '\set lo random(1, :nposts - 99)'
          echo 'BEGIN;'
          for i in $(seq 0 99); do
              echo "UPDATE tb_post SET title = md5(random()::text) WHERE pk_post = :lo + $i;"
          done
          echo 'COMMIT;'; } >"$stmts"
        say "P1: UPDATE 100 posts, committed: one statement vs 100 statements (immediate, deferred)"
        REPS="$PERF_REPS" MEASURE_COMMIT=1 interleave P1 \
            "one_statement tv $B/p1_one_statement.pgbench $TX_BULK" \
            "statements_100 tv $stmts $TX_BULK" \
            "statements_100_deferred tv $stmts $TX_BULK $deferred"
    fi
    if want P2; then
        say "P2: one post written by three statements of one committed transaction, immediate vs deferred"
        REPS="$PERF_REPS" MEASURE_COMMIT=1 interleave P2 \
            "immediate tv $B/p2_three_writes.pgbench $PERF_TX" \
            "deferred tv $B/p2_three_writes.pgbench $PERF_TX $deferred" \
            "plain plain $B/p2_three_writes.pgbench $PERF_TX"
    fi
}
