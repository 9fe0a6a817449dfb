//! Creating and dropping TVIEWs.
//!
//! `CREATE TABLE tv_x AS SELECT ...` is caught by an event trigger at
//! `ddl_command_end` (`event`): the table exists with its data, and
//! `create` turns it into a TVIEW (view, key, metadata, triggers) within
//! the same statement, so a failure undoes the whole CREATE.
//! `pg_tviews_create` runs that same CREATE TABLE AS.  Drops are cleaned
//! up after the fact by the `sql_drop` event trigger (`drop`).

mod alter_guard;
pub mod capture;
mod convert;
mod definition_functions;
pub mod create;
mod drop;
mod drop_start;
mod event;
mod function_guard;
mod guard_before;
mod policy_guard;
mod rebuild;
pub mod refuse;
mod row_order;
mod serialize;
mod source_policies;
pub mod triggers;
mod type_guard;
mod whole_row;
