//! `pg_tviews_analyze_cascade`: EXPLAIN (ANALYZE, BUFFERS) of refreshing
//! one row of a TVIEW, exactly as maintenance writes it (the same two
//! statements the engine prepares: delete the row if the view no longer
//! has it, upsert it if it differs), as the TVIEW's owner with the
//! maintenance settings.
//!
//! Read-only: the statements run in a subtransaction that is rolled back.
//! Inside it `session_replication_role = replica` keeps every ordinary
//! trigger quiet: the guard on `tv_E` (we are not the engine), and the
//! maintenance triggers of TVIEWs reading `tv_E`, which would queue work
//! in the engine that nobody drains.  That setting is SUSET: the caller
//! must be allowed to set it themselves (a superuser, or GRANT SET ON
//! PARAMETER session_replication_role), or gets 42501; pg_tviews never
//! changes it for someone who could not.  `pg_tviews_show_cascade_path`
//! says which TVIEWs a real refresh of this row goes on to.

use std::ffi::CString;

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::statements::{self, Target};

use crate::catalog::{self, Tview};
use crate::definition_settings;
use crate::engine::cache::table_columns;
use crate::error::{raise, raise_with};
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
    check_may_quiet_triggers();
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
        rolled_back(|| {
            quiet_triggers();
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

fn explain_lines(sql: &str, pk_value: &str) -> Vec<String> {
    Spi::connect_mut(|client| {
        let mut out = Vec::new();
        for row in client.update(sql, None, &[pk_value.into()])? {
            out.push(row.get::<String>(1)?.unwrap_or_default());
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

/// The caller (not the TVIEW's owner we run as later) may set
/// `session_replication_role`.
fn check_may_quiet_triggers() {
    let allowed = Spi::get_one::<bool>("SELECT pg_catalog.has_parameter_privilege('session_replication_role', 'SET')")
        .ok()
        .flatten()
        .unwrap_or(false);
    if !allowed {
        raise_with(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "permission denied to analyze a TVIEW refresh: it runs with session_replication_role = replica",
            None,
            Some("A superuser, or a role granted SET ON PARAMETER session_replication_role, may call it.".into()),
        );
    }
}

/// `session_replication_role = replica` until the subtransaction ends.
fn quiet_triggers() {
    let (name, value) = (c"session_replication_role", CString::from(c"replica"));
    // SAFETY: valid C strings; SUSET context because this is pg_tviews
    // setting it for its own statements, undone by the rollback.
    unsafe {
        pg_sys::set_config_option(
            name.as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_SUSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_LOCAL,
            true,
            pgrx::PgLogLevel::ERROR as i32,
            false,
        );
    }
}
