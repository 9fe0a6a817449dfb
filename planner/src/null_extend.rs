//! NULL-extended witnesses: the view rows an outer join adds or removes
//! when a write changes which rows of its nullable side match.
//!
//! `a LEFT JOIN b ON a.i = b.i` has a row `(a, NULL)` for every `a` that
//! no `b` matches.  A write to `b` changes the rows `(a, b)` holding the
//! changed `b` rows (the witness finds those: the join made inner over the
//! delta), and also the NULL-extended row of every `a` it gives its first
//! match or takes its last one.  Those `a` are among the preserved rows
//! that join a changed row (old or new version) on the join condition, so
//! each outer join on the delta's path whose nullable side holds the delta
//! (a *site*) gets one more witness, a *variant*: the plain witness with
//! that join rewritten to
//!
//! ```text
//! a LEFT JOIN <b as in the view> ON false      -- b's columns NULL, typed
//!   ... WHERE EXISTS (SELECT 1 FROM <b's witness> WHERE <condition>)
//! ```
//!
//! so every join, expression and key above it is computed on the NULL row
//! exactly as in the view.  A RIGHT join (or a FULL join's right side)
//! whose left part holds the delta is the mirror image.  Conjuncts of the
//! condition that test aliases the nullable side itself NULL-extended are
//! left out of the EXISTS (their values there are the delta's, not the
//! view's): that only widens it.  When the variant cannot find a key the
//! plain witness does not (the key and everything above the join ignore the
//! nullable side, and no conjunct was left out) it is not built.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, Ident, JoinConstraint, JoinOperator, ObjectName, Query, Select, SelectItem, SetExpr,
    TableFactor, TableWithJoins, Visit, VisitMut, Visitor, VisitorMut,
};

use crate::ast_util::{and_all, conjuncts, exists, expr, is_delta_name, references};
use crate::model::join_constraint;
use crate::{PlanError, RelationName};

/// Which side of the join at a site the variant NULL-extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The joined item (`joins[join].relation`): LEFT or FULL join.
    Joined,
    /// Everything before the join: RIGHT or FULL join.
    Before,
}

/// What the caller of `variants` reads of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// The TVIEW's key (one expression).
    Key,
    /// Some columns, and which rows exist.
    Rows,
}

/// An outer join on the delta's path that NULL-extends the delta's side.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// From the block's FROM list to the join's `TableWithJoins`: the FROM
    /// item's index, then per nested join the factor's position (0 for
    /// `relation`, i + 1 for `joins[i].relation`).
    pub path: Vec<usize>,
    /// Index of the join in that `TableWithJoins`.
    pub join: usize,
    pub side: Side,
    /// Aliases inside the nullable side that a join there NULL-extended.
    pub inner_nullable: Vec<String>,
    /// When the delta is read by the join's condition (a subquery), not by
    /// its sides: that condition's witnesses (`EXISTS (...)`, also in the
    /// witness's WHERE), which the preserved row must meet with some row
    /// of the nullable side for its match to have changed.
    pub extra: Vec<Expr>,
}

/// The variants of `witness` (the block's witness select) for `sites`, not
/// counting the witness itself.  `block` is the block the witness was made
/// from (the delta in place of `relation`); `reads` are the expressions of
/// its rows the caller uses (the key; a derived table's columns; nothing
/// but the link of `x IN (subquery)` for a subquery expression, whose
/// correlation is in its conditions).
pub(crate) fn variants(
    witness: &Select,
    block: &Select,
    sites: &[Site],
    relation: &RelationName,
    reads: &[Expr],
    what: Read,
) -> Result<Vec<Select>, PlanError> {
    let mut out = Vec::new();
    for site in sites {
        if redundant(witness, site, reads, what) {
            continue;
        }
        out.push(variant(witness, block, site, relation)?);
    }
    Ok(out)
}

fn variant(witness: &Select, block: &Select, site: &Site, relation: &RelationName) -> Result<Select, PlanError> {
    let mut select = witness.clone();
    let original = twj_at(&block.from, &site.path).ok_or_else(lost)?;
    let twj = twj_at_mut(&mut select.from, &site.path).ok_or_else(lost)?;
    let condition = match join_constraint(&twj.joins.get(site.join).ok_or_else(lost)?.join_operator) {
        Some(JoinConstraint::On(on)) => on.clone(),
        _ => {
            return Err(PlanError::unsupported(
                "an outer join with USING or NATURAL whose rows without a match the TVIEW depends on",
            )
            .with_hint("Write the join condition with ON."))
        }
    };
    let kept: Vec<Expr> = conjuncts(condition)
        .into_iter()
        .filter(|e| !site.inner_nullable.iter().any(|a| references(e, a, None)))
        .chain(site.extra.iter().cloned())
        .collect();
    let changed = match site.side {
        Side::Joined => {
            let changed = TableWithJoins { relation: twj.joins[site.join].relation.clone(), joins: vec![] };
            let mut as_in_view = original.joins.get(site.join).ok_or_else(lost)?.relation.clone();
            restore(&mut as_in_view, relation);
            twj.joins[site.join].relation = as_in_view;
            twj.joins[site.join].join_operator = JoinOperator::Left(JoinConstraint::On(expr("false")));
            changed
        }
        Side::Before => {
            let changed = TableWithJoins { relation: twj.relation.clone(), joins: twj.joins[..site.join].to_vec() };
            let mut as_in_view = TableWithJoins {
                relation: original.relation.clone(),
                joins: original.joins.get(..site.join).ok_or_else(lost)?.to_vec(),
            };
            restore(&mut as_in_view, relation);
            twj.relation = as_in_view.relation;
            twj.joins.splice(..site.join, as_in_view.joins);
            twj.joins[site.join].join_operator = JoinOperator::Right(JoinConstraint::On(expr("false")));
            changed
        }
    };
    let filter = exists(select_one(changed, and_all(kept))?);
    // The condition's witnesses test the nullable side, NULL here: they
    // moved into the EXISTS.
    let mut conditions: Vec<Expr> = select.selection.take().map(conjuncts).unwrap_or_default();
    conditions.retain(|e| !site.extra.contains(e));
    conditions.push(filter);
    select.selection = and_all(conditions);
    Ok(select)
}

/// Can the variant of `site` find no row the plain witness misses, as far
/// as `reads` can tell?  True when the EXISTS would keep the whole
/// condition (the same preserved rows) and `reads` and every expression of
/// the block outside the nullable side and the site's own condition ignore
/// the nullable side's aliases: the NULL row and the matched rows then
/// give the same values.  A LEFT JOIN above whose condition tests them
/// keeps its left rows either way; only what it joins differs, so its
/// aliases count as the nullable side's.  Also true when the key is a
/// plain column of the nullable side: NULL in every variant row, and a
/// TVIEW has no NULL key.
fn redundant(witness: &Select, site: &Site, reads: &[Expr], what: Read) -> bool {
    let mut rest = witness.clone();
    rest.projection = reads.iter().cloned().map(SelectItem::UnnamedExpr).collect();
    rest.group_by = sqlparser::ast::GroupByExpr::Expressions(vec![], vec![]);
    rest.having = None;
    // The condition's own witnesses test the nullable side by design.
    rest.selection = rest.selection.take().and_then(|w| and_all(conjuncts(w).into_iter().filter(|e| !site.extra.contains(e)).collect()));
    let Some(twj) = twj_at_mut(&mut rest.from, &site.path) else { return false };
    let Some(join) = twj.joins.get(site.join) else { return false };
    let nullable_side = match site.side {
        Side::Joined => factor_aliases(&join.relation),
        Side::Before => std::iter::once(&twj.relation)
            .chain(twj.joins[..site.join].iter().map(|j| &j.relation))
            .flat_map(factor_aliases)
            .collect(),
    };
    if let (Read::Key, [Expr::CompoundIdentifier(parts)]) = (what, reads) {
        if parts.len() == 2 && nullable_side.contains(&parts[0].value) {
            return true;
        }
    }
    // The EXISTS would leave out no conjunct (USING and NATURAL compare
    // columns of both sides: those of an inner NULL-extended alias, maybe).
    let whole = match join_constraint(&join.join_operator) {
        Some(JoinConstraint::On(on)) => {
            !conjuncts(on.clone()).iter().any(|e| site.inner_nullable.iter().any(|a| references(e, a, None)))
        }
        Some(JoinConstraint::Using(_) | JoinConstraint::Natural) => site.inner_nullable.is_empty(),
        _ => false,
    };
    if !whole {
        return false;
    }
    let mut nullable = nullable_side;
    let mut above = match site.side {
        Side::Joined => {
            twj.joins.remove(site.join);
            site.join
        }
        Side::Before => {
            let preserved: Vec<_> = twj.joins.drain(..=site.join).collect();
            if let Some(last) = preserved.into_iter().last() {
                twj.relation = last.relation;
            }
            0
        }
    };
    // The joins above the site, innermost level first.
    for depth in (1..=site.path.len()).rev() {
        let Some(twj) = twj_at_mut(&mut rest.from, &site.path[..depth]) else { return false };
        for join in twj.joins.iter_mut().skip(above) {
            if let JoinOperator::Left(JoinConstraint::On(on)) | JoinOperator::LeftOuter(JoinConstraint::On(on)) =
                &mut join.join_operator
            {
                if nullable.iter().any(|a| references(on, a, None)) {
                    *on = expr("true");
                    nullable.extend(factor_aliases(&join.relation));
                }
            }
        }
        above = site.path.get(depth - 1).copied().unwrap_or(0);
    }
    let text = rest.to_string();
    if text.contains(" USING") || text.contains("NATURAL ") {
        return false;
    }
    struct Mentions<'a>(&'a [String]);
    impl Visitor for Mentions<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::CompoundIdentifier(parts) if parts.len() >= 2 && !self.0.contains(&parts[parts.len() - 2].value) => {
                    ControlFlow::Continue(())
                }
                Expr::CompoundIdentifier(_) | Expr::Identifier(_) | Expr::QualifiedWildcard(..) | Expr::Wildcard(_) => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
    }
    !rest.visit(&mut Mentions(&nullable)).is_break()
}

/// The aliases a FROM item defines (every one inside a nested join).
pub(crate) fn factor_aliases(factor: &TableFactor) -> Vec<String> {
    match factor {
        TableFactor::NestedJoin { table_with_joins, .. } => {
            let mut out = factor_aliases(&table_with_joins.relation);
            for join in &table_with_joins.joins {
                out.extend(factor_aliases(&join.relation));
            }
            out
        }
        TableFactor::Table { alias: Some(alias), .. } | TableFactor::Derived { alias: Some(alias), .. } => {
            vec![alias.name.value.clone()]
        }
        TableFactor::Table { name, .. } => name.0.last().and_then(|p| p.as_ident()).map(|i| vec![i.value.clone()]).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn twj_at<'a>(from: &'a [TableWithJoins], path: &[usize]) -> Option<&'a TableWithJoins> {
    let (first, rest) = path.split_first()?;
    let mut twj = from.get(*first)?;
    for &pos in rest {
        let factor = if pos == 0 { &twj.relation } else { &twj.joins.get(pos - 1)?.relation };
        match factor {
            TableFactor::NestedJoin { table_with_joins, .. } => twj = table_with_joins,
            _ => return None,
        }
    }
    Some(twj)
}

fn twj_at_mut<'a>(from: &'a mut [TableWithJoins], path: &[usize]) -> Option<&'a mut TableWithJoins> {
    let (first, rest) = path.split_first()?;
    let mut twj = from.get_mut(*first)?;
    for &pos in rest {
        let factor = if pos == 0 { &mut twj.relation } else { &mut twj.joins.get_mut(pos - 1)?.relation };
        match factor {
            TableFactor::NestedJoin { table_with_joins, .. } => twj = table_with_joins,
            _ => return None,
        }
    }
    Some(twj)
}

/// Make the delta read the written relation again (same alias): the
/// NULL-extended side is there for its columns' names and types only.
fn restore<T: VisitMut>(node: &mut T, relation: &RelationName) {
    struct Restore<'a>(&'a RelationName);
    impl VisitorMut for Restore<'_> {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { name, .. } = factor {
                if is_delta_name(name) {
                    *name = ObjectName::from(vec![ident(&self.0.schema), ident(&self.0.name)]);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Restore(relation));
}

fn ident(name: &str) -> Ident {
    if crate::quote_ident(name) == name {
        Ident::new(name)
    } else {
        Ident::with_quote('"', name)
    }
}

/// `SELECT 1 FROM from WHERE selection`.
fn select_one(from: TableWithJoins, selection: Option<Expr>) -> Result<Query, PlanError> {
    let mut query = crate::parse::parse_view("SELECT 1")?;
    let SetExpr::Select(select) = query.body.as_mut() else { return Err(lost()) };
    select.from = vec![from];
    select.selection = selection;
    Ok(query)
}

fn lost() -> PlanError {
    PlanError::new(
        crate::ErrorKind::Unsupported,
        "internal planner error: lost track of an outer join of the written relation",
    )
}

/// Refuse a key computed only from columns an outer join of `block` can
/// NULL-extend (through a derived table's column too): every preserved row
/// without a match would have a NULL key, or all the same one.
pub(crate) fn check_key_side(block: &Select, key: &Expr) -> Result<(), PlanError> {
    if key_from_nullable_only(block, key, 0) {
        return Err(PlanError::unsupported(
            "a key computed only from the nullable side of an outer join (LEFT, RIGHT or FULL)",
        )
        .with_hint(
            "Rows without a match would all have a NULL (or the same) key; include a column of the \
             preserved side, e.g. a.id || ':' || coalesce(b.id::text, '-').",
        ));
    }
    Ok(())
}

fn key_from_nullable_only(block: &Select, key: &Expr, depth: usize) -> bool {
    let quals = crate::ast_util::qualifiers(key);
    if quals.is_empty() || depth > 16 {
        return false;
    }
    let patterns: Vec<Vec<String>> = block.from.iter().flat_map(null_patterns).collect();
    if !crate::witness::has_unqualified_column(key)
        && patterns.iter().any(|nulls| quals.iter().all(|q| nulls.contains(q)))
    {
        return true;
    }
    // `d.k` of a derived table: what the table computes as `k`.
    let Expr::CompoundIdentifier(parts) = key else { return false };
    let [alias, column] = parts.as_slice() else { return false };
    let Some(query) = block.from.iter().find_map(|twj| derived_named(twj, &alias.value)) else { return false };
    crate::parse::branches(&query.body).into_iter().any(|branch| {
        let Some(inner) = crate::witness::as_select(branch) else { return false };
        let position = inner.projection.iter().position(|item| crate::witness::output_name(item).as_deref() == Some(&column.value));
        match position.and_then(|p| inner.projection.get(p)) {
            Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) => {
                key_from_nullable_only(inner, e, depth + 1)
            }
            _ => false,
        }
    })
}

/// The sets of aliases of `twj` that are NULL together in a row one of
/// its outer joins NULL-extends: the side it extends, and what a LEFT JOIN
/// joins on a condition testing them (no match then, as a rule).
fn null_patterns(twj: &TableWithJoins) -> Vec<Vec<String>> {
    let nested = |factor: &TableFactor| match factor {
        TableFactor::NestedJoin { table_with_joins, .. } => null_patterns(table_with_joins),
        _ => Vec::new(),
    };
    let mut out = nested(&twj.relation);
    let mut before = factor_aliases(&twj.relation);
    for join in &twj.joins {
        let joined = factor_aliases(&join.relation);
        out.extend(nested(&join.relation));
        match join.join_operator {
            JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => out.push(joined.clone()),
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) => out.push(before.clone()),
            JoinOperator::FullOuter(_) => {
                out.push(before.clone());
                out.push(joined.clone());
            }
            _ => {}
        }
        before.extend(joined);
    }
    for nulls in &mut out {
        for join in &twj.joins {
            if let JoinOperator::Left(JoinConstraint::On(on)) | JoinOperator::LeftOuter(JoinConstraint::On(on)) =
                &join.join_operator
            {
                if nulls.iter().any(|a| references(on, a, None)) {
                    nulls.extend(factor_aliases(&join.relation));
                }
            }
        }
    }
    out
}

/// The subquery of the derived table aliased `alias` (without a column
/// list) in this FROM item.
fn derived_named<'a>(twj: &'a TableWithJoins, alias: &str) -> Option<&'a Query> {
    std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)).find_map(|factor| match factor {
        TableFactor::Derived { subquery, alias: Some(a), .. } if a.name.value == alias && a.columns.is_empty() => {
            Some(subquery.as_ref())
        }
        TableFactor::NestedJoin { table_with_joins, .. } => derived_named(table_with_joins, alias),
        _ => None,
    })
}
