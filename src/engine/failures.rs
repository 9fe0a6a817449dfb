//! Recording failed maintenance in the execution store
//! (`pg_tviews.log_refreshes` = `errors` or `all`).
//!
//! A maintenance ERROR aborts the writing transaction, so a row it inserted
//! into `pg_tview_refresh_log` would be rolled back with it.  Instead, the
//! outermost maintenance run of a statement (the trigger) and of a commit
//! (the deferred drain) run inside `recorded`: when they fail, what the
//! error says and which TVIEW was being maintained are handed to a
//! background worker that inserts the row in a transaction of its own
//! (`recorder`), and then the original error goes on unchanged.
//!
//! Which TVIEW: every unit of maintenance (finding one TVIEW's keys, writing
//! one TVIEW) says so with `working_on`; the innermost unit running when the
//! error struck is the one named.  Its guard restores the enclosing unit
//! when the unit ends normally but not while an error unwinds past it, so
//! the unit that failed is still there when `recorded` catches the error.
//! Nested runs (TVIEWs written by maintenance fire their own triggers) are
//! inside the outermost run's `recorded`, so a failure is recorded once.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::time::Instant;

use pgrx::pg_sys::panic::{CaughtError, ErrorReportWithLevel};
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::guc::{self, LogRefreshes};

use super::cache::Target;
use super::recorder::{self, Failure};

/// Error texts longer than this are cut: the row is for reading, and the
/// hand-over goes through shared memory.
const MAX_ERROR_TEXT: usize = 8192;

/// One unit of maintenance: one TVIEW, from one source.
#[derive(Clone)]
struct Unit {
    target: Rc<Target>,
    source: pg_sys::Oid,
    operation: &'static str,
    full: bool,
    keys: i64,
    started: Instant,
}

thread_local! {
    static CURRENT: RefCell<Option<Unit>> = const { RefCell::new(None) };
}

/// Marks a unit of maintenance as running until dropped.
pub struct WorkingOn {
    previous: Option<Unit>,
}

/// Say which TVIEW is being maintained, from which source and write, and
/// how (`full`, `keys` as far as known), until the guard is dropped.
pub fn working_on(
    target: &Rc<Target>,
    source: pg_sys::Oid,
    operation: &'static str,
    full: bool,
    keys: i64,
) -> WorkingOn {
    let unit = Unit {
        target: target.clone(),
        source,
        operation,
        full,
        keys,
        started: Instant::now(),
    };
    WorkingOn {
        previous: CURRENT.with(|c| c.replace(Some(unit))),
    }
}

impl Drop for WorkingOn {
    fn drop(&mut self) {
        // While an ERROR unwinds, keep the failed unit for `recorded`.
        if !std::thread::panicking() {
            let previous = self.previous.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
}

/// Run `f`, a maintenance run; if it is the outermost one and fails while
/// failures are recorded, record the failure, then re-raise the very same
/// error.  Nested runs, and everything when `log_refreshes` is off, run
/// `f` as it is.
pub fn recorded<R>(f: impl FnOnce() -> R) -> R {
    if super::is_maintaining() || guc::LOG_REFRESHES.get() == LogRefreshes::Off {
        return f();
    }
    // A unit left over from an earlier failure (caught by an exception
    // block, say) must not be blamed for this run's errors.
    CURRENT.with(|c| c.borrow_mut().take());
    PgTryBuilder::new(AssertUnwindSafe(f))
        .catch_others(|error| {
            record(&error);
            error.rethrow()
        })
        .execute()
}

/// Hand the failure to the recorder; whatever goes wrong doing so is a LOG
/// line, never an error of its own: the caller's error must go on.
fn record(error: &CaughtError) {
    let Some(unit) = CURRENT.with(|c| c.borrow_mut().take()) else {
        return; // failed before any TVIEW was being maintained
    };
    let report = report_of(error);
    let code = report.sql_error_code();
    // A cancel or statement_timeout is the user's or the operator's
    // decision, not a maintenance failure; and waiting for the recorder
    // would delay the cancel.
    if code == PgSqlErrorCode::ERRCODE_QUERY_CANCELED {
        return;
    }
    let failure = Failure {
        // SAFETY: plain reads of backend globals.
        database: unsafe { pg_sys::MyDatabaseId },
        backend_pid: unsafe { pg_sys::MyProcPid },
        transaction_id: unsafe { pg_sys::GetTopFullTransactionIdIfAny() }.value,
        entity: unit.target.tview.entity.clone(),
        source: unit.source,
        operation: unit.operation.to_string(),
        full: unit.full,
        keys: unit.keys,
        duration_ms: unit.started.elapsed().as_secs_f64() * 1000.0,
        error_text: error_text(sqlstate(code), report.message(), report.detail()),
    };
    let handed_over = PgTryBuilder::new(AssertUnwindSafe(|| recorder::hand_over(&failure)))
        .catch_others(|e| Err(report_of(&e).message().to_string()))
        .execute();
    if let Err(why) = handed_over {
        pgrx::log!(
            "pg_tviews: the failed maintenance of TVIEW {} was not recorded in pg_tview_refresh_log: {why}",
            failure.entity
        );
    }
}

/// An error's SQLSTATE and its text as the execution store records it
/// (for the async worker, which records its own failures).
pub(super) fn describe(error: &CaughtError) -> (String, String) {
    let report = report_of(error);
    let code = sqlstate(report.sql_error_code());
    let text = error_text(code.clone(), report.message(), report.detail());
    (code, text)
}

fn report_of(error: &CaughtError) -> &ErrorReportWithLevel {
    match error {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r,
        CaughtError::RustPanic { ereport, .. } => ereport,
    }
}

/// `22012: division by zero; DETAIL: ...`, cut to MAX_ERROR_TEXT bytes.
fn error_text(sqlstate: String, message: &str, detail: Option<&str>) -> String {
    let mut text = format!("{sqlstate}: {message}");
    if let Some(detail) = detail {
        text.push_str("; DETAIL: ");
        text.push_str(detail);
    }
    if text.len() > MAX_ERROR_TEXT {
        let mut end = MAX_ERROR_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The five-character SQLSTATE of an error code (PostgreSQL packs each
/// character in six bits, first character lowest).
fn sqlstate(code: PgSqlErrorCode) -> String {
    let mut packed = code as isize as u32;
    (0..5)
        .map(|_| {
            let c = char::from((packed & 0x3F) as u8 + b'0');
            packed >>= 6;
            c
        })
        .collect()
}
