//! Dropping TVIEWs.  `DROP TABLE tv_x` does the real work; the `sql_drop`
//! event trigger then calls `_pg_tviews_forget_dropped`, which calls
//! `_pg_tviews_forget` for each TVIEW that lost its table or view: it
//! removes the other half, the metadata and the triggers nobody needs any
//! more.

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::engine;
use crate::error::raise;
use crate::pg::{relation_text, run};
use crate::sql_text;

use super::triggers;

/// Also drops a TVIEW whose view is gone (`Tview::broken`): dropping is
/// the way out of that state, so it must not need the view.
#[pg_extern]
fn pg_tviews_drop(entity: &str, if_exists: default!(bool, false)) -> String {
    match catalog::by_entity_or_broken(entity) {
        Some(t) => {
            crate::authz::drop(&t);
            let table = t.table_sql();
            if let Err(e) = Spi::run(&sql_text::drop_relation("TABLE", &table)) {
                raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not drop {table}: {e}"));
            }
            format!("TVIEW {table} dropped")
        }
        None if if_exists => format!("TVIEW {entity} does not exist, skipping"),
        None => catalog::entity_not_found(entity),
    }
}

/// Internal: EXECUTE is revoked from PUBLIC (sql/event_triggers.sql).  It
/// is reached through `_pg_tviews_on_drop`, SECURITY DEFINER, so it runs as
/// the extension's owner whoever dropped the table or view; a superuser may
/// call it to clean up metadata whose table is gone.  It reads the
/// metadata without the view, so a TVIEW whose view is gone is forgotten
/// like any other.
#[pg_extern]
fn _pg_tviews_forget(schema: &str, entity: &str) {
    let sql = catalog::ext_schema().sql(&[
        "SELECT table_oid::oid, view_oid::oid, dependencies::oid[] FROM @extschema@.pg_tview_meta \
         WHERE schema_name = $1 AND entity = $2",
    ]);
    let found = crate::latest::run(&sql, &[schema.into(), entity.into()], |row| {
        (row.get::<pg_sys::Oid>(1), row.get::<pg_sys::Oid>(2), row.get::<Vec<pg_sys::Oid>>(3))
    });
    let Some((Some(table), Some(view), dependencies)) = found.into_iter().next() else {
        return;
    };
    catalog::delete(schema, entity);
    engine::async_mode::forget(table);
    drop_if_exists(table, "TABLE");
    drop_if_exists(view, "VIEW");
    let mut relations = dependencies.unwrap_or_default();
    relations.push(table);
    triggers::sync_relations(&relations);
    // Some sources may be gone (DROP ... CASCADE of a base table).
    engine::cache::invalidate_all();
    catalog::audit("DROP", entity, JsonB(json!({ "schema": schema })));
}

/// Internal, as `_pg_tviews_forget` (EXECUTE revoked from PUBLIC; called
/// by `_pg_tviews_on_drop`): forget every TVIEW whose table or view is
/// among `relations`, what a DROP just removed.  The metadata is read as
/// committed now (`crate::latest`), so a TVIEW created after a REPEATABLE
/// READ transaction's snapshot was taken is found too.
#[pg_extern]
fn _pg_tviews_forget_dropped(relations: Vec<pg_sys::Oid>) {
    super::capture::forget(&relations);
    let sql = catalog::ext_schema().sql(&[
        "SELECT schema_name::text, entity::text FROM @extschema@.pg_tview_meta \
         WHERE table_oid::oid = ANY ($1) OR view_oid::oid = ANY ($1) ORDER BY 1, 2",
    ]);
    let gone = crate::latest::run(&sql, &[relations.into()], |row| (row.get::<String>(1), row.get::<String>(2)));
    for (schema, entity) in gone {
        if let (Some(schema), Some(entity)) = (schema, entity) {
            _pg_tviews_forget(&schema, &entity);
        }
    }
}

fn drop_if_exists(rel: pg_sys::Oid, kind: &'static str) {
    if let Some(name) = relation_text(rel) {
        run(&sql_text::drop_relation(kind, &name));
    }
}
