//! Deciding a rebuild from a statement's size, before looking for keys.
//!
//! A statement writing most of a TVIEW's rows is rebuilt set-wise anyway
//! (`pg_tviews.full_refresh_threshold`), but finding that out by the key
//! query means locking and hashing every written row's edges and keys
//! first: on 50,000 rows of the bench's posts, about half a second.  When
//! every written row's primary key is itself a key the key query would
//! return (`Target::rows_are_keys`), the transition tables' sizes are a
//! lower bound on the keys found: N written rows are at least N distinct
//! keys, since old rows have distinct primary keys, and so do new rows.
//! Above the threshold by that bound alone, the TVIEW is rebuilt without
//! the edge locks and the key query.
//!
//! An UPDATE is still held to the gate (the columns the view reads must
//! have changed), which costs one join of the transition tables, unless
//! the source is a TVIEW whose every column the view reads: pg_tviews
//! writes only rows whose binary image changed, so its UPDATEs always
//! pass.  A rebuild is always exact, so none of this is needed for
//! correctness: it only decides when the cheaper way is certain to be
//! chosen.  The lock follows `locks`: the TVIEW is taken exclusively
//! only without an upgrade wait (`locks::escalate`), else the keys are
//! looked for as usual.

use pgrx::prelude::*;
use pgrx::{FromDatum, IntoDatum};

use pg_tviews_planner::statements::Delta;

use crate::pg::first_row_datum;

use super::apply::{full_refresh_pays, Work};
use super::cache::Target;
use super::locks;

/// A rebuild of `target`, locked, when a statement writing `rows` rows
/// (the larger transition table) of its source certainly crosses the
/// threshold; None to look for keys as usual.
pub fn rebuild_early(target: &Target, delta: Delta, rows: Option<u64>) -> Option<Work> {
    let rows = i64::try_from(rows?).ok()?;
    if !target.rows_are_keys || !full_refresh_pays(rows, estimated_rows(target.tview.table_oid)) {
        return None;
    }
    if delta == Delta::OldAndNew && !target.update_always_matters && !gate_passes(target) {
        return None;
    }
    if !locks::escalate(target.tview_lock) {
        return None;
    }
    Some(Work::Full { keys: rows })
}

/// Did the UPDATE change a column the view reads?  Unknown columns: yes.
fn gate_passes(target: &Target) -> bool {
    let Some(plan) = target.gate_plan() else { return true };
    plan.execute(&[], true);
    // SAFETY: the gate statement returns one boolean column.
    first_row_datum(1).and_then(|d| unsafe { bool::from_datum(d, false) }).unwrap_or(true)
}

/// The planner's row estimate of a table (`pg_class.reltuples`; -1 when
/// never vacuumed or analyzed), from the syscache.
fn estimated_rows(table: pg_sys::Oid) -> f32 {
    let Some(key) = table.into_datum() else { return -1.0 };
    // SAFETY: a syscache lookup by oid; the tuple is released before
    // returning and only its fixed-size part is read.
    unsafe {
        let tuple = pg_sys::SearchSysCache1(pg_sys::SysCacheIdentifier::RELOID as i32, key);
        if tuple.is_null() {
            return -1.0;
        }
        let form = pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_class>(tuple);
        let estimate = (*form).reltuples;
        pg_sys::ReleaseSysCache(tuple);
        estimate
    }
}
