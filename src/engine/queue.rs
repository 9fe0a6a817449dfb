//! The work of one outermost maintenance run, written once per TVIEW.
//!
//! A write to a base table fires our trigger (the outermost run); writing
//! the TVIEWs that read it fires the triggers of those TVIEWs in turn
//! (nested runs).  Nested runs only find keys and queue them here; the
//! outermost run drains the queue lowest stack level first, merging the
//! keys each TVIEW received by every path, so a TVIEW reached twice (a
//! diamond) is written once, after everything it reads.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use pgrx::pg_sys;
use pgrx::PgMemoryContexts;

use crate::guc::{self, LogRefreshes};
use crate::pg::AsRole;

use super::apply::{self, Work};
use super::cache::{self, Target};

struct Pending {
    target: Rc<Target>,
    /// Key arrays, copied into TopTransactionContext; None means full.
    keys: Option<Vec<pg_sys::Datum>>,
    count: i64,
    source: pg_sys::Oid,
    operation: &'static str,
}

thread_local! {
    static QUEUE: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
}

/// Queue the work a write caused for one TVIEW.
pub fn push(target: &Rc<Target>, work: Work, source: pg_sys::Oid, operation: &'static str) {
    let (copied, count) = match work {
        // SAFETY: key arrays are varlena datums; the copy outlives the SPI
        // connection that produced them and is freed once written.
        Work::Keys { keys, count } => unsafe {
            let copy = PgMemoryContexts::TopTransactionContext.switch_to(|_| {
                pg_sys::pg_detoast_datum_copy(keys.cast_mut_ptr::<pg_sys::varlena>())
            });
            (Some(pg_sys::Datum::from(copy)), count)
        },
        Work::Full { keys } => (None, keys),
    };
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        match q.iter_mut().find(|p| p.target.tview.table_oid == target.tview.table_oid) {
            Some(p) => {
                p.count += count;
                match (&mut p.keys, copied) {
                    (Some(list), Some(k)) => list.push(k),
                    (keys, _) => *keys = None,
                }
            }
            None => q.push(Pending {
                target: target.clone(),
                keys: copied.map(|k| vec![k]),
                count,
                source,
                operation,
            }),
        }
    });
}

/// Write everything queued, lowest stack level first; writes queue more.
pub fn drain() {
    let log_all = guc::LOG_REFRESHES.get() == LogRefreshes::All;
    while let Some(next) = pop_lowest() {
        let started = Instant::now();
        let tview = &next.target.tview;
        let outcome = {
            let _owner = AsRole::new(tview.owner);
            match &next.keys {
                Some(arrays) => {
                    let keys = merged(&next.target, arrays);
                    apply::write(tview, Work::Keys { keys, count: next.count })
                }
                None => apply::write(tview, Work::Full { keys: next.count }),
            }
        };
        for k in next.keys.iter().flatten() {
            // SAFETY: allocated by `push` and referenced nowhere else.
            unsafe { pg_sys::pfree(k.cast_mut_ptr()) };
        }
        if log_all {
            apply::log(&tview.entity, next.source, next.operation, &outcome, started.elapsed());
        }
    }
}

/// Held by the outermost run: empties the queue when that run ends,
/// normally (already empty) or by an ERROR, so nothing leaks into the
/// next statement.
pub struct Owner(());

impl Owner {
    pub fn new() -> Self {
        Owner(())
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        QUEUE.with(|q| q.borrow_mut().clear());
    }
}

fn pop_lowest() -> Option<Pending> {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let index = q
            .iter()
            .enumerate()
            .min_by_key(|(_, p)| p.target.stack_depth)
            .map(|(i, _)| i)?;
        Some(q.remove(index))
    })
}

/// One key array from several (duplicates are harmless to `= ANY`).
fn merged(target: &Target, arrays: &[pg_sys::Datum]) -> pg_sys::Datum {
    let writer = cache::writer_for(&target.tview);
    let mut keys = arrays[0];
    for more in &arrays[1..] {
        writer.concat_keys.execute(&[keys, *more], true);
        keys = crate::pg::first_row_datum(1).unwrap_or(keys);
    }
    keys
}
