//! Key queries the engine can answer from the changed rows alone.
//!
//! For a write of a few rows, running the key query costs more than the
//! maintenance it leads to.  Two shapes need nothing but the rows:
//! - `SELECT d.c FROM pg_tviews_delta AS d`: the key is a column of the
//!   written relation; the keys are that column's values (`exact`);
//! - `SELECT q.k FROM ... WHERE ... AND EXISTS (SELECT ... FROM ...
//!   pg_tviews_delta AS d ... WHERE ... AND d.c = q.k ...)`: every key the
//!   query can return equals `d.c` of some changed row, so those values
//!   hold all the keys (a superset: a value with no view row refreshes
//!   nothing).  Equal is not always identical (1.0 = 1.00): the engine uses
//!   such values only for types whose equality is identity.

use sqlparser::ast::{BinaryOperator, Expr, Query, SelectItem, SetExpr, TableFactor, TableWithJoins};

use crate::ast_util::{conjuncts, is_delta_name};

/// The written relation's column whose values in the changed rows give
/// the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaKey {
    pub column: String,
    /// The values are the keys themselves (else they equal the keys).
    pub exact: bool,
}

/// The delta key of a one-branch key query, if it has one.
pub(crate) fn of(query: &Query) -> Option<DeltaKey> {
    if query.with.is_some() || query.limit_clause.is_some() || query.fetch.is_some() {
        return None;
    }
    let SetExpr::Select(block) = query.body.as_ref() else { return None };
    if block.having.is_some() || block.distinct.is_some() {
        return None;
    }
    let [SelectItem::UnnamedExpr(key)] = block.projection.as_slice() else { return None };
    if let (Some(alias), None) = (lone_delta(&block.from), &block.selection) {
        let column = match key {
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [qualifier, column] if qualifier.value == alias => column.value.clone(),
                _ => return None,
            },
            Expr::Identifier(column) => column.value.clone(),
            _ => return None,
        };
        return Some(DeltaKey { column, exact: true });
    }
    let Expr::CompoundIdentifier(key_parts) = key else { return None };
    let [qualifier, _] = key_parts.as_slice() else { return None };
    conjuncts(block.selection.clone()?).into_iter().find_map(|c| {
        let Expr::Exists { subquery, negated: false } = unnest(c) else { return None };
        let SetExpr::Select(inner) = subquery.body.as_ref() else { return None };
        if subquery.with.is_some() {
            return None;
        }
        let delta = delta_alias(&inner.from)?;
        // The key's qualifier must name the outer relation, not one the
        // subquery brings into scope under the same name.
        let inner_aliases = aliases(&inner.from)?;
        if inner_aliases.iter().any(|a| *a == qualifier.value) {
            return None;
        }
        conjuncts(inner.selection.clone()?).into_iter().find_map(|c| {
            let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = unnest(c) else { return None };
            let column = |e: &Expr| match e {
                Expr::CompoundIdentifier(p) => match p.as_slice() {
                    [q, col] if q.value == delta => Some(col.value.clone()),
                    _ => None,
                },
                _ => None,
            };
            let is_key = |e: &Expr| matches!(e, Expr::CompoundIdentifier(p) if p == key_parts);
            match (column(unnest_ref(&left)), column(unnest_ref(&right))) {
                (Some(col), None) if is_key(unnest_ref(&right)) => Some(col),
                (None, Some(col)) if is_key(unnest_ref(&left)) => Some(col),
                _ => None,
            }
        })
    })
    .map(|column| DeltaKey { column, exact: false })
}

/// Every name a FROM clause brings into scope, or None when it holds
/// something whose names are not all known here (a function, UNNEST, a
/// table function: their aliases could hide the key's).
fn aliases(from: &[TableWithJoins]) -> Option<Vec<String>> {
    fn of_factor(f: &TableFactor, out: &mut Vec<String>) -> Option<()> {
        match f {
            TableFactor::Table { alias: Some(alias), .. } | TableFactor::Derived { alias: Some(alias), .. } => {
                out.push(alias.name.value.clone())
            }
            TableFactor::Table { name, alias: None, .. } => out.push(name.0.last()?.as_ident()?.value.clone()),
            TableFactor::NestedJoin { table_with_joins, alias } => {
                out.extend(alias.iter().map(|a| a.name.value.clone()));
                of_twj(table_with_joins, out)?;
            }
            _ => return None,
        }
        Some(())
    }
    fn of_twj(t: &TableWithJoins, out: &mut Vec<String>) -> Option<()> {
        of_factor(&t.relation, out)?;
        t.joins.iter().try_for_each(|j| of_factor(&j.relation, out))
    }
    let mut out = Vec::new();
    from.iter().try_for_each(|t| of_twj(t, &mut out))?;
    Some(out)
}

/// The alias of the delta relation when it is the whole FROM clause.
fn lone_delta(from: &[TableWithJoins]) -> Option<String> {
    match from {
        [TableWithJoins { relation: TableFactor::Table { name, alias: Some(alias), args: None, .. }, joins }]
            if joins.is_empty() && is_delta_name(name) && alias.columns.is_empty() =>
        {
            Some(alias.name.value.clone())
        }
        _ => None,
    }
}

/// The alias of the delta relation anywhere in a FROM clause's joins.
fn delta_alias(from: &[TableWithJoins]) -> Option<String> {
    fn in_factor(f: &TableFactor) -> Option<String> {
        match f {
            TableFactor::Table { name, alias: Some(alias), args: None, .. } if is_delta_name(name) && alias.columns.is_empty() => {
                Some(alias.name.value.clone())
            }
            TableFactor::NestedJoin { table_with_joins, .. } => in_twj(table_with_joins),
            _ => None,
        }
    }
    fn in_twj(t: &TableWithJoins) -> Option<String> {
        in_factor(&t.relation).or_else(|| t.joins.iter().find_map(|j| in_factor(&j.relation)))
    }
    from.iter().find_map(in_twj)
}

fn unnest(mut e: Expr) -> Expr {
    while let Expr::Nested(inner) = e {
        e = *inner;
    }
    e
}

fn unnest_ref(mut e: &Expr) -> &Expr {
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    e
}
