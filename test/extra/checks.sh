# checks.sh - shared by test/extra/dump_restore.sh and upgrade.sh; source it.
# Counts results in `passed` / `failed`; the script prints "N passed, N failed" last.

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
passed=0
failed=0

# psql_in DB ARGS...: one psql call on DB, unaligned, stopping at the first error.
psql_in() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" "${@:2}"; }

check() { # name, expected, actual
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1)); echo "ok   $1"
    else
        failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"
    fi
}
