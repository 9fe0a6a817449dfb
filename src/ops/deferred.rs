//! Deferred and async maintenance seen from SQL: choosing a TVIEW's
//! refresh mode, the session's pending work (`pg_tviews_queue_realtime`),
//! and waiting for the async worker (`pg_tviews_wait`).

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::engine;
use crate::error::raise_with;

/// Set when `entity` is maintained: 'immediate' (after each statement),
/// 'deferred' (once, at commit) or 'async' (by the background worker,
/// after commit).  `pg_tviews.refresh_mode` can make a session's writes
/// later than this says, never sooner.  Leaving async applies what is
/// still queued for the TVIEW in this transaction (a rebuild).
#[pg_extern]
fn pg_tviews_set_refresh_mode(entity: &str, mode: &str) -> String {
    if !["immediate", "deferred", "async"].contains(&mode) {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid refresh mode \"{mode}\""),
            None,
            Some("Use 'immediate', 'deferred' or 'async'.".into()),
        );
    }
    let tview = catalog::by_entity_or_error(entity);
    crate::authz::set_refresh_mode(&tview);
    catalog::set_refresh_mode(&tview, mode);
    engine::cache::invalidate(&[tview.table_oid]);
    if mode != "async" {
        engine::async_mode::catch_up(&tview);
    }
    catalog::audit("SET REFRESH MODE", &tview.entity, JsonB(json!({ "refresh_mode": mode })));
    let when = match mode {
        "deferred" => "at commit",
        "async" => "by the async worker after commit",
        _ => "after each statement",
    };
    format!("TVIEW {} is now maintained {when}", tview.entity)
}

/// Wait until every transaction committed before the call is reflected in
/// every async TVIEW, at most `timeout`; false when it ran out.
#[pg_extern]
fn pg_tviews_wait(timeout: default!(pgrx::datum::Interval, "'5s'")) -> bool {
    let timeout = std::time::Duration::try_from(timeout).unwrap_or_else(|_| {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "pg_tviews_wait: timeout must be a non-negative interval without months".to_string(),
            None,
            Some("For example pg_tviews_wait('5 s').".into()),
        )
    });
    engine::async_mode::wait::until_applied(timeout)
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
