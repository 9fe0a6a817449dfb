#!/usr/bin/env bash
# async_consistency.sh - the randomized consistency test (consistency.sh) with
# every TVIEW in async mode: random writes in real transactions with
# savepoints, rollbacks and prepared transactions; after each COMMIT,
# ROLLBACK and COMMIT PREPARED, pg_tviews_wait() and then every TVIEW
# compared with its view.  CONSISTENCY_SEED and CONSISTENCY_STATEMENTS as
# there (default 400 statements here).  Last line: "N passed, N failed".
exec env CONSISTENCY_MODE=async CONSISTENCY_DB="${CONSISTENCY_DB:-pg_tviews_consistency_async}" \
    CONSISTENCY_STATEMENTS="${CONSISTENCY_STATEMENTS:-400}" bash "$(dirname "$0")/consistency.sh"
