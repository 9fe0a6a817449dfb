//! Maintenance triggers: every source of every TVIEW has the triggers its
//! capture mode needs (`ddl/capture`), enabled as that mode needs, and
//! every TVIEW table its guard; triggers of ours that no TVIEW needs are
//! reported too.  The names and states are the ones `ddl/triggers.rs`
//! creates.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog;
use crate::ddl::capture::Modes;
use crate::ddl::triggers::source_triggers;
use crate::sql_text::OUR_TRIGGER_FUNCTION;

use super::super::query::{qualified_name, rows, text};
use super::Finding;

/// The write a trigger maintains after.
fn event_of(name: &str) -> &'static str {
    match name {
        "pg_tviews_ins" => "INSERT",
        "pg_tviews_upd" => "UPDATE",
        "pg_tviews_del" => "DELETE",
        "pg_tviews_trunc" => "TRUNCATE",
        "pg_tviews_row_trunc" => "TRUNCATE (row capture)",
        _ => "INSERT, UPDATE and DELETE (row capture)",
    }
}

fn state_name(state: char) -> &'static str {
    match state {
        'R' => "ENABLE REPLICA",
        'A' => "ENABLE ALWAYS",
        _ => "ENABLE",
    }
}

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
    let modes = Modes::read();
    let mut needed: BTreeSet<(u32, String)> = BTreeSet::new();
    let mut findings = Vec::new();
    let mut checked = 0;
    for (source, readers) in &feeds {
        let rel = qualified_name(pgrx::pg_sys::Oid::from(*source)).unwrap_or_else(|| format!("(relation {source})"));
        let readers = readers.join(", ");
        let mode = modes.of(pgrx::pg_sys::Oid::from(*source)).0;
        for (_, name, _, _, state) in source_triggers(*source, mode, tables.contains(source)) {
            checked += 1;
            needed.insert((*source, name.to_string()));
            let event = event_of(name);
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
                Some(enabled) if enabled == "D" => findings.push(Finding::error(
                    "critical",
                    component,
                    format!(
                        "disabled: {event} on {rel} does not maintain {readers}. Run ALTER TABLE {rel} ENABLE TRIGGER {name} \
                         (or SELECT pg_tviews_reinstall_triggers()); then pg_tviews_refresh each of them"
                    ),
                )),
                Some(enabled) if !enabled.starts_with(state) => findings.push(Finding::error(
                    "critical",
                    component,
                    format!(
                        "enabled as '{enabled}', capture mode {} needs {}: {event} on {rel} may not maintain {readers} \
                         (or maintain it twice). Run SELECT pg_tviews_install_stmt_triggers(); then pg_tviews_refresh each of them",
                        mode.name(),
                        state_name(state)
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
        let needed = if name == GUARD { tables.contains(rel) } else { needed.contains(&(*rel, name.clone())) };
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
