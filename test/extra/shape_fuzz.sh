#!/usr/bin/env bash
# shape_fuzz.sh - seeded "shape fuzz" consistency test of pg_tviews (SPEC 3.1, 3.4, 3.6).
#
# consistency.sh covers the shapes we wrote; this test GENERATES them.  On a fixed
# schema (companies, users with a self reference, categories with a parent,
# posts, comments, tags, post_tags; some references with foreign keys, some
# without, nullable ones, numeric and jsonb columns) a seeded grammar
# (shape_fuzz/gen.py) writes defining SELECTs: a root with pk_<entity>, 0-3
# INNER/LEFT joins on reference columns (self joins, a table twice, an
# aggregating derived table, LATERAL ... LIMIT), columns, expressions, COALESCE,
# nested jsonb_build_object, correlated scalar subqueries (count, max/min/sum,
# jsonb_agg, array_agg, ARRAY(SELECT)) up to two levels deep, WHERE predicates,
# EXISTS / NOT EXISTS / IN / NOT IN, GROUP BY the key with aggregates and FILTER,
# a derived-table or CTE wrapper, UNION ALL of two branches with disjoint keys,
# a row per (root, child) pair of a LEFT/RIGHT/FULL join (maybe chained to a
# third table, a predicate in ON, a WHERE) keyed by both sides COALESCEd, or
# by the NULL-extended side alone (refused),
# and TVIEWs reading earlier generated TVIEWs (as root or joined).
#   1. Each definition is tried with CREATE VIEW first (rejected by PostgreSQL:
#      skipped and counted), then CREATE TABLE tv_<e> AS.  A refusal must be a
#      clean ERROR raised by pg_tviews' own checks (LOCATION in its Rust code;
#      counted per SQLSTATE, examples printed) that leaves no table, view or
#      metadata behind; a lost connection, XX000, or PostgreSQL rejecting a query
#      pg_tviews built from a valid view fails.  About 12% of the definitions add a
#      construct docs/limits.md says is refused (LIMIT, window, now(), random(),
#      DISTINCT ON, aggregate without GROUP BY, WITH RECURSIVE, a plain view, a
#      partitioned table, a partition, an inheritance parent or child, TABLESAMPLE,
#      a system column).  About 4% are keyed by a tag's name, unique in the seed
#      data but not after some writes (see 2.).
#      An accepted TVIEW must equal its view right away.
#   2. A PL/pgSQL driver (shape_fuzz/driver.sql) runs random writes on every table
#      (single/multi-row INSERT/UPDATE/DELETE, key updates, reference moves and
#      NULLing, dangling references, ON CONFLICT, MERGE, writable CTEs on two
#      tables, rare TRUNCATE, statements failing on constraints), in transactions
#      of 1-30 statements run in immediate mode, with full_refresh_threshold 0 or 1,
#      or deferred; some groups inside rolled-back subtransactions, 1 in 10
#      transactions rolled back.  After EVERY statement (immediate modes), every
#      rollback and every COMMIT, every accepted TVIEW is compared with its view
#      (EXCEPT ALL both ways); a mismatch prints the seed, the definition, the
#      statement and the differing rows, and the TVIEW is rebuilt to go on.
#      A write giving two rows of a name-keyed TVIEW's view one key must fail with
#      pg_tviews' 23505 naming that TVIEW (counted), and the TVIEW is then compared
#      like after any statement; any other error naming a tv_ table is reported.
#      The partitioned table and the inheritance pair are written through the
#      parent and straight to a partition or child.
# Tests: one per accepted TVIEW, plus "CREATE never crashes nor fails with an
# internal error", "a refused CREATE leaves nothing behind", "a valid view is
# refused only by pg_tviews' own checks", "writes fail only on
# constraint violations of base tables; driver completed".  Last line:
# "N passed, N failed".
#
# Needs PGHOST/PGPORT/PGUSER of a running cluster with pg_tviews installed, and
# python3 (standard library only).
# Knobs: SHAPE_FUZZ_SEED (integer, default 2), SHAPE_FUZZ_VIEWS (default 40),
# SHAPE_FUZZ_STATEMENTS (default 3000: about 100 s on 2 cores; e.g. 30000
# for a long run), SHAPE_FUZZ_DB (default pg_tviews_shape_fuzz),
# SHAPE_FUZZ_KEEP_DB=1 keeps the database, SHAPE_FUZZ_LOG=FILE keeps the full log,
# SHAPE_FUZZ_VERBOSE=1 prints every skipped and refused definition.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
if ! command -v python3 >/dev/null; then
    echo "shape_fuzz: python3 not found"
    echo "0 passed, 1 failed"
    exit 1
fi
exec python3 "$HERE/shape_fuzz/run.py"
