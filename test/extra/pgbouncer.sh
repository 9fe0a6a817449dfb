#!/usr/bin/env bash
# pgbouncer.sh - TVIEWs behind PgBouncer in transaction pooling mode (SPEC 3.7,
# issue 4): a private pgbouncer (own config in a temp dir, auth_type = trust,
# pool_mode = transaction, 2 server connections for 4 clients, so every client
# gets connections other clients used) in front of the runner's cluster.
# pgbench drives, through it, random writes on shared rows (half of them in
# transactions with SET LOCAL pg_tviews.refresh_mode = deferred), DISCARD ALL
# between transactions, and probe transactions that fail when the server
# connection they got still carries state of an earlier transaction (deferred
# mode in force, queued maintenance) or when their own immediate-mode write is
# not in the TVIEW before COMMIT.  Once with the simple and once with the
# extended query protocol (unnamed statements; PgBouncer before 1.21 cannot
# pool named prepared statements, so no -M prepared).  Then a rolled-back
# deferred transaction, and after each part every TVIEW must equal its view.
# pgbouncer is stopped at exit whatever happens.  Without a pgbouncer binary
# (Debian package pgbouncer, installed by scripts/bootstrap.sh; installed here
# if missing and we are root) the script fails.  Last line: "N passed, N failed".
#
# Needs PGHOST/PGPORT/PGUSER of a running cluster with pg_tviews installed.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$HERE/pgbouncer"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
DB=pg_tviews_pgbouncer
SERVER_HOST="${PGHOST:-/tmp}"
SERVER_PORT="${PGPORT:-5432}"
WORK="$(mktemp -d /tmp/pg_tviews_pgbouncer.XXXXXX)"
BOUNCER_PID=""
# shellcheck source=concurrency/lib.sh
. "$HERE/concurrency/lib.sh"

stop_bouncer() {
    local i
    [ -n "$BOUNCER_PID" ] || return 0
    kill "$BOUNCER_PID" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$BOUNCER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$BOUNCER_PID" 2>/dev/null; then
        kill -9 "$BOUNCER_PID" 2>/dev/null
        return 1
    fi
    BOUNCER_PID=""
}
cleanup() {
    stop_bouncer
    "$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

finish() {
    if stop_bouncer; then ok "pgbouncer stopped"; else fail "pgbouncer did not stop on SIGTERM"; fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# 1. the binary: PATH, /usr/sbin, else install the Debian package (root only)
find_bouncer() { command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; }; }
BOUNCER="$(find_bouncer)"
if [ -z "$BOUNCER" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "pgbouncer: not installed, installing the Debian package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer >"$WORK/apt.log" 2>&1 \
        || tail -n 5 "$WORK/apt.log"
    BOUNCER="$(find_bouncer)"
fi
if [ -z "$BOUNCER" ]; then
    fail "pgbouncer is not installed and could not be installed (apt-get install pgbouncer)"
    echo "$passed passed, $failed failed"; exit 1
fi
VERSION="$("$BOUNCER" --version 2>&1 | head -n 1)"

# 2. the database, directly on the server
"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
if ! "$PGBIN/createdb" "$DB" \
    || ! "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" -v nusers=6 -v nposts=30 -v ncomments=80 \
         -f "$HERE/concurrency/schema.sql" -f "$DIR/probe.sql" >"$WORK/setup.log" 2>&1; then
    cat "$WORK/setup.log"; fail "setting up database $DB"; finish
fi
mapfile -t ENTITIES < <("$PGBIN/psql" -X -At -d "$DB" -c "SELECT entity FROM pg_tview_meta ORDER BY entity")

# 3. pgbouncer on the first free local port from 56432, as the postgres user
port=""
for p in $(seq 56432 56531); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    [ -e "$WORK/.s.PGSQL.$p" ] && continue
    port="$p"; break
done
[ -n "$port" ] || { fail "no free port in 56432..56531"; finish; }
cat >"$WORK/pgbouncer.ini" <<INI
[databases]
$DB = host=$SERVER_HOST port=$SERVER_PORT dbname=$DB

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $WORK
auth_type = trust
auth_file = $WORK/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 20
admin_users = postgres
logfile = $WORK/pgbouncer.log
pidfile = $WORK/pgbouncer.pid
INI
echo '"postgres" ""' >"$WORK/userlist.txt"
if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$WORK"; chmod o+rx "$WORK"; fi
if ! (cd "$WORK" && as_postgres "$BOUNCER" -d "$WORK/pgbouncer.ini") >"$WORK/start.log" 2>&1; then
    cat "$WORK/start.log"; fail "starting pgbouncer"; finish
fi
for i in $(seq 1 100); do
    [ -s "$WORK/pgbouncer.pid" ] && BOUNCER_PID="$(cat "$WORK/pgbouncer.pid")" && break
    sleep 0.1
done
# through pgbouncer from here on
B=(-h 127.0.0.1 -p "$port" -U postgres -d "$DB")
for i in $(seq 1 100); do
    "$PGBIN/psql" -X -At "${B[@]}" -c "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
done
if [ -n "$BOUNCER_PID" ] && "$PGBIN/psql" -X -At "${B[@]}" -c "SELECT 1" >/dev/null 2>&1; then
    ok "$VERSION listening on 127.0.0.1:$port (pool_mode = transaction, 2 server connections)"
else
    tail -n 20 "$WORK/pgbouncer.log" 2>/dev/null; fail "pgbouncer ($VERSION) did not come up"; finish
fi

# 4. pgbench through pgbouncer: writes (half deferred), DISCARD ALL, probes
drive() {
    local mode="$1" log="$WORK/pgbench-$1.log" rc=0
    PGOPTIONS= "$PGBIN/pgbench" -n "${B[@]}" -M "$mode" -c 4 -j 2 -t 60 --random-seed=4242 --max-tries=100 \
        -f "$HERE/concurrency/writes.pgbench@6" -f "$DIR/discard.pgbench@1" -f "$DIR/probe.pgbench@3" \
        -D nusers=6 -D nposts=30 -D ncomments=80 -D deferred_pct=50 >"$log" 2>&1 || rc=$?
    pgbench_result "$mode protocol" "$log" "$rc" \
        "240 transactions through pgbouncer, every probe found a clean connection"
    check_tviews "$mode protocol"
}
drive simple
drive extended

# 5. a deferred transaction that rolls back leaves nothing for the next one on
#    the same server connection (one client at a time: pgbouncer reuses it)
out="$("$PGBIN/psql" -X -At -v ON_ERROR_STOP=1 "${B[@]}" 2>&1 <<'SQL'
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
UPDATE tb_user SET name = 'rolled back' WHERE pk_user = 2;
ROLLBACK;
DISCARD ALL;
BEGIN;
SELECT pgb_assert_clean();
UPDATE tb_user SET name = 'after rollback' WHERE pk_user = 3;
SELECT pgb_assert_user(3, 'after rollback');
COMMIT;
SELECT 'rolled back rows in tv_user: ' || count(*) FROM tv_user WHERE data->>'name' = 'rolled back';
SQL
)"
if [ "$(tail -n 1 <<<"$out")" = "rolled back rows in tv_user: 0" ]; then
    ok "rolled-back deferred transaction: nothing applied, next transaction clean"
else
    fail "rolled-back deferred transaction: $out"
fi
check_tviews "after rollback"
finish
