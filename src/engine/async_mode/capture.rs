//! Async mode, the writer's side: at PRE_COMMIT (or PREPARE TRANSACTION)
//! the async work a transaction queued is inserted into
//! `pg_tviews_async_queue`, one row per TVIEW, in that same transaction;
//! at COMMIT the worker is woken.
//!
//! What is recorded, and why it is exact.  A write to a source of an async
//! TVIEW runs exactly what immediate mode runs up to the point where it
//! would write the TVIEW: the TVIEW lock, the edge locks level by level,
//! the key query with a new snapshot, the key locks and, having waited,
//! the key query again (`apply::find_keys`; `locks` and the planner's
//! `locks` module hold the argument).  So the keys a transaction records
//! are the keys immediate mode would have recomputed for it in the same
//! interleaving, and immediate mode's completeness argument holds for them
//! unchanged: every TVIEW row whose view row a set of committed
//! transactions changed is among the keys one of them found (a concurrent
//! writer that could link a row to keys this one cannot see waits on an
//! edge or key lock, or this one waits on it, and whoever comes second
//! looks with a snapshot that sees the first).  What differs is only when
//! those keys are recomputed: not under the writer's locks with the
//! writer's view of the data, but later, by the worker, with a snapshot
//! taken after the writer committed, after it has locked the keys itself
//! (`drain`).  Recomputing a key from a later snapshot gives the view's
//! row as of that snapshot, which is what the TVIEW must hold; a writer
//! committing after that snapshot has its own entry, still queued.  So
//! once every entry is applied, every async TVIEW equals its view.
//!
//! Keys are stored as the text of the key array, printed and read back
//! under `ROUND_TRIP` (fixed settings, not the writer's or the worker's;
//! the usual integer, text and uuid keys, whose text no setting changes,
//! skip setting them), so every key type with exact text I/O (all built-in
//! key types) comes back identical; text survives pg_dump, unlike binary send format, whose
//! element type oid would not.
//!
//! ROLLBACK and ROLLBACK TO SAVEPOINT need nothing here: until PRE_COMMIT
//! the work is in the session's queue, which forgets a subtransaction's
//! chunks when it aborts (`queue::on_subxact`); after the insert, the rows
//! are the transaction's and go with it.  A prepared transaction's rows
//! become visible at COMMIT PREPARED, when the worker's poll finds them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use pgrx::pg_sys;
use pgrx::IntoDatum;

use crate::catalog;
use crate::pg::{KeptPlan, SettingsScope};
use crate::sql_text::Ext;

use super::super::queue::AsyncWork;
use super::worker;

/// Settings key arrays are printed and parsed under, at both ends.
pub const ROUND_TRIP: &[(&str, &str)] = &[
    ("DateStyle", "ISO"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "3"),
    ("bytea_output", "hex"),
    ("lc_monetary", "C"),
];

thread_local! {
    /// This transaction recorded entries: wake the worker when it commits.
    static RECORDED: Cell<bool> = const { Cell::new(false) };
    /// Set by the worker while it applies a batch: the entries its commit
    /// records (TVIEWs stacked on the ones it wrote) carry the batch's
    /// oldest origin, so `pg_tviews_wait` waits for them too.
    static ORIGIN: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Entries recorded from now on carry `origin` (None: their own id).  The
/// worker sets it for the commit of a batch and clears it after.
pub fn set_origin(origin: Option<i64>) {
    ORIGIN.with(|o| o.set(origin));
}

/// Insert one queue row per TVIEW of `work`.  At PRE_COMMIT/PRE_PREPARE,
/// inside the drain's SPI connection.
pub fn record(work: Vec<AsyncWork>, preparing: bool) {
    let origin = ORIGIN.with(Cell::get).unwrap_or(0);
    catalog::as_extension_owner(|ext| {
        for w in &work {
            let (keys, count) = match w.keys {
                Some((datum, count)) => (Some((datum, array_type_of(datum))), count),
                None => (None, w.count),
            };
            let plan = insert_plan(ext, keys.map_or(pg_sys::InvalidOid, |(_, t)| t));
            let operation = w.operation.into_datum().unwrap_or(pg_sys::Datum::from(0));
            let mut args = vec![
                pg_sys::Datum::from(origin),
                pg_sys::Datum::from(w.target.tview.table_oid),
                pg_sys::Datum::from(w.source),
                operation,
                pg_sys::Datum::from(count),
            ];
            let _fixed = keys.filter(|&(_, t)| prints_by_settings(t)).map(|_| SettingsScope::new(ROUND_TRIP));
            if let Some((datum, _)) = keys {
                args.push(datum);
            }
            plan.execute(&args, false);
        }
    });
    worker::ensure_running();
    RECORDED.with(|r| r.set(!preparing));
}

thread_local! {
    /// The INSERT of a queue row, prepared once per backend for each
    /// extension schema and key array type (InvalidOid: a rebuild).
    static INSERTS: RefCell<HashMap<(String, pg_sys::Oid), Rc<KeptPlan>>> = RefCell::new(HashMap::new());
}

fn insert_plan(ext: &Ext, array_type: pg_sys::Oid) -> Rc<KeptPlan> {
    let key = (ext.sql(&["@extschema@"]), array_type);
    if let Some(plan) = INSERTS.with(|i| i.borrow().get(&key).cloned()) {
        return plan;
    }
    let keys = if array_type == pg_sys::InvalidOid { "NULL" } else { "$6::pg_catalog.text" };
    let sql = ext.sql(&[
        "INSERT INTO @extschema@.pg_tviews_async_queue \
         (origin_id, tview, source_table, operation, key_count, keys) \
         VALUES (NULLIF($1, 0), $2::pg_catalog.regclass, NULLIF($3, 0::pg_catalog.oid)::pg_catalog.regclass, $4, $5, ",
    ]) + keys + ")";
    let mut types = vec![pg_sys::INT8OID, pg_sys::OIDOID, pg_sys::OIDOID, pg_sys::TEXTOID, pg_sys::INT8OID];
    if array_type != pg_sys::InvalidOid {
        types.push(array_type);
    }
    let plan = Rc::new(KeptPlan::prepare(&sql, &types));
    INSERTS.with(|i| i.borrow_mut().insert(key, plan.clone()));
    plan
}

/// Does the text of this element type depend on a setting of `ROUND_TRIP`?
/// Not for the usual key types, which then skip setting them.
fn prints_by_settings(array_type: pg_sys::Oid) -> bool {
    // SAFETY: a syscache lookup.
    let element = unsafe { pg_sys::get_element_type(array_type) };
    ![
        pg_sys::INT2OID,
        pg_sys::INT4OID,
        pg_sys::INT8OID,
        pg_sys::NUMERICOID,
        pg_sys::TEXTOID,
        pg_sys::VARCHAROID,
        pg_sys::BPCHAROID,
        pg_sys::NAMEOID,
        pg_sys::UUIDOID,
        pg_sys::OIDOID,
        pg_sys::BOOLOID,
    ]
    .contains(&element)
}

/// The array type of a key array datum.
fn array_type_of(keys: pg_sys::Datum) -> pg_sys::Oid {
    // SAFETY: a detoasted array; get_array_type is a syscache lookup.
    unsafe { pg_sys::get_array_type((*keys.cast_mut_ptr::<pg_sys::ArrayType>()).elemtype) }
}

/// The key array of a queue row's `keys` (a text datum), of `array_type`,
/// in the current memory context.  Under `ROUND_TRIP` where it matters.
pub fn key_array(text: pg_sys::Datum, array_type: pg_sys::Oid) -> pg_sys::Datum {
    let _fixed = prints_by_settings(array_type).then(|| SettingsScope::new(ROUND_TRIP));
    // SAFETY: `text` is a text datum from the current SPI result; array_in
    // raises an ERROR for text it cannot read.
    unsafe {
        let (mut input, mut ioparam) = (pg_sys::InvalidOid, pg_sys::InvalidOid);
        pg_sys::getTypeInputInfo(array_type, &mut input, &mut ioparam);
        let cstring = pg_sys::text_to_cstring(text.cast_mut_ptr());
        pg_sys::OidInputFunctionCall(input, cstring, ioparam, -1)
    }
}

/// The transaction committed: wake the worker if it recorded work.  Runs
/// in the COMMIT callback, where nothing may raise an ERROR.
pub fn committed() {
    if RECORDED.with(|r| r.replace(false)) {
        worker::wake();
    }
}

pub fn forget() {
    RECORDED.with(|r| r.set(false));
}
