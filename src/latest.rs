//! Statements on pg_tviews' own catalog that read with a snapshot taken
//! now, whatever the isolation level.
//!
//! Why: `pg_tview_meta` decides which triggers a source carries and which
//! TVIEWs a write maintains, so it is read the way PostgreSQL reads its own
//! catalogs: as committed now, plus this transaction's own changes.  With
//! the transaction's snapshot (REPEATABLE READ, SERIALIZABLE), or with a
//! statement snapshot taken before a lock wait (READ COMMITTED), a session
//! would not see a TVIEW another session created or dropped meanwhile: a
//! writer would skip a TVIEW created after its snapshot was taken, and DDL
//! that waited for the other DDL's lock would decide the triggers from the
//! metadata as it was before that DDL committed (see `ddl::serialize`).

use std::ffi::c_char;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::{FromDatum, PgSqlErrorCode};

use crate::error::raise;
use crate::pg::{cstring, SpiConnection};

/// One row of a result, readable until the statement's SPI connection ends.
pub struct Row {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
}

impl Row {
    /// Column `n` (1-based), converted while the row is still valid.
    pub fn get<T: FromDatum>(&self, n: i32) -> Option<T> {
        let mut is_null = false;
        // SAFETY: the tuple and descriptor are the current SPI result's;
        // the value is converted (copied) before the connection ends.
        unsafe {
            let datum = pg_sys::SPI_getbinval(self.tuple, self.desc, n, &mut is_null);
            T::from_datum(datum, is_null)
        }
    }
}

/// Run `sql` with `args`, reading with a snapshot taken now (the command
/// counter advanced first, so this transaction's earlier changes are seen),
/// and map each result row with `each`.  Also for INSERT, UPDATE, DELETE:
/// they change the rows that snapshot sees.
pub fn run<T>(sql: &str, args: &[DatumWithOid], mut each: impl FnMut(&Row) -> T) -> Vec<T> {
    let text = cstring(sql);
    let mut types: Vec<pg_sys::Oid> = args.iter().map(DatumWithOid::oid).collect();
    let (mut datums, nulls): (Vec<pg_sys::Datum>, Vec<c_char>) = args
        .iter()
        .map(|a| match a.datum() {
            Some(d) => (d.sans_lifetime(), b' ' as c_char),
            None => (pg_sys::Datum::from(0), b'n' as c_char),
        })
        .collect();
    let _spi = SpiConnection::open();
    // SAFETY: argument arrays of the declared length; the plan and result
    // belong to the connection opened above, read before it is finished.
    unsafe {
        let plan = pg_sys::SPI_prepare(text.as_ptr(), types.len() as i32, types.as_mut_ptr());
        if plan.is_null() {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not prepare: {sql}"));
        }
        let rc = pg_sys::SPI_execute_snapshot(
            plan,
            datums.as_mut_ptr(),
            nulls.as_ptr(),
            pg_sys::GetLatestSnapshot(),
            std::ptr::null_mut(),
            false,
            true,
            0,
        );
        if rc < 0 {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("SPI code {rc}: {sql}"));
        }
        let table = pg_sys::SPI_tuptable;
        if table.is_null() {
            return Vec::new();
        }
        (0..pg_sys::SPI_processed as usize)
            .map(|i| each(&Row { tuple: *(*table).vals.add(i), desc: (*table).tupdesc }))
            .collect()
    }
}
