//! Rebuilding a TVIEW in the DDL command that changed what its view
//! returns (a function, a type, a policy): the command and the rebuild
//! succeed or fail together.  A rebuild that fails (the new definition
//! raises for some row, the owner may no longer read a source) refuses
//! the command with the failure's own SQLSTATE, its message prefixed with
//! the command and the TVIEW, so the user sees why the DDL was undone.

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;

use crate::catalog::Tview;
use crate::engine::full_refresh_as_owner;
use crate::error::raise_with;

/// Rebuild `t` in full as its owner; on failure, raise "`context`:
/// rebuilding it failed: ...".
pub fn after_ddl(context: &str, t: &Tview) {
    PgTryBuilder::new(AssertUnwindSafe(|| {
        full_refresh_as_owner(t);
    }))
    .catch_others(|error| {
        let report = match &error {
            CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r,
            CaughtError::RustPanic { ereport, .. } => ereport,
        };
        raise_with(
            report.sql_error_code(),
            format!("{context}: rebuilding it failed: {}", report.message()),
            report.detail().map(str::to_string),
            Some("The command is undone; the TVIEW keeps its rows as they were before it.".into()),
        )
    })
    .execute()
}
