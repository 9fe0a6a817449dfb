//! Refuses a definition that reads a table's row as a whole.
//!
//! A whole-row reference to a table (`to_jsonb(t)`, `row_to_json(t)`,
//! `t::text`, `t IS NOT NULL`, `count(t)`) stands for every column the
//! table has when the query runs, not the columns it had at CREATE: after
//! `ALTER TABLE t ADD COLUMN`, `DROP COLUMN` or `RENAME COLUMN` the view
//! computes other documents for every row, while no row was written and
//! the TVIEW keeps the old ones.  A derived table's or CTE's row is fixed
//! when the view is created (its `*` is expanded then), so
//! `to_jsonb(x) FROM (SELECT t.id, t.v FROM t) x` is the way to write it.
//!
//! Found on the view's stored query: a `Var` with `varattno = 0` whose
//! range-table entry (at its `varlevelsup`) is a relation.

use std::ffi::c_void;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::error::raise_with;

/// The range tables of the queries being walked, innermost last, and the
/// first table found read as a whole row.
struct Walk {
    rtables: Vec<*mut pg_sys::List>,
    found: Option<pg_sys::Oid>,
}

/// Refuse TVIEW `entity` if its view `view` reads a table's whole row.
pub fn check(entity: &str, view: pg_sys::Oid) {
    // SAFETY: the view exists (CREATE just made it, or convert found it);
    // its rule's query is read, not changed, while the lock is held.
    let found = unsafe {
        let rel = pg_sys::relation_open(view, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let query = pg_sys::get_view_query(rel);
        let mut walk = Walk { rtables: Vec::new(), found: None };
        walker(query.cast(), (&mut walk as *mut Walk).cast());
        pg_sys::relation_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        walk.found
    };
    let Some(table) = found else { return };
    let name = Spi::get_one_with_args::<String>("SELECT $1::pg_catalog.regclass::text", &[table.into()])
        .ok()
        .flatten()
        .unwrap_or_default();
    raise_with(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("cannot create TVIEW {entity}: it reads the whole row of {name}"),
        Some(
            "A whole-row reference (to_jsonb(t), row_to_json(t), t::text, ...) stands for the table's columns \
             when it runs: adding, dropping or renaming a column would change every document without a write."
                .into(),
        ),
        Some(
            "Name the columns (jsonb_build_object('id', t.id, ...)), or take the row of a derived table: \
             to_jsonb(x) FROM (SELECT t.id, t.v FROM t) x."
                .into(),
        ),
    );
}

/// Expression and query walker (see `Walk`); true stops the walk.
#[pg_guard]
unsafe extern "C-unwind" fn walker(node: *mut pg_sys::Node, context: *mut c_void) -> bool {
    if node.is_null() {
        return false;
    }
    let walk = &mut *context.cast::<Walk>();
    match (*node).type_ {
        pg_sys::NodeTag::T_Query => {
            let query = node.cast::<pg_sys::Query>();
            walk.rtables.push((*query).rtable);
            let stop = pg_sys::query_tree_walker(query, Some(walker), context, 0);
            walk.rtables.pop();
            stop
        }
        pg_sys::NodeTag::T_Var => {
            let var = node.cast::<pg_sys::Var>();
            if (*var).varattno == 0 {
                if let Some(relid) = relation_of(walk, var) {
                    walk.found = Some(relid);
                    return true;
                }
            }
            false
        }
        _ => pg_sys::expression_tree_walker(node, Some(walker), context),
    }
}

/// The relation a Var's range-table entry reads, if it is a relation.
unsafe fn relation_of(walk: &Walk, var: *mut pg_sys::Var) -> Option<pg_sys::Oid> {
    let level = walk.rtables.len().checked_sub(1 + (*var).varlevelsup as usize)?;
    let rtable = walk.rtables[level];
    let index = (*var).varno;
    if rtable.is_null() || index < 1 || index > (*rtable).length {
        return None;
    }
    let rte = pg_sys::list_nth(rtable, index - 1).cast::<pg_sys::RangeTblEntry>();
    (!rte.is_null() && (*rte).rtekind == pg_sys::RTEKind::RTE_RELATION).then(|| (*rte).relid)
}
