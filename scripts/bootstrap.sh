#!/usr/bin/env bash
# bootstrap.sh - install everything needed to build, test and demo pg_tviews:
# Debian packages, cargo-pgrx 0.18.0 and `cargo pgrx init` for PostgreSQL 15.
# Idempotent and silent when everything is already present; needs no terminal.
set -euo pipefail
. "$(dirname "$0")/common.sh"

PGRX_VERSION=0.18.0
APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 libclang-dev clang sudo pgbouncer python3
              build-essential pkg-config)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    [ "$(id -u)" -eq 0 ] || die "need root to install: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || die "cargo not found (install a Rust toolchain first)"

if ! cargo pgrx --version 2>/dev/null | grep -qF "$PGRX_VERSION"; then
    say "installing cargo-pgrx $PGRX_VERSION"
    cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# any pg15 entry will do: a relocated PG_CONFIG (a private copy of the server) must not
# replace the one cargo pgrx test uses
if ! grep -qs "^pg$PG_MAJOR = " "$HOME/.pgrx/config.toml"; then
    say "cargo pgrx init --pg$PG_MAJOR=/usr/bin/pg_config"
    cargo pgrx init "--pg$PG_MAJOR=/usr/bin/pg_config"
fi
