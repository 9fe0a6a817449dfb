#!/usr/bin/env bash
# coverage.sh - line coverage of pg_tviews (`make coverage`; not part of make test):
#   1. the planner under its unit tests (cargo test -p pg_tviews_planner);
#   2. the extension under pg_regress, isolation and the extra suites
#      (scripts/test.sh with SUITES=regress), loaded into the test clusters.
# Both are built with -C instrument-coverage (our crates only, through
# tools/coverage/instrument-rustc.sh) into target/coverage-build, apart from the
# normal build. The extension is installed into a private copy of the PostgreSQL
# installation under target/coverage/pg, never into PG_CONFIG's own. Every
# instrumented process (each backend and worker) writes its counters when it exits
# to target/coverage/profiles/PART/<pid>-<binary signature>.profraw; the report
# tool (tools/coverage, llvm_profparser: no llvm-tools matching rustc's LLVM exist
# here) merges them and writes target/coverage/summary.md (printed at the end),
# lcov.info and index.html. Logs: target/coverage/logs/ (and target/test-logs/ for
# the suites, as with make test). The exit status is 1 when
# a suite failed (the report is still written: it shows what ran).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$REPO_ROOT"

OUT="$REPO_ROOT/target/coverage"
BUILD_DIR="$REPO_ROOT/target/coverage-build"
TOOL="$REPO_ROOT/target/coverage-tool/release/pg_tviews_coverage"
PROFILES="$OUT/profiles"
LOGS="$OUT/logs"
PG_COPY="$OUT/pg"
status=0

rm -rf "$PROFILES" "$LOGS" "$OUT/files" "$OUT/index.html" "$OUT/summary.md" "$OUT/lcov.info"
mkdir -p "$PROFILES/planner" "$PROFILES/extension" "$LOGS"

say "building and testing the report tool (tools/coverage)"
cargo build --release --locked --manifest-path tools/coverage/Cargo.toml \
    --target-dir "$REPO_ROOT/target/coverage-tool" >"$LOGS/tool-build.log" 2>&1 \
    || { tail -n 40 "$LOGS/tool-build.log"; die "the report tool did not build"; }
cargo test --release --locked --manifest-path tools/coverage/Cargo.toml \
    --target-dir "$REPO_ROOT/target/coverage-tool" >"$LOGS/tool-test.log" 2>&1 \
    || { tail -n 40 "$LOGS/tool-test.log"; die "the report tool's own tests failed"; }

export RUSTC_WRAPPER="$REPO_ROOT/tools/coverage/instrument-rustc.sh"
export CARGO_TARGET_DIR="$BUILD_DIR"

# 1. the planner: the test binaries cargo builds are the instrumented objects
say "planner: instrumented cargo test -p pg_tviews_planner"
cargo test -p pg_tviews_planner --no-run --message-format=json 2>"$LOGS/planner-build.log" \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' >"$LOGS/planner-objects.txt" \
    || { tail -n 40 "$LOGS/planner-build.log"; die "the instrumented planner tests did not build"; }
[ -s "$LOGS/planner-objects.txt" ] || die "no planner test binary was built"
if ! LLVM_PROFILE_FILE="$PROFILES/planner/%p-%m.profraw" cargo test -p pg_tviews_planner \
        >"$LOGS/planner.log" 2>&1; then
    say "planner tests failed (see $LOGS/planner.log); reporting what ran"; status=1
fi
planner_objects=()
while read -r f; do planner_objects+=(--object "$f"); done <"$LOGS/planner-objects.txt"

# 2. the extension, in a private copy of the installation PG_CONFIG names
say "extension: private PostgreSQL copy in ${PG_COPY#"$REPO_ROOT"/}"
# the same layout below $PG_COPY (pg_config finds the other directories relative
# to its own); the headers are only read, so they are linked
pg_root="$(dirname "$("$PG_CONFIG" --bindir)")"   # /usr/lib/postgresql/15
share="$("$PG_CONFIG" --sharedir)"                # /usr/share/postgresql/15
include="$("$PG_CONFIG" --includedir)"            # /usr/include/postgresql
rm -rf "$PG_COPY"
mkdir -p "$PG_COPY$(dirname "$pg_root")" "$PG_COPY$(dirname "$share")" "$PG_COPY$(dirname "$include")"
cp -a "$pg_root" "$PG_COPY$pg_root"
cp -a "$share" "$PG_COPY$share"
ln -s "$include" "$PG_COPY$include"
export PG_CONFIG="$PG_COPY$pg_root/bin/pg_config" PGBIN="$PG_COPY$pg_root/bin"
[ "$("$PG_CONFIG" --sharedir)" != "$share" ] || die "the PostgreSQL copy still uses $share"
allow_traverse "$PG_COPY"
# backends run as postgres and write their profiles when they exit
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PROFILES/extension"
chmod 0777 "$PROFILES/extension"
allow_traverse "$PROFILES/extension"

say "extension: SUITES=regress scripts/test.sh with the instrumented build"
if ! LLVM_PROFILE_FILE="$PROFILES/extension/%p-%m.profraw" SUITES=regress bash scripts/test.sh \
        >"$LOGS/suites.log" 2>&1; then
    say "a suite failed (see $LOGS/suites.log); reporting what ran"; status=1
fi
sed -n '/^==> summary/,$p' "$LOGS/suites.log"
so="$("$PG_CONFIG" --pkglibdir)/pg_tviews.so"
[ -f "$so" ] || die "no instrumented pg_tviews.so in $("$PG_CONFIG" --pkglibdir) (see $LOGS/suites.log)"

say "report"
"$TOOL" --root "$REPO_ROOT" --out "$OUT" \
    --part planner --by "cargo test -p pg_tviews_planner" --src planner/src \
        --profiles "$PROFILES/planner" "${planner_objects[@]}" \
    --part extension --by "pg_regress, isolation and the extra suites" --src src \
        --profiles "$PROFILES/extension" --object "$so"
say "HTML: ${OUT#"$REPO_ROOT"/}/index.html"
exit "$status"
