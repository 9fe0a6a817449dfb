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

use std::collections::HashSet;

use crate::catalog;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use pgrx::PgSqlErrorCode;

use crate::engine::full_refresh_as_owner;
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
    Spi::get_one::<Vec<pg_sys::Oid>>(
        "SELECT pg_catalog.array_agg(DISTINCT c.objid) FROM pg_catalog.pg_event_trigger_ddl_commands() c \
         WHERE c.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass",
    )
    .ok()
    .flatten()
    .unwrap_or_default()
    .into_iter()
    .map(|f| f.to_u32())
    .collect()
}

/// Refuse the command, or rebuild the TVIEWs that run a function in `changed`.
pub fn check(tag: &str, changed: &HashSet<u32>) {
    for t in catalog::all() {
        let (reached, verdict) = walk(t.view_oid);
        if reached.is_disjoint(changed) {
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
        full_refresh_as_owner(&t);
    }
}
