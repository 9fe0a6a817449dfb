#!/usr/bin/env bash
# docs.sh - the docs suite: every ```sql example of README.md and docs/*.md runs,
# in file order, in a fresh database per file holding only the extension, and
# what an example shows as its output is compared (conventions: the header of
# test/extra/docs/run.py, and docs/testing.md).  A reader pastes these; one
# that does not run is a bug.  Needs PGHOST/PGPORT/PGUSER of a running cluster
# with pg_tviews installed.  `test/extra/docs.sh docs/x.md` runs one file.
# Last line: "N passed, N failed".
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.." || exit 1
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}" exec python3 "$HERE/docs/run.py" "$PWD" "$@"
