//! Who may call which pg_tviews function.  Every public function asks
//! here, before it does anything, with the one rule that is its own
//! (docs/reference.md, "Authorization", is the same table in prose):
//!
//! - work that takes locks other writers wait on, or that changes how a
//!   TVIEW is maintained (refresh, cascade, set mode, set capture, drop), needs the
//!   privileges of the TVIEW's owner: PostgreSQL's own ownership rule
//!   (`has_privs_of_role`: the owner, a member inheriting from it, or a
//!   superuser), as for `REFRESH MATERIALIZED VIEW`;
//! - putting maintenance triggers on a table (creating or converting a
//!   TVIEW, installing triggers) needs the TRIGGER privilege on it, also
//!   when it is another TVIEW's table: those triggers are created as the
//!   extension's owner, so PostgreSQL's own check would not see the caller;
//! - comparing a TVIEW with its view (verify, analysis, the health check)
//!   needs SELECT on both, and, when row-level security hides rows of the
//!   TVIEW from the caller, its ownership: the comparison runs as the owner
//!   and would otherwise show the hidden keys.
//!
//! `pg_tviews_purge_history` is the one function whose rule is PostgreSQL's
//! EXECUTE privilege alone (revoked from PUBLIC in sql/ops.sql); the
//! functions that only read this session's state or the world-readable
//! catalog (`pg_tviews_show_cascade_path`, `pg_tviews_suggest_indexes`,
//! `pg_tviews_queue`, `pg_tviews_cache_stats_fn`, `pg_tviews_version`,
//! `pg_tviews_check_jsonb_delta`), the health check itself, and
//! `pg_tviews_wait` (it only reads whether entries are queued, and may start
//! the async worker, which applies what others committed anyway) are for
//! everyone.  A refusal is 42501 naming the function, the TVIEW or table,
//! and what is needed.

use std::ffi::CStr;

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::sql_text::qualified as quote_qualified;

use crate::catalog::{self, Tview};
use crate::error::raise_with;
use crate::pg::relation_text;

/// `pg_tviews_refresh`: rewrites the whole TVIEW under a TVIEW-wide lock.
pub fn refresh(tview: &Tview) {
    require_owner(tview, "pg_tviews_refresh");
}

/// `pg_tviews_cascade`: locks whole every TVIEW reading `source` directly
/// (the TVIEWs above them are maintained as after any write).
pub fn cascade(source: pg_sys::Oid) {
    for tview in catalog::readers_of(source) {
        require_owner(&tview, "pg_tviews_cascade");
    }
}

/// `pg_tviews_set_refresh_mode`: changes when every writer's maintenance runs.
pub fn set_refresh_mode(tview: &Tview) {
    require_owner(tview, "pg_tviews_set_refresh_mode");
}

/// `pg_tviews_set_capture`: it changes how every TVIEW reading `source` is
/// maintained (owner of each), and replaces the triggers on `source`
/// (TRIGGER on it, as for creating a TVIEW).
pub fn set_capture(source: pg_sys::Oid) {
    for tview in catalog::readers_of(source) {
        require_owner(&tview, "pg_tviews_set_capture");
    }
    if !has_table_privilege(source, "TRIGGER") {
        deny(
            format!("permission denied for pg_tviews_set_capture on {}: TRIGGER privilege on it is needed", name_of(source)),
            None,
        );
    }
}

/// `pg_tviews_drop`: PostgreSQL's DROP TABLE rule, checked before the drop
/// so the refusal names the TVIEW.
pub fn drop(tview: &Tview) {
    require_owner(tview, "pg_tviews_drop");
}

/// Creating (DDL form, `pg_tviews_create`) or converting a TVIEW that reads
/// `source`: the triggers that go on it are the creator's to put there.
pub fn create_source(entity: &str, source: pg_sys::Oid) {
    if !has_table_privilege(source, "TRIGGER") {
        deny(
            format!(
                "cannot create TVIEW {entity}: permission denied to put triggers on {}",
                name_of(source)
            ),
            Some("The creator of a TVIEW needs the TRIGGER privilege on every table it reads, a TVIEW's table included.".into()),
        );
    }
}

/// `pg_tviews_convert_table`: the table becomes a TVIEW rewritten, as the
/// table's owner, from the view; both must be the caller's, and one role's
/// (a view of another role would steer the table's contents).
pub fn convert(table: pg_sys::Oid, view: pg_sys::Oid) {
    let table_owner = relation_owner(table);
    let view_owner = relation_owner(view);
    for (rel, owner) in [(table, table_owner), (view, view_owner)] {
        if !has_owner_privileges(owner) {
            deny(
                format!(
                    "permission denied for pg_tviews_convert_table on {}: must be a member of its owner role {}",
                    name_of(rel),
                    role_name(owner)
                ),
                None,
            );
        }
    }
    if table_owner != view_owner {
        deny(
            format!(
                "permission denied for pg_tviews_convert_table on {}: it is owned by role {} and the view {} by role {}",
                name_of(table),
                role_name(table_owner),
                name_of(view),
                role_name(view_owner)
            ),
            Some("Maintenance runs as the table's owner and reads the view: give both the same owner first.".into()),
        );
    }
}

/// `pg_tviews_install_stmt_triggers` and `pg_tviews_reinstall_triggers`
/// bring the triggers of every TVIEW in line: the caller must be allowed
/// to do that for each, as owner of every TVIEW with TRIGGER on every
/// source still there (in practice a superuser, or the one role owning
/// all TVIEWs).
pub fn install_triggers(function: &str) {
    for tview in catalog::registered() {
        require_owner(&tview, function);
        for &source in &tview.dependencies {
            if relation_text(source).is_some() && !has_table_privilege(source, "TRIGGER") {
                deny(
                    format!(
                        "permission denied for {function}: TVIEW {} reads {}, on which you may not create triggers",
                        tview.table_sql(),
                        name_of(source)
                    ),
                    Some("It installs the triggers of every TVIEW: run it as a superuser.".into()),
                );
            }
        }
    }
}

/// `pg_tviews_verify` and `pg_tviews_analyze_cascade`: see `may_compare`.
pub fn compare(tview: &Tview, function: &str) {
    if let Err(needed) = may_compare(tview) {
        deny(
            format!("permission denied for {function} on TVIEW {}: {needed}", tview.table_sql()),
            None,
        );
    }
}

/// May the caller see the comparison of `tview` with its view?  SELECT
/// on both, and the owner's privileges when row-level security hides rows
/// of the TVIEW from the caller.  Err says what is missing (the health
/// check reports it as a skip).
pub fn may_compare(tview: &Tview) -> Result<(), String> {
    if !has_table_privilege(tview.table_oid, "SELECT") || !has_table_privilege(tview.view_oid, "SELECT") {
        return Err(format!(
            "SELECT on {} and on its view {} is needed",
            tview.table_sql(),
            quote_qualified(&tview.schema, &tview.view)
        ));
    }
    if row_security_active(tview.table_oid) && !has_owner_privileges(tview.owner) {
        return Err(format!(
            "row-level security hides rows of it from you; only its owner role {} may compare every row",
            role_name(tview.owner)
        ));
    }
    Ok(())
}

fn require_owner(tview: &Tview, function: &str) {
    if !has_owner_privileges(tview.owner) {
        deny(
            format!(
                "permission denied for {function} on TVIEW {}: must be a member of its owner role {}",
                tview.table_sql(),
                role_name(tview.owner)
            ),
            None,
        );
    }
}

fn deny(message: String, hint: Option<String>) -> ! {
    raise_with(PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE, message, None, hint)
}

/// PostgreSQL's ownership test for the current user: `owner` itself, a
/// role inheriting its privileges, or a superuser.
fn has_owner_privileges(owner: pg_sys::Oid) -> bool {
    // SAFETY: plain catalog lookups on role oids.
    unsafe { pg_sys::has_privs_of_role(pg_sys::GetUserId(), owner) }
}

/// `has_table_privilege` for the current user; false when `rel` is gone.
fn has_table_privilege(rel: pg_sys::Oid, privilege: &str) -> bool {
    Spi::get_one_with_args::<bool>("SELECT pg_catalog.has_table_privilege($1, $2)", &[rel.into(), privilege.into()])
        .ok()
        .flatten()
        .unwrap_or(false)
}

/// Would row-level security filter what the current user reads of `rel`?
fn row_security_active(rel: pg_sys::Oid) -> bool {
    Spi::get_one_with_args::<bool>("SELECT pg_catalog.row_security_active($1)", &[rel.into()])
        .ok()
        .flatten()
        .unwrap_or(true)
}

fn relation_owner(rel: pg_sys::Oid) -> pg_sys::Oid {
    Spi::get_one_with_args::<pg_sys::Oid>("SELECT relowner FROM pg_catalog.pg_class WHERE oid = $1", &[rel.into()])
        .ok()
        .flatten()
        .unwrap_or(pg_sys::InvalidOid)
}

fn role_name(role: pg_sys::Oid) -> String {
    // SAFETY: noerr lookup; NULL when the role is gone.
    let name = unsafe { pg_sys::GetUserNameFromId(role, true) };
    if name.is_null() {
        return role.to_u32().to_string();
    }
    // SAFETY: a palloc'd NUL-terminated name.
    unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
}

fn name_of(rel: pg_sys::Oid) -> String {
    relation_text(rel).unwrap_or_else(|| format!("relation {}", rel.to_u32()))
}
