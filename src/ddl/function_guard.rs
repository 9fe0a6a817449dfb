//! The DDL guard for functions: a TVIEW stays equal to its view when a
//! function its definition runs is replaced or altered.
//!
//! CREATE [OR REPLACE] FUNCTION / AGGREGATE and ALTER FUNCTION / AGGREGATE
//! / ROUTINE change what the view computes for every row without a write
//! to any source, and can make a function the definition runs one that
//! `definition_functions` refuses at CREATE (a STABLE body reading a
//! table, a VOLATILE marking).  At `ddl_command_end`, for every TVIEW
//! whose definition-function walk reaches a function the command created
//! or altered (by the view rule's dependencies, then what those call, a
//! string body's names resolved again, so a new overload it would now
//! call counts too): the walk's refusal refuses the command (0A000, the
//! statement rolls back), and so does a function it reaches made VOLATILE
//! (refused at CREATE as well); otherwise the TVIEW is rebuilt in full as its
//! owner, in the same transaction, from the new definition.
//!
//! ALTER ... RENAME / SET SCHEMA and DROP FUNCTION / AGGREGATE / ROUTINE
//! take a function out of reach of the names that called it: the walk
//! after the command no longer finds it.  For those, the walk of every
//! TVIEW is taken at `ddl_command_start` too (`remember`), and a TVIEW
//! that reached an altered or now dropped function is checked the same
//! way: a string body calling it by a name that no longer resolves
//! refuses the command; one that resolves to another function rebuilds.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::catalog;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use pgrx::PgSqlErrorCode;

use crate::error::raise_with;
use crate::sql_text::qualified;

use super::definition_functions::{refuse, walk};

/// The first of `functions` that is VOLATILE (refused at CREATE too).
fn volatile(functions: &[pg_sys::Oid]) -> Option<String> {
    Spi::get_one_with_args::<String>(
        "SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p \
         WHERE p.oid = ANY ($1) AND p.provolatile = 'v' ORDER BY 1 LIMIT 1",
        &[functions.to_vec().into()],
    )
    .ok()
    .flatten()
}

/// The functions (and aggregates) the command created or altered.
pub fn changed_functions() -> HashSet<u32> {
    oid_set(
        "SELECT pg_catalog.array_agg(DISTINCT c.objid) FROM pg_catalog.pg_event_trigger_ddl_commands() c \
         WHERE c.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass",
        &[],
    )
}

/// The oids of the one array `sql` returns.
fn oid_set(sql: &str, args: &[pgrx::datum::DatumWithOid]) -> HashSet<u32> {
    crate::ops::query::oids(sql, args).into_iter().map(|f| f.to_u32()).collect()
}

/// The commands that can take a function out of reach of its name.
const RENAMING_OR_DROPPING: &[&str] =
    &["ALTER FUNCTION", "ALTER AGGREGATE", "ALTER ROUTINE", "DROP FUNCTION", "DROP AGGREGATE", "DROP ROUTINE"];

thread_local! {
    /// For the command running: what each TVIEW's walk reached before it,
    /// by TVIEW table.
    static BEFORE: RefCell<HashMap<pg_sys::Oid, HashSet<u32>>> = RefCell::new(HashMap::new());
}

/// At `ddl_command_start`: for a command that may rename or drop a
/// function, note what every TVIEW's definition reaches.
pub fn remember(tag: &str) {
    let before = if RENAMING_OR_DROPPING.contains(&tag) {
        catalog::all().into_iter().map(|t| (t.table_oid, walk(t.view_oid).0)).collect()
    } else {
        HashMap::new()
    };
    BEFORE.with(|b| *b.borrow_mut() = before);
}

/// What `remember` noted, and forget it.
pub fn take_before() -> HashMap<pg_sys::Oid, HashSet<u32>> {
    BEFORE.with(|b| std::mem::take(&mut *b.borrow_mut()))
}

/// Those of `functions` that no longer exist.
fn gone(functions: &HashSet<u32>) -> HashSet<u32> {
    let all: Vec<pg_sys::Oid> = functions.iter().map(|f| pg_sys::Oid::from(*f)).collect();
    oid_set(
        "SELECT pg_catalog.array_agg(f) FROM pg_catalog.unnest($1::oid[]) AS f \
         WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.oid = f)",
        &[all.into()],
    )
}

/// Refuse the command, or rebuild the TVIEWs that run a function in
/// `changed`, or ran one before the command (`before`) that it altered
/// or dropped.
pub fn check(tag: &str, changed: &HashSet<u32>, before: &HashMap<pg_sys::Oid, HashSet<u32>>) {
    // The functions the command dropped, among all that were reached.
    let dropped = if before.is_empty() { HashSet::new() } else { gone(&before.values().flatten().copied().collect()) };
    for t in catalog::all() {
        let (reached, verdict) = walk(t.view_oid);
        let lost = before.get(&t.table_oid).is_some_and(|was| !was.is_disjoint(changed) || !was.is_disjoint(&dropped));
        if reached.is_disjoint(changed) && !lost {
            continue;
        }
        let name = qualified(&t.schema, &format!("tv_{}", t.entity));
        if let Err(refusal) = verdict {
            refuse(&format!("{tag} refused on TVIEW {name}"), &refusal);
        }
        let hit: Vec<pg_sys::Oid> = reached.intersection(changed).map(|f| pg_sys::Oid::from(*f)).collect();
        if let Some(function) = volatile(&hit) {
            raise_with(
                PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!("{tag} refused on TVIEW {name}: function {function} would be volatile"),
                Some("A TVIEW's rows must be what its view returns for the rows it reads.".into()),
                None,
            );
        }
        super::rebuild::after_ddl(&format!("{tag} refused on TVIEW {name}"), &t);
    }
}
