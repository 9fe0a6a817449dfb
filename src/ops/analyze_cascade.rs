//! `pg_tviews_analyze_cascade`: EXPLAIN (ANALYZE, BUFFERS) of refreshing
//! one row of a TVIEW, exactly as maintenance writes it (the same two
//! statements the engine prepares: delete the row if the view no longer
//! has it, upsert it if it differs), as the TVIEW's owner with the
//! maintenance settings.
//!
//! Read-only: the statements run in a subtransaction that is rolled back.
//! Inside it pg_tviews' own triggers are quiet (`engine::quiet`): the
//! guard on `tv_E` (we are not the engine), and the maintenance triggers
//! of TVIEWs reading `tv_E`, which would queue work in the engine that
//! nobody drains.  (Not `session_replication_role = replica`: that setting
//! is superuser-only, and pg_tviews does not change it for a caller who
//! could not.)  `pg_tviews_show_cascade_path` says which TVIEWs a real
//! refresh of this row goes on to.

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::statements::{self, Target};

use crate::catalog::{self, Tview};
use crate::definition_settings;
use crate::engine::cache::table_columns;
use crate::error::raise;
use crate::pg::{AsRole, SettingsScope, MAINTENANCE_SETTINGS};

use super::query::{rows, text};
use super::rollback::rolled_back;

#[pg_extern]
fn pg_tviews_analyze_cascade(
    entity: &str,
    pk_value: &str,
) -> TableIterator<'static, (name!(query_plan, String),)> {
    let tview = catalog::by_entity_or_error(entity);
    crate::authz::compare(&tview, "pg_tviews_analyze_cascade");
    let key_type = key_type(&tview);
    let columns = table_columns(tview.table_oid);
    let target = Target {
        schema: &tview.schema,
        table: &tview.table,
        view: &tview.view,
        key: &tview.key_column,
        columns: &columns,
    };
    let steps = [(
        "delete the row if the view no longer has it, insert or update it if it differs",
        statements::refresh_keyed(&target),
    )];
    let lines = {
        let _settings = SettingsScope::new(MAINTENANCE_SETTINGS);
        let _definition = definition_settings::apply(&tview);
        let _owner = AsRole::new(tview.owner);
        let _quiet = crate::engine::quiet();
        rolled_back(|| {
            let mut lines = Vec::new();
            for (what, sql) in &steps {
                lines.push(format!("-- {what}"));
                // The engine binds $1 to an array of keys; here it is one
                // key, given as text and cast to the key's type.
                let explain = crate::sql_text::explain_for_one_key(sql, &key_type);
                lines.extend(explain_lines(&explain, pk_value));
            }
            lines
        })
    };
    TableIterator::new(lines.into_iter().map(|l| (l,)))
}

/// The plan's lines, without those of pg_tviews' own triggers: quiet,
/// they fired and did nothing, which is not what a real refresh costs.
fn explain_lines(sql: &str, pk_value: &str) -> Vec<String> {
    let ours = |line: &str| {
        line.trim_start()
            .strip_prefix("Trigger ")
            .and_then(|rest| rest.split(" on ").next())
            .is_some_and(crate::ddl::triggers::is_ours)
    };
    Spi::connect_mut(|client| {
        let mut out = Vec::new();
        for row in client.update(sql, None, &[pk_value.into()])? {
            let line = row.get::<String>(1)?.unwrap_or_default();
            if !ours(&line) {
                out.push(line);
            }
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not explain the refresh: {e}")))
}

/// The key column's type as SQL (format_type quotes what needs it).
fn key_type(tview: &Tview) -> String {
    rows(
        "the key column's type",
        "SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute \
         WHERE attrelid = $1 AND attname = $2 AND NOT attisdropped",
        &[tview.table_oid.into(), tview.key_column.as_str().into()],
        |r| text(r, 1),
    )
    .into_iter()
    .next()
    .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN, format!("{} has no column {}", tview.table, tview.key_column)))
}
