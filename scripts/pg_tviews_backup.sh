#!/usr/bin/env bash
# pg_tviews_backup.sh - the backup docs/disaster-recovery.md describes, for one
# database; test/extra/dr_drill.sh restores from it.
#
#   pg_tviews_backup.sh DB DIR      (libpq's PGHOST, PGPORT, PGUSER say which server)
#
# writes into DIR:
#   DB.dump          pg_dump -Fc of the whole database: base tables, tv_* tables,
#                    their views, and pg_tview_meta's rows (a configuration table of
#                    the extension, which pg_dump keeps);
#   DB-tviews.sql    a psql script that creates every TVIEW again from its
#                    definition, lowest in the stack first, each as its owner, under
#                    the settings captured when it was created, in its refresh mode:
#                    for when the metadata, the views or the tv_* tables are lost;
#   DB-manifest.txt  the versions and each TVIEW's row count, for the checks after
#                    a restore.
# A TVIEW's rows can always be computed again from its sources: the dump of the
# base tables and the definitions are what cannot be rebuilt.
set -euo pipefail
DB="${1:?usage: pg_tviews_backup.sh DB DIR}"
DIR="${2:?usage: pg_tviews_backup.sh DB DIR}"
PSQL=(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB")
mkdir -p "$DIR"

pg_dump -Fc -f "$DIR/$DB.dump.tmp" "$DB"
mv "$DIR/$DB.dump.tmp" "$DIR/$DB.dump"

# Stack level of each TVIEW: 0 when it reads no TVIEW, else one more than the
# highest TVIEW it reads, so that the script creates what a TVIEW reads first.
"${PSQL[@]}" >"$DIR/$DB-tviews.sql.tmp" <<'SQL'
WITH RECURSIVE level AS (
    SELECT m.table_oid, 0 AS depth FROM pg_tview_meta m
    UNION ALL
    SELECT m.table_oid, l.depth + 1
      FROM pg_tview_meta m JOIN level l ON l.table_oid = ANY (m.dependencies)
), tview AS (
    SELECT m.*, quote_ident(m.schema_name) || '.' || quote_ident(m.entity) AS name,
           c.relowner::regrole AS owner,
           (SELECT max(depth) FROM level l WHERE l.table_oid = m.table_oid) AS depth
      FROM pg_tview_meta m JOIN pg_class c ON c.oid = m.table_oid
)
SELECT format(E'BEGIN;\nSET LOCAL ROLE %I;\n%s\nSELECT pg_tviews_create(%L, %L);\n%sCOMMIT;\n',
              t.owner,
              (SELECT string_agg(format('SET LOCAL %I TO %L;', s.key, s.value), E'\n' ORDER BY s.key)
                 FROM jsonb_each_text(t.settings) s),
              t.name, t.definition,
              CASE WHEN t.refresh_mode <> 'immediate'
                   THEN format(E'SELECT pg_tviews_set_refresh_mode(%L, %L);\n', t.name, t.refresh_mode)
                   ELSE '' END)
  FROM tview t
 ORDER BY t.depth, t.schema_name, t.entity;
SQL
mv "$DIR/$DB-tviews.sql.tmp" "$DIR/$DB-tviews.sql"

{
    echo "database: $DB"
    echo "taken at: $("${PSQL[@]}" -c "SELECT now()")"
    "${PSQL[@]}" -c "SELECT 'server: ' || current_setting('server_version')"
    "${PSQL[@]}" -c "SELECT 'pg_tviews: ' || extversion || ' (library ' || pg_tviews_version() || ')'
                       FROM pg_extension WHERE extname = 'pg_tviews'"
    "${PSQL[@]}" -c "SELECT format('tview %s.%s: %s rows', m.schema_name, m.entity,
                                   (xpath('/row/c/text()', query_to_xml(
                                        format('SELECT count(*) AS c FROM %s', m.table_oid), false, true, '')))[1])
                       FROM pg_tview_meta m ORDER BY m.schema_name, m.entity"
} >"$DIR/$DB-manifest.txt"
echo "backup of $DB in $DIR: $DB.dump, $DB-tviews.sql, $DB-manifest.txt"
