//! Maintenance asked for by hand: `pg_tviews_cascade` names source rows
//! that changed while maintenance was off, and the TVIEWs reading them are
//! brought up to date as if those rows had just been written.
//!
//! Only the rows' current versions are known, so keys are found from them:
//! a TVIEW row that only an old version reached (a row since deleted, or
//! moved to another parent) is not found; `pg_tviews_refresh` rebuilds
//! everything.

use pgrx::prelude::*;
use pgrx::{FromDatum, PgSqlErrorCode};

use pg_tviews_planner::statements;

use crate::ddl::create::relation_name;
use crate::definition_settings;
use crate::error::raise;
use crate::pg::{first_row_datum, primary_key_columns, AsRole, KeptPlan, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

use super::apply::Work;
use super::{cache, locks, queue};

/// Rows written (over every TVIEW reached) for the rows of `source` whose
/// primary key is in `keys` (an array datum of type `keys_type`).
pub fn cascade_rows(source: pg_sys::Oid, keys: pg_sys::Datum, keys_type: pg_sys::Oid) -> i64 {
    let (schema, name) = relation_name(source);
    let key = primary_key(source, &name);
    let source_targets = cache::targets_for(source);
    if source_targets.targets.is_empty() {
        return 0;
    }
    let outermost = !super::is_maintaining();
    let _writing = super::maintaining();
    let _spi = SpiConnection::open();
    let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
    for target in source_targets.targets.iter() {
        let _settings = definition_settings::apply(&target.tview);
        let _owner = AsRole::new(target.tview.owner);
        locks::lock_whole(target.tview_lock);
        let sql = statements::key_statement_for_rows(
            target.key_query(),
            &schema,
            &name,
            &key,
            target.tview.table_oid.to_u32(),
        );
        KeptPlan::prepare(&sql, &[keys_type]).execute(&[keys], false);
        if let Some(found) = first_row_datum(1) {
            // SAFETY: column 2 of the key statement is an int4.
            let count = unsafe { first_row_datum(2).and_then(|d| i32::from_datum(d, false)) }.unwrap_or(0);
            queue::push(target, Work::Keys { keys: found, count: i64::from(count) }, source, "MANUAL");
        }
    }
    if outermost {
        queue::drain(false)
    } else {
        0
    }
}

/// The single primary-key column of `source`.
fn primary_key(source: pg_sys::Oid, name: &str) -> String {
    match primary_key_columns(source).as_slice() {
        [one] => one.clone(),
        _ => raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("\"{name}\" needs a single-column primary key for pg_tviews_cascade"),
        ),
    }
}
