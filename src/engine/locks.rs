//! Transaction-level locks that serialise concurrent writers whose changes
//! meet in one TVIEW row, without locking the TVIEW (see the planner's
//! `locks` module for what is locked and why that is enough).
//!
//! Order of a maintenance run, per TVIEW:
//! 1. the TVIEW lock: shared, or exclusive for a coarse source, a full
//!    rebuild, or more fine locks than `MAX_FINE_LOCKS`;
//! 2. edge locks from the written rows' join values;
//! 3. only then the key query: its snapshot is taken after every writer we
//!    waited for has committed, so it sees their rows;
//! 4. key locks; when one had to be waited for, the key query runs again
//!    (a concurrent writer may have moved rows between keys).
//! Every statement after the locks reads with a new snapshot, also under
//! REPEATABLE READ and SERIALIZABLE (see `pg::KeptPlan::execute`).
//!
//! Locks are advisory locks in the user lock method, tagged with
//! `LOCK_MARK` so they never collide with an application's own advisory
//! locks; they show in `pg_locks` as `advisory` with `objsubid` 7.  Ids are
//! sorted before they are taken, so two runs cannot deadlock on them.

use pgrx::pg_sys;

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

/// Lock the whole TVIEW whose lock id is `tview_lock`, exclusively.
pub fn lock_whole(tview_lock: i64) {
    acquire(&mut vec![(tview_lock, true)]);
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
