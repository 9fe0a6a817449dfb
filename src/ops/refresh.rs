//! `pg_tviews_refresh`: rebuild one TVIEW from its view, writing only the
//! rows that differ.

use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

use crate::catalog;
use crate::engine;

/// Returns the number of rows written (inserted + updated + deleted).
#[pg_extern]
fn pg_tviews_refresh(entity: &str) -> i64 {
    let tview = catalog::by_entity_or_error(entity);
    crate::authz::refresh(&tview);
    let outcome = engine::full_refresh_as_owner(&tview);
    catalog::audit(
        "REFRESH",
        &tview.entity,
        JsonB(json!({
            "inserted": outcome.inserted,
            "updated": outcome.updated,
            "deleted": outcome.deleted,
        })),
    );
    outcome.written()
}
