#!/usr/bin/env bash
# upgrade_rollback.sh - the rollback procedure of docs/upgrades.md, end to
# end, from every earlier release: a database with stacked TVIEWs at the old
# version is dumped (pg_dump -Fc), updated with ALTER EXTENSION pg_tviews
# UPDATE and written to; then rolled back: a new database, CREATE EXTENSION
# pg_tviews VERSION 'old', pg_restore of the dump, pg_tviews_reinstall_triggers().
# It must be at the old version with the rows of the dump (the writes after
# it are gone: the dump is the recovery point), maintained, and it must
# update again.  The old install scripts come from test/extra/upgrade/; the
# library is the current one (in production the old build is reinstalled
# first, docs/upgrades.md); the database is checks.sh's old_release_db.  Needs PGHOST/PGPORT/PGUSER of a running cluster
# with the extension installed, and write access to the extension directory.
# Last line: "N passed, N failed".
set -uo pipefail

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
EXTDIR="$("${PG_CONFIG:-/usr/bin/pg_config}" --sharedir)/extension"
DB=tviews_rollback
WORK="$(mktemp -d /tmp/pg_tviews_rollback.XXXXXX)"
trap 'rm -rf "$WORK"; "$PGBIN/dropdb" --if-exists $DB 2>/dev/null' EXIT
CURRENT="$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$EXTDIR/pg_tviews.control")"

# The documents and the version, to compare before the upgrade and after the rollback.
state() {
    psql_in "$DB" -c "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews')
                             || ' ' || md5(string_agg(data::text, ',' ORDER BY pk_post)) FROM tv_post"
}
drift() {
    psql_in "$DB" -c "SELECT (SELECT count(*) FROM pg_tviews_verify('user')) + (SELECT count(*) FROM pg_tviews_verify('post'))"
}

for script in "$HERE"/upgrade/pg_tviews--*.sql; do
    from="$(basename "$script" .sql)"; from="${from#pg_tviews--}"
    if ! old_release_db "$DB" "$from"
    then
        check "$from: set up TVIEWs on $from" ok failed; continue
    fi
    # 1. the backup the checklist asks for, then the upgrade and a write after it
    before="$(state)"
    "$PGBIN/pg_dump" -Fc -f "$WORK/pre_upgrade.dump" "$DB" \
        || { check "$from: pg_dump before the upgrade" ok failed; continue; }
    psql_in "$DB" -c "ALTER EXTENSION pg_tviews UPDATE" \
                  -c "UPDATE tb_user SET name = 'after upgrade' WHERE pk_user = 1" >/dev/null
    check "$from: updated to $CURRENT" "$CURRENT" \
        "$(psql_in "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'")"

    # 2. the rollback: a new database at the old version, the dump restored into it
    "$PGBIN/dropdb" "$DB" && "$PGBIN/createdb" "$DB" \
        && psql_in "$DB" -c "CREATE EXTENSION pg_tviews VERSION '$from'" \
        && "$PGBIN/pg_restore" --exit-on-error -d "$DB" "$WORK/pre_upgrade.dump" >"$WORK/restore.log" 2>&1 \
        && psql_in "$DB" -c "SELECT pg_tviews_reinstall_triggers()" >/dev/null \
        || { check "$from: rollback ran" ok "failed: $(tail -n 3 "$WORK/restore.log")"; continue; }
    check "$from: back at $from with the rows of the dump" "$before" "$(state)"
    check "$from: metadata restored" "post,user" \
        "$(psql_in "$DB" -c "SELECT string_agg(entity, ',' ORDER BY entity) FROM pg_tview_meta")"
    psql_in "$DB" -c "UPDATE tb_user SET name = 'after rollback' WHERE pk_user = 2" \
                  -c "INSERT INTO tb_post VALUES (101, 2, 'new')" -c "DELETE FROM tb_post WHERE pk_post = 3" >/dev/null
    check "$from: maintained after the rollback" "0|after rollback" \
        "$(drift)|$(psql_in "$DB" -c "SELECT data->>'author' FROM tv_post WHERE pk_post = 101")"

    # 3. and it can be updated again later
    psql_in "$DB" -c "ALTER EXTENSION pg_tviews UPDATE" >/dev/null
    check "$from: updates again after the rollback" "$CURRENT 0" \
        "$(psql_in "$DB" -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_tviews'") $(drift)"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
