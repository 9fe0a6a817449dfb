//! Row-level capture: maintenance for writers that fire row triggers only.
//!
//! The logical-replication apply worker (and its table-sync workers) run
//! with `session_replication_role = replica` and fire no statement
//! triggers, so on a subscriber the statement triggers of `ddl/triggers`
//! never see a replicated write.  A source in capture mode `replica` or
//! `row` (`ddl/capture`) has instead a row-level AFTER trigger that copies
//! each changed row's old and new image here, per source, event and
//! subtransaction, into a tuplestore in transaction memory (on disk past
//! `work_mem`); a TRUNCATE only marks its source.
//!
//! At PRE_COMMIT (the apply worker commits like any backend) the images
//! are handed to the engine as the transition tables of one statement per
//! (source, event): registered under the same names as the statement
//! triggers' ones, so the same prepared key queries, locks, set-wise writes
//! and cascades run unchanged, and the queue writes each TVIEW once for the
//! whole transaction.
//!
//! Why key queries also look at the state before the transaction: the
//! images of several statements meet only at commit, after every source
//! changed.  An old image joined with the other sources' final rows can
//! miss a TVIEW row that only old rows produced (see `frames` for the same
//! problem inside one statement).  The snapshot of the first captured
//! statement still holds every captured row's first old image together
//! with the other rows as they were, so each key query runs against it
//! too (`Earlier::Start`).  The same look-back covers writers of other
//! sources that committed in between: the locks a statement trigger takes
//! at once (`locks`) are only taken here at commit, so they did not wait.
//! A TRUNCATE, or a source whose row type changed since its first image
//! (DDL in the same transaction), rebuilds the TVIEWs reading it instead.

use std::cell::RefCell;
use std::collections::BTreeSet;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgTriggerError;

use pg_tviews_planner::statements::{Delta, NEW_TABLE, OLD_TABLE};

use crate::pg::{ActiveSnapshot, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

use super::cache;
use super::failures;
use super::frames::{Earlier, StatementStart};
use super::queue;
use super::transition::Transition;
use super::trigger;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Insert,
    Update,
    Delete,
}

impl Event {
    fn delta(self) -> Delta {
        match self {
            Event::Insert => Delta::New,
            Event::Update => Delta::OldAndNew,
            Event::Delete => Delta::Old,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Event::Insert => "INSERT",
            Event::Update => "UPDATE",
            Event::Delete => "DELETE",
        }
    }
}

/// The images one subtransaction captured for one (source, event).
struct Store {
    source: pg_sys::Oid,
    event: Event,
    subxact: pg_sys::SubTransactionId,
    /// Null when the event has no such image (no old rows for an INSERT).
    old: *mut pg_sys::Tuplestorestate,
    new: *mut pg_sys::Tuplestorestate,
}

struct Captured {
    stores: Vec<Store>,
    truncated: Vec<(pg_sys::Oid, pg_sys::SubTransactionId)>,
    /// Each source's row type as its first image was taken.
    shapes: Vec<(pg_sys::Oid, pg_sys::TupleDesc)>,
    /// The first captured statement's snapshot (registered) and command.
    start: Option<(pg_sys::Snapshot, pg_sys::CommandId)>,
}

impl Captured {
    const fn empty() -> Captured {
        Captured { stores: Vec::new(), truncated: Vec::new(), shapes: Vec::new(), start: None }
    }

    fn is_empty(&self) -> bool {
        self.stores.is_empty() && self.truncated.is_empty()
    }
}

thread_local! {
    static CAPTURED: RefCell<Captured> = const { RefCell::new(Captured::empty()) };
}

/// Transaction memory and resource owner while alive: the stores outlive
/// the statement (and subtransaction) that fills them, and so must the
/// temporary files they spill to.
struct TransactionScope {
    context: pg_sys::MemoryContext,
    owner: pg_sys::ResourceOwner,
}

impl TransactionScope {
    fn enter() -> TransactionScope {
        // SAFETY: both exist while a transaction is open (a trigger fires
        // only inside one); restored on drop.
        unsafe {
            let scope = TransactionScope { context: pg_sys::CurrentMemoryContext, owner: pg_sys::CurrentResourceOwner };
            pg_sys::CurrentMemoryContext = pg_sys::TopTransactionContext;
            pg_sys::CurrentResourceOwner = pg_sys::TopTransactionResourceOwner;
            scope
        }
    }
}

impl Drop for TransactionScope {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` replaced.
        unsafe {
            pg_sys::CurrentMemoryContext = self.context;
            pg_sys::CurrentResourceOwner = self.owner;
        }
    }
}

/// The row trigger: keep the row's images for commit.
pub fn collect(trigger: &PgTrigger) -> Result<(), PgTriggerError> {
    let event = match trigger.op()? {
        PgTriggerOperation::Insert => Event::Insert,
        PgTriggerOperation::Update => Event::Update,
        PgTriggerOperation::Delete => Event::Delete,
        PgTriggerOperation::Truncate => return Ok(()),
    };
    let source = trigger.relid()?;
    let data = trigger.trigger_data();
    let (old, new) = match event {
        Event::Insert => (std::ptr::null_mut(), data.tg_trigtuple),
        Event::Update => (data.tg_trigtuple, data.tg_newtuple),
        Event::Delete => (data.tg_trigtuple, std::ptr::null_mut()),
    };
    let _scope = TransactionScope::enter();
    // SAFETY: the running row trigger's relation and tuples; the stores
    // were made in transaction memory by `store_for` and are alive until
    // transaction end.
    unsafe {
        remember_start();
        remember_shape(source, (*data.tg_relation).rd_att);
        let (old_store, new_store) = store_for(source, event);
        if !old.is_null() {
            pg_sys::tuplestore_puttuple(old_store, old);
        }
        if !new.is_null() {
            pg_sys::tuplestore_puttuple(new_store, new);
        }
    }
    Ok(())
}

/// The TRUNCATE trigger of a captured source: its TVIEWs are rebuilt at
/// commit.
pub fn truncated(source: pg_sys::Oid) {
    // SAFETY: reads the transaction state.
    let subxact = unsafe { pg_sys::GetCurrentSubTransactionId() };
    CAPTURED.with(|c| c.borrow_mut().truncated.push((source, subxact)));
}

/// # Safety
/// In transaction memory (`TransactionScope`), inside a statement.
unsafe fn remember_start() {
    if CAPTURED.with(|c| c.borrow().start.is_some()) || !pg_sys::ActiveSnapshotSet() {
        return;
    }
    let active = pg_sys::GetActiveSnapshot();
    // The command is kept apart: the active snapshot's own may be advanced
    // in place by later statements.
    let command = (*active).curcid;
    let registered = pg_sys::RegisterSnapshotOnOwner(active, pg_sys::TopTransactionResourceOwner);
    CAPTURED.with(|c| c.borrow_mut().start = Some((registered, command)));
}

/// # Safety
/// In transaction memory; `shape` is the source's current descriptor.
unsafe fn remember_shape(source: pg_sys::Oid, shape: pg_sys::TupleDesc) {
    if CAPTURED.with(|c| c.borrow().shapes.iter().any(|(s, _)| *s == source)) {
        return;
    }
    let copy = pg_sys::CreateTupleDescCopyConstr(shape);
    CAPTURED.with(|c| c.borrow_mut().shapes.push((source, copy)));
}

/// The (old, new) stores of this subtransaction for (source, event).
///
/// # Safety
/// In transaction memory.
unsafe fn store_for(source: pg_sys::Oid, event: Event) -> (*mut pg_sys::Tuplestorestate, *mut pg_sys::Tuplestorestate) {
    let subxact = pg_sys::GetCurrentSubTransactionId();
    let found = CAPTURED.with(|c| {
        c.borrow()
            .stores
            .iter()
            .find(|s| s.source == source && s.event == event && s.subxact == subxact)
            .map(|s| (s.old, s.new))
    });
    if let Some(found) = found {
        return found;
    }
    let begin = || pg_sys::tuplestore_begin_heap(false, false, pg_sys::work_mem);
    let old = if event == Event::Insert { std::ptr::null_mut() } else { begin() };
    let new = if event == Event::Delete { std::ptr::null_mut() } else { begin() };
    CAPTURED.with(|c| c.borrow_mut().stores.push(Store { source, event, subxact, old, new }));
    (old, new)
}

/// At PRE_COMMIT / PRE_PREPARE: maintain every TVIEW from what was
/// captured, as the outermost maintenance run, then write all queued work.
fn at_commit() {
    let captured = CAPTURED.with(|c| std::mem::replace(&mut *c.borrow_mut(), Captured::empty()));
    if captured.is_empty() {
        release(captured);
        return;
    }
    failures::recorded(|| {
        let _snapshot = ActiveSnapshot::push();
        let sources: BTreeSet<u32> = captured
            .stores
            .iter()
            .map(|s| s.source.to_u32())
            .chain(captured.truncated.iter().map(|(s, _)| s.to_u32()))
            .collect();
        let start = captured.start.map(|(snapshot, command)| StatementStart::new(snapshot, command));
        // Found before any maintenance runs: the cache is only tidied then.
        let targets: Vec<_> = sources
            .iter()
            .map(|s| pg_sys::Oid::from(*s))
            .map(|s| (s, cache::targets_for(s)))
            .filter(|(_, t)| !t.targets.is_empty())
            .collect();
        let _writing = super::maintaining();
        let spi = SpiConnection::open();
        let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
        for (source, source_targets) in &targets {
            let stores: Vec<&Store> = captured.stores.iter().filter(|s| s.source == *source).collect();
            let truncated = captured.truncated.iter().any(|(s, _)| s == source);
            if truncated || start.is_none() || !same_shape(&captured, *source) {
                let operation = if truncated { "TRUNCATE" } else { stores.first().map_or("UPDATE", |s| s.event.name()) };
                trigger::queue_work(source_targets, *source, None, None, operation, None, |_| None);
                continue;
            }
            for store in stores {
                // SAFETY: the stores are alive (transaction memory) and
                // hold rows of `source`, whose row type is unchanged.
                unsafe {
                    spi.register_tuplestore(OLD_TABLE, *source, store.old);
                    spi.register_tuplestore(NEW_TABLE, *source, store.new);
                }
                // SAFETY: as above; `shape` is the stores' row type.
                let few = unsafe { Transition::few(store.old, store.new, shape_of(&captured, *source)) };
                trigger::queue_work(source_targets, *source, Some(store.event.delta()), None, store.event.name(), few.as_ref(), |_| {
                    start.map(Earlier::Start)
                });
                spi.unregister_tuplestore(OLD_TABLE, store.old);
                spi.unregister_tuplestore(NEW_TABLE, store.new);
            }
        }
        queue::drain(true);
    });
    release(captured);
    cache::tidy();
}

/// The row type `source`'s images were taken with (null when none).
fn shape_of(captured: &Captured, source: pg_sys::Oid) -> pg_sys::TupleDesc {
    captured.shapes.iter().find(|(s, _)| *s == source).map_or(std::ptr::null_mut(), |(_, shape)| *shape)
}

/// Is the source's row type still the one its images were taken with?
/// False when it is gone too (nothing to maintain from it then).
fn same_shape(captured: &Captured, source: pg_sys::Oid) -> bool {
    let Some((_, shape)) = captured.shapes.iter().find(|(s, _)| *s == source) else {
        return false;
    };
    // SAFETY: a lock-taking open of a relation that may be gone, closed
    // before returning; `shape` lives in transaction memory.
    unsafe {
        let rel = pg_sys::try_relation_open(source, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        if rel.is_null() {
            return false;
        }
        let same = pg_sys::equalTupleDescs(*shape, (*rel).rd_att);
        pg_sys::relation_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        same
    }
}

/// Close the stores (their temporary files) and the start snapshot, so
/// commit finds nothing left open.
fn release(captured: Captured) {
    for store in &captured.stores {
        end_store(store);
    }
    if let Some((snapshot, _)) = captured.start {
        // SAFETY: registered on this owner by `remember_start`.
        unsafe { pg_sys::UnregisterSnapshotFromOwner(snapshot, pg_sys::TopTransactionResourceOwner) };
    }
}

fn end_store(store: &Store) {
    // SAFETY: made by `store_for`, ended once (its entry is dropped after).
    unsafe {
        for s in [store.old, store.new] {
            if !s.is_null() {
                pg_sys::tuplestore_end(s);
            }
        }
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    match event {
        pg_sys::XactEvent::XACT_EVENT_PRE_COMMIT | pg_sys::XactEvent::XACT_EVENT_PRE_PREPARE => at_commit(),
        // Transaction memory and owner free everything.
        event if crate::pg::ends_transaction(event) => {
            CAPTURED.with(|c| *c.borrow_mut() = Captured::empty());
        }
        _ => {}
    }
}

/// A subtransaction rolled back: forget what it and its children captured
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
    let gone: Vec<Store> = CAPTURED.with(|c| {
        let mut c = c.borrow_mut();
        c.truncated.retain(|(_, s)| *s < subxact);
        let (gone, kept) = std::mem::take(&mut c.stores).into_iter().partition(|s| s.subxact >= subxact);
        c.stores = kept;
        gone
    });
    let _scope = TransactionScope::enter();
    for store in &gone {
        end_store(store);
    }
}

/// Registered after the queue's: transaction callbacks run newest first,
/// so captured rows are queued before the deferred drain would run.
pub fn register_callbacks() {
    // SAFETY: registered once per backend from _PG_init; never unregistered.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}
