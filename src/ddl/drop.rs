//! Dropping TVIEWs.  `DROP TABLE tv_x` does the real work; the `sql_drop`
//! event trigger then calls `_pg_tviews_forget` for each TVIEW that lost
//! its table or view, which removes the other half, the metadata and the
//! triggers nobody needs any more.

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::engine;
use crate::error::raise;
use crate::pg::{relation_text, run};

use super::triggers;

/// Also drops a TVIEW whose view is gone (`Tview::broken`): dropping is
/// the way out of that state, so it must not need the view.
#[pg_extern]
fn pg_tviews_drop(entity: &str, if_exists: default!(bool, false)) -> String {
    match catalog::by_entity_or_broken(entity) {
        Some(t) => {
            crate::authz::drop(&t);
            let table = t.table_sql();
            if let Err(e) = Spi::run(&format!("DROP TABLE {table}")) {
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
    let sql = format!(
        "SELECT table_oid::oid, view_oid::oid FROM {}.pg_tview_meta \
         WHERE schema_name = $1 AND entity = $2",
        catalog::ext_schema()
    );
    let row = Spi::get_two_with_args::<pg_sys::Oid, pg_sys::Oid>(
        &sql,
        &[schema.into(), entity.into()],
    );
    let Ok((Some(table), Some(view))) = row else {
        return;
    };
    catalog::delete(schema, entity);
    drop_if_exists(table, "TABLE");
    drop_if_exists(view, "VIEW");
    triggers::sync();
    // Some sources may be gone (DROP ... CASCADE of a base table).
    engine::cache::invalidate_all();
    catalog::audit("DROP", entity, JsonB(json!({ "schema": schema })));
}

fn drop_if_exists(rel: pg_sys::Oid, kind: &str) {
    if let Some(name) = relation_text(rel) {
        run(&format!("DROP {kind} {name}"));
    }
}
