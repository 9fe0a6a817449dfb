//! Deferred maintenance seen from SQL: choosing a TVIEW's refresh mode, and
//! the session's pending work (`pg_tviews_queue_realtime`).

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::engine;
use crate::error::raise_with;

/// Set when `entity` is maintained: 'immediate' (after each statement) or
/// 'deferred' (once, at commit).  `pg_tviews.refresh_mode = deferred`
/// defers every TVIEW for a session or transaction whatever this says.
#[pg_extern]
fn pg_tviews_set_refresh_mode(entity: &str, mode: &str) -> String {
    if mode != "immediate" && mode != "deferred" {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid refresh mode \"{mode}\""),
            None,
            Some("Use 'immediate' or 'deferred'.".into()),
        );
    }
    let tview = catalog::by_entity_or_error(entity);
    crate::authz::set_refresh_mode(&tview);
    catalog::set_refresh_mode(&tview, mode);
    engine::cache::invalidate(&[tview.table_oid]);
    catalog::audit("SET REFRESH MODE", &tview.entity, JsonB(json!({ "refresh_mode": mode })));
    format!("TVIEW {} is now maintained {}", tview.entity, if mode == "deferred" { "at commit" } else { "after each statement" })
}

/// This session's queued (deferred) work, one row per TVIEW.
#[pg_extern]
fn pg_tviews_queue() -> TableIterator<
    'static,
    (
        name!(entity, String),
        name!(pending_keys, i64),
        name!(oldest_enqueued_at, pgrx::datum::TimestampWithTimeZone),
    ),
> {
    let rows: Vec<_> = engine::queue::pending()
        .into_iter()
        .filter_map(|(entity, keys, at)| {
            pgrx::datum::TimestampWithTimeZone::try_from(at).ok().map(|at| (entity, keys, at))
        })
        .collect();
    TableIterator::new(rows)
}

extension_sql!(
    r#"
CREATE VIEW pg_tviews_queue_realtime AS
    SELECT entity, pending_keys, oldest_enqueued_at FROM pg_tviews_queue();
COMMENT ON VIEW pg_tviews_queue_realtime IS 'this session''s deferred maintenance, applied at commit';
GRANT SELECT ON pg_tviews_queue_realtime TO PUBLIC;
"#,
    name = "queue_view",
    requires = [pg_tviews_queue]
);
