//! One batch of the async worker, in one transaction: the oldest queued
//! TVIEW's entries (up to `MAX_BATCH_KEYS` keys), their distinct keys
//! locked and recomputed set-wise by the engine as the TVIEW's owner with
//! its captured settings, the TVIEWs stacked on it maintained as any write
//! to it would (immediate ones in this transaction, async ones queued by
//! its commit), and exactly the entries read deleted.  A crash at any point
//! rolls the batch back whole: the entries are still there, and applying
//! them again recomputes the same rows from the data (nothing is applied
//! "twice" in a way that could differ).
//!
//! Locks: the TVIEW lock shared and the keys' locks exclusively, the ones
//! immediate maintenance takes before recomputing keys.  So the batch
//! serialises with writers that recompute the same rows themselves (an
//! immediate TVIEW that one session's setting makes async for its own
//! writes is recomputed by other sessions' writers meanwhile), and each of
//! its statements after the locks reads, with a new snapshot, what the
//! writers it waited for committed.  At most `MAX_BATCH_KEYS` keys per
//! batch keeps it on fine locks; a larger entry, or a rebuild, locks the
//! TVIEW whole.  A rebuild applies every entry of the TVIEW read before it.
//!
//! A failure (a view that now gives two rows one key, a deadlock with a
//! writer, a cancel) aborts the batch; it is recorded in
//! `pg_tview_refresh_log` whatever `pg_tviews.log_refreshes` says (nobody
//! else would see it) and in `pg_tviews_async_worker`, and the worker
//! retries the TVIEW later (`worker`).  Entries are never dropped.

use std::cell::RefCell;
use std::time::Instant;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::{FromDatum, PgSqlErrorCode};

use crate::catalog::{self, Tview};
use crate::definition_settings;
use crate::error::raise;
use crate::guc::{self, LogRefreshes};
use crate::pg::{AsRole, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

use super::super::apply::{self, Work};
use super::super::keyset::KeySet;
use super::super::recorder::{self, Failure};
use super::super::{cache, failures, locks, queue};
use super::capture;
use super::worker;

/// Entries read per batch, at most.
const MAX_BATCH_ENTRIES: i64 = 1000;
/// Keys per batch, at most (beyond the first entry's).
const MAX_BATCH_KEYS: i64 = locks::MAX_FINE_LOCKS as i64;

pub enum Batch {
    /// The queue holds nothing for a TVIEW not waiting for a retry.
    Nothing,
    Applied { tview: pg_sys::Oid },
    Failed { tview: pg_sys::Oid, transient: bool },
}

/// What the batch is working on, for the failure's record.
#[derive(Default)]
struct Picked {
    tview: pg_sys::Oid,
    entity: String,
    source: pg_sys::Oid,
    operation: String,
    full: bool,
    keys: i64,
}

/// Apply one batch of the oldest TVIEW not in `waiting`.
pub fn one_batch(waiting: &[pg_sys::Oid]) -> Batch {
    let picked = RefCell::new(None::<Picked>);
    let started = Instant::now();
    let outcome = worker::in_transaction(|| apply_next(waiting, &picked));
    capture::set_origin(None);
    let picked = picked.into_inner();
    match outcome {
        Ok(None) => Batch::Nothing,
        Ok(Some(tview)) => Batch::Applied { tview },
        Err(error) => {
            let (code, text) = failures::describe(&error);
            let picked = picked.unwrap_or_default();
            pgrx::warning!(
                "pg_tviews async worker: applying queued keys of TVIEW {} failed, retrying later: {text}",
                if picked.entity.is_empty() { "(none yet)" } else { &picked.entity }
            );
            let _ = worker::in_transaction(|| record_failure(&picked, &text, started));
            Batch::Failed { tview: picked.tview, transient: code == "40001" || code == "40P01" }
        }
    }
}

/// One queue entry as read.
struct Entry {
    id: i64,
    origin: i64,
    source: pg_sys::Oid,
    operation: String,
    /// The key array, in the batch's SPI connection; None: rebuild.
    keys: Option<pg_sys::Datum>,
    count: i64,
}

fn apply_next(waiting: &[pg_sys::Oid], picked: &RefCell<Option<Picked>>) -> Option<pg_sys::Oid> {
    cache::tidy();
    let _spi = SpiConnection::open();
    let ext = catalog::ext_schema();
    let next = Spi::get_one_with_args::<pg_sys::Oid>(
        &ext.sql(&[
            "SELECT tview::pg_catalog.oid FROM @extschema@.pg_tviews_async_queue \
             WHERE tview::pg_catalog.oid <> ALL ($1) ORDER BY entry_id LIMIT 1",
        ]),
        &[waiting.to_vec().into()],
    )
    .ok()
    .flatten()?;
    *picked.borrow_mut() = Some(Picked { tview: next, entity: next.to_u32().to_string(), ..Default::default() });
    let Some(tview) = catalog::by_table(next) else {
        // Its TVIEW is gone (DROP removes its entries; this is one dropped
        // by a path that did not) or broken: nothing to apply them to.
        run(&ext.sql(&["DELETE FROM @extschema@.pg_tviews_async_queue WHERE tview::pg_catalog.oid = $1"]), &[next.into()]);
        return Some(next);
    };
    let _writing = super::super::maintaining();
    let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
    let array_type = key_array_type(&tview);
    let entries = read_entries(&ext, &tview, array_type);
    let Some(first) = entries.first() else {
        return Some(next);
    };
    let full = entries.iter().any(|e| e.keys.is_none());
    let (ids, origin) = if full {
        all_entries(&ext, &tview)
    } else {
        (entries.iter().map(|e| e.id).collect(), entries.iter().map(|e| e.origin).min().unwrap_or(first.id))
    };
    let count: i64 = entries.iter().map(|e| e.count).sum();
    let (source, operation) = (first.source, first.operation.clone());
    if let Some(p) = picked.borrow_mut().as_mut() {
        *p = Picked { tview: next, entity: tview.entity.clone(), source, operation: operation.clone(), full, keys: count };
    }
    let started = Instant::now();
    let outcome = {
        let _settings = definition_settings::apply(&tview);
        let _owner = AsRole::new(tview.owner);
        let tview_lock = locks::tview_lock(tview.table_oid);
        let work = if full {
            locks::lock_whole(tview_lock);
            Work::Full { keys: count }
        } else {
            let mut sets = entries.iter().filter_map(|e| e.keys.map(|k| (k, e.count)));
            let mut keys = match sets.next() {
                Some((k, n)) => KeySet::new(k, n),
                None => return Some(next),
            };
            for (k, n) in sets {
                keys.add(&tview, k, n);
            }
            let (keys, count) = keys.distinct(&tview);
            lock_keys(tview_lock, keys, array_type, count);
            Work::Keys { keys, count }
        };
        apply::write(&tview, work)
    };
    if guc::LOG_REFRESHES.get() == LogRefreshes::All {
        apply::log(&tview.entity, source, operation_of(&operation), &outcome, started.elapsed());
    }
    // TVIEWs stacked on this one: immediate ones now, async ones at commit
    // (their entries carry this batch's origin).
    queue::drain(false);
    capture::set_origin(Some(origin));
    run(
        &ext.sql(&["DELETE FROM @extschema@.pg_tviews_async_queue WHERE entry_id = ANY ($1)"]),
        &[ids.into()],
    );
    run(
        &ext.sql(&[
            "UPDATE @extschema@.pg_tviews_async_worker SET state = 'running', last_batch_at = pg_catalog.clock_timestamp(), \
             batches = batches + 1, keys_applied = keys_applied + $1",
        ]),
        &[outcome.keys.into()],
    );
    Some(next)
}

/// The oldest entries of `tview`, up to `MAX_BATCH_KEYS` keys (at least
/// one entry), their keys read back as arrays of `array_type`.
fn read_entries(ext: &crate::sql_text::Ext, tview: &Tview, array_type: pg_sys::Oid) -> Vec<Entry> {
    let sql = ext.sql(&[
        "SELECT entry_id, COALESCE(origin_id, entry_id), COALESCE(source_table::pg_catalog.oid, 0::pg_catalog.oid), \
                operation, keys, key_count \
         FROM @extschema@.pg_tviews_async_queue WHERE tview::pg_catalog.oid = $1 ORDER BY entry_id LIMIT $2",
    ]);
    let rows = select(&sql, &[tview.table_oid.into(), MAX_BATCH_ENTRIES.into()]);
    let mut entries = Vec::new();
    let mut keys = 0;
    for row in 0..rows {
        let count = value::<i64>(row, 6).unwrap_or(0);
        if !entries.is_empty() && keys + count > MAX_BATCH_KEYS {
            break;
        }
        keys += count;
        entries.push(Entry {
            id: value::<i64>(row, 1).unwrap_or(0),
            origin: value::<i64>(row, 2).unwrap_or(0),
            source: value::<pg_sys::Oid>(row, 3).unwrap_or(pg_sys::InvalidOid),
            operation: value::<String>(row, 4).unwrap_or_default(),
            keys: datum(row, 5).map(|text| capture::key_array(text, array_type)),
            count,
        });
    }
    entries
}

/// Every entry of `tview` (for a rebuild, which applies them all) and
/// their oldest origin.
fn all_entries(ext: &crate::sql_text::Ext, tview: &Tview) -> (Vec<i64>, i64) {
    let sql = ext.sql(&[
        "SELECT pg_catalog.array_agg(entry_id), pg_catalog.min(COALESCE(origin_id, entry_id)) \
         FROM @extschema@.pg_tviews_async_queue WHERE tview::pg_catalog.oid = $1",
    ]);
    select(&sql, &[tview.table_oid.into()]);
    (value::<Vec<i64>>(0, 1).unwrap_or_default(), value::<i64>(0, 2).unwrap_or(0))
}

/// The TVIEW lock shared and the keys' locks exclusively, or the TVIEW
/// whole when they are too many; under the TVIEW's settings, as the key
/// statements hash keys under them.
fn lock_keys(tview_lock: i64, keys: pg_sys::Datum, array_type: pg_sys::Oid, count: i64) {
    if count > MAX_BATCH_KEYS || !locks::fine_locks_allowed(count as usize) {
        locks::lock_whole(tview_lock);
        return;
    }
    let ids = Spi::get_one_with_args::<Vec<i64>>(
        "SELECT pg_catalog.array_agg(h ORDER BY h) FROM (SELECT DISTINCT \
         pg_catalog.hashtextextended(k::pg_catalog.text, $2) AS h FROM pg_catalog.unnest($1) AS k) AS s",
        // SAFETY: a key array of `array_type`, valid for the batch.
        &[unsafe { DatumWithOid::new(keys, array_type) }, locks::key_lock_seed(tview_lock).into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default();
    let mut wanted: Vec<(i64, bool)> = vec![(tview_lock, false)];
    wanted.extend(ids.into_iter().map(|id| (id, true)));
    locks::acquire(&mut wanted);
}

fn key_array_type(tview: &Tview) -> pg_sys::Oid {
    Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT t.typarray FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         WHERE a.attrelid = $1 AND a.attname = $2",
        &[tview.table_oid.into(), tview.key_column.as_str().into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN, format!("key column of {} not found", tview.entity)))
}

/// The execution store's operation for an entry's (a constant of ours).
fn operation_of(operation: &str) -> &'static str {
    ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE", "CASCADE"]
        .into_iter()
        .find(|o| *o == operation)
        .unwrap_or("CASCADE")
}

/// Run a statement in the batch's SPI connection; returns its rows, which
/// `value` and `datum` read until the next statement.
fn select(sql: &str, args: &[DatumWithOid]) -> usize {
    let text = crate::pg::cstring(sql);
    let mut types: Vec<pg_sys::Oid> = args.iter().map(DatumWithOid::oid).collect();
    let mut values: Vec<pg_sys::Datum> =
        args.iter().map(|a| a.datum().map_or(pg_sys::Datum::from(0), |d| d.sans_lifetime())).collect();
    let nulls: Vec<std::ffi::c_char> =
        args.iter().map(|a| if a.datum().is_some() { b' ' } else { b'n' } as std::ffi::c_char).collect();
    // SAFETY: argument arrays of the declared length.
    let rc = unsafe {
        pg_sys::SPI_execute_with_args(
            text.as_ptr(),
            args.len() as i32,
            types.as_mut_ptr(),
            values.as_mut_ptr(),
            nulls.as_ptr(),
            false,
            0,
        )
    };
    if rc < 0 {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("SPI code {rc}: {sql}"));
    }
    // SAFETY: set by the call just made.
    unsafe { pg_sys::SPI_processed as usize }
}

fn run(sql: &str, args: &[DatumWithOid]) {
    select(sql, args);
}

/// Column `column` of row `row` of the last result, as a raw datum.
fn datum(row: usize, column: i32) -> Option<pg_sys::Datum> {
    // SAFETY: the last SPI result has more than `row` rows (callers loop
    // over its count).
    unsafe {
        let table = pg_sys::SPI_tuptable;
        if table.is_null() || row >= pg_sys::SPI_processed as usize {
            return None;
        }
        let mut is_null = false;
        let value = pg_sys::SPI_getbinval(*(*table).vals.add(row), (*table).tupdesc, column, &mut is_null);
        (!is_null).then_some(value)
    }
}

fn value<T: FromDatum>(row: usize, column: i32) -> Option<T> {
    // SAFETY: the column's type is the one the callers' statements return.
    datum(row, column).and_then(|d| unsafe { T::from_datum(d, false) })
}

/// The worker's row, at start.
pub fn worker_started() {
    let ext = catalog::ext_schema();
    run_top(&ext.sql(&[
        "INSERT INTO @extschema@.pg_tviews_async_worker (singleton, pid, state, started_at) \
         VALUES (true, pg_catalog.pg_backend_pid(), 'running', pg_catalog.now()) \
         ON CONFLICT (singleton) DO UPDATE SET pid = EXCLUDED.pid, state = 'running', started_at = EXCLUDED.started_at",
    ]));
}

pub fn worker_stopped() {
    run_top(&catalog::ext_schema().sql(&[
        "UPDATE @extschema@.pg_tviews_async_worker SET pid = NULL, state = 'stopped'",
    ]));
}

pub fn queue_is_empty() -> bool {
    Spi::get_one::<bool>(&catalog::ext_schema().sql(&[
        "SELECT NOT EXISTS (SELECT 1 FROM @extschema@.pg_tviews_async_queue)",
    ]))
    .ok()
    .flatten()
    .unwrap_or(false)
}

fn run_top(sql: &str) {
    if let Err(e) = Spi::run(sql) {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}: {sql}"));
    }
}

/// The failure, in the execution store and the worker's row.
fn record_failure(picked: &Picked, text: &str, started: Instant) {
    if picked.tview != pg_sys::InvalidOid {
        recorder::insert(&Failure {
            // SAFETY: plain reads of backend globals.
            database: unsafe { pg_sys::MyDatabaseId },
            backend_pid: unsafe { pg_sys::MyProcPid },
            transaction_id: 0,
            entity: picked.entity.clone(),
            source: picked.source,
            operation: operation_of(&picked.operation).to_string(),
            full: picked.full,
            keys: picked.keys,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            error_text: text.to_string(),
        });
    }
    let sql = catalog::ext_schema().sql(&[
        "UPDATE @extschema@.pg_tviews_async_worker SET state = 'retrying', last_error = $1, \
         last_error_at = pg_catalog.clock_timestamp()",
    ]);
    if let Err(e) = Spi::run_with_args(&sql, &[text.into()]) {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}: {sql}"));
    }
}

/// An error's text, for the log.
pub fn message(error: &CaughtError) -> String {
    failures::describe(error).1
}
