//! Read-your-writes for async TVIEWs: `pg_tviews_wait` returns once
//! everything committed before it was called is applied.
//!
//! The entries committed before the call are those a snapshot taken at the
//! call sees; they all have ids up to the largest it sees (ids are drawn
//! before commit, so later commits may have smaller ids too: waiting for
//! those as well is more than needed, never less).  An entry a batch
//! records for a TVIEW stacked on the one it applied carries the oldest
//! origin of that batch's entries, and is recorded in the transaction that
//! deletes them: so "no entry whose origin is at most that id remains" is
//! the condition, cascades included.  It is polled with a new snapshot,
//! sleeping on the latch in between (1 ms, doubling to 20 ms).

use std::time::{Duration, Instant};

use pgrx::pg_sys;

use crate::catalog;

use super::worker;

const FIRST_POLL: Duration = Duration::from_millis(1);
const MAX_POLL: Duration = Duration::from_millis(20);

/// Wait at most `timeout`; true when everything was applied in time.
pub fn until_applied(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let Some(last) = largest_committed() else {
        return true;
    };
    worker::ensure_running();
    let mut poll = FIRST_POLL;
    loop {
        if !pending_up_to(last) {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        // SAFETY: waits on our own latch; interrupts (cancel,
        // statement_timeout, termination) are served right after.
        unsafe {
            pg_sys::WaitLatch(
                pg_sys::MyLatch,
                (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as i32,
                poll.min(left).as_millis().max(1) as std::ffi::c_long,
                pg_sys::PG_WAIT_EXTENSION,
            );
            pg_sys::ResetLatch(pg_sys::MyLatch);
        }
        pg_sys::check_for_interrupts!();
        poll = (poll * 2).min(MAX_POLL);
    }
}

/// The largest entry id committed now; None when the queue is empty.
fn largest_committed() -> Option<i64> {
    catalog::as_extension_owner(|ext| {
        let sql = ext.sql(&["SELECT pg_catalog.max(entry_id) FROM @extschema@.pg_tviews_async_queue"]);
        crate::latest::run(&sql, &[], |row| row.get::<i64>(1)).into_iter().next().flatten()
    })
}

/// Does an entry committed now descend from one up to `last`?
fn pending_up_to(last: i64) -> bool {
    catalog::as_extension_owner(|ext| {
        let sql = ext.sql(&[
            "SELECT EXISTS (SELECT 1 FROM @extschema@.pg_tviews_async_queue WHERE COALESCE(origin_id, entry_id) <= $1)",
        ]);
        crate::latest::run(&sql, &[last.into()], |row| row.get::<bool>(1)).into_iter().next().flatten().unwrap_or(true)
    })
}
