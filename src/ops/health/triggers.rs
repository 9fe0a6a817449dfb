//! Maintenance triggers: every source of every TVIEW has its four
//! statement triggers, enabled, and every TVIEW table its guard; triggers
//! of ours that no TVIEW needs are reported too.  The names are the ones
//! `ddl/triggers.rs` creates.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog;
use crate::sql_text::OUR_TRIGGER_FUNCTION;

use super::super::query::{qualified_name, rows, text};
use super::Finding;

/// (trigger, the write it maintains after)
const SOURCE_TRIGGERS: [(&str, &str); 4] = [
    ("pg_tviews_ins", "INSERT"),
    ("pg_tviews_upd", "UPDATE"),
    ("pg_tviews_del", "DELETE"),
    ("pg_tviews_trunc", "TRUNCATE"),
];
const GUARD: &str = "pg_tviews_guard";

pub fn check() -> Vec<Finding> {
    // Which TVIEWs each source feeds, and each TVIEW table; also TVIEWs
    // whose view is gone, whose triggers `sync` keeps until they are
    // dropped (catalog_state reports them).
    let mut feeds: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut tables = BTreeSet::new();
    for t in catalog::registered() {
        tables.insert(t.table_oid.to_u32());
        for source in &t.dependencies {
            feeds.entry(source.to_u32()).or_default().push(t.table.clone());
        }
    }
    let existing = existing();
    let mut findings = Vec::new();
    let mut checked = 0;
    for (source, readers) in &feeds {
        let rel = qualified_name(pgrx::pg_sys::Oid::from(*source)).unwrap_or_else(|| format!("(relation {source})"));
        let readers = readers.join(", ");
        for (name, event) in SOURCE_TRIGGERS {
            checked += 1;
            let component = format!("trigger {name} on {rel}");
            match existing.get(&(*source, name.to_string())) {
                None => findings.push(Finding::error(
                    "critical",
                    component,
                    format!(
                        "missing: {event} on {rel} does not maintain {readers}. Run SELECT pg_tviews_reinstall_triggers(); \
                         then pg_tviews_refresh each of them, since writes made meanwhile were missed"
                    ),
                )),
                Some(enabled) if !fires(enabled) => findings.push(Finding::error(
                    "critical",
                    component,
                    format!(
                        "disabled: {event} on {rel} does not maintain {readers}. Run ALTER TABLE {rel} ENABLE TRIGGER {name} \
                         (or SELECT pg_tviews_reinstall_triggers()); then pg_tviews_refresh each of them"
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    for table in &tables {
        checked += 1;
        let rel = qualified_name(pgrx::pg_sys::Oid::from(*table)).unwrap_or_else(|| format!("(relation {table})"));
        let guarded = existing.get(&(*table, GUARD.to_string())).is_some_and(|e| fires(e));
        if !guarded {
            findings.push(Finding::warning(
                "medium",
                format!("trigger {GUARD} on {rel}"),
                format!(
                    "missing or disabled: direct writes to {rel} are not refused and would make it differ from its view. \
                     Run SELECT pg_tviews_install_stmt_triggers()"
                ),
            ));
        }
    }
    for (rel, name) in existing.keys() {
        let needed = if name == GUARD { tables.contains(rel) } else { feeds.contains_key(rel) };
        if !needed {
            let shown = qualified_name(pgrx::pg_sys::Oid::from(*rel)).unwrap_or_else(|| format!("(relation {rel})"));
            findings.push(Finding::warning(
                "low",
                format!("trigger {name} on {shown}"),
                "no TVIEW needs this trigger (it costs every write). Run SELECT pg_tviews_install_stmt_triggers() to remove it"
                    .to_string(),
            ));
        }
    }
    if findings.is_empty() {
        findings.push(Finding::ok(
            "triggers",
            format!("all {checked} maintenance and guard triggers are present and enabled"),
        ));
    }
    findings
}

/// Enabled for ordinary sessions: origin ('O') or always ('A').
fn fires(tgenabled: &str) -> bool {
    matches!(tgenabled, "O" | "A")
}

/// Our triggers: (relation oid, name) -> tgenabled.
fn existing() -> BTreeMap<(u32, String), String> {
    let sql = [
        "SELECT t.tgrelid, t.tgname::text, t.tgenabled::text FROM pg_catalog.pg_trigger t \
         WHERE NOT t.tgisinternal AND t.tgfoid = ",
        OUR_TRIGGER_FUNCTION,
    ]
    .concat();
    let mut found: Vec<_> = rows("maintenance triggers", &sql, &[], |r| {
        let rel = r.get::<pgrx::pg_sys::Oid>(1)?.map(|o| o.to_u32()).unwrap_or(0);
        Ok(((rel, text(r, 2)?), text(r, 3)?))
    });
    // Only ours by name too: a renamed one is not (ddl/triggers.rs).
    found.retain(|((_, name), _)| crate::ddl::triggers::is_ours(name));
    found.into_iter().collect()
}
