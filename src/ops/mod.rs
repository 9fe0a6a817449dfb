//! Functions for operators: checking, rebuilding, describing, analysing.

mod analyze_cascade;
mod cascade;
mod cache_stats;
mod cascade_path;
mod deferred;
mod health;
mod history;
mod info;
pub mod query;
mod refresh;
mod rollback;
mod suggest_indexes;
mod verify;
