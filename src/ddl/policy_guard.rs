//! The DDL guard for row-level security on sources: a TVIEW stays equal
//! to its view when what its owner may read of a source changes.
//!
//! Maintenance reads the sources as the TVIEW's owner, so the policies
//! that apply to that owner are part of the definition
//! (`source_policies`).  CREATE / ALTER / DROP POLICY on a source, and
//! `ALTER TABLE ... ENABLE | DISABLE ROW LEVEL SECURITY` or `OWNER TO` on
//! a source or on the TVIEW's own table or view (the owner is who the
//! policies are judged for), change what the view returns for rows no one
//! wrote.  At `ddl_command_end` the policies are checked as CREATE checks
//! them (a refusal refuses the command, 0A000) and every TVIEW reading a
//! changed table is rebuilt in full as its owner, in the same transaction.
//!
//! DROP POLICY leaves nothing in `pg_event_trigger_ddl_commands()`, so its
//! tables are noted at `ddl_command_start` from the names in the command.
//! Changes to roles (GRANT of a role a policy names, ALTER ROLE
//! BYPASSRLS) fire no event trigger: `pg_tviews_refresh` follows them
//! (docs/limits.md).

use std::cell::RefCell;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgList;

use crate::catalog;
use crate::ops::query::oids;
use crate::sql_text::qualified;

thread_local! {
    /// Tables named by the DROP POLICY now running.
    static DROPPED_ON: RefCell<Vec<pg_sys::Oid>> = const { RefCell::new(Vec::new()) };
}

/// At `ddl_command_start` of every guarded command: for DROP POLICY, note
/// the tables it names.
///
/// # Safety
/// `tree` is the command's parse tree (or null).
pub unsafe fn remember_drop(tree: *mut pg_sys::Node) {
    DROPPED_ON.with(|d| d.borrow_mut().clear()); // a failed command's are not ours
    if tree.is_null() || (*tree).type_ != pg_sys::NodeTag::T_DropStmt {
        return;
    }
    let drop = tree.cast::<pg_sys::DropStmt>();
    if (*drop).removeType != pg_sys::ObjectType::OBJECT_POLICY {
        return;
    }
    let mut tables = Vec::new();
    for object in PgList::<pg_sys::Node>::from_pg((*drop).objects).iter_ptr() {
        // [schema.]table.policy: every name but the last is the table's.
        let mut parts = crate::pg::string_nodes(object.cast());
        parts.pop();
        if let Some(table) = resolve(&parts) {
            tables.push(table);
        }
    }
    DROPPED_ON.with(|d| *d.borrow_mut() = tables);
}

/// The relation `parts` names as the command would resolve it, if any.
fn resolve(parts: &[String]) -> Option<pg_sys::Oid> {
    if parts.is_empty() {
        return None;
    }
    Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT pg_catalog.to_regclass(pg_catalog.array_to_string(ARRAY( \
             SELECT pg_catalog.quote_ident(p) FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY AS u(p, i) \
             ORDER BY i), '.'))::oid",
        &[parts.to_vec().into()],
    )
    .ok()
    .flatten()
}

/// At `ddl_command_end`: the tables whose row security for a TVIEW's
/// owner the command may have changed.
///
/// # Safety
/// `tree` is the command's parse tree (or null).
pub unsafe fn changed_tables(tag: &str, tree: *mut pg_sys::Node) -> Vec<pg_sys::Oid> {
    let mut tables = DROPPED_ON.with(|d| std::mem::take(&mut *d.borrow_mut()));
    match tag {
        "CREATE POLICY" | "ALTER POLICY" => tables.extend(
            oids(
                "SELECT pg_catalog.array_agg(DISTINCT p.polrelid) FROM pg_catalog.pg_event_trigger_ddl_commands() c \
                 JOIN pg_catalog.pg_policy p ON p.oid = c.objid \
                 WHERE c.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass",
                &[],
            ),
        ),
        "ALTER TABLE" | "ALTER VIEW" if changes_row_security_or_owner(tree) => tables.extend(
            oids(
                "SELECT pg_catalog.array_agg(DISTINCT c.objid) FROM pg_catalog.pg_event_trigger_ddl_commands() c \
                 WHERE c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass",
                &[],
            ),
        ),
        _ => {}
    }
    tables
}

/// Has this ALTER TABLE / VIEW a subcommand turning row security on or
/// off, or changing the owner?
unsafe fn changes_row_security_or_owner(tree: *mut pg_sys::Node) -> bool {
    if tree.is_null() || (*tree).type_ != pg_sys::NodeTag::T_AlterTableStmt {
        return false;
    }
    let stmt = tree.cast::<pg_sys::AlterTableStmt>();
    PgList::<pg_sys::Node>::from_pg((*stmt).cmds).iter_ptr().any(|cmd| {
        !cmd.is_null()
            && (*cmd).type_ == pg_sys::NodeTag::T_AlterTableCmd
            && matches!(
                (*cmd.cast::<pg_sys::AlterTableCmd>()).subtype,
                pg_sys::AlterTableType::AT_EnableRowSecurity
                    | pg_sys::AlterTableType::AT_DisableRowSecurity
                    | pg_sys::AlterTableType::AT_ChangeOwner
            )
    })
}

/// Check again, then rebuild, every TVIEW reading one of `tables` (or
/// whose own table or view is one of them).
pub fn check(tag: &str, tables: &[pg_sys::Oid]) {
    for t in catalog::all() {
        let own = tables.contains(&t.table_oid) || tables.contains(&t.view_oid);
        let changed: Vec<pg_sys::Oid> = t.dependencies.iter().copied().filter(|s| tables.contains(s)).collect();
        if !own && changed.is_empty() {
            continue;
        }
        let name = qualified(&t.schema, &format!("tv_{}", t.entity));
        let context = format!("{tag} refused on TVIEW {name}");
        // The owner may be new: every source's policies are judged for it.
        let judged = if own { t.dependencies.clone() } else { changed };
        for source in judged {
            super::source_policies::check_for(&context, t.view_oid, source);
        }
        super::rebuild::after_ddl(&context, &t);
    }
}
