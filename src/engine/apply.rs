//! Writing a TVIEW: for a set of keys (incremental) or entirely (full),
//! delete the rows the view no longer has and upsert the rows that differ,
//! in a fixed number of statements whatever the number of keys.  Rows that
//! come out identical are not written, so they cascade no further.

use std::time::Duration;

use pgrx::prelude::*;
use pgrx::{FromDatum, PgSqlErrorCode};

use pg_tviews_planner::statements::Delta;

use crate::catalog::{self, Tview};
use crate::error::{raise, raise_with};
use crate::{definition_settings, guc};
use crate::pg::{first_row_datum, AsRole, KeptPlan, SettingsScope, Snapshot, SpiConnection, MAINTENANCE_SETTINGS};

use super::cache::{self, Target};
use super::frames::{Earlier, StatementStart};
use super::keyset;
use super::locks;
use super::transition::Transition;

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

/// The keys of one TVIEW the running trigger's write may have changed,
/// locked (see `locks`); None when there are none.  With `earlier`, keys
/// the changed rows had as that statement began are added, or the TVIEW is
/// rebuilt when that is unknown (see `frames`).
///
/// `few`: the write's rows when there are few (`transition`); what only
/// they decide is then read off them instead of queried.
pub fn find_keys(target: &Target, delta: Delta, earlier: Option<Earlier>, few: Option<&Transition>) -> Option<Work> {
    // An UPDATE that left what the TVIEW reads alone changes none of its
    // rows, nor which rows meet which: nothing to lock or find.
    if delta == Delta::OldAndNew && few.is_some_and(|f| target.update_reads_nothing_changed(f)) {
        return None;
    }
    // Keys read off the rows are the same at any snapshot: no need to look
    // back (`earlier`), which only a query reading other relations has, nor
    // to rebuild when the statement's start is unknown.
    let direct = few.and_then(|f| direct_keys(target, delta, f));
    let as_of = match (earlier, &direct) {
        (_, Some(_)) | (None, None) => None,
        (Some(Earlier::Unknown), None) => return Some(full_locked(target)),
        (Some(Earlier::Start(start)), None) => Some(start),
    };
    let mut whole_tview = locks::lock_edges(target, delta, few);
    loop {
        let found = match &direct {
            Some(found) => found.clone()?,
            None => run_key_query(target, delta, as_of)?,
        };
        // A rebuild only pays: not worth an upgrade wait (see `locks`).
        if full_refresh_pays(found.count, found.estimate) && locks::escalate(target.tview_lock) {
            return Some(Work::Full { keys: found.count });
        }
        let work = Work::Keys { keys: found.keys, count: found.count };
        if whole_tview {
            return Some(work);
        }
        let n = found.lock_ids.len();
        let waited = if locks::fine_locks_allowed(n) || !locks::whole_instead_of(target.tview_lock, n) {
            locks::acquire(&mut found.lock_ids.into_iter().map(|id| (id, true)).collect())
        } else {
            whole_tview = true;
            // Whether it waited for the TVIEW: look again, as for a key lock.
            true
        };
        // Having waited, look again: the writer we waited for may have
        // moved rows to keys we did not find.
        if !waited {
            return Some(work);
        }
    }
}

/// What a key query found: the key array (valid until SPI_finish), its
/// size, the TVIEW's estimated row count, and the keys' lock ids.
#[derive(Clone)]
struct Found {
    keys: pg_sys::Datum,
    count: i64,
    estimate: f32,
    lock_ids: Vec<i64>,
}

fn run_key_query(target: &Target, delta: Delta, as_of: Option<StatementStart>) -> Option<Found> {
    let plan = target.key_plan(delta);
    let then = as_of.and_then(|start| {
        // SAFETY: the snapshot copy is active for the whole execution.
        start.with_snapshot(|snapshot| unsafe { plan.execute_as_of(&[], snapshot) });
        key_query_result()
    });
    plan.execute(&[], false);
    let nulls = null_key_found();
    let now = key_query_result();
    if nulls {
        // After reading the result: this runs a statement of its own.
        check_no_null_key(&target.tview);
    }
    match (then, now) {
        (Some(then), Some(now)) => {
            let (keys, count) = keyset::merge(&target.tview, then.keys, now.keys).unwrap_or((then.keys, 0));
            let mut lock_ids = then.lock_ids;
            lock_ids.extend(now.lock_ids);
            lock_ids.sort_unstable();
            lock_ids.dedup();
            Some(Found { keys, count, estimate: now.estimate, lock_ids })
        }
        (then, now) => now.or(then),
    }
}

/// The keys of a TVIEW keyed by a column of the written rows, or by a
/// column they are joined to by equality, read off them (None: the key
/// query must run; Some(None): no keys).
fn direct_keys(target: &Target, delta: Delta, few: &Transition) -> Option<Option<Found>> {
    let (values, exact) = target.delta_keys(few, delta)?;
    // The key column may have another type than the source's (a UNION
    // resolving int and bigint to bigint): the keys must be of its type.
    // Values only equal to the keys must be the keys: their lock ids are
    // hashed from their text.
    if values.typid() != key_type(&target.tview) || !(exact || equal_means_identical(values.typid())) {
        return None;
    }
    let hasher = values.hasher()?;
    // A NULL join value finds no key; a NULL key may be a view row without one.
    if values.null && exact {
        check_no_null_key(&target.tview);
    }
    let lock_ids = values.lock_ids(hasher, target.key_lock_seed());
    // Few rows are never enough for a rebuild to pay (`MIN_FULL_REFRESH_KEYS`),
    // so the TVIEW's size is not looked up.
    let count = values.datums.len() as i64;
    Some(values.array().map(|keys| Found { keys, count, estimate: -1.0, lock_ids }))
}

/// Types whose equal values are identical (not so numeric's 1.0 = 1.00,
/// float's 0 = -0, bpchar's trailing blanks, citext).
fn equal_means_identical(typid: pg_sys::Oid) -> bool {
    [pg_sys::INT2OID, pg_sys::INT4OID, pg_sys::INT8OID, pg_sys::OIDOID, pg_sys::UUIDOID, pg_sys::DATEOID, pg_sys::TEXTOID, pg_sys::VARCHAROID]
        .contains(&typid)
}

/// The type of the TVIEW's key column.
fn key_type(tview: &Tview) -> pg_sys::Oid {
    let name = crate::pg::cstring(&tview.key_column);
    // SAFETY: syscache lookups by oid and a valid C string; an unknown
    // column gives InvalidOid, which matches no type.
    unsafe { pg_sys::get_atttype(tview.table_oid, pg_sys::get_attnum(tview.table_oid, name.as_ptr())) }
}

fn key_query_result() -> Option<Found> {
    let keys = first_row_datum(1)?;
    // SAFETY: columns 2 and 3 of the key statement are int4 and float4.
    let (count, estimate) = unsafe {
        (
            first_row_datum(2).and_then(|d| i32::from_datum(d, false)).unwrap_or(0),
            first_row_datum(3).and_then(|d| f32::from_datum(d, false)).unwrap_or(-1.0),
        )
    };
    Some(Found { keys, count: i64::from(count), estimate, lock_ids: locks::id_column(4) })
}

/// Column 5 of the key statement: the key query met a NULL key.
fn null_key_found() -> bool {
    // SAFETY: column 5 of the key statement is a boolean.
    first_row_datum(5).and_then(|d| unsafe { bool::from_datum(d, false) }).unwrap_or(false)
}

/// A view row without a key cannot be stored (the key is the primary
/// key): fail as its NOT NULL constraint would, rather than leave it out.
/// The view is read only when the key query met a NULL.
fn check_no_null_key(tview: &Tview) {
    let found = Spi::get_one::<bool>(&crate::sql_text::null_key_probe(&tview.schema, &tview.view, &tview.key_column))
        .ok()
        .flatten()
        .unwrap_or(false);
    if found {
        raise_with(
            PgSqlErrorCode::ERRCODE_NOT_NULL_VIOLATION,
            format!(
                "null value in key column {} of TVIEW {}",
                tview.key_column,
                crate::sql_text::qualified(&tview.schema, &tview.table)
            ),
            Some(format!("{} would have a row whose key is NULL.", crate::sql_text::qualified(&tview.schema, &tview.view))),
            Some("The key column of a TVIEW must not be NULL; the write is refused.".into()),
        );
    }
}

/// Below this many keys a statement stays incremental whatever the
/// threshold (unless it is 0): a rebuild locks the whole TVIEW, and small
/// key sets cost little either way.
const MIN_FULL_REFRESH_KEYS: i64 = 64;

/// Should a statement touching `count` keys of a TVIEW of about `estimate`
/// rows rebuild it instead (`pg_tviews.full_refresh_threshold`)?
pub(super) fn full_refresh_pays(count: i64, estimate: f32) -> bool {
    let threshold = guc::FULL_REFRESH_THRESHOLD.get();
    if threshold == 0.0 {
        return count > 0;
    }
    estimate > 0.0 && count > MIN_FULL_REFRESH_KEYS && count as f64 > threshold * f64::from(estimate)
}

/// A full rebuild (TRUNCATE), holding the whole TVIEW.
pub fn full_locked(target: &Target) -> Work {
    locks::lock_whole(target.tview_lock);
    Work::Full { keys: 0 }
}

pub fn write(tview: &Tview, work: Work) -> Outcome {
    let writer = cache::writer_for(tview);
    // SAFETY: reads the transaction's isolation level.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        match work {
            Work::Keys { keys, .. } => check_snapshot_sees_all(tview, &writer.probe_keyed, &[keys]),
            Work::Full { .. } => check_snapshot_sees_all(tview, &writer.probe_all, &[]),
        }
    }
    let (full, keys) = match work {
        Work::Keys { keys: datum, count } => {
            writer.refresh_keyed.execute(&[datum], false);
            (false, count)
        }
        Work::Full { keys } => {
            writer.refresh_all.execute(&[], false);
            (true, keys)
        }
    };
    if let Some(key) = duplicate_key() {
        raise_duplicate(tview, &key);
    }
    Outcome {
        full,
        keys,
        deleted: count_column(1),
        inserted: count_column(2),
        updated: count_column(3),
    }
}

/// Under REPEATABLE READ and SERIALIZABLE the rows written must be what
/// this transaction sees, and also what is committed, or the TVIEW would
/// be stale once both commit: when a concurrent transaction committed a
/// change to what these rows read, fail as PostgreSQL does for a
/// concurrent update.
fn check_snapshot_sees_all(tview: &Tview, probe: &KeptPlan, args: &[pg_sys::Datum]) {
    let digest = |snapshot| {
        probe.execute_in(args, snapshot);
        // SAFETY: the probe returns one text column.
        first_row_datum(1).and_then(|d| unsafe { String::from_datum(d, false) })
    };
    if digest(Snapshot::Transaction) != digest(Snapshot::Latest) {
        raise_with(
            PgSqlErrorCode::ERRCODE_T_R_SERIALIZATION_FAILURE,
            "could not serialize access due to concurrent update".to_string(),
            Some(format!(
                "A concurrent transaction committed a change to rows that TVIEW {} reads.",
                tview.entity
            )),
            Some("Retry the transaction.".into()),
        );
    }
}

/// Column 4 of the writing statements: a key more than one of the view's
/// fresh rows has (the statement then wrote nothing).
fn duplicate_key() -> Option<String> {
    // SAFETY: column 4 of the writing statements is text.
    first_row_datum(4).and_then(|d| unsafe { String::from_datum(d, false) })
}

/// The view gives two rows one key: fail as the TVIEW's unique key would.
fn raise_duplicate(tview: &Tview, key: &str) -> ! {
    raise_with(
        PgSqlErrorCode::ERRCODE_UNIQUE_VIOLATION,
        format!(
            "duplicate key value violates the key of TVIEW {}",
            crate::sql_text::qualified(&tview.schema, &tview.table)
        ),
        Some(format!(
            "Key ({})=({key}) is produced by more than one row of {}.",
            tview.key_column,
            crate::sql_text::qualified(&tview.schema, &tview.view)
        )),
        Some("The key column of a TVIEW must be unique in its view; the write is refused.".into()),
    )
}

/// Column `n` (an int8 count) of the last result's first row.
fn count_column(n: i32) -> i64 {
    // SAFETY: the writing statements return int8 counts.
    first_row_datum(n).and_then(|d| unsafe { i64::from_datum(d, false) }).unwrap_or(0)
}

/// A full refresh as pg_tviews_refresh runs it: as the owner, with the
/// safe search_path, past the guard trigger.
/// TVIEWs reading this one are brought up to date before returning.
pub fn full_refresh_as_owner(tview: &Tview) -> Outcome {
    let outermost = !super::is_maintaining();
    let _writing = super::maintaining();
    let _spi = SpiConnection::open();
    let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
    locks::lock_whole(locks::tview_lock(tview.table_oid));
    let outcome = {
        let _settings = definition_settings::apply(tview);
        let _owner = AsRole::new(tview.owner);
        write(tview, Work::Full { keys: 0 })
    };
    if outermost {
        super::queue::drain(false);
    }
    outcome
}

/// One execution-store row.
pub fn log(entity: &str, source: pg_sys::Oid, operation: &str, outcome: &Outcome, took: Duration) {
    let mode = if outcome.full { "full" } else { "incremental" };
    let run = catalog::as_extension_owner(|ext| Spi::run_with_args(
        &ext.sql(&[
            "INSERT INTO @extschema@.pg_tview_refresh_log (entity, source_table, operation, mode, keys_examined, \
             rows_inserted, rows_updated, rows_deleted, duration_ms) \
             VALUES ($1, $2::oid::regclass, $3, $4, $5, $6, $7, $8, $9)",
        ]),
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
