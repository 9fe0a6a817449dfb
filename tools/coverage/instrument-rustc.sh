#!/bin/sh
# instrument-rustc.sh - RUSTC_WRAPPER for the coverage build (scripts/coverage.sh):
# compiles this repository's crates with -C instrument-coverage and every
# dependency as usual. Instrumenting only our crates keeps the build, the
# instrumented extension and its profiles small; the dependencies' lines are
# not reported anyway. Cargo calls it as: instrument-rustc.sh RUSTC ARGS...
case "${CARGO_PKG_NAME:-}" in
    pg_tviews|pg_tviews_planner) exec "$@" -C instrument-coverage ;;
    *) exec "$@" ;;
esac
