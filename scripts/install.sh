#!/usr/bin/env bash
# install.sh - build pg_tviews and install it into the system PostgreSQL 15
# (/usr/bin/pg_config). Default: a debug build; `--release` for an optimised one.
#
# The build is packaged first and each file is then put in place by rename, not
# copied over the old one: a running server that has the old pg_tviews.so mapped
# keeps it intact (an in-place copy makes those backends die with SIGBUS), and
# new sessions load the new one.
set -euo pipefail
. "$(dirname "$0")/common.sh"

profile=--debug
for arg in "$@"; do
    case "$arg" in
        --release) profile="" ;;
        *) die "install.sh: unknown argument $arg (only --release)" ;;
    esac
done

cd "$REPO_ROOT"
out="$REPO_ROOT/target/package${profile:+-debug}"
rm -rf "$out"
say "cargo pgrx package ${profile:---release} --pg-config $PG_CONFIG"
cargo pgrx package --package pg_tviews $profile --pg-config "$PG_CONFIG" --out-dir "$out"

(cd "$out" && find . -type f) | while read -r rel; do
    dest="/${rel#./}"
    mkdir -p "$(dirname "$dest")"
    cp "$out/$rel" "$dest.tmp.$$"
    mv -f "$dest.tmp.$$" "$dest"
done
say "installed into $("$PG_CONFIG" --pkglibdir) and $("$PG_CONFIG" --sharedir)/extension"
