#!/usr/bin/env bash
# dump_restore.sh - pg_dump of a database with stacked TVIEWs, restored into
# new databases (custom format with pg_restore, and plain SQL with psql):
# metadata rows survive (pg_extension_config_dump), and after the documented
# `SELECT pg_tviews_reinstall_triggers()` the TVIEWs are maintained and equal
# to their views.  Needs PGHOST/PGPORT/PGUSER of a running cluster with the
# extension installed.  Last line: "N passed, N failed".
set -uo pipefail

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
SRC=tviews_dump_src
WORK="$(mktemp -d /tmp/pg_tviews_dump.XXXXXX)"
trap 'rm -rf "$WORK"; for d in $SRC ${SRC}_custom ${SRC}_plain; do "$PGBIN/dropdb" --if-exists "$d" 2>/dev/null; done' EXIT

"$PGBIN/dropdb" --if-exists "$SRC" 2>/dev/null
"$PGBIN/createdb" "$SRC" || { echo "0 passed, 1 failed"; exit 1; }
psql_in "$SRC" <<'SQL' || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
CREATE EXTENSION pg_tviews;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text);
INSERT INTO tb_user VALUES (1, 'ann'), (2, 'bob');
INSERT INTO tb_post VALUES (10, 1, 'a'), (11, 2, 'b');
CREATE TABLE tv_user AS SELECT u.pk_user, u.name FROM tb_user u;
CREATE TABLE tv_post AS
SELECT p.pk_post, jsonb_build_object('title', p.title, 'author', tu.name) AS data
  FROM tb_post p JOIN tv_user tu ON tu.pk_user = p.fk_user;
SQL

"$PGBIN/pg_dump" -Fc -f "$WORK/db.dump" "$SRC" && "$PGBIN/pg_dump" -f "$WORK/db.sql" "$SRC" \
    || { echo "pg_dump failed"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
check "plain dump carries pg_tview_meta rows" "yes" \
    "$(grep -q '^COPY public.pg_tview_meta' "$WORK/db.sql" && echo yes || echo no)"

restore_and_check() { # how, database
    local how="$1" db="$2"
    "$PGBIN/createdb" "$db"
    if [ "$how" = custom ]; then
        "$PGBIN/pg_restore" -d "$db" "$WORK/db.dump" >"$WORK/$how.log" 2>&1
    else
        psql_in "$db" -f "$WORK/db.sql" >"$WORK/$how.log" 2>&1
    fi
    check "$how: restore without errors" "0" "$(grep -c 'ERROR' "$WORK/$how.log")"
    check "$how: metadata restored" "post,user" \
        "$(psql_in "$db" -c "SELECT string_agg(entity, ',' ORDER BY entity) FROM pg_tview_meta")"
    psql_in "$db" -c "SELECT pg_tviews_reinstall_triggers()" >/dev/null
    psql_in "$db" -c "UPDATE tb_user SET name = 'ANN' WHERE pk_user = 1" \
                  -c "INSERT INTO tb_post VALUES (12, 1, 'c')" -c "DELETE FROM tb_post WHERE pk_post = 11"
    check "$how: stacked TVIEWs maintained after restore" "0" \
        "$(psql_in "$db" -c "SELECT (SELECT count(*) FROM pg_tviews_verify('user')) + (SELECT count(*) FROM pg_tviews_verify('post'))")"
    check "$how: cascade reached tv_post" "ANN,ANN" \
        "$(psql_in "$db" -c "SELECT string_agg(data->>'author', ',' ORDER BY pk_post) FROM tv_post")"
    check "$how: direct writes still refused" "42809" \
        "$(psql_in "$db" -c "DO \$\$ BEGIN INSERT INTO tv_user VALUES (9, 'x'); EXCEPTION WHEN others THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1 | grep -o '42809')"
}

restore_and_check custom "${SRC}_custom"
restore_and_check plain "${SRC}_plain"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
