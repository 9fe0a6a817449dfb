//! Stage 3: from a query whose one occurrence reads the delta relation to
//! the key query of that occurrence.
//!
//! The idea, block by block: a *witness* of a SELECT block is the same
//! block restricted to the rows whose output may change because the delta
//! rows changed.
//! - delta read directly in the FROM clause: the block over the delta
//!   instead of the relation; joins that could null-extend the delta
//!   become inner joins (a delta row must produce a row to be seen), and
//!   conditions above such a join that test its nullable side are dropped
//!   (in the view those columns may have been NULL where the witness has
//!   the delta's values: `LEFT JOIN c ... WHERE c.id IS NULL`);
//! - delta inside a derived table: that table replaced by its own witness
//!   (which still produces its columns); columns that are aggregates, or
//!   that come from a LIMITed or delta-reading expression, are not
//!   trustworthy there, so conditions on them are dropped;
//! - delta inside a subquery expression (select list, WHERE, ON, HAVING):
//!   the conjunct holding it is dropped and `EXISTS (witness of the
//!   subquery)` added, which keeps the subquery's correlation to the row.
//!   Every rewrite only widens the row set, so keys are over-approximated,
//!   never missed.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, GroupByExpr, Join, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr,
    TableFactor, TableWithJoins, Visit, Visitor,
};

use crate::ast_util::{
    and_all, block_functions, conjuncts, exists, expr, has_delta, is_delta_name, qualifiers,
    references,
};
use crate::null_extend::{self, factor_aliases, Read, Side, Site};
use crate::parse::branches;
use crate::{ErrorKind, PlanError, RelationName, DELTA_RELATION};

/// Columns of a derived table whose witness values cannot be trusted.
struct Untrusted {
    alias: String,
    columns: Vec<String>,
    /// Only NULL-extended in the view (see `Witness::nullable`): their values
    /// in the witness are right, so they may be the key.
    key_ok: bool,
}

struct Witness {
    select: Select,
    untrusted: Vec<Untrusted>,
    /// Aliases that were on the nullable side of an outer join the delta's
    /// path made inner: in the view their columns may have been NULL-extended
    /// where the witness has the delta's values, so no condition above that
    /// join may test them.
    nullable: Vec<String>,
    /// The outer joins on the delta's path that NULL-extend its side (see
    /// `null_extend`).
    sites: Vec<Site>,
}

impl Witness {
    /// The witness select and its NULL-extended variants (see `null_extend`).
    fn selects(&self, block: &Select, relation: &RelationName, reads: &[Expr], what: Read) -> Result<Vec<Select>, PlanError> {
        let mut out = vec![self.select.clone()];
        out.extend(null_extend::variants(&self.select, block, &self.sites, relation, reads, what)?);
        Ok(out)
    }
}

/// Position of `key` among the output columns of the query.
pub(crate) fn key_position(query: &Query, key: &str) -> Result<usize, PlanError> {
    let first = branches(&query.body)
        .into_iter()
        .next()
        .and_then(as_select)
        .ok_or_else(|| PlanError::unsupported("a defining query that is not a SELECT"))?;
    first
        .projection
        .iter()
        .position(|item| output_name(item).as_deref() == Some(key))
        .ok_or_else(|| {
            PlanError::new(
                ErrorKind::KeyColumn,
                format!("the defining query has no output column named {key}"),
            )
        })
}

/// The key query of the occurrence that reads the delta relation (in
/// place of `relation`), as branches whose union it is.
pub(crate) fn key_query(query: &Query, key_position: usize, relation: &RelationName) -> Result<Vec<Query>, PlanError> {
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return Err(PlanError::unsupported("LIMIT, OFFSET or FETCH in the defining query")
            .with_hint("Every row of a TVIEW must be computable on its own."));
    }
    let block = delta_branch(&query.body)?;
    let key = projection_expr(block, key_position)?;
    check_top_block(block, &key)?;
    null_extend::check_key_side(block, &key)?;
    let witness = witness_select(block, relation)?;
    for u in witness.untrusted.iter().filter(|u| !u.key_ok) {
        if references(&key, &u.alias, Some(&u.columns)) {
            return Err(PlanError::unsupported(
                "a key column computed by an aggregate, a LIMIT or a subquery inside a derived table",
            ));
        }
    }
    let mut selects = witness.selects(block, relation, std::slice::from_ref(&key), Read::Key)?;
    if let Some(alias) = direct_delta_alias(&selects[0].from) {
        if !key_is_from_other_than(&key, &alias) {
            // The key is a column of the written relation itself: the delta
            // rows carry it, no join needed.
            selects[0] = select_from_delta_only(block, &alias);
        }
    }
    Ok(selects
        .into_iter()
        .map(|mut select| {
            clear_block(&mut select);
            select.projection = vec![SelectItem::UnnamedExpr(key.clone())];
            query_of(query, vec![select])
        })
        .collect())
}

fn check_top_block(block: &Select, key: &Expr) -> Result<(), PlanError> {
    let functions = block_functions(block);
    if functions.window {
        return Err(PlanError::unsupported("a window function in the top-level SELECT")
            .with_hint("A change to one row would change other rows' window values; compute it in a subquery per key instead."));
    }
    if has_delta(key) {
        return Err(PlanError::unsupported("a key column computed by a subquery"));
    }
    if matches!(block.distinct, Some(sqlparser::ast::Distinct::On(_))) {
        return Err(PlanError::unsupported("DISTINCT ON in the top-level SELECT"));
    }
    let groups = group_exprs(block);
    if groups.is_empty() {
        if functions.aggregate || block.having.is_some() {
            return Err(PlanError::unsupported(
                "an aggregate over the whole query without GROUP BY of the key column",
            ));
        }
    } else if !groups.iter().any(|g| g.to_string() == key.to_string()) {
        return Err(PlanError::unsupported("GROUP BY that does not include the key column")
            .with_hint("Group by the key column so that each key is one group."));
    }
    Ok(())
}

/// The witness of one SELECT block; its projection is left as it was.
fn witness_select(block: &Select, relation: &RelationName) -> Result<Witness, PlanError> {
    let mut select = block.clone();
    let mut untrusted = Vec::new();
    let mut extra = Vec::new();
    let mut where_conjuncts = select.selection.take().map(conjuncts).unwrap_or_default();
    let mut nullable = Vec::new();
    let mut sites = Vec::new();

    if select.from.iter().any(twj_factor_has_delta) {
        for (i, twj) in select.from.iter_mut().enumerate() {
            if twj_factor_has_delta(twj) {
                nullable.extend(fix_join_path(twj, &mut untrusted, &[i], &mut sites, relation)?);
            }
        }
        where_conjuncts.retain(|e| !nullable.iter().any(|alias| references(e, alias, None)));
    } else {
        let mut moved = Vec::new();
        let mut from_on = Vec::new();
        for (i, twj) in select.from.iter_mut().enumerate() {
            take_on_delta(twj, &[i], &mut from_on);
        }
        // A condition of an outer join that changes decides which preserved
        // rows have a match: each side it NULL-extends is a site whose
        // EXISTS also requires the condition's witness.
        for (path, join, op, taken) in from_on {
            let witnesses = taken.iter().map(|e| witness_expr(e, relation)).collect::<Result<Vec<_>, _>>()?;
            let sides: &[Side] = match op {
                JoinOperator::Left(_) | JoinOperator::LeftOuter(_) => &[Side::Joined],
                JoinOperator::Right(_) | JoinOperator::RightOuter(_) => &[Side::Before],
                JoinOperator::FullOuter(_) => &[Side::Joined, Side::Before],
                _ => &[],
            };
            for &side in sides {
                sites.push(Site { path: path.clone(), join, side, inner_nullable: vec![], extra: witnesses.clone() });
            }
            extra.extend(witnesses);
        }
        let (with_delta, without): (Vec<Expr>, Vec<Expr>) =
            where_conjuncts.into_iter().partition(has_delta);
        where_conjuncts = without;
        moved.extend(with_delta);
        for item in &block.projection {
            if let Some(e) = item_expr(item) {
                if has_delta(e) {
                    moved.push(e.clone());
                }
            }
        }
        moved.extend(block.having.iter().filter(|e| has_delta(*e)).cloned());
        moved.extend(group_exprs(block).into_iter().filter(has_delta));
        for e in moved {
            extra.push(witness_expr(&e, relation)?);
        }
    }

    for u in &untrusted {
        let refers = |e: &Expr| references(e, &u.alias, Some(&u.columns));
        where_conjuncts.retain(|e| !refers(e));
        let mut dropped = Vec::new();
        for twj in select.from.iter_mut() {
            take_on_conjuncts(twj, &mut dropped, &refers);
        }
    }
    where_conjuncts.extend(extra);
    select.selection = and_all(where_conjuncts);
    Ok(Witness { select, untrusted, nullable, sites })
}

/// The delta is read through this FROM item (not only inside an ON).
fn twj_factor_has_delta(twj: &TableWithJoins) -> bool {
    factor_has_delta(&twj.relation) || twj.joins.iter().any(|j| factor_has_delta(&j.relation))
}

fn factor_has_delta(factor: &TableFactor) -> bool {
    match factor {
        // `f((SELECT ...))` in FROM is a Table with arguments.
        TableFactor::Table { name, args, .. } => is_delta_name(name) || args.as_ref().is_some_and(has_delta),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => twj_factor_has_delta(table_with_joins),
        other => has_delta(other),
    }
}

/// Make the joins between the delta and the block's result keep every
/// delta row, and replace a derived table on the way by its witness.
/// Returns the aliases that were on the nullable side of an outer join made
/// inner (see `Witness::nullable`); conditions of the joins above it that
/// test them are dropped here, the caller drops its WHERE's.  Every outer
/// join that NULL-extends the delta's side is added to `sites`; `path`
/// locates `twj` (see `Site::path`).
fn fix_join_path(
    twj: &mut TableWithJoins,
    untrusted: &mut Vec<Untrusted>,
    path: &[usize],
    sites: &mut Vec<Site>,
    relation: &RelationName,
) -> Result<Vec<String>, PlanError> {
    let inside = |pos: usize| [path, &[pos]].concat();
    // (aliases, index of the first join above the join that null-extended them)
    let mut groups: Vec<(Vec<String>, usize)> = Vec::new();
    let from = if factor_has_delta(&twj.relation) {
        groups.push((fix_factor(&mut twj.relation, untrusted, &inside(0), sites, relation)?, 0));
        0
    } else {
        let Some(j) = twj.joins.iter().position(|j| factor_has_delta(&j.relation)) else {
            return Ok(Vec::new());
        };
        let inner_nullable = fix_factor(&mut twj.joins[j].relation, untrusted, &inside(j + 1), sites, relation)?;
        groups.push((inner_nullable.clone(), j + 1));
        if matches!(
            twj.joins[j].join_operator,
            JoinOperator::Left(_) | JoinOperator::LeftOuter(_) | JoinOperator::FullOuter(_)
        ) {
            sites.push(Site { path: path.to_vec(), join: j, side: Side::Joined, inner_nullable, extra: vec![] });
            groups.push((factor_aliases(&twj.joins[j].relation), j + 1));
        }
        let op = &mut twj.joins[j].join_operator;
        *op = match std::mem::replace(op, JoinOperator::CrossApply) {
            JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => JoinOperator::Join(c),
            JoinOperator::FullOuter(c) => JoinOperator::Right(c),
            other => other,
        };
        j + 1
    };
    for k in from..twj.joins.len() {
        if matches!(
            twj.joins[k].join_operator,
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
        ) {
            // Everything joined before was the nullable side.
            let inner_nullable = groups.iter().flat_map(|(aliases, _)| aliases.iter().cloned()).collect();
            sites.push(Site { path: path.to_vec(), join: k, side: Side::Before, inner_nullable, extra: vec![] });
            let mut before = factor_aliases(&twj.relation);
            for join in &twj.joins[..k] {
                before.extend(factor_aliases(&join.relation));
            }
            groups.push((before, k + 1));
        }
        let op = &mut twj.joins[k].join_operator;
        *op = match std::mem::replace(op, JoinOperator::CrossApply) {
            JoinOperator::Right(c) | JoinOperator::RightOuter(c) => JoinOperator::Join(c),
            JoinOperator::FullOuter(c) => JoinOperator::Left(c),
            other => other,
        };
    }
    let mut nullable = Vec::new();
    for (aliases, above) in groups {
        // A LEFT JOIN above keeps its left rows whatever its condition says.
        for join in twj.joins.iter_mut().skip(above) {
            if matches!(join.join_operator, JoinOperator::Join(_) | JoinOperator::Inner(_)) {
                let mut dropped = Vec::new();
                take_join_conjuncts(join, &mut dropped, &|e| aliases.iter().any(|a| references(e, a, None)));
            }
        }
        nullable.extend(aliases);
    }
    Ok(nullable)
}

/// Returns the nullable aliases of a nested join (see `fix_join_path`).
fn fix_factor(
    factor: &mut TableFactor,
    untrusted: &mut Vec<Untrusted>,
    path: &[usize],
    sites: &mut Vec<Site>,
    relation: &RelationName,
) -> Result<Vec<String>, PlanError> {
    match factor {
        TableFactor::Table { name, .. } if is_delta_name(name) => Ok(Vec::new()),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => fix_join_path(table_with_joins, untrusted, path, sites, relation),
        TableFactor::Derived {
            lateral,
            subquery,
            alias,
        } => {
            let (replacement, bad_values, nullable) = derived_witness(subquery, *lateral, relation)?;
            for (positions, key_ok) in [(bad_values, false), (nullable, true)] {
                if positions.is_empty() {
                    continue;
                }
                let Some(alias) = alias else {
                    return Err(PlanError::unsupported("a derived table without an alias"));
                };
                let block = branches(&replacement.body).into_iter().next().and_then(as_select).ok_or_else(internal)?;
                let columns = positions
                    .into_iter()
                    .filter_map(|pos| match alias.columns.get(pos) {
                        Some(c) => Some(c.name.value.clone()),
                        None => block.projection.get(pos).and_then(output_name),
                    })
                    .collect();
                untrusted.push(Untrusted {
                    alias: alias.name.value.clone(),
                    columns,
                    key_ok,
                });
            }
            **subquery = replacement;
            Ok(Vec::new())
        }
        _ => Err(PlanError::unsupported(
            "a table function or other FROM item that reads a table",
        )),
    }
}

/// The witness of a derived table (still producing its columns), the
/// positions of the columns whose values in it cannot be trusted, and of
/// those that were only NULL-extended (right values, but no condition may
/// test them).
fn derived_witness(query: &Query, lateral: bool, relation: &RelationName) -> Result<(Query, Vec<usize>, Vec<usize>), PlanError> {
    let limited = is_limited(query);
    // A derived table that refers to an outer query's rows (possible
    // without LATERAL when it is nested in a subquery) is evaluated per
    // outer row, exactly like a LATERAL one.
    let per_outer_row = lateral || refers_outside(query);
    if limited && !per_outer_row {
        return Err(PlanError::unsupported(
            "LIMIT, OFFSET or DISTINCT ON in a derived table or CTE that is not LATERAL",
        )
        .with_hint(
            "Rows pushed out of the limit would not be seen; correlate the subquery with its \
             outer row (LATERAL, or a subquery in the select list).",
        ));
    }
    let block = delta_branch(&query.body)?;
    let functions = block_functions(block);
    if functions.window {
        return Err(PlanError::unsupported("a window function in a derived table or CTE"));
    }
    let groups: Vec<String> = group_exprs(block).iter().map(|g| g.to_string()).collect();
    let plain_distinct = matches!(block.distinct, Some(sqlparser::ast::Distinct::Distinct));
    let row_preserving = !functions.aggregate && groups.is_empty() && !limited;
    let inner = witness_select(block, relation)?;
    let (mut bad, mut nullable) = (Vec::new(), Vec::new());
    for (pos, item) in block.projection.iter().enumerate() {
        let Some(e) = item_expr(item) else {
            return Err(PlanError::unsupported("* in a derived table"));
        };
        let from_untrusted = inner.untrusted.iter().any(|u| !u.key_ok && references(e, &u.alias, Some(&u.columns)));
        let trusted = !has_delta(e)
            && !from_untrusted
            && (row_preserving
                || (plain_distinct && !functions.aggregate && !limited)
                || groups.contains(&e.to_string()));
        if !trusted {
            bad.push(pos);
        } else if inner.nullable.iter().any(|alias| references(e, alias, None))
            || inner.untrusted.iter().any(|u| u.key_ok && references(e, &u.alias, Some(&u.columns)))
        {
            nullable.push(pos);
        }
    }
    let reads: Vec<Expr> = block
        .projection
        .iter()
        .enumerate()
        .filter(|(pos, _)| !bad.contains(pos))
        .filter_map(|(_, item)| item_expr(item).cloned())
        .collect();
    let mut selects = inner.selects(block, relation, &reads, Read::Rows)?;
    for witness in &mut selects {
        witness.having = None;
        witness.sort_by.clear();
        null_untrusted(witness, block, &bad);
    }
    Ok((query_of(query, selects), bad, nullable))
}

/// No condition keeps an untrusted column, so its value is not needed:
/// NULL.  Kept, it could be invalid over the delta (a column grouped
/// through the primary key's functional dependency, which the delta
/// lacks), or read the delta a second time (a subquery over it, which for
/// an UPDATE sees the old and the new row at once).
fn null_untrusted(witness: &mut Select, block: &Select, bad: &[usize]) {
    for &pos in bad {
        let name = output_name(&block.projection[pos]);
        if let Some(slot) = witness.projection.get_mut(pos) {
            // Keep the column's name for the outer query.
            *slot = match name {
                Some(name) if crate::quote_ident(&name) == name => {
                    SelectItem::ExprWithAlias { expr: expr("NULL"), alias: sqlparser::ast::Ident::new(name) }
                }
                Some(name) => SelectItem::ExprWithAlias {
                    expr: expr("NULL"),
                    alias: sqlparser::ast::Ident::with_quote('"', name),
                },
                None => SelectItem::UnnamedExpr(expr("NULL")),
            };
        }
    }
}

/// Does the query keep only some rows of its result (LIMIT, OFFSET,
/// FETCH, DISTINCT ON)?  A row that changed can then push out, or let in,
/// a row that did not.
fn is_limited(query: &Query) -> bool {
    let distinct_on = delta_branch(&query.body)
        .or_else(|_| as_select(&query.body).ok_or_else(internal))
        .is_ok_and(|block| matches!(block.distinct, Some(sqlparser::ast::Distinct::On(_))));
    query.limit_clause.is_some() || query.fetch.is_some() || distinct_on
}

/// Does `query` use a table qualifier it does not define itself?
fn refers_outside(query: &Query) -> bool {
    struct Names {
        defined: Vec<String>,
    }
    impl Visitor for Names {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            let alias = match factor {
                TableFactor::Table { name, alias, .. } => alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .or_else(|| name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone())),
                TableFactor::Derived { alias, .. }
                | TableFactor::Function { alias, .. }
                | TableFactor::NestedJoin { alias, .. } => alias.as_ref().map(|a| a.name.value.clone()),
                _ => None,
            };
            self.defined.extend(alias);
            ControlFlow::Continue(())
        }
    }
    let mut names = Names { defined: vec![] };
    let _ = query.visit(&mut names);
    let mut used = Vec::new();
    let _ = sqlparser::ast::visit_expressions(query, |e| {
        used.extend(qualifiers(e));
        ControlFlow::<()>::Continue(())
    });
    used.iter().any(|q| !names.defined.contains(q))
}

/// `EXISTS (witness of the outermost subquery of expr that reads the delta)`.
fn witness_expr(e: &Expr, relation: &RelationName) -> Result<Expr, PlanError> {
    let (subquery, link) = outermost_delta_query(e).ok_or_else(internal)?;
    let block = delta_branch(&subquery.body)?;
    // Only which outer rows a row correlates with matters, and the IN link.
    let reads: Vec<Expr> = match (&link, block.projection.as_slice()) {
        (Some(_), [item]) => item_expr(item).cloned().into_iter().collect(),
        _ => Vec::new(),
    };
    let mut selects = witness_select(block, relation)?.selects(block, relation, &reads, Read::Rows)?;
    let functions = block_functions(block);
    // Linking by value is only sound when the subquery keeps every row: a
    // changed row can push another, unchanged value out of a LIMIT.
    let link = link.filter(|_| !is_limited(&subquery));
    for select in &mut selects {
        if let (Some(outer_value), [item]) = (&link, block.projection.as_slice()) {
            let plain_column = matches!(
                item_expr(item),
                Some(Expr::Identifier(_) | Expr::CompoundIdentifier(_))
            );
            if plain_column && group_exprs(block).is_empty() && !functions.aggregate {
                let inner = item_expr(item).ok_or_else(internal)?;
                // NULLs change IN's answer for every outer row, so they stay in.
                let link = expr(&format!(
                    "({inner} IS NULL OR {outer_value} IS NULL OR {inner} = {outer_value})"
                ));
                select.selection = and_all(select.selection.take().into_iter().chain([link]).collect());
            }
        }
        clear_block(select);
        select.projection = vec![SelectItem::UnnamedExpr(expr("1"))];
    }
    Ok(exists(query_of(&subquery, selects)))
}

/// The outermost query inside `e` that reads the delta, and when it is the
/// right side of `x IN (...)`, the `x`.
fn outermost_delta_query(e: &Expr) -> Option<(Query, Option<Expr>)> {
    struct Find {
        found: Option<(Query, Option<Expr>)>,
    }
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::InSubquery { expr, subquery, .. } = e {
                if has_delta(subquery.as_ref()) && !has_delta(expr.as_ref()) {
                    self.found = Some(((**subquery).clone(), Some((**expr).clone())));
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            if has_delta(q) {
                self.found = Some((q.clone(), None));
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find { found: None };
    let _ = e.visit(&mut find);
    find.found
}

/// Remove from every ON condition of this FROM item the conjuncts `pick`
/// selects, appending them to `taken`.
fn take_on_conjuncts(twj: &mut TableWithJoins, taken: &mut Vec<Expr>, pick: &dyn Fn(&Expr) -> bool) {
    if let TableFactor::NestedJoin {
        table_with_joins, ..
    } = &mut twj.relation
    {
        take_on_conjuncts(table_with_joins, taken, pick);
    }
    for join in &mut twj.joins {
        if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = &mut join.relation
        {
            take_on_conjuncts(table_with_joins, taken, pick);
        }
        take_join_conjuncts(join, taken, pick);
    }
}

/// Take the conjuncts that read the delta out of every ON condition of this
/// FROM item, with where they were: (path of the `TableWithJoins`, see
/// `Site::path`; join index; the join's operator; the conjuncts).
fn take_on_delta(twj: &mut TableWithJoins, path: &[usize], out: &mut Vec<(Vec<usize>, usize, JoinOperator, Vec<Expr>)>) {
    if let TableFactor::NestedJoin { table_with_joins, .. } = &mut twj.relation {
        take_on_delta(table_with_joins, &[path, &[0]].concat(), out);
    }
    for (j, join) in twj.joins.iter_mut().enumerate() {
        if let TableFactor::NestedJoin { table_with_joins, .. } = &mut join.relation {
            take_on_delta(table_with_joins, &[path, &[j + 1]].concat(), out);
        }
        let mut taken = Vec::new();
        take_join_conjuncts(join, &mut taken, &|e| has_delta(e));
        if !taken.is_empty() {
            out.push((path.to_vec(), j, join.join_operator.clone(), taken));
        }
    }
}

fn take_join_conjuncts(join: &mut Join, taken: &mut Vec<Expr>, pick: &dyn Fn(&Expr) -> bool) {
    let constraint = match &mut join.join_operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => c,
        _ => return,
    };
    if let JoinConstraint::On(on) = constraint {
        let (picked, kept): (Vec<Expr>, Vec<Expr>) =
            conjuncts(on.clone()).into_iter().partition(|e| pick(e));
        if !picked.is_empty() {
            taken.extend(picked);
            *on = and_all(kept).unwrap_or_else(|| expr("true"));
        }
    }
}

/// The branch of a set operation that reads the delta, as a SELECT block.
fn delta_branch(body: &SetExpr) -> Result<&Select, PlanError> {
    let branch = branches(body)
        .into_iter()
        .find(|b| has_delta(*b))
        .ok_or_else(internal)?;
    as_select(branch).ok_or_else(|| PlanError::unsupported(format!("the query part {branch}")))
}

pub(crate) fn as_select(body: &SetExpr) -> Option<&Select> {
    match body {
        SetExpr::Select(s) => Some(s),
        SetExpr::Query(q) => as_select(&q.body),
        _ => None,
    }
}

fn projection_expr(block: &Select, position: usize) -> Result<Expr, PlanError> {
    block
        .projection
        .get(position)
        .and_then(item_expr)
        .cloned()
        .ok_or_else(|| {
            PlanError::new(
                ErrorKind::KeyColumn,
                "a branch of the defining query has no key column at the key's position",
            )
        })
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

pub(crate) fn output_name(item: &SelectItem) -> Option<String> {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => Some(alias.value.clone()),
        SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(i.value.clone()),
        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
            parts.last().map(|p| p.value.clone())
        }
        _ => None,
    }
}

fn group_exprs(block: &Select) -> Vec<Expr> {
    match &block.group_by {
        GroupByExpr::Expressions(exprs, _) => exprs.clone(),
        GroupByExpr::All(_) => vec![],
    }
}

/// Alias of the delta when the block reads it directly in its FROM.
fn direct_delta_alias(from: &[TableWithJoins]) -> Option<String> {
    fn in_factor(f: &TableFactor) -> Option<String> {
        match f {
            TableFactor::Table { name, alias, .. } if is_delta_name(name) => {
                alias.as_ref().map(|a| a.name.value.clone())
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => in_twj(table_with_joins),
            _ => None,
        }
    }
    fn in_twj(t: &TableWithJoins) -> Option<String> {
        in_factor(&t.relation).or_else(|| t.joins.iter().find_map(|j| in_factor(&j.relation)))
    }
    from.iter().find_map(in_twj)
}

/// Does `key` use a qualifier other than `alias` (or none we can place)?
fn key_is_from_other_than(key: &Expr, alias: &str) -> bool {
    let quals = qualifiers(key);
    quals.is_empty() || quals.iter().any(|q| q != alias) || has_unqualified_column(key)
}

pub(crate) fn has_unqualified_column(e: &Expr) -> bool {
    struct Find;
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if matches!(e, Expr::Identifier(_)) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }
    e.visit(&mut Find).is_break()
}

/// `SELECT ... FROM pg_tviews_delta AS alias` in the shape of `block`.
fn select_from_delta_only(block: &Select, alias: &str) -> Select {
    let mut select = block.clone();
    let from_sql = format!("SELECT 1 FROM {DELTA_RELATION} AS {}", quote(alias));
    let parsed = crate::parse::parse_view(&from_sql).ok();
    select.from = parsed
        .as_ref()
        .and_then(|q| as_select(&q.body))
        .map(|s| s.from.clone())
        .unwrap_or_default();
    select.selection = None;
    select
}

fn quote(alias: &str) -> String {
    format!("\"{}\"", alias.replace('"', "\"\""))
}

/// Drop what a key or EXISTS query does not need: grouping, ordering.
fn clear_block(select: &mut Select) {
    select.distinct = None;
    select.group_by = GroupByExpr::Expressions(vec![], vec![]);
    select.having = None;
    select.sort_by.clear();
    select.named_window.clear();
    select.qualify = None;
}

/// `query` with its body replaced by the UNION ALL of `selects` and no
/// ordering or limit.
fn query_of(query: &Query, selects: Vec<Select>) -> Query {
    let mut q = query.clone();
    q.with = None;
    // Never empty: every witness has its plain select first.
    if let Some(body) = selects.into_iter().map(|s| SetExpr::Select(Box::new(s))).reduce(|left, right| {
        SetExpr::SetOperation {
            op: sqlparser::ast::SetOperator::Union,
            set_quantifier: sqlparser::ast::SetQuantifier::All,
            left: Box::new(left),
            right: Box::new(right),
        }
    }) {
        q.body = Box::new(body);
    }
    q.order_by = None;
    q.limit_clause = None;
    q.fetch = None;
    q
}

fn internal() -> PlanError {
    PlanError::new(
        ErrorKind::Unsupported,
        "internal planner error: lost track of the written relation",
    )
}
