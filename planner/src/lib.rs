//! pg_tviews planner: from a TVIEW's defining query to its maintenance SQL.
//!
//! Pure Rust, no PostgreSQL: the extension hands us the canonical text of
//! `v_E` (`pg_get_viewdef` under `search_path = ''`, so every relation is
//! schema-qualified) and the name of its key column.  For every occurrence
//! of a source relation we derive a *key query*: the keys of `v_E` whose
//! row may change when the rows of a delta relation (old and new versions
//! of the written rows) change.  Over-approximation is allowed, missing a
//! key is a bug.  Shapes we cannot reason about are refused with an error
//! that names the construct.
//!
//! Pipeline: `parse` (text → AST, CTEs inlined, forbidden constructs
//! refused) → `occurrence` (one AST per source occurrence, with that
//! occurrence replaced by the delta relation) → `witness` (the AST rewritten
//! into a key query).  `graph` orders stacked TVIEWs.

mod ast_util;
mod delta_key;
mod depth;
mod dialect;
pub mod function_body;
pub mod graph;
pub mod indexes;
mod keywords;
pub mod locks;
mod model;
mod null_extend;
mod occurrence;
mod parse;
mod reach;
mod row_key;
pub mod statements;
mod witness;

use std::fmt;

pub use delta_key::DeltaKey;

/// Name under which the key queries read the changed rows of a source.
/// The engine binds it with `WITH pg_tviews_delta AS (...)`.
pub const DELTA_RELATION: &str = "pg_tviews_delta";

/// Name under which a key query reads the rows the write changed or
/// removed at *other* occurrences of its source in a self-join, so that a
/// view row the old versions of two rows of one table produced together is
/// found (see `occurrence`).  Bound by `WITH` like the delta.
pub const ALSO_OLD_RELATION: &str = "pg_tviews_also_old";

/// A schema-qualified relation, unquoted (exactly as in the catalog).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationName {
    pub schema: String,
    pub name: String,
}

/// How one source relation's changes map to keys of the TVIEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePlan {
    pub relation: RelationName,
    /// A SELECT of one column (the key) reading `DELTA_RELATION`; the union
    /// over all occurrences of this relation in the query.
    pub key_query: String,
    /// How many times the relation occurs in the query (self-joins > 1).
    pub occurrences: usize,
    /// The relation's columns the TVIEW reads; None for "maybe all".  An
    /// UPDATE that changes none of them cannot change the TVIEW.
    pub columns: Option<Vec<String>>,
    /// The column of the relation whose values in the changed rows are
    /// (or hold) the keys, when the key query needs nothing else.
    pub delta_key: Option<DeltaKey>,
    /// A column of the relation whose value in every written row is a key
    /// the key query returns (one of its branches projects it off the
    /// delta); None when no branch is that plain (see `row_key`).
    pub row_key: Option<String>,
}

/// Everything the engine needs to maintain one TVIEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TviewPlan {
    pub sources: Vec<SourcePlan>,
}

/// What kind of problem the planner found; the engine maps it to a SQLSTATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text does not parse as a single SELECT.
    Syntax,
    /// A construct we cannot maintain incrementally.
    Unsupported,
    /// The key column is missing or unusable.
    KeyColumn,
    /// A time-dependent or volatile function.
    NonDeterministic,
    /// Nested or chained deeper than the planner's bounds (`depth`): the
    /// extension reports 54001, statement too complex.
    TooComplex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl PlanError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        PlanError {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn unsupported(construct: impl fmt::Display) -> Self {
        PlanError::new(
            ErrorKind::Unsupported,
            format!("{construct} cannot be maintained incrementally"),
        )
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PlanError {}

/// Plan the maintenance of a TVIEW whose defining query is `view_sql`
/// (canonical, schema-qualified text) with key column `key_column`.
pub fn plan(view_sql: &str, key_column: &str) -> Result<TviewPlan, PlanError> {
    depth::on_large_stack(|| plan_here(view_sql, key_column))
}

/// `plan` on the stack the caller already runs on.
pub(crate) fn plan_here(view_sql: &str, key_column: &str) -> Result<TviewPlan, PlanError> {
    let mut query = parse::parse_view(view_sql)?;
    // A table's rows have no order: what the top-level ORDER BY reads
    // changes no row of the TVIEW.
    query.order_by = None;
    let key_position = witness::key_position(&query, key_column)?;
    let mut sources: Vec<SourcePlan> = Vec::new();
    for occ in occurrence::split(&query)? {
        let mut branches: Vec<String> = Vec::new();
        let mut row_key = None;
        for query in &occ.queries {
            for branch in witness::key_query(query, key_position, &occ.relation)? {
                row_key = row_key.or_else(|| row_key::delta_column(&branch));
                let branch = branch.to_string();
                // Copies differing only where the key query does not look are one.
                if !branches.contains(&branch) {
                    branches.push(branch);
                }
            }
        }
        let key_query = branches.join(" UNION ");
        let delta_key = match branches.as_slice() {
            [only] => parse::parse_view(only).ok().and_then(|q| delta_key::of(&q)),
            _ => None,
        };
        match sources.iter_mut().find(|s| s.relation == occ.relation) {
            Some(existing) => {
                existing.key_query = format!("{} UNION {}", existing.key_query, key_query);
                existing.occurrences += 1;
                existing.delta_key = None;
                existing.row_key = existing.row_key.take().or(row_key);
                existing.columns = match (existing.columns.take(), occ.columns) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b.into_iter().filter(|c| !a.contains(c)).collect::<Vec<_>>());
                        a.sort();
                        Some(a)
                    }
                    _ => None,
                };
            }
            None => sources.push(SourcePlan {
                relation: occ.relation,
                key_query,
                occurrences: 1,
                columns: occ.columns,
                delta_key,
                row_key,
            }),
        }
    }
    if sources.is_empty() {
        return Err(PlanError::unsupported("a query that reads no table")
            .with_hint("A TVIEW must read at least one table."));
    }
    Ok(TviewPlan { sources })
}

/// Quote an identifier exactly when PostgreSQL's `quote_identifier` does:
/// unless it is lower-case ASCII letters, digits and underscores, not
/// starting with a digit, and not a keyword PostgreSQL reserves in any way.
pub fn quote_ident(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !parse::is_reserved_keyword(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.name`, both quoted.
pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

#[cfg(test)]
mod tests;
