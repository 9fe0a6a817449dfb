//! The error recorder: a dynamic background worker that inserts one
//! `status = 'error'` row into `pg_tview_refresh_log` in a transaction of
//! its own, for a backend whose maintenance failed (see `failures`).
//!
//! Why a worker: the failing backend's transaction is going to abort, and
//! PostgreSQL has no autonomous transactions.  The record travels in a
//! dynamic shared memory segment (a worker's `bgw_extra` holds 128 bytes,
//! too few for an error message); the worker's main argument is the
//! segment's handle.  The backend waits for the worker to exit, so the row
//! exists when the ERROR reaches the client, but for at most `WAIT_LIMIT`:
//! the backend still holds its locks, and the worker's own `lock_timeout`
//! and statement timeout make sure it gives up rather than wait on them.
//!
//! Dynamic workers need no `shared_preload_libraries`: the postmaster
//! starts a process that loads this library (running `_PG_init`, which
//! only defines settings, callbacks and hooks) and calls
//! `pg_tviews_record_failure`.

use std::ffi::c_int;
use std::mem::size_of;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, BackgroundWorkerStatus, DynamicBackgroundWorker};
use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::catalog;

/// How long the backend waits for the recorder before giving up on it.
const WAIT_LIMIT: Duration = Duration::from_secs(10);
/// The recorder's limits: well inside WAIT_LIMIT, together with its start.
const LOCK_TIMEOUT_MS: c_int = 1000;
const STATEMENT_TIMEOUT_MS: c_int = 5000;

/// A failed maintenance run, as recorded.
pub struct Failure {
    pub database: pg_sys::Oid,
    pub backend_pid: i32,
    /// The writing transaction's FullTransactionId; 0 when none was assigned.
    pub transaction_id: u64,
    pub entity: String,
    pub source: pg_sys::Oid,
    pub operation: String,
    pub full: bool,
    pub keys: i64,
    pub duration_ms: f64,
    pub error_text: String,
}

/// The segment starts with this header; the entity, operation and error
/// text follow it, back to back.
#[repr(C)]
struct Header {
    /// Set to 1 by the worker once its row is committed.
    done: AtomicU32,
    database: u32,
    source: u32,
    backend_pid: i32,
    full: u32,
    entity_len: u32,
    operation_len: u32,
    error_len: u32,
    keys: i64,
    transaction_id: u64,
    duration_ms: f64,
}

/// A segment this backend created, detached when dropped (an ERROR
/// unwinding past it leaves that to the resource owner at abort).
struct Segment(*mut pg_sys::dsm_segment);

impl Drop for Segment {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: we created it and have not detached it.
            unsafe { pg_sys::dsm_detach(self.0) }
        }
    }
}

impl Segment {
    fn header(&self) -> &Header {
        // SAFETY: the segment is at least a Header long, suitably aligned
        // (segments are page-aligned), and mapped while `self` lives.
        unsafe { &*(pg_sys::dsm_segment_address(self.0) as *const Header) }
    }
}

/// Start a recorder for `failure` and wait for it.  Err says why the row
/// may not have been written.
pub fn hand_over(failure: &Failure) -> Result<(), String> {
    let texts = [failure.entity.as_bytes(), failure.operation.as_bytes(), failure.error_text.as_bytes()];
    let size = size_of::<Header>() + texts.iter().map(|t| t.len()).sum::<usize>();
    // SAFETY: creating a segment; NULL (not an ERROR) when none is free.
    let raw = unsafe { pg_sys::dsm_create(size, pg_sys::DSM_CREATE_NULL_IF_MAXSEGMENTS as c_int) };
    if raw.is_null() {
        return Err("no dynamic shared memory segment is free".into());
    }
    let segment = Segment(raw);
    // SAFETY: the segment is `size` bytes: a Header, then the texts.
    unsafe {
        let base = pg_sys::dsm_segment_address(raw) as *mut u8;
        (base as *mut Header).write(Header {
            done: AtomicU32::new(0),
            database: failure.database.to_u32(),
            source: failure.source.to_u32(),
            backend_pid: failure.backend_pid,
            full: u32::from(failure.full),
            entity_len: texts[0].len() as u32,
            operation_len: texts[1].len() as u32,
            error_len: texts[2].len() as u32,
            keys: failure.keys,
            transaction_id: failure.transaction_id,
            duration_ms: failure.duration_ms,
        });
        let mut at = base.add(size_of::<Header>());
        for text in texts {
            std::ptr::copy_nonoverlapping(text.as_ptr(), at, text.len());
            at = at.add(text.len());
        }
    }
    // SAFETY: reads the handle of the segment we hold.
    let handle = unsafe { pg_sys::dsm_segment_handle(raw) };
    let worker = BackgroundWorkerBuilder::new("pg_tviews error recorder")
        .set_library("pg_tviews")
        .set_function("pg_tviews_record_failure")
        .enable_spi_access()
        .set_argument(Some(pg_sys::Datum::from(handle)))
        // SAFETY: reads this backend's pid; the postmaster signals it when
        // the worker starts and stops.
        .set_notify_pid(unsafe { pg_sys::MyProcPid })
        .load_dynamic()
        .map_err(|_| "no background worker slot is free (max_worker_processes)".to_string())?;
    wait_until_stopped(&worker)?;
    if segment.header().done.load(Ordering::Acquire) != 1 {
        return Err("the recorder failed; its error is in the server log".into());
    }
    Ok(())
}

/// Wait for the worker to exit, at most WAIT_LIMIT.  The postmaster sets
/// our latch when it starts or stops.
fn wait_until_stopped(worker: &DynamicBackgroundWorker) -> Result<(), String> {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        match worker.pid() {
            Err(BackgroundWorkerStatus::Stopped) => return Ok(()),
            Err(BackgroundWorkerStatus::PostmasterDied) => return Err("the postmaster died".into()),
            _ => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("the recorder did not finish within {} s", WAIT_LIMIT.as_secs()));
        }
        // SAFETY: waits on our own latch, as WaitForBackgroundWorkerShutdown does.
        unsafe {
            pg_sys::WaitLatch(
                pg_sys::MyLatch,
                (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as c_int,
                left.as_millis() as std::ffi::c_long,
                pg_sys::PG_WAIT_EXTENSION,
            );
            pg_sys::ResetLatch(pg_sys::MyLatch);
        }
        pg_sys::check_for_interrupts!();
    }
}

extern "C-unwind" {
    /// utils/timeout.h; not in pgrx's bindings.
    fn enable_timeout_after(id: u32, delay_ms: c_int);
}

/// `STATEMENT_TIMEOUT` in `enum TimeoutId` (utils/timeout.h): its fourth
/// member in every release since 9.3.
const STATEMENT_TIMEOUT_ID: u32 = 3;

/// The recorder's entry point, run by the postmaster in a new process with
/// the segment handle as its argument.  Errors end the process with the
/// error in the server log and `done` left 0.
#[pg_guard]
#[no_mangle]
pub extern "C-unwind" fn pg_tviews_record_failure(arg: pg_sys::Datum) {
    // SAFETY: signals are blocked until a worker says it is ready for them;
    // SIGTERM keeps the default (exit).
    unsafe { pg_sys::BackgroundWorkerUnblockSignals() };
    let handle = arg.value() as pg_sys::dsm_handle;
    // SAFETY: attaching by handle; NULL when the backend has given up and
    // the segment is gone.
    let raw = unsafe { pg_sys::dsm_attach(handle) };
    if raw.is_null() {
        pgrx::log!("pg_tviews error recorder: the failure's segment is gone; nothing recorded");
        return;
    }
    // SAFETY: the segment is the backend's, mapped until we exit; `read`
    // checks that it holds what its header counts.
    let Some((failure, done)) = (unsafe { read(raw) }) else {
        pgrx::log!("pg_tviews error recorder: the failure's segment is malformed; nothing recorded");
        return;
    };
    BackgroundWorker::connect_worker_to_spi_by_oid(Some(failure.database), None);
    // SAFETY: STATEMENT_TIMEOUT was registered by the connection above; on
    // expiry the worker's SIGINT handler cancels what runs.
    unsafe {
        pg_sys::ffi::pg_guard_ffi_boundary(|| enable_timeout_after(STATEMENT_TIMEOUT_ID, STATEMENT_TIMEOUT_MS))
    };
    BackgroundWorker::transaction(|| insert(&failure));
    done.store(1, Ordering::Release);
}

/// The failure in the segment, and its `done` flag; None when the segment
/// is smaller than what its header says it holds.
///
/// # Safety
/// `raw` must be a segment attached for the rest of this process.
unsafe fn read(raw: *mut pg_sys::dsm_segment) -> Option<(Failure, &'static AtomicU32)> {
    let base = pg_sys::dsm_segment_address(raw) as *const u8;
    let length = pg_sys::dsm_segment_map_length(raw);
    if length < size_of::<Header>() {
        return None;
    }
    let header = &*(base as *const Header);
    let texts = [header.entity_len, header.operation_len, header.error_len];
    if size_of::<Header>() + texts.iter().map(|&l| l as usize).sum::<usize>() > length {
        return None;
    }
    let mut at = base.add(size_of::<Header>());
    let mut text = |len: u32| {
        let bytes = std::slice::from_raw_parts(at, len as usize);
        at = at.add(len as usize);
        String::from_utf8_lossy(bytes).into_owned()
    };
    let failure = Failure {
        database: pg_sys::Oid::from(header.database),
        backend_pid: header.backend_pid,
        transaction_id: header.transaction_id,
        entity: text(header.entity_len),
        source: pg_sys::Oid::from(header.source),
        operation: text(header.operation_len),
        full: header.full != 0,
        keys: header.keys,
        duration_ms: header.duration_ms,
        error_text: text(header.error_len),
    };
    Some((failure, &header.done))
}

/// The row, as the extension's owner, in the worker's transaction (also
/// the async worker's, for its own failures).
pub(super) fn insert(failure: &Failure) {
    let run = Spi::run(&crate::sql_text::set_local("lock_timeout", LOCK_TIMEOUT_MS.into())).and_then(|()| {
        catalog::as_extension_owner(|ext| {
            Spi::run_with_args(
                &ext.sql(&[
                    "INSERT INTO @extschema@.pg_tview_refresh_log (entity, source_table, operation, mode, \
                     keys_examined, duration_ms, status, error_text, transaction_id, backend_pid) \
                     VALUES ($1, NULLIF($2, 0::pg_catalog.oid)::pg_catalog.regclass, $3, $4, $5, $6, \
                     'error', $7, NULLIF($8, 0::pg_catalog.int8)::pg_catalog.text::pg_catalog.xid8, $9)",
                ]),
                &[
                    failure.entity.as_str().into(),
                    failure.source.into(),
                    failure.operation.as_str().into(),
                    (if failure.full { "full" } else { "incremental" }).into(),
                    failure.keys.into(),
                    failure.duration_ms.into(),
                    failure.error_text.as_str().into(),
                    (failure.transaction_id as i64).into(),
                    failure.backend_pid.into(),
                ],
            )
        })
    });
    if let Err(e) = run {
        pgrx::error!("pg_tviews error recorder: could not write pg_tview_refresh_log: {e}");
    }
}
