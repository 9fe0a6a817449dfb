//! Small questions and constructions on the sqlparser AST shared by the
//! planner stages.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, ObjectName, Query, Visit, Visitor};
use crate::dialect::PgCanonical;
use sqlparser::parser::Parser;

use crate::DELTA_RELATION;

/// Does this part of the tree read the delta relation?
pub(crate) fn has_delta<T: Visit>(node: &T) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            if is_delta_name(relation) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    node.visit(&mut Finder).is_break()
}

pub(crate) fn is_delta_name(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [part] if part.as_ident().is_some_and(|i| i.value == DELTA_RELATION && i.quote_style.is_none()))
}

/// Split `a AND b AND c` (through parentheses) into its conjuncts.
pub(crate) fn conjuncts(expr: Expr) -> Vec<Expr> {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut out = conjuncts(*left);
            out.extend(conjuncts(*right));
            out
        }
        // pg_get_viewdef writes `ON (((a) AND (b)))`: look through every level.
        Expr::Nested(inner) => {
            let mut inner = *inner;
            while let Expr::Nested(deeper) = inner {
                inner = *deeper;
            }
            if matches!(inner, Expr::BinaryOp { op: BinaryOperator::And, .. }) {
                conjuncts(inner)
            } else {
                vec![Expr::Nested(Box::new(inner))]
            }
        }
        other => vec![other],
    }
}

/// `a AND b AND ...`, or None for an empty list.  Many conjuncts are
/// joined as a balanced tree, whose depth (what every later recursion over
/// it costs in stack) is logarithmic; a few, left to right as written.
pub(crate) fn and_all(mut exprs: Vec<Expr>) -> Option<Expr> {
    let and = |left, right| Expr::BinaryOp {
        left: Box::new(nested(left)),
        op: BinaryOperator::And,
        right: Box::new(nested(right)),
    };
    if exprs.len() < 32 {
        return exprs.into_iter().reduce(and);
    }
    let right = exprs.split_off(exprs.len() / 2);
    Some(and(and_all(exprs)?, and_all(right)?))
}

fn nested(expr: Expr) -> Expr {
    match expr {
        e @ (Expr::Nested(_)
        | Expr::Identifier(_)
        | Expr::CompoundIdentifier(_)
        | Expr::Exists { .. }
        | Expr::Function(_)) => e,
        e => Expr::Nested(Box::new(e)),
    }
}

/// Parse an expression the planner builds from known-good pieces.
pub(crate) fn expr(sql: &str) -> Expr {
    Parser::new(&PgCanonical::default())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .unwrap_or_else(|e| panic!("planner built an unparsable expression {sql:?}: {e}"))
}

/// `EXISTS (query)`.
pub(crate) fn exists(query: Query) -> Expr {
    Expr::Exists {
        subquery: Box::new(query),
        negated: false,
    }
}

/// Does `expr` refer to a column of `alias` (qualified), optionally only
/// to one of `columns`?  Unqualified names count when they are among
/// `columns`, since we cannot tell where they resolve.
pub(crate) fn references(expr: &Expr, alias: &str, columns: Option<&[String]>) -> bool {
    struct Refs<'a> {
        alias: &'a str,
        columns: Option<&'a [String]>,
    }
    impl Visitor for Refs<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            let hit = match expr {
                Expr::CompoundIdentifier(parts) => {
                    let n = parts.len();
                    n >= 2
                        && parts[n - 2].value == self.alias
                        && self
                            .columns
                            .is_none_or(|cols| cols.contains(&parts[n - 1].value))
                }
                Expr::Identifier(ident) => {
                    ident.value == self.alias
                        || self.columns.is_some_and(|cols| cols.contains(&ident.value))
                }
                Expr::QualifiedWildcard(name, _) => name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .is_some_and(|i| i.value == self.alias),
                _ => false,
            };
            if hit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    expr.visit(&mut Refs { alias, columns }).is_break()
}

/// Aliases (table qualifiers) that `expr` uses, outside nested queries too.
pub(crate) fn qualifiers(expr: &Expr) -> Vec<String> {
    struct Quals(Vec<String>);
    impl Visitor for Quals {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::CompoundIdentifier(parts) = expr {
                if parts.len() >= 2 {
                    self.0.push(parts[parts.len() - 2].value.clone());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut q = Quals(vec![]);
    let _ = expr.visit(&mut q);
    q.0
}

const AGGREGATES: &[&str] = &[
    "count", "sum", "avg", "min", "max", "array_agg", "jsonb_agg", "json_agg", "string_agg",
    "bool_and", "bool_or", "every", "jsonb_object_agg", "json_object_agg", "xmlagg", "bit_and",
    "bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop",
    "var_samp", "corr", "covar_pop", "covar_samp", "regr_count", "mode", "percentile_cont",
    "percentile_disc", "range_agg", "range_intersect_agg", "jsonb_agg_strict",
    "jsonb_object_agg_strict", "json_agg_strict", "any_value",
];

/// What a SELECT block computes directly (not inside nested queries).
#[derive(Default, Debug)]
pub(crate) struct BlockFunctions {
    pub aggregate: bool,
    pub window: bool,
}

pub(crate) fn block_functions<T: Visit>(node: &T) -> BlockFunctions {
    let mut found = BlockFunctions::default();
    for_each_top_level_expr(node, |expr| {
        if let Expr::Function(f) = expr {
            if f.over.is_some() {
                found.window = true;
            } else if f.filter.is_some()
                || !f.within_group.is_empty()
                || f.name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                    AGGREGATES.contains(&i.value.to_lowercase().as_str())
                })
            {
                found.aggregate = true;
            }
        }
    });
    found
}

/// Call `f` on every expression of `node` outside the queries nested in it.
pub(crate) fn for_each_top_level_expr<T: Visit>(node: &T, f: impl FnMut(&Expr)) {
    struct Scan<F> {
        depth: usize,
        f: F,
    }
    impl<F: FnMut(&Expr)> Visitor for Scan<F> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if self.depth == 0 {
                (self.f)(expr);
            }
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Scan { depth: 0, f });
}
