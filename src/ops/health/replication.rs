//! On a logical-replication subscriber: every source of a TVIEW that a
//! subscription writes has row-level capture in place (`ddl/capture`),
//! no TVIEW table is written by a subscription (the apply worker would
//! bypass its guard), and how far each subscription's apply is behind,
//! which is how far its TVIEWs are behind: they are maintained inside the
//! apply transactions and have no lag of their own.

use std::collections::BTreeMap;

use pgrx::pg_sys::Oid;

use crate::catalog;
use crate::ddl::capture::{Mode, Modes};

use super::super::query::{qualified_name, rows, text};
use super::Finding;

pub fn check() -> Vec<Finding> {
    // (relation, subscription, state, partitioned)
    let written: Vec<(u32, String, String, bool)> = rows(
        "subscribed tables",
        "SELECT r.srrelid, s.subname::text, r.srsubstate::text, c.relkind = 'p' FROM pg_catalog.pg_subscription_rel r \
         JOIN pg_catalog.pg_subscription s ON s.oid = r.srsubid \
         JOIN pg_catalog.pg_class c ON c.oid = r.srrelid ORDER BY 1, 2",
        &[],
        |r| {
            Ok((
                r.get::<Oid>(1)?.map(|o| o.to_u32()).unwrap_or(0),
                text(r, 2)?,
                text(r, 3)?,
                r.get::<bool>(4)?.unwrap_or(false),
            ))
        },
    );
    let mut findings = Vec::new();
    if written.is_empty() {
        findings.push(Finding::ok("replication", "no subscription writes a table of this database"));
        return findings;
    }
    let tviews = catalog::registered();
    let modes = Modes::read();
    let mut readers: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for t in &tviews {
        for d in &t.dependencies {
            readers.entry(d.to_u32()).or_default().push(t.table.clone());
        }
    }
    let capture = capture_triggers();
    for (rel, subscription, state, partitioned) in &written {
        let name = qualified_name(Oid::from(*rel)).unwrap_or_else(|| format!("(relation {rel})"));
        if let Some(t) = tviews.iter().find(|t| t.table_oid.to_u32() == *rel) {
            findings.push(Finding::error(
                "critical",
                format!("replication of {name}"),
                format!(
                    "subscription {subscription} writes TVIEW table {name}: the apply worker bypasses its guard, so it can \
                     differ from its view. Publish the base tables only and remove {} from the publication",
                    t.table
                ),
            ));
            continue;
        }
        let Some(readers) = readers.get(rel) else { continue };
        let readers = readers.join(", ");
        let (mode, automatic) = modes.of(Oid::from(*rel));
        let needed = if mode == Mode::Row { "A" } else { "R" };
        let component = format!("capture of {name}");
        let syncing = if state == "r" { String::new() } else { format!(" (initial copy in state '{state}')") };
        if *partitioned {
            findings.push(Finding::error(
                "high",
                component,
                format!(
                    "subscription {subscription} writes this partitioned table, which takes no row capture: \
                     {readers} go stale. Publish and read its partitions, or refresh them with pg_tviews_refresh"
                ),
            ));
            continue;
        }
        match capture.get(rel) {
            Some(enabled) if enabled == needed && mode != Mode::Statement => findings.push(Finding::ok(
                component,
                format!(
                    "subscription {subscription} writes it{syncing}; row capture in mode {}{} maintains {readers}",
                    mode.name(),
                    if automatic { " (automatic)" } else { "" }
                ),
            )),
            _ => findings.push(Finding::error(
                "high",
                component,
                format!(
                    "subscription {subscription} writes it{syncing}, but its row capture is missing or disabled: {readers} \
                     go stale. Run SELECT pg_tviews_install_stmt_triggers(); then pg_tviews_refresh each of them"
                ),
            )),
        }
    }
    findings.extend(lag());
    findings
}

/// Our row capture trigger per relation: relation -> tgenabled.
fn capture_triggers() -> BTreeMap<u32, String> {
    let sql = [
        "SELECT t.tgrelid, t.tgenabled::text FROM pg_catalog.pg_trigger t \
         WHERE NOT t.tgisinternal AND t.tgname = 'pg_tviews_row' AND t.tgfoid = ",
        crate::sql_text::OUR_TRIGGER_FUNCTION,
    ]
    .concat();
    rows("capture triggers", &sql, &[], |r| Ok((r.get::<Oid>(1)?.map(|o| o.to_u32()).unwrap_or(0), text(r, 2)?)))
        .into_iter()
        .collect()
}

/// One row per subscription of this database: is its apply worker
/// running, and how old is the last position it reported.
fn lag() -> Vec<Finding> {
    let subscriptions = rows(
        "subscriptions",
        "SELECT s.subname::text, s.subenabled, w.pid IS NOT NULL, \
                COALESCE(pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - w.last_msg_receipt_time)::numeric, 1)::text, ''), \
                COALESCE(w.received_lsn::text, ''), COALESCE(w.latest_end_lsn::text, ''), \
                COALESCE(pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - w.latest_end_time)::numeric, 1)::text, '') \
         FROM pg_catalog.pg_subscription s \
         LEFT JOIN pg_catalog.pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL \
         WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \
         ORDER BY 1",
        &[],
        |r| {
            Ok((
                text(r, 1)?,
                r.get::<bool>(2)?.unwrap_or(false),
                r.get::<bool>(3)?.unwrap_or(false),
                text(r, 4)?,
                text(r, 5)?,
                text(r, 6)?,
                text(r, 7)?,
            ))
        },
    );
    subscriptions
        .into_iter()
        .map(|(name, enabled, running, receipt_age, received, applied, applied_age)| {
            let component = format!("subscription {name}");
            if !enabled || !running {
                let why = if enabled { "its apply worker is not running (see the server log)" } else { "it is disabled" };
                return Finding::warning(
                    "high",
                    component,
                    format!("{why}: the TVIEWs reading its tables fall behind the publisher until it applies again"),
                );
            }
            Finding::ok(
                component,
                format!(
                    "apply worker running; last message {receipt_age} s ago; received up to {received}, applied and \
                     reported up to {applied} ({applied_age} s ago). Its TVIEWs are maintained in the apply transactions: \
                     their lag is the subscription's"
                ),
            )
        })
        .collect()
}
