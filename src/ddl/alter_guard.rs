//! The DDL guard: refuses DDL that would leave a TVIEW unmaintainable.
//!
//! An event trigger on ALTER TABLE / VIEW / TRIGGER / FOREIGN TABLE, CREATE
//! TABLE / FOREIGN TABLE / VIEW / RULE / TRIGGER and DROP TRIGGER looks, at
//! `ddl_command_end`, at the state the command left behind for every
//! relation it touched (and their inheritance parents and children, and
//! the relations that lost a maintenance trigger), and raises an ERROR,
//! which undoes the command, when a TVIEW's table, view or source is no
//! longer what maintenance relies on:
//!
//! - its table: named `tv_<entity>` in its schema, the same columns as its
//!   view, no rule, no user BEFORE ROW trigger (it could change the rows
//!   written), no GENERATED ALWAYS column (identity or generated: the
//!   view's values cannot be inserted into it); and it keeps its primary
//!   key on the key column and its guard trigger enabled;
//! - its view: named `v_<entity>`, the same columns, no rule but its own,
//!   and never redefined (CREATE OR REPLACE VIEW);
//! - a source (or the table): a permanent, plain table outside any
//!   partition or inheritance tree (`refuse::relation_problem`); a source
//!   keeps its four maintenance triggers enabled.
//!
//! "Keeps" is judged against `ddl_command_start` (`guard_before`): a
//! command is refused for the trigger or primary key it takes away, not
//! for one missing before it (a restore creates them last).  The rest is
//! checked as a state, so every way of getting there (ALTER TABLE
//! subcommands, RENAME, SET SCHEMA, ATTACH PARTITION, INHERIT, CREATE TABLE
//! ... INHERITS, DISABLE TRIGGER, ALTER TRIGGER ... RENAME, DROP TRIGGER)
//! is refused alike, and harmless changes (indexes, storage, statistics,
//! owner, AFTER triggers, renaming a source or its columns, which the view
//! follows) pass.  pg_tviews' own DDL (`pg::own_ddl`) is not checked.

use std::ffi::CStr;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::sql_text::qualified as quote_qualified;

use crate::catalog::{self, Tview};
use crate::error::raise_with;
use crate::pg::{primary_key_columns, relation_text, running_own_ddl};

use super::convert::describe_columns;
use super::guard_before::{self, Lost};
use super::refuse::{hint_for, relation_problem};
use super::triggers::{source_trigger_names, GUARD_TRIGGER};

#[no_mangle]
pub extern "C" fn pg_finfo_pg_tviews_ddl_guard() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// # Safety
/// Called by the executor as an event trigger function.
#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn pg_tviews_ddl_guard(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let data = super::event::trigger_data(fcinfo, "pg_tviews_ddl_guard");
    if running_own_ddl() || running_own_script() {
        return pg_sys::Datum::from(0);
    }
    let tag = CStr::from_ptr(pg_sys::GetCommandTagName((*data).tag)).to_string_lossy().into_owned();
    if tag.ends_with(" SUBSCRIPTION") {
        super::capture::after_subscription_command();
        return pg_sys::Datum::from(0);
    }
    let tree = (*data).parsetree;
    if CStr::from_ptr((*data).event).to_bytes() == b"ddl_command_start" {
        guard_before::remember();
        super::policy_guard::remember_drop(tree);
        super::function_guard::remember(&tag);
        return pg_sys::Datum::from(0);
    }
    let replaces_view = !tree.is_null()
        && (*tree).type_ == pg_sys::NodeTag::T_ViewStmt
        && (*(tree as *mut pg_sys::ViewStmt)).replace;
    let functions = super::function_guard::changed_functions();
    let before = super::function_guard::take_before();
    if !functions.is_empty() || !before.is_empty() {
        super::function_guard::check(&tag, &functions, &before);
    }
    if tag == "ALTER TYPE" {
        let types = super::type_guard::changed_types();
        if !types.is_empty() {
            super::type_guard::check(&types);
        }
    }
    let policy_tables = super::policy_guard::changed_tables(&tag, tree);
    if !policy_tables.is_empty() {
        super::policy_guard::check(&tag, &policy_tables);
    }
    let lost = guard_before::take();
    let mut relations = touched_relations();
    if let Some(lost) = &lost {
        relations.extend(lost.triggers.iter().map(|(rel, _)| *rel));
    }
    if !relations.is_empty() {
        check(&tag, &relations, replaces_view, lost.as_ref());
    }
    pg_sys::Datum::from(0)
}

/// Is pg_tviews' own install or upgrade script running (its DDL on the
/// triggers it owns, like `pg::own_ddl`)?
fn running_own_script() -> bool {
    // SAFETY: plain reads of the extension-script state and a noerr lookup.
    unsafe {
        let name = crate::pg::cstring("pg_tviews");
        pg_sys::creating_extension && pg_sys::CurrentExtensionObject == pg_sys::get_extension_oid(name.as_ptr(), true)
    }
}

/// The relations the command changed (a changed index stands for its
/// table), with their inheritance parents and children (an INHERIT or
/// ATTACH changes both ends) and the tables their foreign keys reference.
fn touched_relations() -> Vec<pg_sys::Oid> {
    crate::ops::query::oids(
        "WITH touched AS (SELECT CASE \
             WHEN c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass THEN coalesce( \
                  (SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = c.objid), c.objid) \
             WHEN c.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN \
                  (SELECT t.tgrelid FROM pg_catalog.pg_trigger t WHERE t.oid = c.objid) \
             WHEN c.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN \
                  (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid = c.objid) \
             WHEN c.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN \
                  (SELECT k.conrelid FROM pg_catalog.pg_constraint k WHERE k.oid = c.objid) \
             END AS rel FROM pg_catalog.pg_event_trigger_ddl_commands() c) \
         SELECT pg_catalog.array_agg(DISTINCT r) FROM ( \
             SELECT rel AS r FROM touched \
             UNION SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN touched t ON i.inhrelid = t.rel \
             UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN touched t ON i.inhparent = t.rel \
             UNION SELECT k.confrelid FROM pg_catalog.pg_constraint k JOIN touched t ON k.conrelid = t.rel \
                   WHERE k.contype = 'f') x \
         WHERE r IS NOT NULL",
        &[],
    )
}

fn check(tag: &str, relations: &[pg_sys::Oid], replaces_view: bool, lost: Option<&Lost>) {
    let lost_trigger = |rel: pg_sys::Oid, names: &[&str]| {
        lost.and_then(|l| l.triggers.iter().find(|(r, n)| *r == rel && names.contains(&n.as_str())))
            .map(|(_, n)| n.clone())
    };
    for t in catalog::all() {
        if relations.contains(&t.table_oid) {
            if let Some(problem) = relation_problem(t.table_oid) {
                refuse_own(tag, &t, &format!("its table would become {problem}"), Some(hint_for(&problem)));
            }
            if let Some(problem) = table_problem(&t) {
                refuse_own(tag, &t, &problem, None);
            }
            let had_key = lost.is_some_and(|l| l.keyed.contains(&t.table_oid));
            if had_key && primary_key_columns(t.table_oid) != [t.key_column.clone()] {
                refuse_own(tag, &t, &format!("its table's primary key must stay ({})", t.key_column), None);
            }
            if let Some(name) = lost_trigger(t.table_oid, &[GUARD_TRIGGER.0]) {
                refuse_own(tag, &t, &format!("its guard trigger {name} must stay enabled"), None);
            }
        }
        if relations.contains(&t.view_oid) {
            if replaces_view {
                refuse_own(tag, &t, "its view would be redefined", None);
            }
            if let Some(problem) = view_problem(&t) {
                refuse_own(tag, &t, &problem, None);
            }
        }
        for source in t.dependencies.iter().filter(|s| relations.contains(s)) {
            let names = source_trigger_names();
            source_check(tag, &t, *source, lost_trigger(*source, &names));
        }
    }
}

fn refuse_own(tag: &str, t: &Tview, problem: &str, detail: Option<&str>) -> ! {
    raise_with(
        PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        format!("{tag} refused on TVIEW {}: {problem}", quote_qualified(&t.schema, &format!("tv_{}", t.entity))),
        detail.map(str::to_string),
        Some(format!(
            "A TVIEW's table and view are maintained by pg_tviews; to change its definition, drop it and \
             create it again (SELECT pg_tviews_drop('{}')).",
            t.entity
        )),
    )
}

/// What is wrong with the TVIEW's table, if anything.
pub(super) fn table_problem(t: &Tview) -> Option<String> {
    let expected = format!("tv_{}", t.entity);
    if !named(t.table_oid, &t.schema, &expected) {
        return Some(format!("its table must stay named {}", quote_qualified(&t.schema, &expected)));
    }
    let (table_columns, view_columns) = (describe_columns(t.table_oid), describe_columns(t.view_oid));
    if table_columns != view_columns {
        return Some(format!(
            "its table's columns ({table_columns}) would differ from its view's ({view_columns})"
        ));
    }
    text(
        "SELECT CASE \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_rewrite r WHERE r.ev_class = $1) \
                 THEN 'a rule on its table would change what maintenance writes' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid = $1 AND NOT g.tgisinternal \
                              AND (g.tgtype & 3) = 3) \
                 THEN 'a BEFORE ROW trigger on its table could change the rows maintenance writes' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 \
                              AND NOT a.attisdropped AND (a.attidentity = 'a' OR a.attgenerated <> '')) \
                 THEN 'a GENERATED ALWAYS column on its table would refuse the values maintenance writes' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 \
                              AND NOT a.attisdropped AND a.attnotnull AND a.attname <> $2) \
                 THEN 'a NOT NULL column on its table would refuse the NULLs its view returns' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conrelid = $1 \
                              AND k.contype IN ('c', 'f', 'u', 'x')) \
                 THEN 'a CHECK, UNIQUE, exclusion or foreign-key constraint on its table would refuse rows its view returns' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = $1 \
                              AND i.indisunique AND NOT i.indisprimary) \
                 THEN 'a unique index on its table would refuse rows its view returns' \
               WHEN EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.confrelid = $1 AND k.contype = 'f') \
                 THEN 'a foreign key referencing its table would refuse or cascade the deletes maintenance makes' \
         END",
        &[t.table_oid.into(), t.key_column.as_str().into()],
    )
}

/// What is wrong with the TVIEW's view, if anything (its columns are
/// compared with the table's by `table_problem`).
fn view_problem(t: &Tview) -> Option<String> {
    let expected = format!("v_{}", t.entity);
    if !named(t.view_oid, &t.schema, &expected) {
        return Some(format!("its view must stay named {}", quote_qualified(&t.schema, &expected)));
    }
    if describe_columns(t.table_oid) != describe_columns(t.view_oid) {
        return Some("its view's columns would differ from its table's".into());
    }
    text(
        "SELECT 'a rule on its view would change what it returns' FROM pg_catalog.pg_rewrite r \
         WHERE r.ev_class = $1 AND r.rulename <> '_RETURN' LIMIT 1",
        &[t.view_oid.into()],
    )
}

fn source_check(tag: &str, t: &Tview, source: pg_sys::Oid, lost_trigger: Option<String>) {
    let name = relation_text(source).unwrap_or_default();
    let refuse = |problem: String, detail: &str| -> ! {
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!(
                "{tag} refused: TVIEW {} reads {name}, which {problem}",
                quote_qualified(&t.schema, &format!("tv_{}", t.entity))
            ),
            Some(detail.to_string()),
            None,
        )
    };
    if let Some(problem) = relation_problem(source) {
        refuse(format!("would become {problem}"), hint_for(&problem));
    }
    if let Some(trigger) = lost_trigger {
        refuse(
            format!("would lose its maintenance trigger {trigger} (dropped, renamed or disabled)"),
            "Without its triggers a write to the table would not reach the TVIEW.",
        );
    }
}

fn named(rel: pg_sys::Oid, schema: &str, name: &str) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT c.relname = $2 AND n.nspname = $3 FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[rel.into(), name.into(), schema.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// The one text value `sql` returns, if any.
fn text(sql: &str, args: &[pgrx::datum::DatumWithOid]) -> Option<String> {
    Spi::get_one_with_args::<String>(sql, args).ok().flatten()
}
