#!/usr/bin/env bash
# cluster.sh - throw-away PostgreSQL 15 clusters for the tests and the demo.
#
# As a command:
#   eval "$(scripts/cluster.sh start [DIR])"  # initdb + start in DIR (default: new temp
#                                             # dir); prints export lines for PG* variables
#   scripts/cluster.sh stop DIR               # stop DIR's server and delete DIR
# Sourced (". scripts/cluster.sh"): cluster_start DIR exports PGHOST PGPORT PGUSER
# PGDATABASE and CLUSTER_DIR; cluster_stop DIR; cluster_log DIR prints the server log.
# The server runs as the postgres OS user, socket in /tmp, on the first free port
# from 55432 up. Set KEEP_CLUSTER=1 to keep DIR after stopping. CLUSTER_CONF, when set,
# is appended to postgresql.conf (e.g. CLUSTER_CONF="wal_level = logical").

# shellcheck disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CLUSTER_MARK=.pg_tviews_cluster

# First port from 55432 up with no socket in /tmp and nothing listening on localhost.
cluster_free_port() {
    local port
    for port in $(seq 55432 55531); do
        [ -e "/tmp/.s.PGSQL.$port" ] || [ -e "/tmp/.s.PGSQL.$port.lock" ] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        echo "$port"
        return 0
    done
    echo "no free port in 55432..55531" >&2
    return 1
}

cluster_start() {
    local dir="${1:?cluster_start needs a directory}" port i
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ -e "$dir/data" ] && { echo "cluster_start: $dir/data already exists" >&2; return 1; }
    touch "$dir/$CLUSTER_MARK"
    allow_traverse "$(dirname "$dir")"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    port="$(cluster_free_port)" || return 1

    # cd into DIR so the postgres user never sits in a directory it cannot read
    (cd "$dir" && as_postgres "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust \
        -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1) \
        || { cat "$dir/initdb.log" >&2; return 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '/tmp'
max_prepared_transactions = 10
fsync = off
synchronous_commit = off
full_page_writes = off
${CLUSTER_CONF:-}
CONF
    echo "$port" >"$dir/port"
    (cd "$dir" && as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
        -w -t 60 start >/dev/null) || { cluster_log "$dir" >&2; return 1; }
    for i in $(seq 1 100); do
        "$PGBIN/pg_isready" -q -h /tmp -p "$port" -U postgres -d postgres && break
        [ "$i" -lt 100 ] || { echo "server on port $port not ready" >&2; return 1; }
        sleep 0.1
    done

    export CLUSTER_DIR="$dir" PGHOST=/tmp PGPORT="$port" PGUSER=postgres PGDATABASE=postgres
    echo "started PostgreSQL $PG_MAJOR in $dir on port $port" >&2
}

cluster_stop() {
    local dir="${1:?cluster_stop needs a directory}"
    [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        (cd "$dir" && as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null) \
            || (cd "$dir" && as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null) \
            || true
    fi
    # only ever delete directories that cluster_start set up
    if [ -z "${KEEP_CLUSTER:-}" ] && [ -f "$dir/$CLUSTER_MARK" ]; then
        rm -rf "$dir"
    fi
}

cluster_log() {
    [ -f "$1/server.log" ] && tail -n "${2:-50}" "$1/server.log"
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
        start)
            dir="${2:-$(mktemp -d /tmp/pg_tviews.XXXXXX)}"
            cluster_start "$dir"
            printf 'export CLUSTER_DIR=%s PGHOST=%s PGPORT=%s PGUSER=%s PGDATABASE=%s\n' \
                "$CLUSTER_DIR" "$PGHOST" "$PGPORT" "$PGUSER" "$PGDATABASE"
            ;;
        stop) cluster_stop "${2:?usage: $0 stop DIR}" ;;
        *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
    esac
fi
