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
//!
//! No upgrade waits: a transaction holding a TVIEW lock shared never waits
//! for it exclusively while it can do without, because two such
//! transactions would each wait for the other's shared lock (a deadlock
//! between single-row writers).  So:
//! - a run that would rather hold the TVIEW whole (more fine locks than
//!   `MAX_FINE_LOCKS` in one run, or a rebuild that pays) while it holds it
//!   shared takes it exclusively only if that needs no wait (`escalate`);
//!   otherwise it takes its fine locks (within the transaction's budget)
//!   or stays incremental;
//! - in the statement that loaded the library
//!   (`frames::in_unframed_statement`), a TVIEW maintained twice needs
//!   itself whole the second time (`Earlier::Unknown`).  One write reaches
//!   a TVIEW twice when the TVIEW reads another TVIEW (a user rename
//!   reaches tv_author directly and through tv_post) or reads the source
//!   twice (a self-join; INSERT ... ON CONFLICT fires two triggers), so in
//!   that statement those TVIEWs are locked whole from the start.
//!
//! What remains is what cannot be known in advance: a transaction past its
//! budget, a TRUNCATE after writes in the same transaction, or a first
//! statement of a session that writes two sources of one TVIEW (a writable
//! CTE, a trigger writing another source; not when the second one's keys
//! are read off its rows, `apply::find_keys`) waits for the TVIEW exclusively
//! while holding it shared, and two of those can deadlock (40P01, as with
//! PostgreSQL's own lock upgrades).

use std::cell::{Cell, RefCell};

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::FromDatum;

use pg_tviews_planner::statements::Delta;

use super::cache::Target;
use super::transition::Transition;
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
/// run or the transaction's budget: the caller locks the TVIEW whole then
/// (`whole_instead_of`).
pub fn fine_locks_allowed(n: usize) -> bool {
    n <= MAX_FINE_LOCKS && within_budget(n)
}

/// Count `n` more fine locks against the transaction's budget, if they fit.
fn within_budget(n: usize) -> bool {
    let taken = FINE_TAKEN.with(Cell::get);
    if taken + n > fine_lock_budget() {
        return false;
    }
    FINE_TAKEN.with(|t| t.set(taken + n));
    true
}

/// Take the TVIEW exclusively if that cannot be an upgrade wait: at once
/// when this transaction holds it shared already (and only if nobody else
/// does), waiting otherwise.  Returns whether it is held whole now.
pub fn escalate(tview_lock: i64) -> bool {
    if holds_whole(tview_lock) {
        return true;
    }
    if held_shared(tview_lock) && !try_lock(tview_lock, true, true) {
        return false;
    }
    lock_whole(tview_lock);
    true
}

/// A run wants `n` more fine locks than one run may take: hold the TVIEW
/// whole instead (true), or, when that would be an upgrade wait, take the
/// fine locks after all while the transaction's budget lasts (false).
/// Past the budget it waits (see the module comment).
pub fn whole_instead_of(tview_lock: i64, n: usize) -> bool {
    if escalate(tview_lock) || !within_budget(n) {
        lock_whole(tview_lock);
        return true;
    }
    false
}

/// Does this transaction hold the TVIEW lock in shared mode?
fn held_shared(tview_lock: i64) -> bool {
    let tag = tag_of(tview_lock);
    // SAFETY: a valid tag; reads this backend's lock table.
    unsafe { pg_sys::LockHeldByMe(&tag, pg_sys::ShareLock as pg_sys::LOCKMODE) }
}

/// Take the TVIEW lock and the edge locks of a write to `target`'s source
/// (`delta`: the changed rows), level by level.  Returns whether the
/// whole TVIEW is held exclusively (coarse source, a TVIEW reached twice in
/// the statement that loaded the library, or too many locks).
pub fn lock_edges(target: &Target, delta: Delta, few: Option<&Transition>) -> bool {
    let may_look_back = target.stack_depth > 1 || target.self_joined;
    if target.coarse || holds_whole(target.tview_lock) || (may_look_back && super::frames::in_unframed_statement()) {
        lock_whole(target.tview_lock);
        return true;
    }
    let mut wanted = vec![(target.tview_lock, false)];
    let mut fine = 0;
    for level in 0..target.lock_levels() {
        let (exclusive, shared) = match few.and_then(|f| target.direct_edge_ids(level, delta, f)) {
            Some(ids) => ids,
            None => {
                let Some(plan) = target.edge_lock_plan(delta, level) else { break };
                // Reads with a new snapshot (also under REPEATABLE READ): what
                // the writers waited for at the lower levels committed is seen.
                plan.execute(&[], false);
                (id_column(1), id_column(2))
            }
        };
        let n = exclusive.len() + shared.len();
        fine += n;
        // The lock table is shared and bounded: hold the TVIEW instead.
        if (fine > MAX_FINE_LOCKS || !fine_locks_allowed(n)) && whole_instead_of(target.tview_lock, n) {
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
    take(id, exclusive, false, dont_wait)
}

/// Take one lock for the transaction or, with `session`, until released.
fn take(id: i64, exclusive: bool, session: bool, dont_wait: bool) -> bool {
    let tag = tag_of(id);
    let mode = if exclusive { pg_sys::ExclusiveLock } else { pg_sys::ShareLock } as pg_sys::LOCKMODE;
    // SAFETY: a valid tag; a transaction-level lock is released at its end,
    // a session lock by `release_session`.  Waiting can raise ERROR
    // (deadlock, lock_timeout, cancel).
    let result = unsafe { pg_sys::LockAcquire(&tag, mode, session, dont_wait) };
    result != pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL
}

/// The seed key lock ids of a TVIEW are hashed with (as the key
/// statements do, `cache::Target`).
pub fn key_lock_seed(tview_lock: i64) -> i64 {
    id_of(&format!("{tview_lock}:key"))
}

/// Take `id` exclusively until `release_session`, if it is free now.
pub fn try_session(id: i64) -> bool {
    take(id, true, true, true)
}

pub fn release_session(id: i64) {
    let tag = tag_of(id);
    // SAFETY: a valid tag; releasing a lock not held only warns.
    unsafe { pg_sys::LockRelease(&tag, pg_sys::ExclusiveLock as pg_sys::LOCKMODE, true) };
}

/// Take `id` for the transaction, shared (waiting) or, with `exclusive`,
/// only if it is free now.  Returns whether it is held.
pub fn for_transaction(id: i64, exclusive: bool) -> bool {
    take(id, exclusive, false, exclusive)
}

/// The lock tag of a pg_tviews lock id in this database.
fn tag_of(id: i64) -> pg_sys::LOCKTAG {
    let bits = id as u64;
    // SAFETY: MyDatabaseId is set in every backend that runs triggers.
    let database = unsafe { pg_sys::MyDatabaseId };
    pg_sys::LOCKTAG {
        locktag_field1: database.to_u32(),
        locktag_field2: (bits >> 32) as u32,
        locktag_field3: bits as u32,
        locktag_field4: LOCK_MARK,
        locktag_type: pg_sys::LockTagType::LOCKTAG_ADVISORY as u8,
        locktag_lockmethodid: pg_sys::USER_LOCKMETHOD as u8,
    }
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
