//! Stage 2: one copy of the query per source occurrence.
//!
//! An occurrence is one place where a relation is read (a self-join reads
//! the same relation twice).  In its copy, that place reads the delta
//! relation instead, keeping the original alias so that every column
//! reference still resolves.  The rest of the planner then only has to
//! find "the" delta in a tree.
//!
//! One write can change rows read by several occurrences of a relation (a
//! self-join), and a view row their old versions produced together must be
//! found too.  So an occurrence of a relation read more than once has one
//! copy per subset of the other occurrences, those reading
//! `ALSO_OLD_RELATION` (the rows the write changed or removed) instead of
//! the relation: every mix of unchanged and old rows is covered, and each
//! copy still reads the relation itself through its indexes.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, ObjectName, Query, TableAlias, TableFactor, Visit, VisitMut, Visitor, VisitorMut,
};

use crate::{PlanError, RelationName, ALSO_OLD_RELATION, DELTA_RELATION};

/// A relation read more often than this is refused: its key query would
/// have `n * 2^(n-1)` branches.
const MAX_OCCURRENCES: usize = 6;

pub(crate) struct Occurrence {
    pub relation: RelationName,
    /// The query with this occurrence reading the delta, once per subset of
    /// the relation's other occurrences reading `ALSO_OLD_RELATION`.
    pub queries: Vec<Query>,
    /// Columns of the relation this occurrence reads; None when it may read
    /// all of them (whole-row use, USING, renamed columns, unqualified names).
    pub columns: Option<Vec<String>>,
}

pub(crate) fn split(query: &Query) -> Result<Vec<Occurrence>, PlanError> {
    let mut out = Vec::new();
    for index in 0.. {
        let mut copy = query.clone();
        let mut marker = Marker {
            target: index,
            seen: 0,
            found: None,
        };
        if let ControlFlow::Break(e) = VisitMut::visit(&mut copy, &mut marker) {
            return Err(e);
        }
        match marker.found {
            Some((relation, alias)) => {
                let columns = alias.and_then(|a| columns_read(&copy, &a));
                let others = {
                    let mut counter = OtherOccurrences { relation: &relation, seen: 0, old: 0 };
                    let _ = VisitMut::visit(&mut copy.clone(), &mut counter);
                    counter.seen
                };
                if others + 1 > MAX_OCCURRENCES {
                    return Err(PlanError::unsupported(format!(
                        "a table read more than {MAX_OCCURRENCES} times ({}.{})",
                        relation.schema, relation.name
                    )));
                }
                let queries = (0..1u32 << others)
                    .map(|old| {
                        let mut variant = copy.clone();
                        let _ = VisitMut::visit(&mut variant, &mut OtherOccurrences { relation: &relation, seen: 0, old });
                        variant
                    })
                    .collect();
                out.push(Occurrence {
                    relation,
                    queries,
                    columns,
                })
            }
            None => break,
        }
    }
    Ok(out)
}

struct Marker {
    target: usize,
    seen: usize,
    /// The relation, and its alias unless the alias renames columns.
    found: Option<(RelationName, Option<String>)>,
}

impl VisitorMut for Marker {
    type Break = PlanError;

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<PlanError> {
        let TableFactor::Table {
            name, alias, args, ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        if args.is_some() {
            // A set-returning function in FROM, not a relation.
            return ControlFlow::Continue(());
        }
        let Some(relation) = relation_of(name) else {
            return ControlFlow::Break(PlanError::unsupported(format!("the relation reference {name}")));
        };
        if self.seen == self.target {
            let shown = name.0.last().and_then(|p| p.as_ident()).cloned().unwrap_or_else(|| Ident::new(&relation.name));
            let alias = alias.take().unwrap_or(TableAlias {
                name: shown,
                columns: vec![],
            });
            let plain_alias = alias.columns.is_empty().then(|| alias.name.value.clone());
            *factor = TableFactor::Table {
                name: ObjectName::from(vec![Ident::new(DELTA_RELATION)]),
                alias: Some(alias),
                args: None,
                with_hints: vec![],
                version: None,
                with_ordinality: false,
                partitions: vec![],
                json_path: None,
                sample: None,
                index_hints: vec![],
            };
            self.found = Some((relation, plain_alias));
        }
        self.seen += 1;
        ControlFlow::Continue(())
    }
}

/// The relation a qualified name in FROM reads (`schema.table`, or
/// `database.schema.table`).
fn relation_of(name: &ObjectName) -> Option<RelationName> {
    let parts: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
    match parts.as_slice() {
        [schema, table] | [_, schema, table] => Some(RelationName {
            schema: schema.value.clone(),
            name: table.value.clone(),
        }),
        _ => None,
    }
}

/// Counts the other occurrences of the written relation, and makes those
/// whose bit is set in `old` read `ALSO_OLD_RELATION` (keeping their
/// aliases).
struct OtherOccurrences<'a> {
    relation: &'a RelationName,
    seen: usize,
    old: u32,
}

impl VisitorMut for OtherOccurrences<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, args: None, .. } = factor {
            if relation_of(name).as_ref() == Some(self.relation) {
                // Bits past 31 are never set (six occurrences at most); the
                // counting pass still visits every occurrence.
                let bit = u32::try_from(self.seen).ok().and_then(|s| self.old.checked_shr(s)).unwrap_or(0) & 1;
                if bit != 0 {
                    if alias.is_none() {
                        let shown = name.0.last().and_then(|p| p.as_ident()).cloned();
                        *alias = shown.map(|name| TableAlias { name, columns: vec![] });
                    }
                    *name = ObjectName::from(vec![Ident::new(ALSO_OLD_RELATION)]);
                }
                self.seen += 1;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Columns read through `alias` anywhere in the query (canonical text
/// qualifies every column, and aliases are unique across its levels).
fn columns_read(query: &Query, alias: &str) -> Option<Vec<String>> {
    struct Reads<'a> {
        alias: &'a str,
        columns: Vec<String>,
    }
    impl Visitor for Reads<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                    if parts[parts.len() - 2].value == self.alias {
                        let column = parts[parts.len() - 1].value.clone();
                        if !self.columns.contains(&column) {
                            self.columns.push(column);
                        }
                    }
                    ControlFlow::Continue(())
                }
                // A whole-row use, or a name we cannot place.
                Expr::Identifier(_) | Expr::QualifiedWildcard(..) | Expr::Wildcard(_) => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    if uses_join_shorthand(query) {
        return None;
    }
    let mut reads = Reads {
        alias,
        columns: Vec::new(),
    };
    match Visit::visit(query, &mut reads) {
        ControlFlow::Break(()) => None,
        ControlFlow::Continue(()) => {
            reads.columns.sort();
            Some(reads.columns)
        }
    }
}

/// USING and NATURAL joins read columns without naming their table.
/// (A text test: it may also match a string literal, which only costs the
/// optimisation.)
fn uses_join_shorthand(query: &Query) -> bool {
    let text = query.to_string();
    text.contains(" USING") || text.contains("NATURAL ")
}
