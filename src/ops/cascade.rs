//! `pg_tviews_cascade`: catch TVIEWs up with source rows written while
//! `pg_tviews.enabled` was off.

use pgrx::prelude::*;

use crate::engine;

/// Refresh every TVIEW row the current versions of these `source` rows
/// (by primary key) reach, transitively; returns the rows written.
/// `source` is a regclass in SQL (binary-compatible with oid).
#[pg_extern(sql = r#"
CREATE FUNCTION pg_tviews_cascade(source regclass, keys anyarray) RETURNS bigint
    STRICT VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_cascade_wrapper';
"#)]
fn pg_tviews_cascade(source: pg_sys::Oid, keys: pgrx::AnyArray) -> i64 {
    crate::authz::cascade(source);
    engine::cascade_rows(source, keys.datum(), keys.oid())
}
