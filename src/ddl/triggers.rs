//! The maintenance triggers, derived entirely from `pg_tview_meta`:
//! on every source, one statement-level AFTER trigger per event with its
//! transition tables (shared by all TVIEWs reading that source); on every
//! TVIEW table, a BEFORE guard refusing direct writes.  `sync` makes the
//! catalog of triggers match the metadata, whatever happened before
//! (restore, manual DROP TRIGGER, dropped TVIEWs).
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

/// Trigger name and the rest of its CREATE TRIGGER, per role.
pub const SOURCE_TRIGGERS: [(&str, &str); 4] = [
    ("pg_tviews_ins", "AFTER INSERT ON {rel} REFERENCING NEW TABLE AS {new}"),
    ("pg_tviews_upd", "AFTER UPDATE ON {rel} REFERENCING OLD TABLE AS {old} NEW TABLE AS {new}"),
    ("pg_tviews_del", "AFTER DELETE ON {rel} REFERENCING OLD TABLE AS {old}"),
    ("pg_tviews_trunc", "AFTER TRUNCATE ON {rel}"),
];
pub const GUARD_TRIGGER: (&str, &str) = (
    "pg_tviews_guard",
    "BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {rel}",
);

/// Is `name` one of the names pg_tviews gives its triggers?
pub fn is_ours(name: &str) -> bool {
    name == GUARD_TRIGGER.0 || SOURCE_TRIGGERS.iter().any(|(n, _)| *n == name)
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
    let mut relations: Vec<pg_sys::Oid> = existing_triggers(None).into_iter().map(|(r, _)| r).collect();
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
    let mut wanted: BTreeSet<(u32, &str, &str)> = BTreeSet::new();
    // Also TVIEWs whose view is gone: until dropped, their table keeps its
    // guard (a direct write would still be refused) and the triggers stay
    // what their metadata says, so dropping them later removes them.
    for t in catalog::registered() {
        wanted.insert((t.table_oid.to_u32(), GUARD_TRIGGER.0, GUARD_TRIGGER.1));
        for source in &t.dependencies {
            for (name, spec) in SOURCE_TRIGGERS {
                wanted.insert((source.to_u32(), name, spec));
            }
        }
    }
    wanted.retain(|(rel, _, _)| scope.contains(rel));
    let existing = existing_triggers(Some(&scope));
    for (rel, name) in &existing {
        if !wanted.iter().any(|(r, n, _)| *r == rel.to_u32() && n == name) {
            run(&sql_text::drop_trigger(name, &regclass_text(*rel)));
        }
    }
    let mut synced = Synced {
        created: 0,
        relations: BTreeSet::new(),
    };
    for (rel, name, spec) in &wanted {
        if existing.iter().any(|(r, n)| r.to_u32() == *rel && n == name) {
            continue;
        }
        // A source of a broken TVIEW may be gone too (metadata keeps its
        // oid): nothing to put a trigger on.
        let Some(rel_text) = relation_sql(pg_sys::Oid::from(*rel)) else {
            continue;
        };
        run(&sql_text::create_trigger(name, spec, &rel_text, OLD_TABLE, NEW_TABLE, &function));
        synced.created += 1;
        synced.relations.insert(*rel);
    }
    synced
}

/// Our maintenance triggers (on `only` when given), as committed now: our
/// names, our function, not internal (see the module comment).
fn existing_triggers(only: Option<&BTreeSet<u32>>) -> Vec<(pg_sys::Oid, String)> {
    let sql = [
        "SELECT t.tgrelid, t.tgname::text FROM pg_catalog.pg_trigger t \
         WHERE NOT t.tgisinternal AND t.tgname::text = ANY ($1) AND t.tgfoid = ",
        OUR_TRIGGER_FUNCTION,
        " ORDER BY t.tgrelid, t.tgname",
    ]
    .concat();
    let names: Vec<&str> = SOURCE_TRIGGERS.iter().map(|(n, _)| *n).chain([GUARD_TRIGGER.0]).collect();
    crate::latest::run(&sql, &[names.into()], |row| (row.get::<pg_sys::Oid>(1), row.get::<String>(2)))
        .into_iter()
        .filter_map(|(rel, name)| Some((rel?, name?)))
        .filter(|(rel, _)| only.is_none_or(|o| o.contains(&rel.to_u32())))
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
    for (rel, name) in existing_triggers(None) {
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
