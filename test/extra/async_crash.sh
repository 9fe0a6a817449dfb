#!/usr/bin/env bash
# async_crash.sh - async mode survives the loss of its worker and of the
# server in the middle of a drain, losing nothing.
#   1. a blog with async TVIEWs (tv_post, and tv_author stacked on it); many
#      single-row writes in separate transactions fill the queue;
#   2. while entries are queued and the worker drains them: SIGKILL of the
#      worker's pid only (the postmaster treats it as a crash and restarts);
#   3. more writes, then `pg_ctl -m immediate restart` while it drains;
#   after each: pg_tviews_wait() starts a worker and returns true, and every
#   TVIEW equals its view, with nothing left queued; after the restart, before
#   that, pg_tviews_health_check reports the queues no worker applies.
# Needs PGHOST/PGPORT/PGUSER and CLUSTER_DIR (scripts/cluster.sh) of a running
# cluster with pg_tviews installed; root or the postgres user (pg_ctl, kill).
# Last line: "N passed, N failed".
set -uo pipefail

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
DB=pg_tviews_async_crash
trap '"$PGBIN/dropdb" --if-exists $DB >/dev/null 2>&1' EXIT

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ready: poll until the server accepts connections again (at most 120 s)
ready() {
    local deadline=$((SECONDS + 120))
    until "$PGBIN/psql" -X -q -At -d "$DB" -c 'SELECT 1' >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        "$PGBIN/pg_isready" -q -t 1 >/dev/null 2>&1 || true
    done
}

# restarted N: poll until the server log says it is ready for the (N+1)th time,
# that is, until the postmaster has noticed a crash and reinitialised (120 s):
# a connection right after the kill may still reach the old server
starts() { grep -c 'database system is ready to accept connections' "$CLUSTER_DIR/server.log"; }
restarted() {
    local deadline=$((SECONDS + 120))
    until [ "$(starts)" -gt "$1" ]; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        "$PGBIN/pg_isready" -q -t 1 >/dev/null 2>&1 || true
    done
}

# queued_and_draining: poll until entries are queued and a worker runs (60 s)
queued_and_draining() {
    local deadline=$((SECONDS + 60)) state
    while [ "$SECONDS" -lt "$deadline" ]; do
        state="$(psql_in $DB -c "SELECT (SELECT count(*) FROM pg_tviews_async_queue) > 0
                                      AND EXISTS (SELECT 1 FROM pg_stat_activity
                                                  WHERE backend_type = 'pg_tviews async worker' AND datname = current_database())")"
        [ "$state" = t ] && return 0
    done
    return 1
}

worker_pid() {
    psql_in $DB -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_tviews async worker' AND datname = current_database()"
}

# writes N: N single-row transactions, users renamed and posts edited
writes() {
    psql_in $DB -c "SELECT format('UPDATE tb_post SET title = %L WHERE pk_post = %s;', 't' || g || random(), 1 + g % 500)
                      FROM generate_series(1, $1) g
                    UNION ALL
                    SELECT format('UPDATE tb_user SET name = %L WHERE pk_user = %s;', 'u' || g || random(), 1 + g % 50)
                      FROM generate_series(1, $1 / 10) g" >"$WORKFILE"
    "$PGBIN/psql" -X -q -d $DB -f "$WORKFILE" >/dev/null 2>&1
}

# consistent NAME: wait, then every TVIEW equals its view and nothing is queued
consistent() {
    check "$1: pg_tviews_wait() returns true" t "$(psql_in $DB -c "SELECT pg_tviews_wait('120 s')")"
    check "$1: tv_post equals v_post" 0 "$(psql_in $DB -c "SELECT count(*) FROM ((TABLE tv_post EXCEPT ALL TABLE v_post) UNION ALL (TABLE v_post EXCEPT ALL TABLE tv_post)) d")"
    check "$1: tv_author equals v_author" 0 "$(psql_in $DB -c "SELECT count(*) FROM ((TABLE tv_author EXCEPT ALL TABLE v_author) UNION ALL (TABLE v_author EXCEPT ALL TABLE tv_author)) d")"
    check "$1: nothing queued" 0 "$(psql_in $DB -c "SELECT count(*) FROM pg_tviews_async_queue")"
}

WORKFILE="$(mktemp /tmp/pg_tviews_async_crash.XXXXXX)"
chmod 644 "$WORKFILE"
"$PGBIN/dropdb" --if-exists $DB >/dev/null 2>&1
"$PGBIN/createdb" $DB || { echo "cannot create $DB"; echo "0 passed, 1 failed"; exit 1; }
psql_in $DB <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
CREATE INDEX ON tb_post (fk_user);
INSERT INTO tb_user SELECT g, 'user' || g FROM generate_series(1, 50) g;
INSERT INTO tb_post SELECT g, 1 + g % 50, 'post' || g FROM generate_series(1, 500) g;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_author AS
SELECT u.pk_user AS pk_author,
       jsonb_build_object('name', u.name,
                          'titles', COALESCE((SELECT jsonb_agg(p.data ->> 'title' ORDER BY p.pk_post)
                                                FROM tv_post p WHERE p.fk_user = u.pk_user), '[]')) AS data
  FROM tb_user u;
SELECT pg_tviews_set_refresh_mode('post', 'async');
SELECT pg_tviews_set_refresh_mode('author', 'async');
SQL

# 1 + 2: SIGKILL of the worker only, while writers fill the queue and the
# worker drains it (the writes in flight fail when the server restarts)
writes 3000 &
writer=$!
if queued_and_draining; then
    pid="$(worker_pid)"
    check "a worker was draining" 1 "$(echo "$pid" | grep -c '^[0-9]')"
    before="$(starts)"
    as_postgres kill -KILL "$pid"
    { restarted "$before" && ready; } || echo "server did not come back after the worker was killed"
    check "the killed worker is gone" 0 "$(psql_in $DB -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid")"
else
    check "entries queued while a worker drains (before SIGKILL)" yes no
fi
wait "$writer"
consistent "after SIGKILL of the worker"

# 3. immediate shutdown in the middle of a drain
writes 3000 &
writer=$!
if queued_and_draining; then
    as_postgres "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w -t 60 restart -l "$CLUSTER_DIR/server.log" >/dev/null 2>&1
    ready || echo "server did not come back after the immediate restart"
else
    check "entries queued while a worker drains (before the restart)" yes no
fi
wait "$writer"
# no worker runs after the restart until something starts one (pg_tviews_wait
# below): the health check names each TVIEW with entries queued
check "after the restart: the health check reports each queue no worker applies" \
    "$(psql_in $DB -c "SELECT count(*) FROM pg_tviews_async_status WHERE pending_entries > 0 AND worker_state = 'stopped'")" \
    "$(psql_in $DB -c "SELECT count(*) FROM pg_tviews_health_check()
                        WHERE component LIKE 'async queue: %' AND message LIKE '%no async worker runs%'")"
consistent "after pg_ctl -m immediate restart"

rm -f "$WORKFILE"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
