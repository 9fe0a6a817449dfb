//! pg_tviews: tables of JSONB documents (`tv_<entity>`) kept equal to the
//! SELECT that defines them (`v_<entity>`), row by row, inside the writing
//! transaction.
//!
//! This file only wires things together:
//! - `ddl`: turning `CREATE TABLE tv_x AS SELECT ...` into a TVIEW, and
//!   dropping TVIEWs (event triggers, SQL functions);
//! - `engine`: the statement trigger that maintains TVIEWs from the rows a
//!   write changed, with plans cached per backend;
//! - `catalog`: `pg_tview_meta` and the extension's own tables;
//! - `authz`: who may call which function (one rule per function);
//! - `ops`: functions for operators (verify, refresh, health check,
//!   analysis, history; `sql/ops.sql` holds their views);
//! - `definition_settings`: the session settings each TVIEW's definition
//!   runs under, captured at CREATE;
//! - `pg`: thin safe wrappers over the server internals we use;
//! - `sql_text`: the one place SQL text is assembled (quoted names only);
//! - `entity`: how every function reads its entity argument.
//!
//! The SQL analysis itself lives in the pure-Rust `pg_tviews_planner` crate.

use pgrx::prelude::*;

mod authz;
mod catalog;
mod ddl;
mod definition_settings;
mod engine;
mod entity;
mod error;
mod guc;
mod latest;
mod ops;
mod pg;
mod sql_text;

pgrx::pg_module_magic!();

extension_sql_file!("../sql/catalog.sql", name = "catalog", bootstrap);
extension_sql_file!("../sql/async.sql", name = "async", requires = ["catalog"]);
extension_sql_file!("../sql/event_triggers.sql", name = "event_triggers", finalize);
extension_sql_file!("../sql/ddl_guard.sql", name = "ddl_guard", requires = ["event_triggers"]);
extension_sql_file!(
    "../sql/ops.sql",
    name = "ops",
    requires = ["catalog", ops::history::pg_tviews_purge_history]
);

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    guc::define();
    engine::cache::register_invalidation_callback();
    engine::queue::register_callbacks();
    engine::frames::install();
    engine::locks::register_callbacks();
    engine::row_capture::register_callbacks();
}

#[cfg(any(test, feature = "pg_test"))]
mod pg_tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
