#!/usr/bin/env bash
# dr_drill.sh - the disaster-recovery drill of docs/disaster-recovery.md, end to
# end: a database with stacked TVIEWs is backed up with
# scripts/pg_tviews_backup.sh, then each scenario of the page is caused and
# repaired as the page says, and checked (every TVIEW equal to its view, the
# rows those of before, writes maintained):
#   1 corrupted tv_* rows            -> pg_tviews_refresh
#   2 lost metadata (pg_tview_meta)  -> pg_tviews_convert_table, lowest first
#   3 extension dropped, reinstalled -> CREATE EXTENSION, pg_tviews_convert_table
#   4 TVIEWs, views and metadata lost -> the backup's DB-tviews.sql
#   5 the database lost              -> pg_restore of DB.dump, pg_tviews_reinstall_triggers
#   6 point-in-time recovery         -> a base backup and the WAL after it
#                                       (pg_receivewal from a slot), recovered to a
#                                       restore point set before a mistake, on a
#                                       second server started for the drill
# Needs PGHOST/PGPORT/PGUSER (a superuser) of a running cluster with the
# extension installed that allows replication connections (initdb's default
# pg_hba.conf does).  Last line: "N passed, N failed".
set -uo pipefail

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../../scripts/cluster.sh
. "$HERE/../../scripts/cluster.sh"
DB=tviews_dr
WORK="$(mktemp -d /tmp/pg_tviews_dr.XXXXXX)"
PITR=""
cleanup() {
    if [ -n "$PITR" ] && [ -f "$PITR/base/postmaster.pid" ]; then
        (cd "$PITR" && as_postgres "$PGBIN/pg_ctl" -D "$PITR/base" -m immediate stop >/dev/null 2>&1)
    fi
    [ -z "$PITR" ] || rm -rf "$PITR"
    rm -rf "$WORK"
    psql_in postgres -c "SELECT pg_drop_replication_slot('tviews_dr_drill') FROM pg_replication_slots
                         WHERE slot_name = 'tviews_dr_drill'" >/dev/null 2>&1
    for d in $DB ${DB}_restored; do "$PGBIN/dropdb" --if-exists "$d" 2>/dev/null; done
}
trap cleanup EXIT

# The documents of both TVIEWs (to compare with those of before), and how many
# rows differ from their views.
docs() { psql_in "${1:-$DB}" -c "SELECT md5(string_agg(data::text, ',' ORDER BY pk_post)) || ' '
                                        || (SELECT md5(string_agg(name, ',' ORDER BY pk_user)) FROM tv_user) FROM tv_post"; }
drift() { psql_in "${1:-$DB}" -c "SELECT (SELECT count(*) FROM pg_tviews_verify('user'))
                                       + (SELECT count(*) FROM pg_tviews_verify('post'))"; }
# A write to the base tables, and whether both TVIEWs follow it.
maintained() {
    local db="${1:-$DB}" n
    n="$(psql_in "$db" -c "SELECT coalesce(max(pk_post), 0) + 1 FROM tb_post")"
    psql_in "$db" -c "UPDATE tb_user SET name = name || '+' WHERE pk_user = 2" \
                  -c "INSERT INTO tb_post VALUES ($n, 2, 'drill $n')" >/dev/null || { echo "write failed"; return; }
    echo "$(drift "$db") $(psql_in "$db" -c "SELECT count(*) FROM tv_post WHERE pk_post = $n AND data->>'author' LIKE '%+'")"
}

"$PGBIN/dropdb" --if-exists "$DB" 2>/dev/null
"$PGBIN/createdb" "$DB" || { echo "0 passed, 1 failed"; exit 1; }
psql_in "$DB" <<'SQL' >/dev/null || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text);
CREATE INDEX ON tb_post (fk_user);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 20) g;
INSERT INTO tb_post SELECT g, 1 + g % 20, 'post ' || g FROM generate_series(1, 200) g;
CREATE TABLE tv_user AS SELECT u.pk_user, u.name FROM tb_user u;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
  FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user;
SQL

PGDATABASE="$DB" bash "$HERE/../../scripts/pg_tviews_backup.sh" "$DB" "$WORK/backup" >/dev/null
check "backup: dump, TVIEW script and manifest written" "yes yes 2" \
    "$([ -s "$WORK/backup/$DB.dump" ] && echo yes || echo no) $([ -s "$WORK/backup/$DB-tviews.sql" ] && echo yes || echo no) $(grep -c '^tview ' "$WORK/backup/$DB-manifest.txt")"
good="$(docs)"

# 1. corrupted tv_* rows (written around the guard, with triggers silent)
psql_in "$DB" -c "SET session_replication_role = replica" \
              -c "UPDATE tv_post SET data = '{}' WHERE pk_post <= 5" >/dev/null
check "1 corrupted rows: verify finds them" "5" "$(drift)"
psql_in "$DB" -c "SELECT pg_tviews_refresh('post')" >/dev/null
check "1 corrupted rows: refreshed, rows as before" "0 $good" "$(drift) $(docs)"

# 2. lost metadata: the tables, views and triggers stay; convert them, lowest first
psql_in "$DB" -c "DELETE FROM pg_tview_meta" >/dev/null
check "2 lost metadata: the health check reports the tables" "2" \
    "$(psql_in "$DB" -c "SELECT count(*) FROM pg_tviews_health_check() WHERE component ~ '^table .*tv_' AND status <> 'ok'")"
psql_in "$DB" -c "SELECT pg_tviews_convert_table('tv_user')" -c "SELECT pg_tviews_convert_table('tv_post')" >/dev/null
check "2 lost metadata: converted, rows as before" "0 $good" "$(drift) $(docs)"
check "2 lost metadata: maintained again" "0 1" "$(maintained)"
good="$(docs)"

# 3. the extension dropped and installed again: the tables and views stay as
# plain objects, triggers and metadata go
psql_in "$DB" -c "SET client_min_messages = warning" -c "DROP EXTENSION pg_tviews CASCADE" >/dev/null
psql_in "$DB" -c "UPDATE tb_user SET name = 'while dropped' WHERE pk_user = 3" >/dev/null
psql_in "$DB" -c "CREATE EXTENSION pg_tviews" \
              -c "SELECT pg_tviews_convert_table('tv_user')" -c "SELECT pg_tviews_convert_table('tv_post')" >/dev/null
check "3 extension reinstalled: converted, the write made meanwhile caught up" "0 10" \
    "$(drift) $(psql_in "$DB" -c "SELECT count(*) FROM tv_post WHERE data->>'author' = 'while dropped'")"
check "3 extension reinstalled: maintained again" "0 1" "$(maintained)"

# 4. the TVIEWs, their views and metadata lost: the backup's script creates them again
psql_in "$DB" -c "DROP TABLE tv_post, tv_user" >/dev/null
psql_in "$DB" -f "$WORK/backup/$DB-tviews.sql" >/dev/null
check "4 TVIEWs lost: created again from the backup's definitions" "post,user 0" \
    "$(psql_in "$DB" -c "SELECT string_agg(entity, ',' ORDER BY entity) FROM pg_tview_meta") $(drift)"
check "4 TVIEWs lost: maintained again" "0 1" "$(maintained)"

# 5. the database lost: restore the dump, reinstall the triggers
"$PGBIN/createdb" "${DB}_restored"
"$PGBIN/pg_restore" --exit-on-error -d "${DB}_restored" "$WORK/backup/$DB.dump" >"$WORK/restore.log" 2>&1
check "5 database lost: pg_restore without errors" "0" "$?"
psql_in "${DB}_restored" -c "SELECT pg_tviews_reinstall_triggers()" >/dev/null
check "5 database lost: the manifest's row counts" \
    "$(grep '^tview ' "$WORK/backup/$DB-manifest.txt")" \
    "$(psql_in "${DB}_restored" -c "SELECT format('tview %s.%s: %s rows', schema_name, entity,
                                        CASE entity WHEN 'post' THEN (SELECT count(*) FROM tv_post)
                                                    ELSE (SELECT count(*) FROM tv_user) END)
                                      FROM pg_tview_meta ORDER BY schema_name, entity")"
check "5 database lost: restored, maintained" "0 1" "$(maintained "${DB}_restored")"

# 6. point-in-time recovery to just before a mistake, on a second server
PITR="$(mktemp -d /tmp/pg_tviews_pitr.XXXXXX)"
mkdir -p "$PITR/wal"
[ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$PITR"
allow_traverse "$PITR"
pitr() {
    psql_in postgres -c "SELECT pg_create_physical_replication_slot('tviews_dr_drill', true)" >/dev/null &&
    (cd "$PITR" && as_postgres "$PGBIN/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" \
        -D "$PITR/base" -X stream -c fast) >"$PITR/basebackup.log" 2>&1 || return 1
    psql_in "$DB" -c "UPDATE tb_user SET name = 'before the mistake' WHERE pk_user = 4" \
                  -c "SELECT pg_create_restore_point('tviews_before_mistake')" >/dev/null
    before_mistake="$(docs)"
    psql_in "$DB" -c "DELETE FROM tb_post WHERE fk_user = 4" \
                  -c "UPDATE tb_user SET name = 'the mistake' WHERE pk_user = 5" \
                  -c "SELECT pg_switch_wal()" -c "SELECT pg_create_restore_point('tviews_after')" >/dev/null
    local end
    end="$(psql_in postgres -c "SELECT pg_current_wal_lsn()")"
    # the WAL since the base backup, from the slot up to a point past the mistake
    (cd "$PITR" && as_postgres "$PGBIN/pg_receivewal" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" \
        -S tviews_dr_drill -D "$PITR/wal" -E "$end" --no-loop) >"$PITR/receivewal.log" 2>&1 || return 1
    cat >>"$PITR/base/postgresql.auto.conf" <<CONF
port = $(cluster_free_port)
restore_command = 'cp $PITR/wal/%f %p'
recovery_target_name = 'tviews_before_mistake'
recovery_target_action = 'promote'
CONF
    touch "$PITR/base/recovery.signal"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PITR/base/recovery.signal"
    (cd "$PITR" && as_postgres "$PGBIN/pg_ctl" -D "$PITR/base" -l "$PITR/server.log" -w -t 120 start) >/dev/null || return 1
    PITR_PORT="$(sed -n 's/^port = //p' "$PITR/base/postgresql.auto.conf" | tail -n 1)"
    local i
    for i in $(seq 1 600); do   # until recovery reaches the restore point and promotes
        [ "$(PGPORT=$PITR_PORT psql_in "$DB" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && return 0
        sleep 0.1
    done
    return 1
}
if pitr; then
    check "6 PITR: recovered to the restore point, rows of that moment" "$before_mistake 0" \
        "$(PGPORT=$PITR_PORT docs) $(PGPORT=$PITR_PORT drift)"
    check "6 PITR: maintained on the recovered server" "0 1" "$(PGPORT=$PITR_PORT maintained)"
else
    check "6 PITR: base backup, WAL and recovery ran" ok \
        "failed: $(tail -n 3 "$PITR"/*.log 2>/dev/null | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
