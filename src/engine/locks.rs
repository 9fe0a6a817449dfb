//! Transaction-level locks that serialise concurrent writers whose changes
//! meet in one TVIEW row, without locking the TVIEW (see the planner's
//! `locks` module for what is locked and why that is enough).
//!
//! Order of a maintenance run, per TVIEW:
//! 1. the TVIEW lock: shared, or exclusive for a coarse source, a full
//!    rebuild, or more fine locks than `MAX_FINE_LOCKS`;
//! 2. edge locks from the written rows' join values, level by level (an
//!    edge's level is its distance from the TVIEW's root): the reach locks
//!    of a level are read through rows the lower levels' locks hold still,
//!    and every writer takes its edge locks in that same order;
//! 3. only then the key query: its snapshot is taken after every writer we
//!    waited for has committed, so it sees their rows;
//! 4. key locks; when one had to be waited for, the key query runs again
//!    (a concurrent writer may have moved rows between keys).
//!
//! Every statement after the locks reads with a new snapshot, also under
//! REPEATABLE READ and SERIALIZABLE (see `pg::KeptPlan::execute`).
//!
//! Locks are advisory locks in the user lock method, tagged with
//! `LOCK_MARK` so they never collide with an application's own advisory
//! locks; they show in `pg_locks` as `advisory` with `objsubid` 7.  Ids are
//! sorted before they are taken, so two runs cannot deadlock on them.
//!
//! The lock table is shared and bounded (max_locks_per_transaction slots per
//! connection), and transaction-level locks are only released at its end:
//! a transaction writing thousands of rows one statement at a time would
//! fill it.  So a transaction takes at most `fine_lock_budget()` fine locks;
//! past that, and once it holds a TVIEW exclusively, its runs on that TVIEW
//! take no fine locks at all.

use std::cell::{Cell, RefCell};

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::FromDatum;

use pg_tviews_planner::statements::Delta;

use super::cache::Target;
use crate::pg::first_row_datum;

/// `locktag_field4` of every pg_tviews lock.
const LOCK_MARK: u16 = 7;

/// Above this many edge or key locks in one run, lock the TVIEW instead:
/// the lock table is shared and sized by max_locks_per_transaction.
pub const MAX_FINE_LOCKS: usize = 256;

/// A stable 64-bit id for a name (FNV-1a); used to derive per-TVIEW seeds.
pub fn id_of(name: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

/// The id of the TVIEW-wide lock.
pub fn tview_lock(table_oid: pg_sys::Oid) -> i64 {
    id_of(&format!("pg_tviews:{}", table_oid.to_u32()))
}

thread_local! {
    /// Fine locks this transaction has taken (not decreased when a
    /// subtransaction rolls back and releases some: an over-estimate).
    static FINE_TAKEN: Cell<usize> = const { Cell::new(0) };
    /// TVIEW locks this transaction holds exclusively, with the
    /// subtransaction that owns each.
    static WHOLE: RefCell<Vec<(i64, pg_sys::SubTransactionId)>> = const { RefCell::new(Vec::new()) };
}

/// Fine locks one transaction may take: several times its share of the
/// lock table, which leaves room for the other sessions.
fn fine_lock_budget() -> usize {
    // SAFETY: reads a setting fixed at server start.
    let per_transaction = unsafe { pg_sys::max_locks_per_xact };
    (per_transaction.max(10) as usize) * 8
}

/// Lock the whole TVIEW whose lock id is `tview_lock`, exclusively.
/// Returns whether it had to wait.
pub fn lock_whole(tview_lock: i64) -> bool {
    if holds_whole(tview_lock) {
        return false;
    }
    let waited = acquire(&mut vec![(tview_lock, true)]);
    // SAFETY: reads the transaction state.
    let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
    WHOLE.with(|w| w.borrow_mut().push((tview_lock, subxact)));
    waited
}

/// Does this transaction hold the TVIEW exclusively already?
pub fn holds_whole(tview_lock: i64) -> bool {
    WHOLE.with(|w| w.borrow().iter().any(|&(id, _)| id == tview_lock))
}

/// May a run take `n` more fine locks?  Not past `MAX_FINE_LOCKS` in one
/// run or the transaction's budget: the caller locks the TVIEW whole then.
pub fn fine_locks_allowed(n: usize) -> bool {
    let taken = FINE_TAKEN.with(Cell::get);
    if n > MAX_FINE_LOCKS || taken + n > fine_lock_budget() {
        return false;
    }
    FINE_TAKEN.with(|t| t.set(taken + n));
    true
}

/// Take the TVIEW lock and the edge locks of a write to `target`'s source
/// (`delta`: the changed rows), level by level.  Returns whether the
/// whole TVIEW is held exclusively (coarse source, or too many locks).
pub fn lock_edges(target: &Target, delta: Delta) -> bool {
    if target.coarse || holds_whole(target.tview_lock) {
        lock_whole(target.tview_lock);
        return true;
    }
    let mut wanted = vec![(target.tview_lock, false)];
    let mut fine = 0;
    for level in 0..target.lock_levels() {
        let Some(plan) = target.edge_lock_plan(delta, level) else { break };
        // Reads with a new snapshot (also under REPEATABLE READ): what the
        // writers waited for at the lower levels committed is seen.
        plan.execute(&[], false);
        let exclusive = id_column(1);
        let shared = id_column(2);
        fine += exclusive.len() + shared.len();
        if fine > MAX_FINE_LOCKS || !fine_locks_allowed(exclusive.len() + shared.len()) {
            // The lock table is shared and bounded: hold the TVIEW instead.
            lock_whole(target.tview_lock);
            return true;
        }
        wanted.extend(exclusive.into_iter().map(|id| (id, true)));
        wanted.extend(shared.into_iter().map(|id| (id, false)));
        acquire(&mut wanted);
        wanted.clear();
    }
    acquire(&mut wanted);
    false
}

/// Column `n` of the last result's first row as lock ids (int8[]).
pub fn id_column(n: i32) -> Vec<i64> {
    // SAFETY: the caller's statement returns an int8[] in column n.
    first_row_datum(n)
        .and_then(|d| unsafe { Vec::<i64>::from_datum(d, false) })
        .unwrap_or_default()
}

/// Take every lock in `wanted` (id, exclusive), in id order.  Returns
/// whether any of them had to be waited for.
pub fn acquire(wanted: &mut Vec<(i64, bool)>) -> bool {
    wanted.sort_unstable();
    // An id wanted both ways is taken exclusively (sorted: false < true).
    wanted.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            earlier.1 |= later.1;
            true
        } else {
            false
        }
    });
    let mut waited = false;
    for &(id, exclusive) in wanted.iter() {
        if !waited && try_lock(id, exclusive, true) {
            continue;
        }
        waited = true;
        try_lock(id, exclusive, false);
    }
    waited
}

/// Take one lock; with `dont_wait`, only if it is free now.
fn try_lock(id: i64, exclusive: bool, dont_wait: bool) -> bool {
    let bits = id as u64;
    // SAFETY: MyDatabaseId is set in every backend that runs triggers.
    let database = unsafe { pg_sys::MyDatabaseId };
    let tag = pg_sys::LOCKTAG {
        locktag_field1: database.to_u32(),
        locktag_field2: (bits >> 32) as u32,
        locktag_field3: bits as u32,
        locktag_field4: LOCK_MARK,
        locktag_type: pg_sys::LockTagType::LOCKTAG_ADVISORY as u8,
        locktag_lockmethodid: pg_sys::USER_LOCKMETHOD as u8,
    };
    let mode = if exclusive { pg_sys::ExclusiveLock } else { pg_sys::ShareLock } as pg_sys::LOCKMODE;
    // SAFETY: a valid tag; a transaction-level lock, released at its end.
    // Waiting can raise ERROR (deadlock, lock_timeout, cancel).
    let result = unsafe { pg_sys::LockAcquire(&tag, mode, false, dont_wait) };
    result != pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL
}

#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    if crate::pg::ends_transaction(event) {
        FINE_TAKEN.with(|t| t.set(0));
        WHOLE.with(|w| w.borrow_mut().clear());
    }
}

/// A subtransaction's locks go to its parent when it commits, and are
/// released when it rolls back.
#[pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    subxact: pg_sys::SubTransactionId,
    parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    WHOLE.with(|w| {
        let mut w = w.borrow_mut();
        match event {
            pg_sys::SubXactEvent::SUBXACT_EVENT_COMMIT_SUB => {
                for entry in w.iter_mut().filter(|e| e.1 == subxact) {
                    entry.1 = parent;
                }
            }
            pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB => w.retain(|e| e.1 < subxact),
            _ => {}
        }
    });
}

/// Forget the transaction's locks when it ends; once per backend, from
/// _PG_init.
pub fn register_callbacks() {
    // SAFETY: registered once per backend; never unregistered.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}
