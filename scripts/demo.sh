#!/usr/bin/env bash
# demo.sh - show pg_tviews at work: bootstrap, build and install the extension, then run
# demo/demo.sql with psql, echoing each statement. Uses the server named by PGHOST, PGPORT
# and PGDATABASE when all three are set, else a throw-away cluster removed at exit.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/cluster.sh"
cd "$REPO_ROOT"

CLUSTER=""
trap '[ -z "$CLUSTER" ] || cluster_stop "$CLUSTER"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/bootstrap.sh
mkdir -p target
say "building and installing pg_tviews (log: target/demo-install.log)"
if ! scripts/install.sh >target/demo-install.log 2>&1; then
    tail -n 80 target/demo-install.log
    die "install failed"
fi

if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ] || [ -z "${PGDATABASE:-}" ]; then
    CLUSTER="$(mktemp -d /tmp/pg_tviews_demo.XXXXXX)"
    cluster_start "$CLUSTER"
fi
say "psql -f demo/demo.sql (host $PGHOST, port $PGPORT, database $PGDATABASE)"
"$PGBIN/psql" -X -v ON_ERROR_STOP=1 -e -f demo/demo.sql
