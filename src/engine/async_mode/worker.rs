//! The async worker: one dynamic background worker per database, started
//! on demand, that drains `pg_tviews_async_queue` (`drain`) and exits once
//! it has been idle for `IDLE_EXIT` (2 s).
//!
//! Dynamic workers need no `shared_preload_libraries`, and without it
//! there is no shared memory of ours, so who runs is decided with two
//! advisory locks of this database (`engine::locks`, session and
//! transaction level):
//! - ALIVE: the worker holds it exclusively for as long as it runs; a
//!   second worker that cannot take it exits at once;
//! - GATE: a transaction that recorded entries takes it shared at
//!   PRE_COMMIT / PRE_PREPARE, until it ends, and only then asks whether
//!   ALIVE is taken; if not, it registers a worker (`ensure_running`).  The
//!   worker leaves only while it holds GATE exclusively (taken without
//!   waiting: it stays when any committer is in flight): it releases ALIVE,
//!   looks at the queue once more and leaves only if it is empty.  So a
//!   committer either saw ALIVE taken by a worker that then sees its
//!   entries, or came after the worker released ALIVE and starts a new
//!   one.  A prepared transaction holds GATE until COMMIT PREPARED, so the
//!   worker stays until then and its poll finds those entries.
//!
//! Waking: at COMMIT the writer sets the latch of the worker whose pid
//! `pg_tviews_async_worker` names (cached per backend, checked against the
//! process array); the worker also polls every `POLL` for what no one woke
//! it for (COMMIT PREPARED, a worker just started).  After a crash or a
//! restart no worker runs until the next commit that records entries or a
//! call of `pg_tviews_wait` starts one (docs/async.md).

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;

use crate::catalog;
use crate::engine::locks;

use super::drain::{self, Batch};

/// How long the worker waits for a wake-up before looking anyway.
const POLL: Duration = Duration::from_millis(250);
/// How long the worker stays with nothing to do: short, because a worker
/// connected to a database makes DROP DATABASE fail (it waits 5 s for
/// other sessions to leave), and starting one again costs milliseconds.
const IDLE_EXIT: Duration = Duration::from_secs(2);
/// Retry delays of a TVIEW whose batch failed: transient failures
/// (deadlock victim, serialization failure) soon, others doubling up to
/// the maximum.
const RETRY_TRANSIENT: Duration = Duration::from_millis(20);
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(10);

fn alive_lock() -> i64 {
    locks::id_of("pg_tviews:async worker")
}

fn gate_lock() -> i64 {
    locks::id_of("pg_tviews:async gate")
}

thread_local! {
    /// This process is the async worker.
    static IS_WORKER: Cell<bool> = const { Cell::new(false) };
    /// The worker as last seen: its pid and process slot.
    static KNOWN: Cell<Option<(i32, *mut pg_sys::PGPROC)>> = const { Cell::new(None) };
}

pub fn is_worker() -> bool {
    IS_WORKER.with(Cell::get)
}

/// Make sure a worker will see what this transaction records (see the
/// module comment).  In a transaction: at PRE_COMMIT, or from
/// `pg_tviews_wait`.
pub fn ensure_running() {
    if is_worker() {
        return;
    }
    locks::for_transaction(gate_lock(), false);
    if locks::try_session(alive_lock()) {
        locks::release_session(alive_lock());
        KNOWN.with(|k| k.set(None));
        start();
    } else {
        remember();
    }
}

/// Register a worker for this database.  Without a free slot
/// (max_worker_processes) a LOG line says so; the entries stay queued
/// for the next commit or wait to start one.
fn start() {
    // SAFETY: reads a backend global.
    let database = unsafe { pg_sys::MyDatabaseId };
    let builder = BackgroundWorkerBuilder::new(&format!("pg_tviews async worker for database {}", database.to_u32()))
        .set_type("pg_tviews async worker")
        .set_library("pg_tviews")
        .set_function("pg_tviews_async_worker_main")
        .enable_spi_access()
        .set_start_time(BgWorkerStartTime::RecoveryFinished)
        .set_argument(Some(pg_sys::Datum::from(database.to_u32())))
        .set_restart_time(None);
    let mut worker: pg_sys::BackgroundWorker = (&builder).into();
    // SAFETY: a filled-in worker; no handle wanted.
    if !unsafe { pg_sys::RegisterDynamicBackgroundWorker(&mut worker, std::ptr::null_mut()) } {
        pgrx::log!("pg_tviews: could not start the async worker (no background worker slot is free); entries stay queued");
    }
}

/// Find the running worker's process, unless the one known is still it.
fn remember() {
    if let Some((pid, proc)) = KNOWN.with(Cell::get) {
        // SAFETY: a slot of the shared process array, never freed.
        if unsafe { (*proc).pid } == pid {
            return;
        }
    }
    let sql = catalog::ext_schema().sql(&["SELECT pid FROM @extschema@.pg_tviews_async_worker"]);
    let pid = Spi::get_one::<i32>(&sql).ok().flatten();
    let found = pid.and_then(|pid| {
        // SAFETY: looks the pid up in the process array.
        let proc = unsafe { pg_sys::BackendPidGetProc(pid) };
        (!proc.is_null()).then_some((pid, proc))
    });
    KNOWN.with(|k| k.set(found));
}

/// Set the worker's latch.  In the COMMIT callback: raises no ERROR.  A
/// slot since reused by another process only gets a spurious wake-up.
pub fn wake() {
    if let Some((pid, proc)) = KNOWN.with(Cell::get) {
        // SAFETY: a slot of the shared process array, never freed.
        unsafe {
            if (*proc).pid == pid {
                pg_sys::SetLatch(&mut (*proc).procLatch);
            }
        }
    }
}

/// Run `f` in a transaction of its own; an ERROR aborts it and is
/// returned.
pub fn in_transaction<R>(f: impl FnOnce() -> R) -> Result<R, CaughtError> {
    // SAFETY: the worker is between transactions; an ERROR is caught below
    // and the transaction aborted.
    unsafe {
        pg_sys::SetCurrentStatementStartTimestamp();
        pg_sys::StartTransactionCommand();
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
    }
    PgTryBuilder::new(AssertUnwindSafe(|| {
        let result = f();
        // SAFETY: pops what was pushed above; commit may raise an ERROR
        // (the PRE_COMMIT work), caught like any other.
        unsafe {
            pg_sys::PopActiveSnapshot();
            pg_sys::CommitTransactionCommand();
        }
        Ok(result)
    }))
    .catch_others(|error| {
        // SAFETY: the error was copied and flushed; abort cleans up the
        // transaction, SPI and the snapshot stack.
        unsafe { pg_sys::AbortCurrentTransaction() };
        Err(error)
    })
    .execute()
}

/// The worker's entry point (started by `start`), with the database's oid
/// as its argument.
#[pg_guard]
#[no_mangle]
pub extern "C-unwind" fn pg_tviews_async_worker_main(arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let database = pg_sys::Oid::from(arg.value() as u32);
    BackgroundWorker::connect_worker_to_spi_by_oid(Some(database), None);
    IS_WORKER.with(|w| w.set(true));
    let started = in_transaction(|| {
        if !locks::try_session(alive_lock()) {
            return false; // another worker runs
        }
        prepare_session();
        drain::worker_started();
        true
    });
    match started {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            pgrx::log!("pg_tviews async worker could not start: {}", drain::message(&e));
            return;
        }
    }
    run();
}

/// Settings of the worker's session: READ COMMITTED whatever the
/// database's default (each batch reads what is committed when it locks),
/// no timeouts cutting a batch short, and a short deadlock_timeout so that
/// in a deadlock with a writer the worker, not the writer, is the one that
/// fails (the process that times out first runs the check) and retries.
fn prepare_session() {
    for sql in [
        "SET default_transaction_isolation = 'read committed'",
        "SET statement_timeout = 0",
        "SET lock_timeout = 0",
        "SET idle_in_transaction_session_timeout = 0",
        "SET deadlock_timeout = '20ms'",
        "SET application_name = 'pg_tviews async worker'",
    ] {
        crate::pg::run(sql);
    }
}

/// Drain until idle long enough, or told to stop.
fn run() {
    let mut idle_since = Instant::now();
    // TVIEWs whose last batch failed: when to try again, and the delay after that.
    let mut retry: HashMap<pg_sys::Oid, (Instant, Duration)> = HashMap::new();
    loop {
        if BackgroundWorker::sigterm_received() {
            break;
        }
        if BackgroundWorker::sighup_received() {
            // SAFETY: reloads the configuration, as every process does on SIGHUP.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
        }
        let now = Instant::now();
        let waiting: Vec<pg_sys::Oid> = retry.iter().filter(|(_, (at, _))| *at > now).map(|(oid, _)| *oid).collect();
        match drain::one_batch(&waiting) {
            Batch::Applied { tview } => {
                retry.remove(&tview);
                idle_since = Instant::now();
                continue;
            }
            Batch::Failed { tview, transient } => {
                let delay = match retry.get(&tview) {
                    _ if transient => RETRY_TRANSIENT,
                    Some((_, last)) => (*last * 2).min(RETRY_MAX),
                    None => RETRY_FIRST,
                };
                retry.insert(tview, (Instant::now() + delay, delay));
                idle_since = Instant::now();
            }
            Batch::Nothing if waiting.is_empty() => {
                if idle_since.elapsed() >= IDLE_EXIT && may_leave() {
                    return;
                }
            }
            Batch::Nothing => idle_since = Instant::now(),
        }
        let next_retry = retry.values().map(|(at, _)| at.saturating_duration_since(Instant::now())).min();
        let timeout = next_retry.map_or(POLL, |d| d.min(POLL));
        if !BackgroundWorker::wait_latch(Some(timeout)) {
            break;
        }
    }
    let _ = in_transaction(drain::worker_stopped);
}

/// Leave if no committer is in flight and the queue is empty (see the
/// module comment); otherwise stay.
fn may_leave() -> bool {
    let left = in_transaction(|| {
        if !locks::for_transaction(gate_lock(), true) {
            return false;
        }
        locks::release_session(alive_lock());
        if drain::queue_is_empty() {
            drain::worker_stopped();
            return true;
        }
        // Nobody can have taken it: committers wait for the gate.
        locks::try_session(alive_lock());
        false
    });
    match left {
        Ok(left) => left,
        Err(e) => {
            // The session lock outlives the aborted transaction: hold it again.
            locks::try_session(alive_lock());
            pgrx::log!("pg_tviews async worker: {}", drain::message(&e));
            false
        }
    }
}
