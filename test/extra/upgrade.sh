#!/usr/bin/env bash
# upgrade.sh - ALTER EXTENSION pg_tviews UPDATE from every earlier release to
# the current one, with TVIEWs present: their rows survive, they stay
# maintained, the new functions work, and the upgraded extension owns exactly
# the objects a fresh install does.  The install scripts of earlier releases
# are kept in test/extra/upgrade/ (as released) and put beside the current
# one for the test.  Needs PGHOST/PGPORT/PGUSER of a running cluster with the
# current extension installed; root (or write access to the extension
# directory).  Last line: "N passed, N failed".
set -uo pipefail

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
EXTDIR="$("${PG_CONFIG:-/usr/bin/pg_config}" --sharedir)/extension"
OLD=tviews_upgrade_old
FRESH=tviews_upgrade_fresh
trap '"$PGBIN/dropdb" --if-exists $OLD 2>/dev/null; "$PGBIN/dropdb" --if-exists $FRESH 2>/dev/null' EXIT

CURRENT="$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$EXTDIR/pg_tviews.control")"
# What each extension database owns, by description (oids differ).
owned() {
    psql_in "$1" -c "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend d
                     JOIN pg_extension e ON e.oid = d.refobjid
                     WHERE e.extname = 'pg_tviews' AND d.deptype = 'e' ORDER BY 1"
}
# The catalog table's columns: name, type, NOT NULL, default.
meta_columns() {
    psql_in "$1" -c "SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
                            || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), ', ' ORDER BY a.attnum)
                     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     WHERE a.attrelid = 'pg_tview_meta'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
}
# Its event triggers: name, event, tags, enabled.
event_triggers() {
    psql_in "$1" -c "SELECT string_agg(evtname || ' ' || evtevent || ' ' || coalesce(evttags::text, '-') || ' '
                            || evtenabled::text, E'\\n' ORDER BY evtname) FROM pg_event_trigger"
}
# Who may execute each of its functions, and which run as their owner
# (REVOKE and SECURITY DEFINER are not objects: owned() does not see them).
function_rights() {
    psql_in "$1" -c "SELECT p.oid::regprocedure::text || ' ' || coalesce(p.proacl::text, 'default') || ' '
                            || p.prosecdef FROM pg_proc p
                     JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
                     JOIN pg_extension e ON e.oid = d.refobjid
                     WHERE e.extname = 'pg_tviews' AND d.deptype = 'e' ORDER BY 1"
}

"$PGBIN/createdb" "$FRESH" && psql_in "$FRESH" -c "CREATE EXTENSION pg_tviews" \
    || { echo "0 passed, 1 failed"; exit 1; }

for script in "$HERE"/upgrade/pg_tviews--*.sql; do
    from="$(basename "$script" .sql)"; from="${from#pg_tviews--}"
    if ! { old_release_db "$OLD" "$from" \
           && psql_in "$OLD" -c "UPDATE tb_user SET name = 'before upgrade' WHERE pk_user = 1" >/dev/null; }
    then
        check "$from: set up TVIEWs on $from" ok failed; continue
    fi
    before="$(psql_in "$OLD" -c "SELECT md5(string_agg(data::text, ',' ORDER BY pk_post)) FROM tv_post")"
    psql_in "$OLD" -c "ALTER EXTENSION pg_tviews UPDATE" >/dev/null
    check "$from: ALTER EXTENSION UPDATE reaches $CURRENT" "$CURRENT" \
        "$(psql_in "$OLD" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'")"
    check "$from: TVIEW rows untouched by the update" "$before" \
        "$(psql_in "$OLD" -c "SELECT md5(string_agg(data::text, ',' ORDER BY pk_post)) FROM tv_post")"
    check "$from: metadata kept" "post,user" \
        "$(psql_in "$OLD" -c "SELECT string_agg(entity, ',' ORDER BY entity) FROM pg_tview_meta")"
    psql_in "$OLD" -c "UPDATE tb_user SET name = 'after upgrade' WHERE pk_user = 2" \
                   -c "INSERT INTO tb_post VALUES (101, 2, 'new')" -c "DELETE FROM tb_post WHERE pk_post = 3" >/dev/null
    check "$from: stacked TVIEWs still maintained" "0" \
        "$(psql_in "$OLD" -c "SELECT (SELECT count(*) FROM pg_tviews_verify('user')) + (SELECT count(*) FROM pg_tviews_verify('post'))")"
    check "$from: new functions work after the update" "t|t" \
        "$(psql_in "$OLD" -c "SELECT (SELECT count(*) > 0 FROM pg_tviews_health_check()), (SELECT count(*) = 3 FROM pg_tviews_cache_stats)" | tr -d '\n')"
    check "$from: pg_tview_meta columns as in a fresh install" "$(meta_columns "$FRESH")" "$(meta_columns "$OLD")"
    check "$from: existing TVIEWs got the updating session's settings" "2" \
        "$(psql_in "$OLD" -c "SELECT count(*) FROM pg_tview_meta WHERE settings->>'TimeZone' = current_setting('TimeZone')
                                  AND settings->>'DateStyle' = current_setting('DateStyle')")"
    check "$from: upgraded extension owns what a fresh install owns" "$(owned "$FRESH")" "$(owned "$OLD")"
    check "$from: event triggers (events, tags) as in a fresh install" "$(event_triggers "$FRESH")" "$(event_triggers "$OLD")"
    check "$from: function privileges and SECURITY DEFINER as in a fresh install" \
        "$(function_rights "$FRESH")" "$(function_rights "$OLD")"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
