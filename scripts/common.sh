# common.sh - shared settings for the pg_tviews scripts; source it, don't run it.
# Sets REPO_ROOT, PG_CONFIG and PGBIN, puts cargo on PATH, defines small helpers.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_CONFIG="${PG_CONFIG:-/usr/bin/pg_config}"
PG_MAJOR=15
# The server binaries of PG_CONFIG's installation: a relocated copy of PostgreSQL
# (PG_CONFIG=/elsewhere/usr/lib/postgresql/15/bin/pg_config) gets its own extension dir.
PGBIN="${PGBIN:-$("$PG_CONFIG" --bindir 2>/dev/null || echo "/usr/lib/postgresql/$PG_MAJOR/bin")}"
export PG_CONFIG PGBIN
export DEBIAN_FRONTEND=noninteractive

if ! command -v cargo >/dev/null 2>&1 && [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
fi

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as the postgres OS user (PostgreSQL refuses to run as root).
# Without RUST_BACKTRACE: with it, pgrx appends a backtrace to the DETAIL of
# every ERROR, which would make expected test output machine-dependent.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$@"
    else
        env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$@"
    fi
}

# Let the postgres user enter every directory from / down to $1 (chmod o+rx).
allow_traverse() {
    local d
    d="$(cd "$1" && pwd)"
    [ "$(id -u)" -eq 0 ] || return 0
    while [ "$d" != "/" ]; do
        chmod o+rx "$d"
        d="$(dirname "$d")"
    done
}
