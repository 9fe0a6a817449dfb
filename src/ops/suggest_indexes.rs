//! `pg_tviews_suggest_indexes`: CREATE INDEX statements that make the
//! maintenance of one TVIEW index-driven.
//!
//! The lookups come from the planner (`indexes::index_needs`: the key
//! queries and the recompute, followed from the known rows through their
//! comparisons); here we only keep those no usable index serves already:
//! a valid, non-partial btree or hash index whose leading column is the
//! looked-up column.  Relations that are not plain or partitioned tables
//! or materialized views (nothing to index) are skipped.

use pgrx::prelude::*;

use pg_tviews_planner::indexes::{index_needs, IndexNeed, IndexUse};
use crate::sql_text::{ident as quote_ident, qualified as quote_qualified};

use crate::catalog::{self, Tview};
use crate::ddl::create::canonical_viewdef;
use crate::error::raise_plan;

use super::query::{rows, text};

/// One missing index: the statement and why maintenance needs it.
pub struct Suggestion {
    pub statement: String,
    pub reason: String,
}

#[pg_extern]
fn pg_tviews_suggest_indexes(
    entity: &str,
) -> TableIterator<'static, (name!(index_suggestion, String), name!(reason, String))> {
    let tview = catalog::by_entity_or_error(entity);
    TableIterator::new(missing_indexes(&tview).into_iter().map(|s| (s.statement, s.reason)))
}

/// The lookups of `tview`'s maintenance that no index serves.
pub fn missing_indexes(tview: &Tview) -> Vec<Suggestion> {
    let canonical = canonical_viewdef(tview.view_oid);
    let needs = index_needs(&canonical, &tview.key_column).unwrap_or_else(|e| raise_plan(&tview.entity, &canonical, e));
    needs
        .iter()
        .filter_map(|need| {
            let (shown, served) = lookup_state(need)?;
            (!served).then(|| Suggestion {
                statement: crate::sql_text::create_index(&need.relation.schema, &need.relation.name, &need.column),
                reason: reason(tview, need, &shown),
            })
        })
        .collect()
}

/// (relation as the user sees it, whether an index serves the lookup);
/// None when there is nothing to index (no such table or column).
fn lookup_state(need: &IndexNeed) -> Option<(String, bool)> {
    let sql = "SELECT c.oid::pg_catalog.regclass::text, \
                      EXISTS (SELECT 1 FROM pg_catalog.pg_index i \
                              JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
                              JOIN pg_catalog.pg_am am ON am.oid = ic.relam \
                              WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum \
                                AND i.indisvalid AND i.indpred IS NULL \
                                AND am.amname IN ('btree', 'hash')) \
               FROM pg_catalog.pg_class c \
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
               WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND c.relkind IN ('r', 'p', 'm')";
    let found = rows(
        "the indexes of a source",
        sql,
        &[
            need.relation.schema.as_str().into(),
            need.relation.name.as_str().into(),
            need.column.as_str().into(),
        ],
        |r| Ok((text(r, 1)?, r.get::<bool>(2)?.unwrap_or(false))),
    );
    found.into_iter().next()
}

fn reason(tview: &Tview, need: &IndexNeed, relation: &str) -> String {
    let table = &tview.table;
    let column = quote_ident(&need.column);
    need.uses
        .iter()
        .map(|u| match u {
            IndexUse::Recompute => {
                format!("recomputing {table} rows by {} reads {relation} by {column}", tview.key_column)
            }
            IndexUse::FindKeys(source) => format!(
                "a write to {} finds the {table} rows it affects by looking up {relation} by {column}",
                shown_relation(&source.schema, &source.name)
            ),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A relation named as the user's search_path shows it.
fn shown_relation(schema: &str, name: &str) -> String {
    rows(
        "a relation name",
        "SELECT c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
        &[schema.into(), name.into()],
        |r| text(r, 1),
    )
    .into_iter()
    .next()
    .unwrap_or_else(|| quote_qualified(schema, name))
}
