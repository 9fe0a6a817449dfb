//! Configuration sanity: settings that leave TVIEWs stale, or make
//! maintenance or its bookkeeping costly, as this session sees them.

use crate::catalog;

use super::super::query::{rows, text};
use super::Finding;

/// The execution store above this many rows deserves a purge.
const LARGE_HISTORY: f64 = 1_000_000.0;

fn setting(name: &str) -> String {
    rows(
        "a setting",
        "SELECT pg_catalog.current_setting($1, true)",
        &[name.into()],
        |r| text(r, 1),
    )
    .into_iter()
    .next()
    .unwrap_or_default()
}

pub fn check() -> Vec<Finding> {
    let mut findings = Vec::new();
    if setting("pg_tviews.enabled") == "off" {
        findings.push(Finding::warning(
            "high",
            "setting pg_tviews.enabled",
            "off: writes to sources leave TVIEWs stale. SET pg_tviews.enabled = on, then bring the TVIEWs up to date with \
             pg_tviews_cascade(source, keys) for the rows written meanwhile, or pg_tviews_refresh(entity)",
        ));
    }
    if setting("pg_tviews.refresh_mode") == "deferred" {
        findings.push(Finding::warning(
            "low",
            "setting pg_tviews.refresh_mode",
            "deferred: TVIEWs are brought up to date at COMMIT; statements later in a writing transaction read them stale",
        ));
    }
    if setting("pg_tviews.refresh_mode") == "async" {
        findings.push(Finding::warning(
            "low",
            "setting pg_tviews.refresh_mode",
            "async: this session's writes are applied by the background worker after COMMIT; SELECT pg_tviews_wait() \
             before reading what they changed",
        ));
    }
    findings.extend(pending_work());
    findings.extend(deferred_tviews());
    if setting("pg_tviews.full_refresh_threshold").parse::<f64>().is_ok_and(|t| t == 0.0) {
        findings.push(Finding::warning(
            "low",
            "setting pg_tviews.full_refresh_threshold",
            "0: every write rebuilds every TVIEW it affects in full. The default is 0.2",
        ));
    }
    if setting("pg_tviews.audit") == "off" {
        findings.push(Finding::warning(
            "medium",
            "setting pg_tviews.audit",
            "off: CREATE, DROP, REFRESH and CONVERT of TVIEWs are not recorded in pg_tview_audit_log. SET pg_tviews.audit = on",
        ));
    }
    findings.extend(history_size());
    if findings.is_empty() {
        findings.push(Finding::ok(
            "settings",
            "maintenance is on, immediate, with auditing; nothing pending in this session",
        ));
    }
    findings
}

/// This session's deferred work, when the queue view exists.
fn pending_work() -> Option<Finding> {
    let view = catalog::ext_schema().object("pg_tviews_queue_realtime");
    let exists = rows("the queue view", "SELECT pg_catalog.to_regclass($1) IS NOT NULL", &[view.as_str().into()], |r| {
        Ok(r.get::<bool>(1)?.unwrap_or(false))
    })
    .into_iter()
    .any(|e| e);
    if !exists {
        return None;
    }
    let pending = rows("the queue", &catalog::ext_schema().sql(&["SELECT pg_catalog.count(*) FROM @extschema@.pg_tviews_queue_realtime"]), &[], |r| {
        Ok(r.get::<i64>(1)?.unwrap_or(0))
    })
    .into_iter()
    .next()
    .unwrap_or(0);
    (pending > 0).then(|| {
        Finding::warning(
            "medium",
            "deferred queue",
            format!("{pending} TVIEW(s) have work pending in this transaction; they are written at COMMIT (see pg_tviews_queue_realtime)"),
        )
    })
}

fn deferred_tviews() -> Option<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT pg_catalog.string_agg(m.table_oid::text, ', ' ORDER BY m.schema_name, m.entity) \
         FROM @extschema@.pg_tview_meta m WHERE m.refresh_mode = 'deferred'",
    ]);
    let list = rows("pg_tview_meta", &sql, &[], |r| text(r, 1)).into_iter().next().unwrap_or_default();
    (!list.is_empty()).then(|| {
        Finding::warning(
            "low",
            "refresh mode",
            format!("deferred per TVIEW for {list}: brought up to date at COMMIT of the writing transaction"),
        )
    })
}

fn history_size() -> Option<Finding> {
    let log = catalog::ext_schema().object("pg_tview_refresh_log");
    let sql = "SELECT c.reltuples::float8 FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)";
    let estimate = rows("pg_tview_refresh_log size", sql, &[log.as_str().into()], |r| Ok(r.get::<f64>(1)?.unwrap_or(0.0)))
        .into_iter()
        .next()
        .unwrap_or(0.0);
    (estimate > LARGE_HISTORY).then(|| {
        Finding::warning(
            "low",
            "execution store size",
            format!("pg_tview_refresh_log holds about {estimate:.0} rows. Trim it with SELECT pg_tviews_purge_history('30 days')"),
        )
    })
}
