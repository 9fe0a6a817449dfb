//! Writing a TVIEW: for a set of keys (incremental) or entirely (full),
//! delete the rows the view no longer has and upsert the rows that differ,
//! in a fixed number of statements whatever the number of keys.  Rows that
//! come out identical are not written, so they cascade no further.

use std::time::Duration;

use pgrx::prelude::*;
use pgrx::{FromDatum, PgSqlErrorCode};

use pg_tviews_planner::statements::Delta;

use crate::catalog::{self, Tview};
use crate::error::raise;
use crate::guc;
use crate::pg::{first_row_datum, AsRole, SettingsScope, SpiConnection, SAFE_SEARCH_PATH};

use super::cache::{self, Target};

#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub full: bool,
    pub keys: i64,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

impl Outcome {
    pub fn written(&self) -> i64 {
        self.inserted + self.updated + self.deleted
    }
}

/// Maintain one TVIEW from the transition tables of the running trigger;
/// None when the write cannot have changed it.
pub fn from_delta(target: &Target, delta: Delta) -> Option<Outcome> {
    target.key_plan(delta).execute(&[], false);
    let keys = first_row_datum(1)?;
    // SAFETY: columns 2 and 3 of the key statement are int4 and float4.
    let (count, estimate) = unsafe {
        (
            first_row_datum(2).and_then(|d| i32::from_datum(d, false)).unwrap_or(0),
            first_row_datum(3).and_then(|d| f32::from_datum(d, false)).unwrap_or(-1.0),
        )
    };
    let threshold = guc::FULL_REFRESH_THRESHOLD.get();
    if estimate > 0.0 && f64::from(count) > threshold * f64::from(estimate) {
        let mut outcome = full(&target.tview);
        outcome.keys = i64::from(count);
        return Some(outcome);
    }
    let writer = cache::writer_for(&target.tview);
    let deleted = writer.delete_keyed.execute(&[keys], false) as i64;
    writer.upsert_keyed.execute(&[keys], false);
    let (inserted, updated) = written_counts();
    Some(Outcome {
        full: false,
        keys: i64::from(count),
        inserted,
        updated,
        deleted,
    })
}

/// Rebuild a TVIEW set-wise from its view.
pub fn full(tview: &Tview) -> Outcome {
    let writer = cache::writer_for(tview);
    let deleted = writer.delete_all.execute(&[], false) as i64;
    writer.upsert_all.execute(&[], false);
    let (inserted, updated) = written_counts();
    Outcome {
        full: true,
        keys: 0,
        inserted,
        updated,
        deleted,
    }
}

fn written_counts() -> (i64, i64) {
    // SAFETY: the upsert statement returns one row of two int8 counts.
    unsafe {
        (
            first_row_datum(1).and_then(|d| i64::from_datum(d, false)).unwrap_or(0),
            first_row_datum(2).and_then(|d| i64::from_datum(d, false)).unwrap_or(0),
        )
    }
}

/// A full refresh as pg_tviews_refresh runs it: as the owner, with the
/// safe search_path, past the guard trigger.
pub fn full_refresh_as_owner(tview: &Tview) -> Outcome {
    let _writing = super::maintaining();
    let _spi = SpiConnection::open();
    let _path = SettingsScope::new(&[("search_path", SAFE_SEARCH_PATH)]);
    let _owner = AsRole::new(tview.owner);
    full(tview)
}

/// One execution-store row.
pub fn log(entity: &str, source: pg_sys::Oid, operation: &str, outcome: &Outcome, took: Duration) {
    let sql = format!(
        "INSERT INTO {}.pg_tview_refresh_log (entity, source_table, operation, mode, keys_examined, \
         rows_inserted, rows_updated, rows_deleted, duration_ms) \
         VALUES ($1, $2::oid::regclass, $3, $4, $5, $6, $7, $8, $9)",
        catalog::ext_schema()
    );
    let mode = if outcome.full { "full" } else { "incremental" };
    let run = Spi::run_with_args(
        &sql,
        &[
            entity.into(),
            source.into(),
            operation.into(),
            mode.into(),
            outcome.keys.into(),
            outcome.inserted.into(),
            outcome.updated.into(),
            outcome.deleted.into(),
            (took.as_secs_f64() * 1000.0).into(),
        ],
    );
    if let Err(e) = run {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not write pg_tview_refresh_log: {e}"));
    }
}
