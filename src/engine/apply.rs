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
use crate::pg::{first_row_datum, AsRole, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

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

/// What one TVIEW needs after a write.
pub enum Work {
    /// Refresh these keys (an array datum valid until SPI_finish).
    Keys { keys: pg_sys::Datum, count: i64 },
    /// Rebuild it set-wise.
    Full { keys: i64 },
}

/// The keys of one TVIEW the running trigger's write may have changed;
/// None when there are none.
pub fn find_keys(target: &Target, delta: Delta) -> Option<Work> {
    target.key_plan(delta).execute(&[], false);
    let keys = first_row_datum(1)?;
    // SAFETY: columns 2 and 3 of the key statement are int4 and float4.
    let (count, estimate) = unsafe {
        (
            first_row_datum(2).and_then(|d| i32::from_datum(d, false)).unwrap_or(0),
            first_row_datum(3).and_then(|d| f32::from_datum(d, false)).unwrap_or(-1.0),
        )
    };
    let count = i64::from(count);
    let threshold = guc::FULL_REFRESH_THRESHOLD.get();
    if estimate > 0.0 && count as f64 > threshold * f64::from(estimate) {
        Some(Work::Full { keys: count })
    } else {
        Some(Work::Keys { keys, count })
    }
}

pub fn write(tview: &Tview, work: Work) -> Outcome {
    let writer = cache::writer_for(tview);
    let (full, keys, deleted) = match work {
        Work::Keys { keys: datum, count } => {
            let deleted = writer.delete_keyed.execute(&[datum], false) as i64;
            writer.upsert_keyed.execute(&[datum], false);
            (false, count, deleted)
        }
        Work::Full { keys } => {
            let deleted = writer.delete_all.execute(&[], false) as i64;
            writer.upsert_all.execute(&[], false);
            (true, keys, deleted)
        }
    };
    let (inserted, updated) = written_counts();
    Outcome {
        full,
        keys,
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
/// TVIEWs reading this one are brought up to date before returning.
pub fn full_refresh_as_owner(tview: &Tview) -> Outcome {
    let outermost = !super::is_maintaining();
    let _writing = super::maintaining();
    let _spi = SpiConnection::open();
    let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
    let _owner_of_queue = outermost.then(super::queue::Owner::new);
    let outcome = {
        let _owner = AsRole::new(tview.owner);
        write(tview, Work::Full { keys: 0 })
    };
    if outermost {
        super::queue::drain();
    }
    outcome
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
    let run = catalog::as_extension_owner(|| Spi::run_with_args(
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
    ));
    if let Err(e) = run {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not write pg_tview_refresh_log: {e}"));
    }
}
