//! `pg_tviews_verify`: the rows where a TVIEW differs from its view,
//! compared as its owner (who may call it: `authz::compare`).

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::statements;

use crate::catalog::{self, Tview};
use crate::engine::cache::table_columns;
use crate::definition_settings;
use crate::error::raise;
use crate::pg::{AsRole, SettingsScope, MAINTENANCE_SETTINGS};

#[pg_extern]
fn pg_tviews_verify(
    entity: &str,
) -> TableIterator<'static, (name!(pk, Option<String>), name!(problem, Option<String>))> {
    let tview = catalog::by_entity_or_error(entity);
    crate::authz::compare(&tview, "pg_tviews_verify");
    let sql = statement(&tview);
    // As maintenance reads them: the owner's view, and every row of the
    // table (row-level security of `tv_E` does not apply, FORCE included).
    let _settings = SettingsScope::new(MAINTENANCE_SETTINGS);
    let _definition = definition_settings::apply(&tview);
    let _owner = AsRole::new(tview.owner);
    let rows = Spi::connect(|client| {
        let mut out = Vec::new();
        for row in client.select(&sql, None, &[])? {
            out.push((row.get::<String>(1)?, row.get::<String>(2)?));
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}")));
    TableIterator::new(rows)
}

/// The comparison of a TVIEW with its view: (key as text, problem) rows.
pub fn statement(tview: &Tview) -> String {
    let columns = table_columns(tview.table_oid);
    statements::verify(&statements::Target {
        schema: &tview.schema,
        table: &tview.table,
        view: &tview.view,
        key: &tview.key_column,
        columns: &columns,
    })
}
