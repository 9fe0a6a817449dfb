//! `DROP TABLE` locks the sources of the TVIEWs it will drop before it
//! locks anything itself (a `ddl_command_start` event trigger).
//!
//! Why: DROP TABLE tv_x takes ACCESS EXCLUSIVE on tv_x first and only then,
//! in the `sql_drop` event trigger, needs the sources (to drop their
//! triggers, `triggers::sync_relations`).  A deferred writer of a source
//! holds ROW EXCLUSIVE on it from its statement and needs tv_x at COMMIT,
//! when its queued work is written: each would wait for the other, and the
//! deadlock could abort the writer's COMMIT.  Taking the sources first
//! (SHARE ROW EXCLUSIVE, oid order, as all of pg_tviews' DDL does, see
//! `serialize`) makes the DROP wait for every open writer of them, whose
//! COMMIT then finds tv_x unlocked; writers that come later wait for the
//! DROP and find tv_x gone.
//!
//! Which TVIEWs a DROP reaches: those whose table it names (if the user
//! owns it: DROP checks that) and, with CASCADE, those reading a relation
//! it names or a TVIEW so reached.  Their sources are locked, except the
//! relations named (DROP locks those itself, ACCESS EXCLUSIVE).  A name
//! that does not resolve is skipped: DROP itself reports it.
//!
//! `DROP SCHEMA ... CASCADE` the same way: the relations it drops are those
//! of the schemas named (if the user owns the schema), and the sources of
//! every TVIEW reached are locked, those inside the schemas too (which
//! order DROP SCHEMA locks its objects in is its own).  DROP OWNED is not
//! seen here (docs/concurrency.md).

use std::collections::BTreeSet;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::catalog;

use super::serialize;

#[no_mangle]
pub extern "C" fn pg_finfo_pg_tviews_on_drop_start() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// # Safety
/// Called by the executor as an event trigger function.
#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn pg_tviews_on_drop_start(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let tree = (*super::event::trigger_data(fcinfo, "pg_tviews_on_drop_start")).parsetree;
    if tree.is_null() || (*tree).type_ != pg_sys::NodeTag::T_DropStmt {
        return pg_sys::Datum::from(0);
    }
    let stmt = tree as *mut pg_sys::DropStmt;
    let cascade = (*stmt).behavior == pg_sys::DropBehavior::DROP_CASCADE;
    if (*stmt).removeType == pg_sys::ObjectType::OBJECT_TABLE {
        let named = named_relations((*stmt).objects);
        if !named.is_empty() {
            let sources = sources_to_lock(&named, cascade);
            serialize::lock_for_ddl(&sources.into_iter().filter(|d| !named.contains(&d.to_u32())).collect::<Vec<_>>());
        }
    } else if (*stmt).removeType == pg_sys::ObjectType::OBJECT_SCHEMA && cascade {
        let inside = relations_of_schemas((*stmt).objects);
        if !inside.is_empty() {
            serialize::lock_for_ddl(&sources_to_lock(&inside, true));
        }
    }
    pg_sys::Datum::from(0)
}

/// The relations of the schemas a DROP SCHEMA names that the user owns.
///
/// # Safety
/// `objects` is a DropStmt's list of schema names (String nodes).
unsafe fn relations_of_schemas(objects: *mut pg_sys::List) -> BTreeSet<u32> {
    let schemas = crate::pg::string_nodes(objects);
    crate::ops::query::oids(
        "SELECT pg_catalog.array_agg(c.oid) FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = ANY ($1) AND pg_catalog.pg_has_role(n.nspowner, 'USAGE') \
           AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        &[schemas.into()],
    )
    .into_iter()
    .map(|o| o.to_u32())
    .collect()
}

/// The relations a DROP names that exist now and the user owns.
///
/// # Safety
/// `objects` is a DropStmt's list of qualified names (lists of String).
unsafe fn named_relations(objects: *mut pg_sys::List) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    if objects.is_null() {
        return out;
    }
    for i in 0..(*objects).length as usize {
        let names = (*(*objects).elements.add(i)).ptr_value as *mut pg_sys::List;
        if names.is_null() {
            continue;
        }
        let range = pg_sys::makeRangeVarFromNameList(names);
        let oid = pg_sys::RangeVarGetRelidExtended(
            range,
            pg_sys::NoLock as pg_sys::LOCKMODE,
            pg_sys::RVROption::RVR_MISSING_OK,
            None,
            std::ptr::null_mut(),
        );
        if oid != pg_sys::InvalidOid && owned(oid) {
            out.insert(oid.to_u32());
        }
    }
    out
}

/// Does the current user own `rel` (what DROP will check)?  Others' DROP
/// fails anyway, and must not lock anything on the way.
fn owned(rel: pg_sys::Oid) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[rel.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// The sources of every TVIEW the DROP of `named` reaches: with
/// `cascade`, also the TVIEWs reading what it drops (without it such a
/// DROP fails, and must not lock their sources on the way).
fn sources_to_lock(named: &BTreeSet<u32>, cascade: bool) -> Vec<pg_sys::Oid> {
    let tviews = catalog::registered();
    let mut gone: BTreeSet<u32> = named.clone();
    let mut reached: Vec<usize> = Vec::new();
    loop {
        let more: Vec<usize> = tviews
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                !reached.contains(i)
                    && (gone.contains(&t.table_oid.to_u32())
                        || (cascade && t.dependencies.iter().any(|d| gone.contains(&d.to_u32()))))
            })
            .map(|(i, _)| i)
            .collect();
        if more.is_empty() {
            break;
        }
        for i in more {
            gone.insert(tviews[i].table_oid.to_u32());
            reached.push(i);
        }
    }
    reached.iter().flat_map(|&i| tviews[i].dependencies.iter().copied()).collect()
}
