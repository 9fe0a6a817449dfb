#!/usr/bin/env bash
# replica.sh - scenario S14 of the benchmark (docs/benchmarks.md, "S14: read
# models on a subscriber"): two throw-away clusters, a publisher and a
# logical-replication subscriber (docs/replication.md).
#   S14 primary: the primary's single-row UPDATE latency with no TVIEW (the read
#     models live on the subscriber) against immediate TVIEWs on the primary;
#   S14 apply: the subscriber's time to apply a burst of those transactions
#     (subscription disabled during the burst, then enabled; time from its
#     apply worker's start until the subscriber has confirmed the publisher's
#     WAL position) with the TVIEWs on
#     the subscriber against without.
# Variants alternate (A B A B ...); medians of REPS repetitions. Called by
# scripts/bench.sh (ONLY="S14"), or alone with PG_CONFIG set and pg_tviews
# installed. Writes bench/results/replica.md. A benchmark, not a test: it fails
# only when something cannot run.
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"
. "$(dirname "$0")/../scripts/cluster.sh"
cd "$REPO_ROOT"

if [ -n "${QUICK:-}" ] && [ "${QUICK}" != 0 ]; then
    REPS="${REPS:-3}"; TX=300; BURST=500; NUSERS=2000
else
    REPS="${REPS:-7}"; TX=2000; BURST=3000; NUSERS=10000
fi
NPOSTS=$((NUSERS * 10))
OUT="${REPLICA_OUT:-$REPO_ROOT/bench/results/replica.md}"
PUB="$(mktemp -d /tmp/pg_tviews_bench_pub.XXXXXX)"
SUB="$(mktemp -d /tmp/pg_tviews_bench_sub.XXXXXX)"
WORK="$(mktemp -d /tmp/pg_tviews_bench_replica.XXXXXX)"
trap 'cluster_stop "$PUB"; cluster_stop "$SUB"; rm -rf "$WORK"' EXIT

CONF="wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
wal_receiver_status_interval = 1s
wal_retrieve_retry_interval = 50ms
shared_buffers = 256MB
jit = off
autovacuum = off"
CLUSTER_CONF="$CONF" cluster_start "$PUB"; PUB_PORT="$PGPORT"
CLUSTER_CONF="$CONF" cluster_start "$SUB"; SUB_PORT="$PGPORT"
pub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PUB_PORT" -U postgres -d bench "$@"; }
sub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$SUB_PORT" -U postgres -d bench "$@"; }
"$PGBIN/createdb" -h /tmp -p "$PUB_PORT" -U postgres bench
"$PGBIN/createdb" -h /tmp -p "$SUB_PORT" -U postgres bench

SCHEMA="CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL, title text NOT NULL);
CREATE INDEX ON tb_post (fk_user);"
TVIEWS="SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE TABLE tv_post AS SELECT p.pk_post, jsonb_build_object('title', p.title,
       'author', jsonb_build_object('id', u.pk_user, 'name', u.name)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS SELECT u.pk_user, jsonb_build_object('name', u.name,
       'posts', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', p.pk_post, 'title', p.title) ORDER BY p.pk_post)
                          FROM tb_post p WHERE p.fk_user = u.pk_user), '[]'::jsonb)) AS data
  FROM tb_user u;"
DROP_TVIEWS="SELECT pg_tviews_drop('post'); SELECT pg_tviews_drop('user');"
pub -c "$SCHEMA"
sub -c "$SCHEMA"
pub -c "INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, $NUSERS) g;
        INSERT INTO tb_post SELECT g, 1 + g % $NUSERS, 'post ' || g FROM generate_series(1, $NPOSTS) g"
pub -c "VACUUM ANALYZE"
pub -c "CREATE PUBLICATION pub FOR TABLE tb_user, tb_post"
sub -c "CREATE SUBSCRIPTION sub CONNECTION 'host=/tmp port=$PUB_PORT user=postgres dbname=bench' PUBLICATION pub"

applied() { # lsn: has the subscriber confirmed it?
    [ "$(pub -c "SELECT coalesce(bool_and(replay_lsn >= '$1'), false) FROM pg_stat_replication WHERE application_name = 'sub'")" = t ]
}
wait_applied() {
    local lsn deadline=$((SECONDS + 600))
    lsn="$(pub -c "SELECT pg_current_wal_lsn()")"
    until [ "$(sub -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ] && applied "$lsn"; do
        [ "$SECONDS" -lt "$deadline" ] || die "the subscriber did not catch up"
        sleep 0.05
    done
}
wait_applied
sub -c "VACUUM ANALYZE"

cat >"$WORK/update.pgbench" <<PGB
\set id random(1, $NPOSTS)
UPDATE tb_post SET title = 'post ' || :id || ' v' || floor(random() * 1000)::int WHERE pk_post = :id;
PGB

declare -A RESULTS
add() { RESULTS[$1]="${RESULTS[$1]:-} $2"; }
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# S14 primary: mean latency (ms) of single-row UPDATEs on the publisher.
primary_run() { # variant
    local out
    out="$("$PGBIN/pgbench" -n -M prepared -h /tmp -p "$PUB_PORT" -U postgres -t "$TX" -f "$WORK/update.pgbench" bench 2>&1)"
    add "primary $1" "$(awk '/latency average/ { print $4 }' <<<"$out")"
}
# S14 apply: seconds for the subscriber to apply BURST such transactions.
apply_run() { # variant
    local lsn start
    sub -c "ALTER SUBSCRIPTION sub DISABLE"
    "$PGBIN/pgbench" -n -M prepared -h /tmp -p "$PUB_PORT" -U postgres -t "$BURST" -f "$WORK/update.pgbench" bench >/dev/null 2>&1
    lsn="$(pub -c "SELECT pg_current_wal_lsn()")"
    sub -c "ALTER SUBSCRIPTION sub ENABLE"
    # timed from the apply worker's start (the launcher's delay is not apply)
    until [ "$(sub -c "SELECT count(pid) FROM pg_stat_subscription WHERE subname = 'sub' AND relid IS NULL")" = 1 ]; do
        sleep 0.01
    done
    start="$(date +%s.%N)"
    until applied "$lsn"; do sleep 0.02; done
    add "apply $1" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }')"
}

say "S14: $REPS repetitions, $TX primary transactions, bursts of $BURST ($NUSERS users, $NPOSTS posts)"
for rep in $(seq 1 "$REPS"); do
    primary_run "no TVIEW on the primary"
    pub -c "$TVIEWS" >/dev/null
    primary_run "TVIEWs on the primary"
    pub -c "$DROP_TVIEWS" >/dev/null
    wait_applied
    apply_run "no TVIEW on the subscriber"
    sub -c "$TVIEWS" >/dev/null
    apply_run "TVIEWs on the subscriber"
    check="$(sub -c "SELECT count(*) FROM pg_tviews_verify('post')")"
    [ "$check" = 0 ] || die "tv_post differs from its view on the subscriber"
    sub -c "$DROP_TVIEWS" >/dev/null
    echo "    repetition $rep done"
done

{
    echo "# S14: read models on a subscriber"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); REPS=$REPS, $TX primary transactions per run, bursts of $BURST, $NUSERS users, $NPOSTS posts; TVIEWs: tv_post (join), tv_user (jsonb_agg of posts)."
    echo
    echo "| figure | variant | median | runs |"
    echo "|---|---|---|---|"
    for k in "primary no TVIEW on the primary" "primary TVIEWs on the primary"; do
        echo "| primary UPDATE latency (ms) | ${k#primary } | $(median "${RESULTS[$k]}") | ${RESULTS[$k]# } |"
    done
    for k in "apply no TVIEW on the subscriber" "apply TVIEWs on the subscriber"; do
        echo "| subscriber apply of $BURST transactions (s) | ${k#apply } | $(median "${RESULTS[$k]}") | ${RESULTS[$k]# } |"
    done
} >"$OUT"
cat "$OUT"
