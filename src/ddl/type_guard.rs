//! The DDL guard for types: a TVIEW stays equal to its view when a type
//! its definition reads is altered.
//!
//! ALTER TYPE changes what the view computes for every row without a
//! write to any source: an enum value renamed changes its text, a
//! composite type's attributes added, renamed, dropped or retyped change
//! `to_jsonb` of a value of it.  At `ddl_command_end` of ALTER TYPE, every
//! TVIEW whose definition reaches an altered type is rebuilt in full as
//! its owner, in the same transaction (a rebuild that fails fails the
//! command, which then rolls back).  ALTER DOMAIN is not guarded: a
//! domain's constraints and default never change a value already stored.

use pgrx::pg_sys;
use pgrx::spi::Spi;

use crate::catalog;

/// The types the command altered: pg_type objects, and the row types of
/// the relations it reports (ADD / RENAME / DROP / ALTER ATTRIBUTE name
/// the composite type's pg_class entry).
pub fn changed_types() -> Vec<pg_sys::Oid> {
    crate::ops::query::oids(
        "SELECT pg_catalog.array_agg(DISTINCT t) FROM ( \
             SELECT CASE \
                 WHEN c.classid = 'pg_catalog.pg_type'::pg_catalog.regclass THEN c.objid \
                 WHEN c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN \
                      (SELECT r.reltype FROM pg_catalog.pg_class r WHERE r.oid = c.objid) \
             END AS t FROM pg_catalog.pg_event_trigger_ddl_commands() c) x \
         WHERE t IS NOT NULL AND t <> 0",
        &[],
    )
}

/// Does the definition of the TVIEW (view `view`, table `table`) reach one
/// of `types`?  Its types are those of the view's and the table's columns,
/// the types the view's rule depends on, and those of the source columns
/// the rule reads (a whole-row reference reads all); then, step by step,
/// the attributes of a composite type, an array's element type, a
/// domain's base type and a range's subtype.
fn reaches(view: pg_sys::Oid, table: pg_sys::Oid, types: &[pg_sys::Oid]) -> bool {
    Spi::get_one_with_args::<bool>(
        "WITH RECURSIVE rule_deps AS ( \
             SELECT d.refclassid, d.refobjid, d.refobjsubid \
             FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_depend d \
               ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid \
             WHERE r.ev_class = $1), \
         seed(t) AS ( \
             SELECT a.atttypid FROM pg_catalog.pg_attribute a \
             WHERE a.attrelid IN ($1, $2) AND a.attnum > 0 AND NOT a.attisdropped \
             UNION SELECT refobjid FROM rule_deps \
             WHERE refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass \
             UNION SELECT a.atttypid FROM rule_deps d JOIN pg_catalog.pg_attribute a \
               ON a.attrelid = d.refobjid AND a.attnum > 0 AND NOT a.attisdropped \
              AND (d.refobjsubid = 0 OR a.attnum = d.refobjsubid) \
             WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass), \
         reach(t) AS ( \
             SELECT t FROM seed \
             UNION SELECT n.t FROM reach JOIN pg_catalog.pg_type ty ON ty.oid = reach.t \
             CROSS JOIN LATERAL ( \
                 SELECT ty.typelem WHERE ty.typelem <> 0 \
                 UNION ALL SELECT ty.typbasetype WHERE ty.typbasetype <> 0 \
                 UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a \
                   WHERE a.attrelid = ty.typrelid AND ty.typrelid <> 0 AND a.attnum > 0 AND NOT a.attisdropped \
                 UNION ALL SELECT g.rngsubtype FROM pg_catalog.pg_range g WHERE g.rngtypid = ty.oid) n(t)) \
         SELECT EXISTS (SELECT 1 FROM reach WHERE t = ANY ($3))",
        &[view.into(), table.into(), types.to_vec().into()],
    )
    .ok()
    .flatten()
    .unwrap_or(true)
}

/// Rebuild the TVIEWs whose definition reaches a type in `changed`.
pub fn check(changed: &[pg_sys::Oid]) {
    for t in catalog::all() {
        if reaches(t.view_oid, t.table_oid, changed) {
            let name = crate::sql_text::qualified(&t.schema, &format!("tv_{}", t.entity));
            super::rebuild::after_ddl(&format!("ALTER TYPE refused on TVIEW {name}"), &t);
        }
    }
}
