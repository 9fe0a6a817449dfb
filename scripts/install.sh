#!/usr/bin/env bash
# install.sh - build pg_tviews and install it into the system PostgreSQL 15
# (/usr/bin/pg_config). Extra arguments go to `cargo pgrx install`, e.g. --release.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cd "$REPO_ROOT"
say "cargo pgrx install --pg-config $PG_CONFIG $*"
cargo pgrx install --package pg_tviews --pg-config "$PG_CONFIG" "$@"
