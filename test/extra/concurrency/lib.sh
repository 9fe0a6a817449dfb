# lib.sh - shared by test/extra/concurrency.sh and test/extra/pgbouncer.sh; source it.
# Needs PGBIN and DB set, ENTITIES (the TVIEW entities) for check_tviews.

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# check_tviews LABEL: one test per TVIEW: it equals its view, as multisets (EXCEPT ALL
# both ways) and per pg_tviews_verify; read directly from the server.
check_tviews() {
    local out e stale verify
    out="$("$PGBIN/psql" -X -At -F ' ' -v ON_ERROR_STOP=1 -d "$DB" 2>&1 <<'SQL'
SELECT format($q$SELECT %L, (SELECT count(*) FROM ((TABLE %I EXCEPT ALL TABLE %I)
                                               UNION ALL (TABLE %3$I EXCEPT ALL TABLE %2$I)) d),
                          (SELECT count(*) FROM pg_tviews_verify(%1$L))$q$,
              entity, 'tv_' || entity, 'v_' || entity)
  FROM pg_tview_meta ORDER BY entity \gexec
SQL
)" || { fail "$1: checking the TVIEWs: $out"; return; }
    for e in "${ENTITIES[@]}"; do
        read -r stale verify < <(awk -v e="$e" '$1 == e { print $2, $3 }' <<<"$out")
        if [ "${stale:-x}" = 0 ] && [ "${verify:-x}" = 0 ]; then
            ok "$1: tv_$e equals v_$e"
        else
            fail "$1: tv_$e differs from v_$e: ${stale:-?} rows differ, pg_tviews_verify reports ${verify:-?}"
        fi
    done
}

# pgbench_result LABEL LOG RC DESCRIPTION: one test: pgbench exited 0, no client was
# aborted by an error it does not retry, no transaction failed after its retries.
pgbench_result() {
    local nfail
    nfail="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$2" | head -n 1)"
    grep -E '^(number of transactions actually|number of failed|number of transactions retried|total number of retries)' "$2" \
        | sed "s/^/  $1: /"
    if [ "$3" -eq 0 ] && [ "${nfail:-x}" = 0 ] && ! grep -q 'aborted' "$2"; then
        ok "$1: $4"
    else
        fail "$1: pgbench exit $3, failed transactions ${nfail:-?}"
        # a transaction given up after its retries, or a client aborted; then any error
        { grep -E 'exceeded|aborted|failed' "$2"; grep -E 'ERROR|error' "$2"; } | head -n 5 | sed 's/^/    /'
    fi
}
