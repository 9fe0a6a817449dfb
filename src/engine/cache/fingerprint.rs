//! A relation's catalog state as far as cached maintenance depends on it,
//! as one comparable text.
//!
//! Why: PostgreSQL sends a relcache invalidation for much more than DDL:
//! ANALYZE, VACUUM and autovacuum send one for every table they process.
//! Emptying the cache on each would re-prepare every maintenance plan of a
//! busy server every few seconds.  Instead an invalidation marks the
//! relation to be checked, and the cache drops the entries that depend on
//! it only when its fingerprint changed (see `super::tidy`).
//!
//! What the entries depend on: the relation's name, schema, kind and owner;
//! its columns (names, types, NOT NULL, dropped); its indexes (primary and
//! unique keys decide lock modes and UPDATE pairing; a new index is used by
//! the re-prepared plans); its constraints, both ways (foreign keys decide
//! which reach locks are needed); its rules (a view's definition); and the
//! rows of `pg_tview_meta` naming it (the TVIEWs reading it, their keys and
//! settings).  Constraint, rule and catalog rows are compared by oid and
//! `xmin`: any update gives them a new `xmin`.  The `pg_class` row's `xmin`
//! covers every other ALTER; ANALYZE and VACUUM update that row in place
//! (reltuples, relpages, relfrozenxid), which leaves its `xmin` alone.
//! Statistics (`pg_statistic`) are not part of it: PostgreSQL re-plans the
//! kept plans itself when they change.

use std::collections::HashMap;

use pgrx::pg_sys;

use crate::catalog;

const FINGERPRINT: &[&str] = &[
    "SELECT r.oid, (SELECT pg_catalog.concat_ws(' ', c.xmin, c.relname, n.nspname, c.relkind, c.relowner, \
        COALESCE((SELECT pg_catalog.string_agg(pg_catalog.concat_ws(',', a.attnum, a.attname, \
                a.atttypid, a.atttypmod, a.attnotnull, a.attisdropped, a.attgenerated), ';' ORDER BY a.attnum) \
            FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0), '-'), \
        COALESCE((SELECT pg_catalog.string_agg(pg_catalog.concat_ws(',', i.indexrelid, i.indisunique, \
                i.indisprimary, i.indisvalid, i.indimmediate, i.indnkeyatts, i.indkey, i.indpred IS NULL), ';' \
                ORDER BY i.indexrelid) \
            FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid), '-'), \
        COALESCE((SELECT pg_catalog.string_agg(pg_catalog.concat_ws(',', k.oid, k.xmin), ';' ORDER BY k.oid) \
            FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid OR k.confrelid = c.oid), '-'), \
        COALESCE((SELECT pg_catalog.string_agg(pg_catalog.concat_ws(',', w.oid, w.xmin), ';' ORDER BY w.oid) \
            FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid), '-'), \
        COALESCE((SELECT pg_catalog.string_agg(pg_catalog.concat_ws(',', m.table_oid::pg_catalog.oid, m.xmin), ';' \
                ORDER BY m.table_oid::pg_catalog.oid) \
            FROM @extschema@.pg_tview_meta m \
            WHERE m.table_oid::pg_catalog.oid = c.oid OR m.view_oid::pg_catalog.oid = c.oid \
               OR c.oid::pg_catalog.regclass = ANY (m.dependencies)), '-')) \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = r.oid) \
     FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS r(oid)",
];

/// The fingerprint of each of `relations` now (as committed, plus this
/// transaction's own changes); None for a relation that is gone.
pub fn of(relations: &[pg_sys::Oid]) -> HashMap<pg_sys::Oid, Option<String>> {
    if relations.is_empty() {
        return HashMap::new();
    }
    let sql = catalog::ext_schema().sql(FINGERPRINT);
    crate::latest::run(&sql, &[relations.to_vec().into()], |row| {
        (row.get::<pg_sys::Oid>(1).unwrap_or(pg_sys::InvalidOid), row.get::<String>(2))
    })
    .into_iter()
    .collect()
}
