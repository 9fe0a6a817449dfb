//! Row-level-security policies of a TVIEW's sources, checked at CREATE
//! (and again after policy DDL, `policy_guard`).
//!
//! Maintenance reads the sources as the TVIEW's owner, so a policy that
//! applies to the owner shapes the documents.  Its expression is evaluated
//! in the writer's session: one reading `current_setting`, the time or the
//! current role would make the documents depend on who wrote, and one
//! reading another table makes that table a hidden source nobody maintains
//! from.  So a policy that applies to the owner when reading (SELECT or
//! ALL, for PUBLIC or a role the owner is a member of, on a table whose
//! row security applies to the owner as `check_enable_rls` decides: row
//! security on, the owner neither superuser nor BYPASSRLS, and without the
//! privileges of the table's owner; FORCE ROW LEVEL SECURITY does not count,
//! maintenance switches roles with SECURITY_NOFORCE_RLS, see `pg::AsRole`)
//! must read no relation but
//! its own table and call only functions the definition itself could call
//! (`definition_functions`).  Otherwise the CREATE is refused with 0A000.

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::error::raise_with;
use crate::ops::query::rows;

/// What the catalog reads here are about, for their error messages.
const WHAT: &str = "the row-level-security policies of a TVIEW's sources";

/// One policy applying to the owner: oid, name, table, USING text.
type Policy = (pg_sys::Oid, String, String, String);

/// Refuse TVIEW `entity` (view `view`, whose owner maintains it) when a
/// policy of `source` applying to that owner is not deterministic.
pub fn check(entity: &str, view: pg_sys::Oid, source: pg_sys::Oid) {
    check_for(&format!("cannot create TVIEW {entity}"), view, source);
}

/// `check`, for a command other than CREATE: the error starts with `context`.
pub fn check_for(context: &str, view: pg_sys::Oid, source: pg_sys::Oid) {
    for (oid, name, table, text) in applying(view, source) {
        let why = match super::definition_functions::expression("pg_catalog.pg_policy", oid, &text) {
            Err(refusal) => refusal.describe(),
            Ok(relations) => match relations.into_iter().find(|r| *r != table) {
                Some(other) => format!("reads {other}, a table maintenance would not follow"),
                None => continue,
            },
        };
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{context}: row-level-security policy {name} on {table}: {why}"),
            Some(
                "The policy applies to the TVIEW's owner, who maintenance reads the sources as, and it \
                 is evaluated in the writer's session: the documents would depend on that session or on \
                 a table pg_tviews does not maintain from."
                    .into(),
            ),
            Some("Write the policy with columns of its table and deterministic functions only, or create the TVIEW as a role it does not apply to.".into()),
        );
    }
}

/// The policies of `source` that apply to the owner of `view` when it reads.
fn applying(view: pg_sys::Oid, source: pg_sys::Oid) -> Vec<Policy> {
    rows(
        WHAT,
        "SELECT p.oid, p.polname::text, c.oid::pg_catalog.regclass::text, \
                COALESCE(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') \
           FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
           JOIN pg_catalog.pg_class v ON v.oid = $2 JOIN pg_catalog.pg_roles o ON o.oid = v.relowner \
          WHERE p.polrelid = $1 AND p.polcmd IN ('r', '*') AND c.relrowsecurity \
            AND NOT o.rolsuper AND NOT o.rolbypassrls \
            AND NOT pg_catalog.pg_has_role(o.oid, c.relowner, 'USAGE') \
            AND EXISTS (SELECT FROM pg_catalog.unnest(p.polroles) AS r(r) \
                         WHERE r.r = 0 OR pg_catalog.pg_has_role(o.oid, r.r, 'MEMBER')) \
          ORDER BY p.polname",
        &[source.into(), view.into()],
        |row| {
            Ok((
                row.get::<pg_sys::Oid>(1)?.unwrap_or(pg_sys::InvalidOid),
                row.get::<String>(2)?.unwrap_or_default(),
                row.get::<String>(3)?.unwrap_or_default(),
                row.get::<String>(4)?.unwrap_or_default(),
            ))
        },
    )
}
