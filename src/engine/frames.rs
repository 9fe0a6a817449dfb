//! The writing statements open in this backend, and which TVIEWs each has
//! seen maintained from which source.
//!
//! Why: a key query joins the changed rows of one source with the *current*
//! rows of every other relation the view reads.  When one statement changes
//! two sources of a TVIEW (a writable CTE, or a function called by an UPDATE
//! that writes another table), the trigger that fires second joins its old
//! rows with the other source's *new* rows, and a TVIEW row that only the
//! two old rows produced is found by neither trigger.  So when a trigger
//! sees that another source of the same TVIEW was maintained while an
//! enclosing statement was open, it also runs its key query as of that
//! statement's start (`as_of`), when both sources still held their old rows.
//!
//! Frames are opened by an ExecutorStart hook for statements that write
//! (INSERT, UPDATE, DELETE, MERGE, or a writable CTE) and closed by the
//! ExecutorEnd hook; a statement that fails never reaches ExecutorEnd, so
//! aborting its (sub)transaction closes its frame.
//!
//! The library is usually loaded by the first trigger a session fires, in
//! the middle of a statement the hooks never saw start.  Until that
//! top-level statement ends, what is maintained is also noted in an
//! *unframed* record; a conflict found only there has no snapshot to look
//! back with, so the TVIEW is rebuilt instead (`Earlier::Unknown`).

use std::cell::RefCell;

use pgrx::pg_sys;
use pgrx::prelude::*;

/// One writing statement still open.
struct Frame {
    query: *mut pg_sys::QueryDesc,
    subxact: pg_sys::SubTransactionId,
    /// (TVIEW table, source) pairs maintained while it was open.
    maintained: Vec<(pg_sys::Oid, pg_sys::Oid)>,
}

/// What was maintained during the statement that loaded the library.
struct Unframed {
    /// That top-level statement's start time, which identifies it.
    statement: pg_sys::TimestampTz,
    maintained: Vec<(pg_sys::Oid, pg_sys::Oid)>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static UNFRAMED: RefCell<Option<Unframed>> = const { RefCell::new(None) };
}

static mut PREV_EXECUTOR_START: pg_sys::ExecutorStart_hook_type = None;
static mut PREV_EXECUTOR_END: pg_sys::ExecutorEnd_hook_type = None;

/// The state of the database as a statement began: its snapshot with its
/// own command id, which sees none of the statement's writes.  Valid while
/// the statement is open, that is during the trigger run that asked for it.
#[derive(Clone, Copy)]
pub struct StatementStart {
    snapshot: pg_sys::Snapshot,
    command: pg_sys::CommandId,
}

impl StatementStart {
    /// A state to look back at kept elsewhere (`row_capture`): `snapshot`
    /// must stay registered while this is used, `command` its command.
    pub fn new(snapshot: pg_sys::Snapshot, command: pg_sys::CommandId) -> StatementStart {
        StatementStart { snapshot, command }
    }

    /// Run `f` with a copy of this snapshot active; `f` receives it.
    pub fn with_snapshot<R>(&self, f: impl FnOnce(pg_sys::Snapshot) -> R) -> R {
        // SAFETY: the statement is open, so its registered snapshot is
        // alive; the copy belongs to the active-snapshot stack, which an
        // ERROR unwinds on its own.
        unsafe {
            pg_sys::PushCopiedSnapshot(self.snapshot);
            let copy = pg_sys::GetActiveSnapshot();
            (*copy).curcid = self.command;
            let result = f(copy);
            pg_sys::PopActiveSnapshot();
            result
        }
    }
}

/// Where to look for rows the changed rows joined before another source of
/// the same TVIEW changed in the same statement.
pub enum Earlier {
    /// As this statement began.
    Start(StatementStart),
    /// Unknown (see `Unframed`): rebuild the TVIEW.
    Unknown,
}

/// Record that `tview` is being maintained from `source`, and say whether
/// a different source of it was maintained while an enclosing statement was
/// open (or the same one, when the view reads it more than once: two
/// statements' old rows of one table can meet in a self-join): then the
/// start of the outermost such statement is returned.
pub fn maintaining(tview: pg_sys::Oid, source: pg_sys::Oid, self_joined: bool) -> Option<Earlier> {
    let entry = (tview, source);
    let conflicts = |maintained: &[(pg_sys::Oid, pg_sys::Oid)]| {
        maintained.iter().any(|&(t, s)| t == tview && (s != source || self_joined))
    };
    let framed = FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        let conflict = frames.iter().find(|f| conflicts(&f.maintained)).map(|f| f.query);
        for frame in frames.iter_mut() {
            if !frame.maintained.contains(&entry) {
                frame.maintained.push(entry);
            }
        }
        // SAFETY: the frame's query is open (not yet at ExecutorEnd), so its
        // descriptor, executor state and registered snapshot are alive.
        conflict.map(|query| unsafe {
            StatementStart {
                snapshot: (*query).snapshot,
                command: (*(*query).estate).es_output_cid,
            }
        })
    });
    let unframed = UNFRAMED.with(|u| {
        let mut u = u.borrow_mut();
        // SAFETY: reads the top-level statement's start time.
        let now = unsafe { pg_sys::GetCurrentStatementStartTimestamp() };
        if u.as_ref().is_some_and(|u| u.statement != now) {
            *u = None;
        }
        let record = u.as_mut()?;
        let conflict = conflicts(&record.maintained);
        if !record.maintained.contains(&entry) {
            record.maintained.push(entry);
        }
        conflict.then_some(Earlier::Unknown)
    });
    framed.map(Earlier::Start).or(unframed)
}

/// Is this the statement that loaded the library (see `Unframed`)?  Its
/// runs cannot look back (`Earlier::Unknown` rebuilds a TVIEW, which needs
/// it whole), so a TVIEW it may reach twice is locked whole from the start
/// rather than shared and upgraded (see `locks`).
pub fn in_unframed_statement() -> bool {
    UNFRAMED.with(|u| {
        // SAFETY: reads the top-level statement's start time.
        let now = unsafe { pg_sys::GetCurrentStatementStartTimestamp() };
        u.borrow().as_ref().is_some_and(|u| u.statement == now)
    })
}

/// Does the statement write (and so may fire our triggers)?
///
/// # Safety
/// `query` is a started query descriptor.
unsafe fn writes(query: *mut pg_sys::QueryDesc) -> bool {
    (*query).operation != pg_sys::CmdType::CMD_SELECT
        || (!(*query).plannedstmt.is_null() && (*(*query).plannedstmt).hasModifyingCTE)
}

#[pg_guard]
unsafe extern "C-unwind" fn executor_start(query: *mut pg_sys::QueryDesc, eflags: std::ffi::c_int) {
    match PREV_EXECUTOR_START {
        Some(prev) => prev(query, eflags),
        None => pg_sys::standard_ExecutorStart(query, eflags),
    }
    let explain_only = eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as i32 != 0;
    if !explain_only && !(*query).estate.is_null() && writes(query) {
        let subxact = pg_sys::GetCurrentSubTransactionId();
        FRAMES.with(|f| f.borrow_mut().push(Frame { query, subxact, maintained: Vec::new() }));
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn executor_end(query: *mut pg_sys::QueryDesc) {
    FRAMES.with(|f| f.borrow_mut().retain(|frame| frame.query != query));
    match PREV_EXECUTOR_END {
        Some(prev) => prev(query),
        None => pg_sys::standard_ExecutorEnd(query),
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    if crate::pg::ends_transaction(event) {
        FRAMES.with(|f| f.borrow_mut().clear());
        UNFRAMED.with(|u| *u.borrow_mut() = None);
    }
}

/// Statements started in an aborted subtransaction (or its children) will
/// never reach ExecutorEnd.
#[pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    subxact: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        FRAMES.with(|f| f.borrow_mut().retain(|frame| frame.subxact < subxact));
    }
}

/// Install the executor hooks (chaining whatever was there) and the
/// cleanup callbacks; once per backend, from _PG_init.
pub fn install() {
    // SAFETY: _PG_init runs once per backend, before any query uses the hooks.
    unsafe {
        PREV_EXECUTOR_START = pg_sys::ExecutorStart_hook;
        pg_sys::ExecutorStart_hook = Some(executor_start);
        PREV_EXECUTOR_END = pg_sys::ExecutorEnd_hook;
        pg_sys::ExecutorEnd_hook = Some(executor_end);
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
        if pg_sys::ActiveSnapshotSet() {
            let statement = pg_sys::GetCurrentStatementStartTimestamp();
            UNFRAMED.with(|u| *u.borrow_mut() = Some(Unframed { statement, maintained: Vec::new() }));
        }
    }
}
