//! DDL capture: pg_tviews sees `CREATE TABLE tv_x AS ...` and `DROP TABLE`
//! through event triggers (sql/event_triggers.sql), not a ProcessUtility
//! hook, so "the hook is active in this session" means: our event
//! triggers exist, are enabled, and fire in this session (an origin-
//! enabled event trigger does not fire under session_replication_role =
//! replica).  The DDL guard's event triggers (sql/ddl_guard.sql) are
//! checked the same way.

use super::super::query::{rows, text};
use super::Finding;

/// (event trigger, what is lost without it)
const EVENT_TRIGGERS: [(&str, &str); 9] = [
    ("pg_tviews_create_table_as_start", "CREATE TABLE tv_x AS ... creates a plain table, not a TVIEW"),
    ("pg_tviews_create_table_as", "CREATE TABLE tv_x AS ... creates a plain table, not a TVIEW"),
    ("pg_tviews_drop", "DROP TABLE of a TVIEW leaves its metadata and triggers behind"),
    ("pg_tviews_drop_start", "DROP TABLE of a TVIEW can deadlock with the COMMIT of a deferred writer"),
    ("pg_tviews_ddl_guard_start", "DDL dropping or disabling a TVIEW's maintenance triggers or primary key is not refused"),
    ("pg_tviews_ddl_guard", "DDL that breaks a TVIEW (its table or view altered, a source made unlogged, partitioned or inherited) is not refused"),
    ("pg_tviews_function_guard", "replacing or altering a function a TVIEW runs leaves it stale, or running a table-reading function"),
    ("pg_tviews_function_guard_start", "renaming or dropping a function a TVIEW calls by name is not refused"),
    ("pg_tviews_subscription_capture", "a table a subscription adds gets no row capture, so the TVIEWs reading it go stale on this subscriber"),
];

pub fn check() -> Vec<Finding> {
    let state = rows(
        "event triggers",
        "SELECT evtname::text, evtenabled::text FROM pg_catalog.pg_event_trigger",
        &[],
        |r| Ok((text(r, 1)?, text(r, 2)?)),
    );
    let replica = rows(
        "session_replication_role",
        "SELECT pg_catalog.current_setting('session_replication_role')",
        &[],
        |r| text(r, 1),
    )
    .into_iter()
    .any(|role| role == "replica");
    let mut findings = Vec::new();
    for (name, lost) in EVENT_TRIGGERS {
        let component = format!("event trigger {name}");
        match state.iter().find(|(n, _)| n == name).map(|(_, e)| e.as_str()) {
            None => findings.push(Finding::error(
                "critical",
                component,
                format!("missing: {lost}. Recreate the extension's objects: DROP EXTENSION pg_tviews; CREATE EXTENSION pg_tviews (after pg_dump of the TVIEWs)"),
            )),
            Some("D") => findings.push(Finding::error(
                "critical",
                component,
                format!("disabled: {lost}. Run ALTER EVENT TRIGGER {name} ENABLE"),
            )),
            Some("O") if replica => findings.push(Finding::error(
                "critical",
                component,
                format!("does not fire in this session (session_replication_role = replica): {lost}. Run RESET session_replication_role"),
            )),
            Some("R") if !replica => findings.push(Finding::error(
                "critical",
                component,
                format!("enabled for replicas only: {lost}. Run ALTER EVENT TRIGGER {name} ENABLE"),
            )),
            Some(_) => {}
        }
    }
    if findings.is_empty() {
        findings.push(Finding::ok(
            "ddl capture",
            "the event triggers capturing CREATE TABLE AS and DROP, and the DDL guard's, are enabled and fire in this session",
        ));
    }
    findings
}
