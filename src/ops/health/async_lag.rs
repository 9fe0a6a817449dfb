//! Async mode: TVIEWs whose queued entries are older than
//! `pg_tviews.async_lag_warning`, entries with no worker running to apply
//! them, and the worker's latest failure.

use crate::catalog;
use crate::guc;

use super::super::query::{rows, text};
use super::Finding;

pub fn check() -> Vec<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT entity, pending_entries, COALESCE(pg_catalog.round(extract(epoch FROM lag) * 1000)::int8, 0), \
                worker_state, COALESCE(last_error, '') \
         FROM @extschema@.pg_tviews_async_status WHERE pending_entries > 0 ORDER BY schema_name, entity",
    ]);
    let pending = rows("pg_tviews_async_status", &sql, &[], |r| {
        Ok((text(r, 1)?, r.get::<i64>(2)?.unwrap_or(0), r.get::<i64>(3)?.unwrap_or(0), text(r, 4)?, text(r, 5)?))
    });
    let threshold = i64::from(guc::ASYNC_LAG_WARNING.get());
    let mut findings = Vec::new();
    for (entity, entries, lag_ms, worker, error) in pending {
        let failing = if error.is_empty() { String::new() } else { format!("; the worker's latest failure: {error}") };
        if worker == "stopped" {
            findings.push(Finding::warning(
                "high",
                format!("async queue: {entity}"),
                format!(
                    "{entries} entries queued ({lag_ms} ms old) and no async worker runs (the server restarted, or no \
                     background worker slot was free){failing}. SELECT pg_tviews_wait() starts one"
                ),
            ));
        } else if lag_ms > threshold {
            findings.push(Finding::warning(
                "high",
                format!("async queue: {entity}"),
                format!(
                    "lag {lag_ms} ms (over pg_tviews.async_lag_warning = {threshold} ms), {entries} entries queued{failing}. \
                     See pg_tviews_async_status"
                ),
            ));
        }
    }
    if findings.is_empty() {
        findings.push(Finding::ok("async queue", format!("no async TVIEW lags more than {threshold} ms")));
    }
    findings
}
