//! Planner unit tests.  Canonical view texts here were produced by
//! PostgreSQL 15's `pg_get_viewdef` under `search_path = ''`, exactly what
//! the extension hands the planner; the expected key queries were reviewed
//! by hand against the rules in `witness.rs`.

mod combinations;
mod delta_keys;
mod depth;
mod errors;
mod generated;
mod indexes;
mod lock_shapes;
mod locks;
mod quoting;
mod refusals;
mod row_keys;
mod shapes;
mod support;
mod found_bugs;
mod outer_join_keys;
mod tricky;
