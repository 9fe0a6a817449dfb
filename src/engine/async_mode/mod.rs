//! Async mode: writes to sources of an async TVIEW record the keys they
//! may have changed in a durable queue, in their own transaction
//! (`capture`); a background worker per database applies them after
//! commit, in batches, through the same engine (`worker`, `drain`);
//! `wait` tells a client when what committed before it asked is applied.
//! docs/async.md describes the semantics.

pub mod capture;
mod drain;
pub mod wait;
pub mod worker;

use pgrx::prelude::*;

use crate::catalog::{self, Tview};

/// A TVIEW leaves async mode: apply what is queued for it now, in this
/// transaction, so that it equals its view when the mode change commits.
/// The TVIEW is locked whole first, so every writer that queued for it has
/// committed and its entries are seen; they are read before the rebuild,
/// which covers them, and deleted.  Writers that were already waiting for
/// the lock still queue, and the worker applies those.
pub fn catch_up(tview: &Tview) {
    super::locks::lock_whole(super::locks::tview_lock(tview.table_oid));
    let ids = catalog::as_extension_owner(|ext| {
        let sql = ext.sql(&[
            "SELECT entry_id FROM @extschema@.pg_tviews_async_queue WHERE tview::pg_catalog.oid = $1",
        ]);
        crate::latest::run(&sql, &[tview.table_oid.into()], |row| row.get::<i64>(1))
    });
    let ids: Vec<i64> = ids.into_iter().flatten().collect();
    if ids.is_empty() {
        return;
    }
    super::full_refresh_as_owner(tview);
    delete(&["DELETE FROM @extschema@.pg_tviews_async_queue WHERE entry_id = ANY ($1)"], ids.into());
}

/// Forget the entries of a TVIEW being dropped.
pub fn forget(table: pg_sys::Oid) {
    delete(&["DELETE FROM @extschema@.pg_tviews_async_queue WHERE tview::pg_catalog.oid = $1"], table.into());
}

fn delete(sql: &[&'static str], arg: pgrx::datum::DatumWithOid) {
    catalog::as_extension_owner(|ext| {
        let sql = ext.sql(sql);
        crate::latest::run(&sql, &[arg], |_| ());
    });
}
