//! Metadata against the system catalog: every TVIEW in `pg_tview_meta`
//! has its table and view, and every table or view that is part of a
//! TVIEW has its metadata.
//!
//! "Part of a TVIEW" is recognised by what only pg_tviews creates: the
//! `pg_tviews_guard` trigger (our trigger function) on a table, and a view
//! recorded as an internal part of a table.  Names (`tv_*`) prove nothing:
//! a plain table may be called tv_something.

use crate::catalog;
use crate::entity::spelled;
use crate::sql_text::{call, qualified, OUR_TRIGGER_FUNCTION};

use super::super::query::{rows, text, QUALIFIED_SQL};
use super::Finding;

pub fn check() -> Vec<Finding> {
    let mut findings = metadata_rows();
    findings.extend(orphan_tables());
    findings.extend(orphan_views());
    if findings.is_empty() {
        findings.push(Finding::ok(
            "catalog",
            "every TVIEW in pg_tview_meta has its table and view, and every TVIEW table and view has its metadata",
        ));
    }
    findings
}

fn metadata_rows() -> Vec<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT m.schema_name::text, m.entity, \
                EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = m.table_oid::oid), \
                EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = m.view_oid::oid) \
         FROM @extschema@.pg_tview_meta m ORDER BY 1, 2",
    ]);
    let found = rows("pg_tview_meta", &sql, &[], |r| {
        Ok((text(r, 1)?, text(r, 2)?, r.get::<bool>(3)?.unwrap_or(false), r.get::<bool>(4)?.unwrap_or(false)))
    });
    let mut findings = Vec::new();
    for (schema, entity, has_table, has_view) in found {
        let table = qualified(&schema, &format!("tv_{entity}"));
        let view = qualified(&schema, &format!("v_{entity}"));
        let component = format!("tview {table}");
        if !has_table {
            findings.push(Finding::error(
                "high",
                component,
                format!(
                    "pg_tview_meta lists this TVIEW but its table no longer exists (dropped while the pg_tviews_drop \
                     event trigger did not fire); its maintenance triggers stay on the sources. Remove the metadata as a \
                     superuser: {}; then create the TVIEW again if it is still wanted",
                    call("_pg_tviews_forget", &[&schema, &entity])
                ),
            ));
        } else if !has_view {
            findings.push(Finding::error(
                "critical",
                component,
                format!(
                    "the view {view} of this TVIEW no longer exists: {table} is no longer maintained and cannot be \
                     refreshed or verified. Drop it ({} or DROP TABLE {table}) and create it \
                     again from pg_tview_meta.definition",
                    call("pg_tviews_drop", &[&spelled(&schema, &entity)])
                ),
            ));
        }
    }
    findings
}

fn orphan_tables() -> Vec<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT ",
        QUALIFIED_SQL,
        " FROM pg_catalog.pg_trigger t \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE t.tgname = 'pg_tviews_guard' AND t.tgfoid = ",
        OUR_TRIGGER_FUNCTION,
        " AND NOT EXISTS (SELECT 1 FROM @extschema@.pg_tview_meta m WHERE m.table_oid::oid = c.oid) \
         ORDER BY 1",
    ]);
    rows("TVIEW guard triggers", &sql, &[], |r| text(r, 1))
        .into_iter()
        .map(|table| {
            Finding::error(
                "high",
                format!("table {table}"),
                format!(
                    "{table} carries the pg_tviews guard trigger but pg_tview_meta has no TVIEW for it: nobody maintains \
                     it and nobody can write it. Adopt it with {} if its view still \
                     exists, or make it a plain table again with SELECT pg_tviews_install_stmt_triggers()",
                    call("pg_tviews_convert_table", &[&table])
                ),
            )
        })
        .collect()
}

fn orphan_views() -> Vec<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT ",
        QUALIFIED_SQL,
        ", pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(tc.relname) \
         FROM pg_catalog.pg_depend d \
         JOIN pg_catalog.pg_class c ON c.oid = d.objid AND c.relkind = 'v' \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid \
         JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace \
         WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND d.deptype = 'i' AND d.objsubid = 0 \
           AND NOT EXISTS (SELECT 1 FROM @extschema@.pg_tview_meta m WHERE m.view_oid::oid = c.oid) \
         ORDER BY 1",
    ]);
    rows("TVIEW views", &sql, &[], |r| Ok((text(r, 1)?, text(r, 2)?)))
        .into_iter()
        .map(|(view, table)| {
            Finding::error(
                "high",
                format!("view {view}"),
                format!(
                    "{view} is bound to {table} as the view of a TVIEW, but pg_tview_meta has no TVIEW for it. Adopt the \
                     pair with {}, or drop both with DROP TABLE {table}",
                    call("pg_tviews_convert_table", &[&table])
                ),
            )
        })
        .collect()
}
