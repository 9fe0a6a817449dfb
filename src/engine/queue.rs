//! The work maintenance has found but not yet written, per TVIEW.
//!
//! A write to a base table fires our trigger (the outermost run); writing
//! the TVIEWs that read it fires the triggers of those TVIEWs in turn
//! (nested runs).  Nested runs only find keys and queue them here; the
//! outermost run drains the queue lowest stack level first, merging the
//! keys each TVIEW received by every path, so a TVIEW reached twice (a
//! diamond) is written once, after everything it reads.
//!
//! Work for a deferred TVIEW stays queued until the transaction commits or
//! prepares (`on_xact`): the keys of every statement are merged, so a row
//! written a hundred times is refreshed once.  Work for an async TVIEW is
//! merged the same way and, at commit or prepare, after the deferred work
//! (which may cascade into async TVIEWs), is recorded in the durable queue
//! instead of being written (`async_mode::capture`).  Each piece of work remembers
//! the subtransaction that queued it, so ROLLBACK TO SAVEPOINT (or a failed
//! exception block) forgets exactly what it queued (`on_subxact`).  Key
//! arrays live in TopTransactionContext; transaction end forgets them all.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::definition_settings;
use crate::guc::{self, LogRefreshes};
use crate::pg::{ActiveSnapshot, AsRole, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

use super::apply::{self, Work};
use super::cache::Target;
use super::keyset::KeySet;
use super::failures;

/// What one subtransaction queued for one TVIEW.
struct Chunk {
    subxact: pg_sys::SubTransactionId,
    /// None means rebuild it all.
    keys: Option<KeySet>,
    /// Keys examined, for a rebuild.
    count: i64,
}

impl Chunk {
    /// `keys` None: rebuild it all, `count` keys examined.
    fn new(subxact: pg_sys::SubTransactionId, keys: Option<pg_sys::Datum>, count: i64) -> Chunk {
        Chunk { subxact, keys: keys.map(|k| KeySet::new(k, count)), count }
    }

    fn keys_queued(&self) -> i64 {
        self.keys.as_ref().map_or(self.count, KeySet::len)
    }
}

/// When queued work is done.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// At the end of the outermost statement (immediate).
    Statement,
    /// At commit or prepare (deferred).
    Commit,
    /// Recorded at commit or prepare, applied by the worker (async).
    Worker,
}

struct Pending {
    target: Rc<Target>,
    when: When,
    chunks: Vec<Chunk>,
    source: pg_sys::Oid,
    operation: &'static str,
    enqueued_at: pg_sys::TimestampTz,
}

thread_local! {
    static QUEUE: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
}

/// When a write's work on this TVIEW is done.  A TVIEW's own mode is the
/// floor; the session's `pg_tviews.refresh_mode` can only move it later
/// (immediate -> deferred -> async), never sooner: an async TVIEW stays
/// async for a deferred session.
pub fn when(target: &Target) -> When {
    let setting = guc::REFRESH_MODE.get();
    if target.tview.asynchronous || setting == guc::RefreshMode::Async {
        When::Worker
    } else if target.tview.deferred || setting == guc::RefreshMode::Deferred {
        When::Commit
    } else {
        When::Statement
    }
}

/// Queue the work a write caused for one TVIEW.  Runs inside the
/// trigger's SPI connection.
pub fn push(target: &Rc<Target>, work: Work, source: pg_sys::Oid, operation: &'static str) {
    let when = when(target);
    // SAFETY: plain reads of the transaction state.
    let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
    let (keys, count) = match work {
        Work::Keys { keys, count } => (Some(keys), count),
        Work::Full { keys } => (None, keys),
    };
    let existing = QUEUE.with(|q| {
        q.borrow()
            .iter()
            .position(|p| p.target.tview.table_oid == target.tview.table_oid && p.when == when)
    });
    let Some(index) = existing else {
        let chunk = Chunk::new(subxact, keys, count);
        QUEUE.with(|q| {
            q.borrow_mut().push(Pending {
                target: target.clone(),
                when,
                chunks: vec![chunk],
                source,
                operation,
                // SAFETY: reads the clock.
                enqueued_at: unsafe { pg_sys::GetCurrentTimestamp() },
            })
        });
        return;
    };
    // Same TVIEW, same subtransaction: add to its last chunk (a rebuild
    // absorbs everything).  The queue is not borrowed while keys compact:
    // that runs SQL.
    let last = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let chunks = &mut q[index].chunks;
        match chunks.last_mut() {
            Some(chunk) if chunk.subxact == subxact => Some(std::mem::replace(chunk, Chunk { subxact, keys: None, count: 0 })),
            _ => None,
        }
    });
    let chunk = match (last, keys) {
        (Some(Chunk { keys: Some(mut set), .. }), Some(new)) => {
            set.add(&target.tview, new, count);
            Chunk { subxact, keys: Some(set), count: 0 }
        }
        (Some(old), _) => Chunk { subxact, keys: None, count: old.keys_queued() + count },
        (None, keys) => {
            let chunk = Chunk::new(subxact, keys, count);
            QUEUE.with(|q| q.borrow_mut()[index].chunks.push(chunk));
            return;
        }
    };
    QUEUE.with(|q| {
        if let Some(last) = q.borrow_mut()[index].chunks.last_mut() {
            *last = chunk;
        }
    });
}

/// Write what is queued, lowest stack level first; writes queue more.
/// `all` includes deferred work (at commit); async work is never written
/// here (`take_async`).  Returns the rows written.
pub fn drain(all: bool) -> i64 {
    let mut written = 0;
    let log_all = guc::LOG_REFRESHES.get() == LogRefreshes::All;
    while let Some(next) = pop_lowest(all) {
        let started = Instant::now();
        let tview = &next.target.tview;
        let count: i64 = next.chunks.iter().map(Chunk::keys_queued).sum();
        let full = next.chunks.iter().any(|c| c.keys.is_none());
        let _unit = failures::working_on(&next.target, next.source, next.operation, full, count);
        let outcome = {
            let _settings = definition_settings::apply(tview);
            let _owner = AsRole::new(tview.owner);
            let mut sets = next.chunks.into_iter().filter_map(|c| c.keys);
            match (full, sets.next()) {
                (false, Some(mut keys)) => {
                    for more in sets {
                        keys.absorb(tview, more);
                    }
                    let (keys, count) = keys.distinct(tview);
                    apply::write(tview, Work::Keys { keys, count })
                }
                _ => apply::write(tview, Work::Full { keys: count }),
            }
        };
        written += outcome.written();
        if log_all {
            apply::log(&tview.entity, next.source, next.operation, &outcome, started.elapsed());
        }
    }
    written
}

fn pop_lowest(all: bool) -> Option<Pending> {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let index = q
            .iter()
            .enumerate()
            .filter(|(_, p)| p.when == When::Statement || (all && p.when == When::Commit))
            .min_by_key(|(_, p)| p.target.stack_depth)
            .map(|(i, _)| i)?;
        Some(q.remove(index))
    })
}

/// The async work queued in this transaction, removed from the queue:
/// per TVIEW its target, the distinct keys (None: rebuild it whole) and
/// how many, the source and operation of its first write.  Inside an SPI
/// connection (keys are merged by SQL); the key arrays live until the
/// connection ends.
pub fn take_async() -> Vec<AsyncWork> {
    let taken: Vec<Pending> = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        let (worker, rest): (Vec<Pending>, Vec<Pending>) = q.drain(..).partition(|p| p.when == When::Worker);
        *q = rest;
        worker
    });
    taken
        .into_iter()
        .map(|p| {
            let count: i64 = p.chunks.iter().map(Chunk::keys_queued).sum();
            let full = p.chunks.iter().any(|c| c.keys.is_none());
            let mut sets = p.chunks.into_iter().filter_map(|c| c.keys);
            let keys = match (full, sets.next()) {
                (false, Some(mut keys)) => {
                    for more in sets {
                        keys.absorb(&p.target.tview, more);
                    }
                    let (keys, count) = keys.distinct(&p.target.tview);
                    Some((keys, count))
                }
                _ => None,
            };
            AsyncWork { target: p.target, keys, count, source: p.source, operation: p.operation }
        })
        .collect()
}

/// One TVIEW's async work of a transaction (`take_async`).
pub struct AsyncWork {
    pub target: Rc<Target>,
    /// The distinct keys and their number; None: rebuild it whole.
    pub keys: Option<(pg_sys::Datum, i64)>,
    /// Keys examined (for a rebuild).
    pub count: i64,
    pub source: pg_sys::Oid,
    pub operation: &'static str,
}

/// This session's pending work: (entity, keys queued, oldest enqueue time).
pub fn pending() -> Vec<(String, i64, pg_sys::TimestampTz)> {
    QUEUE.with(|q| {
        q.borrow()
            .iter()
            .map(|p| {
                let keys = p.chunks.iter().map(Chunk::keys_queued).sum();
                (p.target.tview.entity.clone(), keys, p.enqueued_at)
            })
            .collect()
    })
}

/// At PRE_COMMIT / PRE_PREPARE: write the deferred work, as the outermost
/// maintenance run, then record the async work (also what the deferred
/// writes cascaded into).  At commit, wake the worker if work was
/// recorded.  At transaction end: forget everything.
#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    match event {
        pg_sys::XactEvent::XACT_EVENT_PRE_COMMIT | pg_sys::XactEvent::XACT_EVENT_PRE_PREPARE => {
            if QUEUE.with(|q| q.borrow().is_empty()) {
                return;
            }
            failures::recorded(|| {
                let _writing = super::maintaining();
                let _snapshot = ActiveSnapshot::push();
                let _spi = SpiConnection::open();
                let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
                drain(true);
                let work = take_async();
                if !work.is_empty() {
                    let preparing = event == pg_sys::XactEvent::XACT_EVENT_PRE_PREPARE;
                    super::async_mode::capture::record(work, preparing);
                }
            });
        }
        event if crate::pg::ends_transaction(event) => {
            QUEUE.with(|q| q.borrow_mut().clear());
            if event == pg_sys::XactEvent::XACT_EVENT_COMMIT {
                super::async_mode::capture::committed();
            } else {
                super::async_mode::capture::forget();
            }
        }
        _ => {}
    }
}

/// A subtransaction rolled back: forget what it and its children queued
/// (their ids are all at least its own).
#[pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    subxact: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event != pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        return;
    }
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        for pending in q.iter_mut() {
            pending.chunks.retain(|c| c.subxact < subxact);
        }
        q.retain(|p| !p.chunks.is_empty());
    });
}

pub fn register_callbacks() {
    // SAFETY: registered once per backend from _PG_init; never unregistered.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}
