//! DDL against concurrent writers and concurrent DDL: the lock every
//! CREATE, convert and DROP of a TVIEW takes on the relations whose
//! triggers it decides, and the catch-up that makes a new TVIEW exact.
//!
//! The lock: SHARE ROW EXCLUSIVE on every source of the TVIEW and on its
//! own table, lowest oid first, held to the end of the transaction.  It is
//! the mode CREATE TRIGGER takes: it conflicts with the ROW EXCLUSIVE lock
//! of every writer (INSERT, UPDATE, DELETE, MERGE; TRUNCATE takes more) and
//! with itself, and not with readers.  Taking it in oid order means two
//! pieces of DDL cannot wait for each other's sources in opposite orders.
//!
//! Triggers (`triggers::sync_relations`): which maintenance triggers a
//! source needs follows from `pg_tview_meta`.  The metadata and the
//! triggers present are read after the lock, with a snapshot taken then
//! (`crate::latest`).  Two pieces of DDL on one source therefore take turns,
//! and the second decides from what the first committed: two CREATEs on a
//! new source do not both create its triggers (42710), a DROP does not
//! remove the triggers a concurrent CREATE relies on, and of two DROPs of
//! the last TVIEWs of a source the second removes the triggers.  Every
//! interleaving ends with exactly the triggers the metadata needs.
//!
//! Exactness of a new TVIEW (CREATE TABLE AS, `pg_tviews_create`): the
//! table is filled by the CREATE's query, with the statement's snapshot
//! (the transaction's under REPEATABLE READ and SERIALIZABLE), before
//! pg_tviews sees the statement at `ddl_command_end`.  A writer of a source
//! that committed after that snapshot was taken, or that was still open,
//! is not in the table, and it ran without the triggers.  Once the lock is
//! held no writer of a source is open (each held ROW EXCLUSIVE until its
//! end, and the lock waited for it) and none can start until this
//! transaction ends, after which every writer finds the triggers and the
//! metadata.  So what the CREATE must still account for is exactly what
//! committed between its snapshot and the moment the lock was granted:
//! - nothing committed or aborted in between (the latest snapshot has the
//!   same xmax and the same running transactions as the CREATE's): the
//!   table equals the view; nothing to do (the usual case, for free);
//! - READ COMMITTED: rebuild it (`engine::full_refresh_as_owner`, which
//!   reads with a new snapshot and writes only the rows that differ);
//! - REPEATABLE READ, SERIALIZABLE: the transaction cannot see what was
//!   committed in between, so it cannot fill the table with it.  The
//!   rebuild's own check compares the view under the transaction's snapshot
//!   with the view as committed now and fails with 40001 when they differ
//!   (a concurrent write to rows it reads): retried, the CREATE succeeds.
//!   When they are equal, the table already is the view.
//!
//! `pg_tviews_convert_table` takes the lock before it brings the table in
//! line with the view (the same rebuild), so it is exact the same way.
//!
//! DROP: see `drop_start` (the sources are locked before DROP TABLE locks
//! the TVIEW's table, so a deferred writer's COMMIT never waits for it).

use std::collections::BTreeSet;

use pgrx::pg_sys;

use crate::catalog;
use crate::engine;

/// Lock `relations` for DDL (see the module comment), lowest oid first;
/// returns them as a set.  A relation that no longer exists (a dropped
/// source) is locked by oid all the same, which is harmless.
pub fn lock_for_ddl(relations: &[pg_sys::Oid]) -> BTreeSet<u32> {
    let set: BTreeSet<u32> = relations.iter().map(|r| r.to_u32()).filter(|r| *r != 0).collect();
    for rel in &set {
        // SAFETY: a lock on a relation oid, held to the transaction's end.
        unsafe {
            pg_sys::LockRelationOid(pg_sys::Oid::from(*rel), pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE)
        };
    }
    set
}

/// Which transactions a snapshot sees as committed: its xmax and the ones
/// it sees running.
#[derive(PartialEq, Eq)]
pub struct Horizon {
    xmax: pg_sys::TransactionId,
    running: Vec<pg_sys::TransactionId>,
}

impl Horizon {
    /// Of the active snapshot (the one CREATE TABLE AS filled the table
    /// with), if any and if taken on a primary.
    pub fn active() -> Option<Horizon> {
        // SAFETY: reads the active snapshot, valid while the statement runs.
        unsafe {
            if !pg_sys::ActiveSnapshotSet() {
                return None;
            }
            Horizon::of(pg_sys::GetActiveSnapshot())
        }
    }

    /// Of a snapshot taken now.
    fn latest() -> Option<Horizon> {
        // SAFETY: GetLatestSnapshot returns a valid static snapshot.
        unsafe { Horizon::of(pg_sys::GetLatestSnapshot()) }
    }

    /// # Safety
    /// `snapshot` must be valid.
    unsafe fn of(snapshot: pg_sys::Snapshot) -> Option<Horizon> {
        if snapshot.is_null() || (*snapshot).takenDuringRecovery {
            return None;
        }
        let count = (*snapshot).xcnt as usize;
        let mut running: Vec<pg_sys::TransactionId> = if count == 0 || (*snapshot).xip.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts((*snapshot).xip, count).to_vec()
        };
        running.sort_unstable();
        Some(Horizon { xmax: (*snapshot).xmax, running })
    }
}

/// Make the new TVIEW on `table` exact after the lock (see the module
/// comment); `filled_with` is the horizon of the snapshot that filled it,
/// None to rebuild it whatever committed.
pub fn catch_up(table: pg_sys::Oid, filled_with: Option<Horizon>) {
    if filled_with.is_some() && filled_with == Horizon::latest() {
        return;
    }
    if let Some(tview) = catalog::by_table(table) {
        engine::full_refresh_as_owner(&tview);
    }
}
