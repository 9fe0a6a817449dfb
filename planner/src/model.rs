//! The relation model of one statement: every FROM item (an *instance*),
//! the scopes that resolve aliases to instances, each SELECT block's
//! output columns, and the column comparisons between instances.
//!
//! Both index suggestions and lock planning reason about "how does one
//! relation reach another": which column of which instance is compared
//! with which.  Column names are never interpreted; a column is followed
//! only where the statement itself says so.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr,
    TableFactor, TableWithJoins, Visit, Visitor,
};

use crate::ast_util::{for_each_top_level_expr, is_delta_name};
use crate::{parse, RelationName};

pub(crate) type InstanceId = usize;

/// A column of one relation instance (one FROM item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnRef {
    pub instance: InstanceId,
    pub column: String,
}

/// One output column of a SELECT block.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub name: String,
    /// The instance column it is, when it is one plainly.
    pub column: Option<ColumnRef>,
    /// Instances its expression reads directly (not in nested queries).
    pub reads: Vec<InstanceId>,
}

/// Output columns of one SELECT block.
pub(crate) type Outputs = Vec<Output>;

#[derive(Debug)]
pub(crate) enum Kind {
    Table(RelationName),
    Delta,
    /// A derived table: the outputs of each UNION ALL branch, named after
    /// the first branch (or the alias's column list).
    Derived(Vec<Outputs>),
    /// A function in FROM, or a name we cannot place.
    Opaque,
}

#[derive(Debug)]
pub(crate) struct Instance {
    pub kind: Kind,
    /// The derived table whose query this instance is read in.
    pub inside: Option<InstanceId>,
}

/// Two instance columns compared in a condition (a conjunct of ON, WHERE
/// or HAVING, or `x IN (SELECT y ...)`).
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub left: ColumnRef,
    pub right: ColumnRef,
    /// `=` (or IN), as opposed to an ordering comparison.
    pub equality: bool,
}

#[derive(Debug, Default)]
struct Scope {
    parent: Option<usize>,
    aliases: Vec<(String, InstanceId)>,
}

#[derive(Debug, Default)]
pub(crate) struct Model {
    pub instances: Vec<Instance>,
    scopes: Vec<Scope>,
    pub edges: Vec<Edge>,
}

impl Model {
    /// Build the model of `query`; returns its outputs per UNION ALL branch.
    pub fn build(query: &Query) -> (Model, Vec<Outputs>) {
        let mut model = Model::default();
        let outputs = model.query(query, None, None);
        (model, outputs)
    }

    /// The base-table columns an instance column stands for, following
    /// derived tables through their plain output columns (one per branch).
    pub fn base_columns(&self, column: &ColumnRef) -> Vec<(InstanceId, String)> {
        match &self.instances[column.instance].kind {
            Kind::Table(_) => vec![(column.instance, column.column.clone())],
            Kind::Derived(branches) => branches
                .iter()
                .filter_map(|b| b.iter().find(|o| o.name == column.column))
                .filter_map(|o| o.column.as_ref())
                .flat_map(|inner| self.base_columns(inner))
                .collect(),
            Kind::Delta | Kind::Opaque => Vec::new(),
        }
    }

    /// The base tables read through an instance (itself, or everything in
    /// a derived table).
    pub fn base_tables(&self, instance: InstanceId) -> Vec<InstanceId> {
        match self.instances[instance].kind {
            Kind::Table(_) => vec![instance],
            _ => (0..self.instances.len())
                .filter(|&id| matches!(self.instances[id].kind, Kind::Table(_)) && self.is_inside(id, instance))
                .collect(),
        }
    }

    fn is_inside(&self, mut id: InstanceId, outer: InstanceId) -> bool {
        while let Some(up) = self.instances[id].inside {
            if up == outer {
                return true;
            }
            id = up;
        }
        false
    }

    pub fn relation(&self, instance: InstanceId) -> Option<&RelationName> {
        match &self.instances[instance].kind {
            Kind::Table(relation) => Some(relation),
            _ => None,
        }
    }

    fn query(&mut self, query: &Query, parent: Option<usize>, inside: Option<InstanceId>) -> Vec<Outputs> {
        parse::branches(&query.body)
            .into_iter()
            .map(|branch| match branch {
                SetExpr::Select(select) => self.select(select, parent, inside),
                _ => Vec::new(),
            })
            .collect()
    }

    fn select(&mut self, select: &Select, parent: Option<usize>, inside: Option<InstanceId>) -> Outputs {
        let scope = self.scopes.len();
        self.scopes.push(Scope {
            parent,
            aliases: Vec::new(),
        });
        let mut conditions: Vec<&Expr> = Vec::new();
        for from in &select.from {
            self.from_item(from, scope, inside, &mut conditions);
        }
        conditions.extend(select.selection.iter());
        conditions.extend(select.having.iter());
        // Nested queries anywhere in the block, walked once, in this scope.
        let mut expressions: Vec<&Expr> = conditions.clone();
        for item in &select.projection {
            if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
                expressions.push(e);
            }
        }
        let mut nested: Vec<(Query, Vec<Outputs>)> = Vec::new();
        for expr in expressions {
            for query in nested_queries(expr) {
                let outputs = self.query(&query, Some(scope), inside);
                nested.push((query, outputs));
            }
        }
        for condition in conditions {
            let mut parts = Vec::new();
            conjuncts(condition, &mut parts);
            for part in parts {
                self.comparison(part, scope, &nested);
            }
        }
        select
            .projection
            .iter()
            .filter_map(|item| {
                let (name, expr) = match item {
                    SelectItem::UnnamedExpr(e) => (output_name(e), e),
                    SelectItem::ExprWithAlias { expr, alias } => (alias.value.clone(), expr),
                    _ => return None,
                };
                Some(Output {
                    name,
                    column: self.resolve(expr, scope),
                    reads: self.reads(expr, scope),
                })
            })
            .collect()
    }

    fn from_item<'a>(&mut self, from: &'a TableWithJoins, scope: usize, inside: Option<InstanceId>, conditions: &mut Vec<&'a Expr>) {
        self.factor(&from.relation, scope, inside, conditions);
        for join in &from.joins {
            self.factor(&join.relation, scope, inside, conditions);
            if let Some(JoinConstraint::On(on)) = join_constraint(&join.join_operator) {
                conditions.push(on);
            }
        }
    }

    fn factor<'a>(&mut self, factor: &'a TableFactor, scope: usize, inside: Option<InstanceId>, conditions: &mut Vec<&'a Expr>) {
        let (kind, alias) = match factor {
            TableFactor::Table { name, alias, args, .. } => {
                let parts: Vec<String> = name.0.iter().filter_map(|p| p.as_ident()).map(|i| i.value.clone()).collect();
                let shown = alias.as_ref().map(|a| a.name.value.clone()).or_else(|| parts.last().cloned());
                let kind = if args.is_some() {
                    Kind::Opaque
                } else if is_delta_name(name) {
                    Kind::Delta
                } else {
                    match parts.as_slice() {
                        [.., schema, table] => Kind::Table(RelationName {
                            schema: schema.clone(),
                            name: table.clone(),
                        }),
                        _ => Kind::Opaque,
                    }
                };
                (kind, shown)
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let id = self.add(Kind::Opaque, inside);
                let mut branches = self.query(subquery, Some(scope), Some(id));
                if let Some(alias) = alias {
                    for branch in &mut branches {
                        for (output, renamed) in branch.iter_mut().zip(&alias.columns) {
                            output.name = renamed.name.value.clone();
                        }
                    }
                }
                // UNION ALL branches take the first branch's names.
                let names: Vec<String> = branches.first().map(|b| b.iter().map(|o| o.name.clone()).collect()).unwrap_or_default();
                for branch in branches.iter_mut().skip(1) {
                    for (output, name) in branch.iter_mut().zip(&names) {
                        output.name = name.clone();
                    }
                }
                self.instances[id].kind = Kind::Derived(branches);
                if let Some(alias) = alias {
                    self.scopes[scope].aliases.push((alias.name.value.clone(), id));
                }
                return;
            }
            TableFactor::NestedJoin { table_with_joins, .. } => {
                self.from_item(table_with_joins, scope, inside, conditions);
                return;
            }
            TableFactor::Function { alias, .. } | TableFactor::UNNEST { alias, .. } | TableFactor::TableFunction { alias, .. } => {
                (Kind::Opaque, alias.as_ref().map(|a| a.name.value.clone()))
            }
            _ => (Kind::Opaque, None),
        };
        let id = self.add(kind, inside);
        if let Some(alias) = alias {
            self.scopes[scope].aliases.push((alias, id));
        }
    }

    fn add(&mut self, kind: Kind, inside: Option<InstanceId>) -> InstanceId {
        self.instances.push(Instance { kind, inside });
        self.instances.len() - 1
    }

    /// `a.x = b.y` (or an ordering comparison) between two instances, and
    /// `a.x IN (SELECT b.y ...)`, become edges.
    fn comparison(&mut self, expr: &Expr, scope: usize, nested: &[(Query, Vec<Outputs>)]) {
        match expr {
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                if let (Some(l), Some(r)) = (self.resolve(left, scope), self.resolve(right, scope)) {
                    if l.instance != r.instance {
                        let equality = *op == BinaryOperator::Eq;
                        self.edges.push(Edge { left: l, right: r, equality });
                    }
                }
            }
            Expr::InSubquery { expr, subquery, negated: false } => {
                let Some(outer) = self.resolve(expr, scope) else { return };
                let Some((_, branches)) = nested.iter().find(|(q, _)| q == subquery.as_ref()) else { return };
                for branch in branches {
                    if let Some(Output { column: Some(inner), .. }) = branch.first() {
                        self.edges.push(Edge {
                            left: outer.clone(),
                            right: inner.clone(),
                            equality: true,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// The instance column a (qualified, or sole-relation) column name is.
    fn resolve(&self, expr: &Expr, scope: usize) -> Option<ColumnRef> {
        match expr {
            Expr::Nested(inner) => self.resolve(inner, scope),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let alias = &parts[parts.len() - 2].value;
                let column = parts[parts.len() - 1].value.clone();
                self.lookup(alias, scope).map(|instance| ColumnRef { instance, column })
            }
            Expr::Identifier(ident) => match self.scopes[scope].aliases.as_slice() {
                [(_, id)] => Some(ColumnRef {
                    instance: *id,
                    column: ident.value.clone(),
                }),
                _ => None,
            },
            _ => None,
        }
    }

    fn lookup(&self, alias: &str, scope: usize) -> Option<InstanceId> {
        let mut at = Some(scope);
        while let Some(s) = at {
            if let Some((_, id)) = self.scopes[s].aliases.iter().rev().find(|(a, _)| a == alias) {
                return Some(*id);
            }
            at = self.scopes[s].parent;
        }
        None
    }

    /// Instances whose columns `expr` names, outside nested queries.
    fn reads(&self, expr: &Expr, scope: usize) -> Vec<InstanceId> {
        let mut aliases = Vec::new();
        for_each_top_level_expr(expr, |e| {
            if let Expr::CompoundIdentifier(parts) = e {
                if parts.len() >= 2 {
                    aliases.push(parts[parts.len() - 2].value.clone());
                }
            }
        });
        let mut out: Vec<InstanceId> = aliases.iter().filter_map(|a| self.lookup(a, scope)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn is_comparison(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Eq | BinaryOperator::Lt | BinaryOperator::LtEq | BinaryOperator::Gt | BinaryOperator::GtEq
    )
}

pub(crate) fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c) => Some(c),
        JoinOperator::AsOf { constraint, .. } => Some(constraint),
        JoinOperator::CrossApply | JoinOperator::OuterApply => None,
    }
}

/// `a AND b AND c`, through parentheses, by reference.
fn conjuncts<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        Expr::Nested(inner) => conjuncts(inner, out),
        other => out.push(other),
    }
}

/// The queries directly nested in `expr` (not those nested in them).
fn nested_queries(expr: &Expr) -> Vec<Query> {
    struct Collect {
        depth: usize,
        found: Vec<Query>,
    }
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if self.depth == 0 {
                self.found.push(query.clone());
            }
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
    }
    let mut collect = Collect {
        depth: 0,
        found: Vec::new(),
    };
    let _ = expr.visit(&mut collect);
    collect.found
}

/// The name PostgreSQL gives an unaliased output column (enough for
/// plain column references, which are the only ones we follow).
fn output_name(expr: &Expr) -> String {
    match expr {
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
        Expr::Identifier(ident) => ident.value.clone(),
        Expr::Nested(inner) => output_name(inner),
        _ => "?column?".to_string(),
    }
}
