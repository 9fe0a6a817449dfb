# checks.sh - shared by the test/extra scripts that compare states (dump_restore.sh,
# upgrade.sh, upgrade_rollback.sh, dr_drill.sh); source it.
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

# old_release_db DB VERSION: DB made anew with the extension at an earlier VERSION (its
# install script, kept in test/extra/upgrade/, put beside the current one) and two
# stacked TVIEWs, tv_user over tb_user (20 rows) and tv_post over tb_post (100) and tv_user.
old_release_db() {
    local extdir
    extdir="$("${PG_CONFIG:-/usr/bin/pg_config}" --sharedir)/extension"
    cp "$(dirname "${BASH_SOURCE[0]}")/upgrade/pg_tviews--$2.sql" "$extdir/" || return 1
    "$PGBIN/dropdb" --if-exists "$1" 2>/dev/null
    "$PGBIN/createdb" "$1" && psql_in "$1" >/dev/null <<SQL
CREATE EXTENSION pg_tviews VERSION '$2';
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 20) g;
INSERT INTO tb_post SELECT g, 1 + g % 20, 'post ' || g FROM generate_series(1, 100) g;
CREATE TABLE tv_user AS SELECT u.pk_user, u.name FROM tb_user u;
CREATE TABLE tv_post AS
SELECT p.pk_post, jsonb_build_object('title', p.title, 'author', tu.name) AS data
  FROM tb_post p JOIN tv_user tu ON tu.pk_user = p.fk_user;
SQL
}
