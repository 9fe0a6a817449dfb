//! The maintenance triggers, derived entirely from `pg_tview_meta` and the
//! capture modes (`capture`): on every source, one statement-level AFTER
//! trigger per event with its transition tables (shared by all TVIEWs
//! reading that source) and, in capture mode `replica` or `row`, the
//! row-level capture triggers; on every TVIEW table, a BEFORE guard
//! refusing direct writes.  Each has the enable state its mode needs
//! (`session_replication_role`: origin, replica or always).  `sync` makes
//! the catalog of triggers match, whatever happened before (restore,
//! manual DROP TRIGGER, dropped TVIEWs, a subscription adding a table).
//!
//! Ours are exactly the triggers with one of our names whose function is
//! pg_tviews' own trigger function.  A trigger renamed by its table's
//! owner is no longer ours: it is never dropped or recreated, and the
//! trigger function does nothing when it fires (`is_ours`).  Names go into
//! SQL quoted, as every name read from the catalog does.

use std::collections::BTreeSet;

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use pg_tviews_planner::statements::{NEW_TABLE, OLD_TABLE};

use crate::catalog;
use crate::error::raise;
use crate::pg::run;
use crate::sql_text::{self, OUR_TRIGGER_FUNCTION};

use super::capture::{Mode, Modes};

/// Trigger name and the rest of its CREATE TRIGGER, per role.
pub const SOURCE_TRIGGERS: [(&str, &str); 4] = [
    ("pg_tviews_ins", "AFTER INSERT ON {rel} REFERENCING NEW TABLE AS {new}"),
    ("pg_tviews_upd", "AFTER UPDATE ON {rel} REFERENCING OLD TABLE AS {old} NEW TABLE AS {new}"),
    ("pg_tviews_del", "AFTER DELETE ON {rel} REFERENCING OLD TABLE AS {old}"),
    ("pg_tviews_trunc", "AFTER TRUNCATE ON {rel}"),
];
/// Row-level capture (`engine::row_capture`): the rows' images, and the
/// TRUNCATE of a captured source.
pub const ROW_TRIGGER: (&str, &str) = ("pg_tviews_row", "AFTER INSERT OR UPDATE OR DELETE ON {rel}");
pub const ROW_TRUNCATE_TRIGGER: (&str, &str) = ("pg_tviews_row_trunc", "AFTER TRUNCATE ON {rel}");
pub const GUARD_TRIGGER: (&str, &str) = (
    "pg_tviews_guard",
    "BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {rel}",
);

/// Is `name` one of the names pg_tviews gives its triggers?
pub fn is_ours(name: &str) -> bool {
    name == GUARD_TRIGGER.0 || is_capture(name) || SOURCE_TRIGGERS.iter().any(|(n, _)| *n == name)
}

/// Is `name` one of the row-level capture triggers?
pub fn is_capture(name: &str) -> bool {
    name == ROW_TRIGGER.0 || name == ROW_TRUNCATE_TRIGGER.0
}

/// Every name a source's triggers may have, in any mode.
pub fn source_trigger_names() -> Vec<&'static str> {
    SOURCE_TRIGGERS.iter().map(|(n, _)| *n).chain([ROW_TRIGGER.0, ROW_TRUNCATE_TRIGGER.0]).collect()
}

/// One trigger a relation needs: name, the rest of its CREATE TRIGGER, row
/// level, enable state (pg_trigger.tgenabled: `O` origin, `R` replica,
/// `A` always).
type Wanted = (u32, &'static str, &'static str, bool, char);

/// The triggers of a source in `mode`; `is_tview` when it is a TVIEW's
/// table (written only by maintenance, whose cascades must also run in
/// the apply worker: its statement triggers fire always).
pub fn source_triggers(source: u32, mode: Mode, is_tview: bool) -> Vec<Wanted> {
    let statement = |state| SOURCE_TRIGGERS.iter().map(move |(n, spec)| (source, *n, *spec, false, state));
    let row = |state| {
        [(source, ROW_TRIGGER.0, ROW_TRIGGER.1, true, state), (source, ROW_TRUNCATE_TRIGGER.0, ROW_TRUNCATE_TRIGGER.1, false, state)]
    };
    match (mode, is_tview) {
        (_, true) => statement('A').collect(),
        (Mode::Statement, false) => statement('O').collect(),
        (Mode::Replica, false) => statement('O').chain(row('R')).collect(),
        (Mode::Row, false) => row('A').into_iter().collect(),
    }
}

/// What `sync` did: how many triggers it created, on which relations.
pub struct Synced {
    pub created: i32,
    pub relations: BTreeSet<u32>,
}

/// Create the missing triggers and drop the ones no TVIEW needs, on every
/// relation.  Runs as the extension's owner: the triggers belong to
/// pg_tviews (creators are checked for TRIGGER rights first).
pub fn sync() -> Synced {
    catalog::as_extension_owner(|_| sync_as_owner(&all_relations()))
}

/// Every relation that has or needs a maintenance trigger.
fn all_relations() -> Vec<pg_sys::Oid> {
    let mut relations: Vec<pg_sys::Oid> = existing_triggers(None).into_iter().map(|(r, ..)| r).collect();
    for t in catalog::registered() {
        relations.push(t.table_oid);
        relations.extend(t.dependencies.iter().copied());
    }
    relations
}

/// `sync` for `relations` only: what one CREATE or DROP changes.  Each is
/// locked first and the metadata read after the lock (see
/// `ddl::serialize`), so concurrent DDL on one source takes turns and the
/// last one decides from what the others committed.
pub fn sync_relations(relations: &[pg_sys::Oid]) -> Synced {
    catalog::as_extension_owner(|_| sync_as_owner(relations))
}

/// Runs as the extension's owner (`as_extension_owner`).
fn sync_as_owner(relations: &[pg_sys::Oid]) -> Synced {
    let scope = super::serialize::lock_for_ddl(relations);
    let function = catalog::ext_schema().object("pg_tviews_trigger");
    let modes = Modes::read();
    let tviews = catalog::registered();
    let tables: BTreeSet<u32> = tviews.iter().map(|t| t.table_oid.to_u32()).collect();
    let mut wanted: BTreeSet<Wanted> = BTreeSet::new();
    // Also TVIEWs whose view is gone: until dropped, their table keeps its
    // guard (a direct write would still be refused) and the triggers stay
    // what their metadata says, so dropping them later removes them.
    for t in &tviews {
        wanted.insert((t.table_oid.to_u32(), GUARD_TRIGGER.0, GUARD_TRIGGER.1, false, 'O'));
        for source in &t.dependencies {
            let is_tview = tables.contains(&source.to_u32());
            wanted.extend(source_triggers(source.to_u32(), modes.of(*source).0, is_tview));
        }
    }
    wanted.retain(|(rel, ..)| scope.contains(rel));
    let existing = existing_triggers(Some(&scope));
    let mut capture_changed: BTreeSet<u32> = BTreeSet::new();
    for (rel, name, _) in &existing {
        if !wanted.iter().any(|(r, n, ..)| *r == rel.to_u32() && n == name) {
            run(&sql_text::drop_trigger(name, &regclass_text(*rel)));
            if is_capture(name) {
                capture_changed.insert(rel.to_u32());
            }
        }
    }
    let mut synced = Synced {
        created: 0,
        relations: BTreeSet::new(),
    };
    for (rel, name, spec, row, state) in &wanted {
        let found = existing.iter().find(|(r, n, _)| r.to_u32() == *rel && n == name);
        // A source of a broken TVIEW may be gone too (metadata keeps its
        // oid): nothing to put a trigger on.
        let Some(rel_text) = relation_sql(pg_sys::Oid::from(*rel)) else {
            continue;
        };
        match found {
            // One disabled by hand stays so (the health check says it).
            Some((_, _, enabled)) if enabled.starts_with(*state) || enabled == "D" => continue,
            Some(_) => run(&sql_text::enable_trigger(&rel_text, name, *state)),
            None => {
                if *row {
                    run(&sql_text::create_row_trigger(name, spec, &rel_text, &function));
                } else {
                    run(&sql_text::create_trigger(name, spec, &rel_text, OLD_TABLE, NEW_TABLE, &function));
                }
                if *state != 'O' {
                    run(&sql_text::enable_trigger(&rel_text, name, *state));
                }
                synced.created += 1;
                synced.relations.insert(*rel);
            }
        }
        if is_capture(name) {
            capture_changed.insert(*rel);
        }
    }
    for rel in capture_changed {
        audit_capture(pg_sys::Oid::from(rel), &modes, &tviews);
    }
    synced
}

/// One audit row per source whose capture triggers `sync` changed: its
/// mode now ("none" once no TVIEW reads it), and whether a subscription
/// decided it.
fn audit_capture(source: pg_sys::Oid, modes: &Modes, tviews: &[catalog::Tview]) {
    let readers: Vec<String> = tviews
        .iter()
        .filter(|t| t.dependencies.contains(&source))
        .map(|t| format!("{}.{}", t.schema, t.entity))
        .collect();
    let (mode, automatic) = modes.of(source);
    let mode = if readers.is_empty() { "none" } else { mode.name() };
    let name = relation_sql(source).unwrap_or_else(|| source.to_u32().to_string());
    catalog::audit_global(
        "CAPTURE",
        JsonB(json!({ "source": name, "mode": mode, "automatic": automatic, "tviews": readers })),
    );
}

/// Our maintenance triggers (on `only` when given), as committed now: our
/// names, our function, not internal, not a partition's clone of a
/// parent's (see the module comment); with their enable state.
fn existing_triggers(only: Option<&BTreeSet<u32>>) -> Vec<(pg_sys::Oid, String, String)> {
    let sql = [
        "SELECT t.tgrelid, t.tgname::text, t.tgenabled::text FROM pg_catalog.pg_trigger t \
         WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgname::text = ANY ($1) AND t.tgfoid = ",
        OUR_TRIGGER_FUNCTION,
        " ORDER BY t.tgrelid, t.tgname",
    ]
    .concat();
    let names: Vec<&str> = source_trigger_names().into_iter().chain([GUARD_TRIGGER.0]).collect();
    crate::latest::run(&sql, &[names.into()], |row| {
        (row.get::<pg_sys::Oid>(1), row.get::<String>(2), row.get::<String>(3))
    })
    .into_iter()
    .filter_map(|(rel, name, enabled)| Some((rel?, name?, enabled?)))
    .filter(|(rel, ..)| only.is_none_or(|o| o.contains(&rel.to_u32())))
    .collect()
}

/// `schema.relation`, quoted by the server, or None once it is gone.
fn relation_sql(rel: pg_sys::Oid) -> Option<String> {
    Spi::get_two_with_args::<String, String>(
        "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[rel.into()],
    )
    .ok()
    .and_then(|(s, n)| Some(sql_text::qualified(&s?, &n?)))
}

fn regclass_text(rel: pg_sys::Oid) -> String {
    relation_sql(rel)
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("relation {rel:?} not found")))
}

/// The TVIEWs (`schema.entity`) whose table or a source is in `relations`,
/// all of them when `relations` is None: what an audit row of a trigger
/// install names, since the install itself is about no one TVIEW.
fn tviews_touching(relations: Option<&BTreeSet<u32>>) -> Vec<String> {
    catalog::registered()
        .into_iter()
        .filter(|t| {
            relations.is_none_or(|r| {
                r.contains(&t.table_oid.to_u32()) || t.dependencies.iter().any(|d| r.contains(&d.to_u32()))
            })
        })
        .map(|t| format!("{}.{}", t.schema, t.entity))
        .collect()
}

/// Create whatever maintenance trigger is missing (and drop the ones no
/// TVIEW needs).
#[pg_extern]
fn pg_tviews_install_stmt_triggers() -> i32 {
    crate::authz::install_triggers("pg_tviews_install_stmt_triggers");
    let synced = sync();
    catalog::audit_global(
        "INSTALL TRIGGERS",
        JsonB(json!({ "triggers": synced.created, "tviews": tviews_touching(Some(&synced.relations)) })),
    );
    synced.created
}

/// Drop and recreate every maintenance trigger, and the TVIEW-to-view
/// dependencies (which pg_dump does not carry).
#[pg_extern]
fn pg_tviews_reinstall_triggers() -> i32 {
    crate::authz::install_triggers("pg_tviews_reinstall_triggers");
    super::serialize::lock_for_ddl(&all_relations());
    for (rel, name, _) in existing_triggers(None) {
        run(&sql_text::drop_trigger(&name, &regclass_text(rel)));
    }
    // Only TVIEWs that still have their view: a broken one has no view to
    // depend on.
    for t in catalog::all() {
        let recorded = Spi::get_one_with_args::<bool>(
            "SELECT true FROM pg_catalog.pg_depend WHERE classid = 'pg_catalog.pg_class'::regclass \
             AND objid = $1 AND refobjid = $2",
            &[t.view_oid.into(), t.table_oid.into()],
        )
        .ok()
        .flatten()
        .unwrap_or(false);
        if !recorded {
            super::create::record_view_dependency(t.table_oid, t.view_oid);
        }
    }
    let synced = sync();
    crate::engine::cache::invalidate_all();
    catalog::audit_global(
        "REINSTALL TRIGGERS",
        JsonB(json!({ "triggers": synced.created, "tviews": tviews_touching(None) })),
    );
    synced.created
}
