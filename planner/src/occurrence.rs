//! Stage 2: one copy of the query per source occurrence.
//!
//! An occurrence is one place where a relation is read (a self-join reads
//! the same relation twice).  In its copy, that place reads the delta
//! relation instead, keeping the original alias so that every column
//! reference still resolves.  The rest of the planner then only has to
//! find "the" delta in a tree.

use std::ops::ControlFlow;

use sqlparser::ast::{Ident, ObjectName, Query, TableAlias, TableFactor, VisitMut, VisitorMut};

use crate::{PlanError, RelationName, DELTA_RELATION};

pub(crate) struct Occurrence {
    pub relation: RelationName,
    pub query: Query,
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
        if let ControlFlow::Break(e) = copy.visit(&mut marker) {
            return Err(e);
        }
        match marker.found {
            Some(relation) => out.push(Occurrence {
                relation,
                query: copy,
            }),
            None => break,
        }
    }
    Ok(out)
}

struct Marker {
    target: usize,
    seen: usize,
    found: Option<RelationName>,
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
        let parts: Vec<&Ident> = name.0.iter().filter_map(|p| p.as_ident()).collect();
        let relation = match parts.as_slice() {
            [schema, table] => RelationName {
                schema: schema.value.clone(),
                name: table.value.clone(),
            },
            [_, schema, table] => RelationName {
                schema: schema.value.clone(),
                name: table.value.clone(),
            },
            _ => {
                return ControlFlow::Break(PlanError::unsupported(format!(
                    "the relation reference {name}"
                )))
            }
        };
        if self.seen == self.target {
            let shown = parts[parts.len() - 1].clone();
            let alias = alias.take().unwrap_or(TableAlias {
                name: shown,
                columns: vec![],
            });
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
            self.found = Some(relation);
        }
        self.seen += 1;
        ControlFlow::Continue(())
    }
}
