//! `pg_tviews_purge_history`: the execution store grows by one row per
//! maintenance run when `pg_tviews.log_refreshes = all`; this trims it.
//! It writes the catalog as the extension's owner, like every catalog
//! write, so EXECUTE on it is revoked from PUBLIC (sql/ops.sql).

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::error::raise;

/// Delete execution-store rows logged before `now() - older_than`;
/// returns how many.
#[pg_extern]
fn pg_tviews_purge_history(older_than: pgrx::datum::Interval) -> i64 {
    // now() - a negative interval is in the future: every row would go
    let negative = Spi::get_one_with_args::<bool>("SELECT $1 < pg_catalog.make_interval()", &[older_than.into()])
        .ok()
        .flatten()
        .unwrap_or(false);
    if negative {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "pg_tviews_purge_history: older_than must not be negative");
    }
    let deleted = catalog::as_extension_owner(|ext| {
        let sql = ext.sql(&[
            "WITH gone AS (DELETE FROM @extschema@.pg_tview_refresh_log WHERE logged_at < pg_catalog.now() - $1 RETURNING 1) \
             SELECT pg_catalog.count(*) FROM gone",
        ]);
        Spi::get_one_with_args::<i64>(&sql, &[older_than.into()])
    })
        .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not purge pg_tview_refresh_log: {e}")))
        .unwrap_or(0);
    let shown = Spi::get_one_with_args::<String>("SELECT $1::text", &[older_than.into()])
        .ok()
        .flatten()
        .unwrap_or_default();
    catalog::audit_global("PURGE HISTORY", JsonB(json!({ "older_than": shown, "deleted": deleted })));
    deleted
}
