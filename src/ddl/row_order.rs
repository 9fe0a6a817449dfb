//! Refuses a definition whose values depend on the order rows are read in.
//!
//! Maintenance recomputes a document with the view restricted to its key,
//! under another plan than the whole view, another `work_mem` or another
//! join order: where the result depends on the order the rows arrive in,
//! the TVIEW would hold one valid answer and the view compute another
//! (pg_tviews_verify: 'different'), and a write to one child would reorder
//! the siblings in its parent's document.  The constructs:
//!
//! - an aggregate whose result depends on its input order: `array_agg`,
//!   `string_agg`, `json[b]_agg`, `json[b]_object_agg`, `xmlagg`, a
//!   floating-point `sum` / `avg` / `stddev` / ... (float addition is not
//!   associative), and any aggregate not in `pg_catalog`;
//! - LIMIT / OFFSET and DISTINCT ON, which keep the rows that come first;
//! - `ARRAY(SELECT ...)`, whose elements come in the subquery's order.
//!
//! Each is accepted when its ORDER BY is total: no two rows it orders can
//! tie.  Proved on the view's stored query: for every relation of the FROM
//! clause the rows come from, the ORDER BY (with the columns fixed in each
//! group, by equalities with outer values, constants or fixed columns,
//! and every column of a relation whose key is fixed) covers a unique
//! key: a relation's non-partial unique index on NOT NULL columns (its
//! primary key), a derived table's or CTE's GROUP BY or DISTINCT columns,
//! or the keys of what it reads that it returns; a function's WITH
//! ORDINALITY column.  Window functions rank
//! rows against each other and are refused wherever they are (the planner
//! refuses them at the top level and in derived tables already).

use std::collections::{HashMap, HashSet};
use std::ffi::c_void;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::{PgList, PgSqlErrorCode};

use crate::error::raise_with;
use crate::ops::query::{rows, text};

/// A column of a relation of one query's FROM: (range-table index, attno).
type Column = (i32, i16);

struct Walk {
    /// The queries being walked, innermost last.
    queries: Vec<*mut pg_sys::Query>,
    /// Unique keys of relations, by oid (attnos).
    relation_keys: HashMap<pg_sys::Oid, Vec<Vec<i16>>>,
    /// Is the aggregate (by oid) order-sensitive? And its name.
    aggregates: HashMap<pg_sys::Oid, (bool, String)>,
    /// Queries whose row order is their value: `ARRAY(SELECT ...)`.
    ordered: HashSet<*mut pg_sys::Query>,
    problem: Option<String>,
}

/// Refuse TVIEW `entity` if a value of its view `view` depends on the
/// order rows are read in.
pub fn check(entity: &str, view: pg_sys::Oid) {
    // SAFETY: as in `whole_row::check`: the view's query is read, not
    // changed, while the relation is open.
    let problem = unsafe {
        let rel = pg_sys::relation_open(view, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let query = pg_sys::get_view_query(rel);
        let mut walk = Walk {
            queries: Vec::new(),
            relation_keys: HashMap::new(),
            aggregates: HashMap::new(),
            ordered: HashSet::new(),
            problem: None,
        };
        walker(query.cast(), (&mut walk as *mut Walk).cast());
        pg_sys::relation_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        walk.problem
    };
    let Some(problem) = problem else { return };
    raise_with(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("cannot create TVIEW {entity}: {problem}"),
        Some(
            "Maintenance recomputes rows under other plans than the whole view: a value that depends on \
             the order rows are read in would differ between the TVIEW and its view."
                .into(),
        ),
        Some(
            "Order by a unique key of every table the rows come from, e.g. jsonb_agg(c.data ORDER BY \
             c.created_at, c.pk_comment); for a floating-point sum, sum(x::numeric) or an ORDER BY."
                .into(),
        ),
    );
}

#[pg_guard]
unsafe extern "C-unwind" fn walker(node: *mut pg_sys::Node, context: *mut c_void) -> bool {
    if node.is_null() {
        return false;
    }
    let walk = &mut *context.cast::<Walk>();
    match (*node).type_ {
        pg_sys::NodeTag::T_Query => {
            let query = node.cast::<pg_sys::Query>();
            walk.queries.push(query);
            if let Some(problem) = limited_problem(walk, query) {
                walk.problem = Some(problem);
                return true;
            }
            let stop = pg_sys::query_tree_walker(query, Some(walker), context, 0);
            walk.queries.pop();
            stop
        }
        pg_sys::NodeTag::T_Aggref => {
            let aggref = node.cast::<pg_sys::Aggref>();
            if let Some(problem) = aggregate_problem(walk, aggref) {
                walk.problem = Some(problem);
                return true;
            }
            pg_sys::expression_tree_walker(node, Some(walker), context)
        }
        pg_sys::NodeTag::T_SubLink => {
            let sublink = node.cast::<pg_sys::SubLink>();
            if (*sublink).subLinkType == pg_sys::SubLinkType::ARRAY_SUBLINK {
                walk.ordered.insert((*sublink).subselect.cast());
            }
            pg_sys::expression_tree_walker(node, Some(walker), context)
        }
        pg_sys::NodeTag::T_WindowFunc => {
            let name = proc_name((*node.cast::<pg_sys::WindowFunc>()).winfnoid);
            walk.problem = Some(format!("window function {name} ranks rows against the other rows read"));
            true
        }
        _ => pg_sys::expression_tree_walker(node, Some(walker), context),
    }
}

/// LIMIT / OFFSET / DISTINCT ON, or an `ARRAY(SELECT ...)`, without a
/// total ORDER BY.
unsafe fn limited_problem(walk: &mut Walk, query: *mut pg_sys::Query) -> Option<String> {
    let q = &*query;
    let construct = if q.hasDistinctOn {
        "DISTINCT ON"
    } else if !q.limitCount.is_null() || !q.limitOffset.is_null() {
        "LIMIT / OFFSET"
    } else if walk.ordered.contains(&query) {
        "ARRAY(SELECT ...)"
    } else {
        return None;
    };
    if !q.setOperations.is_null() {
        return Some(format!("{construct} over a set operation (UNION, ...) cannot be proved to keep the same rows"));
    }
    let sorted = sort_refs(q.sortClause);
    if (!q.groupClause.is_null() && q.groupingSets.is_null()) || (q.hasAggs && q.groupClause.is_null()) {
        // The rows are groups: the group columns are their key.
        let groups = sort_refs(q.groupClause);
        return (!groups.is_subset(&sorted))
            .then(|| format!("{construct} without an ORDER BY of every GROUP BY column"));
    }
    if !q.distinctClause.is_null() && !q.hasDistinctOn {
        // Distinct rows: total when every column is sorted on.
        return (!sort_refs(q.distinctClause).is_subset(&sorted))
            .then(|| format!("{construct} with DISTINCT needs an ORDER BY of every column it returns"));
    }
    let mut fixed: HashSet<Column> = columns_of_refs(q, q.targetList, &sorted);
    if q.hasDistinctOn {
        fixed.extend(columns_of_refs(q, q.targetList, &sort_refs(q.distinctClause)));
    }
    total(walk, query, fixed).err().map(|r| format!("{construct} without a total ORDER BY ({r})"))
}

/// An order-sensitive aggregate without a total ORDER BY.
unsafe fn aggregate_problem(walk: &mut Walk, aggref: *mut pg_sys::Aggref) -> Option<String> {
    let a = &*aggref;
    if a.aggkind != b'n' as std::ffi::c_char {
        return None; // ordered-set and hypothetical aggregates sort their input
    }
    let (sensitive, name) = aggregate(walk, a.aggfnoid);
    if !sensitive {
        return None;
    }
    if a.agglevelsup > 0 {
        return Some(format!("{name} aggregates the rows of an outer query inside a subquery"));
    }
    let query = *walk.queries.last()?;
    let ordered = sort_refs(a.aggorder);
    if ordered.is_empty() {
        return Some(format!("{name} without ORDER BY depends on the order rows are read in"));
    }
    if !a.aggdistinct.is_null() && every_argument_sorted(a.args, &ordered) {
        return None; // DISTINCT over the sorted values: no two inputs tie
    }
    let mut fixed = columns_of_refs(&*query, a.args, &ordered);
    if (*query).groupingSets.is_null() {
        fixed.extend(columns_of_refs(&*query, (*query).targetList, &sort_refs((*query).groupClause)));
    }
    total(walk, query, fixed).err().map(|r| format!("{name} without a total ORDER BY ({r})"))
}

/// Every argument of an aggregate is a constant or sorted on.
unsafe fn every_argument_sorted(args: *mut pg_sys::List, ordered: &HashSet<u32>) -> bool {
    PgList::<pg_sys::TargetEntry>::from_pg(args).iter_ptr().all(|te| {
        ordered.contains(&(*te).ressortgroupref) || (*((*te).expr.cast::<pg_sys::Node>())).type_ == pg_sys::NodeTag::T_Const
    })
}

/// Do the columns `fixed` (sorted on, or the same for every row
/// compared) cover a unique key of every relation the query's rows come
/// from?  Err names the first relation they do not.  A relation whose key
/// is covered has all its columns fixed, and equalities carry fixed
/// values to other columns (`equality_pairs`): repeated until nothing changes.
unsafe fn total(walk: &mut Walk, query: *mut pg_sys::Query, mut fixed: HashSet<Column>) -> Result<(), String> {
    let q = &*query;
    let pairs = equality_pairs(q);
    let leaves = leaves(q);
    let keys: Vec<Vec<Vec<i16>>> = leaves.iter().map(|leaf| leaf_keys(walk, query, *leaf)).collect();
    let mut whole: HashSet<i32> = HashSet::new();
    loop {
        let before = (fixed.len(), whole.len());
        let is_fixed = |c: &Column, fixed: &HashSet<Column>, whole: &HashSet<i32>| fixed.contains(c) || whole.contains(&c.0);
        for (a, b, both) in &pairs {
            match a {
                None => {
                    fixed.insert(*b);
                }
                Some(a) => {
                    if is_fixed(a, &fixed, &whole) {
                        fixed.insert(*b);
                    }
                    if *both && is_fixed(b, &fixed, &whole) {
                        fixed.insert(*a);
                    }
                }
            }
        }
        for (leaf, leaf_keys) in leaves.iter().zip(&keys) {
            if leaf_keys.iter().any(|key| key.iter().all(|attno| fixed.contains(&(*leaf, *attno)))) {
                whole.insert(*leaf);
            }
        }
        if (fixed.len(), whole.len()) == before {
            break;
        }
    }
    match leaves.iter().find(|leaf| !whole.contains(leaf)) {
        Some(leaf) => Err(format!("no unique key of {} is ordered on", leaf_name(q, *leaf))),
        None => Ok(()),
    }
}

/// The equalities that make a column the same in every row compared:
/// (a, b, both ways?) means b is fixed when a is (None: always).  By the
/// WHERE clause and inner-join ON clauses in both directions, by a LEFT
/// (RIGHT) join's ON clause towards its nullable side only (a
/// NULL-extended row is then the only row).
unsafe fn equality_pairs(q: &pg_sys::Query) -> Vec<(Option<Column>, Column, bool)> {
    let mut pairs: Vec<(Option<Column>, Column, bool)> = Vec::new();
    let jointree = q.jointree;
    if !jointree.is_null() {
        equalities(q, (*jointree).quals, true, &mut pairs);
        for item in PgList::<pg_sys::Node>::from_pg((*jointree).fromlist).iter_ptr() {
            join_equalities(q, item, &mut pairs);
        }
    }
    pairs
}

unsafe fn join_equalities(q: &pg_sys::Query, node: *mut pg_sys::Node, pairs: &mut Vec<(Option<Column>, Column, bool)>) {
    if node.is_null() || (*node).type_ != pg_sys::NodeTag::T_JoinExpr {
        return;
    }
    let join = &*node.cast::<pg_sys::JoinExpr>();
    join_equalities(q, join.larg, pairs);
    join_equalities(q, join.rarg, pairs);
    let mut found = Vec::new();
    equalities(q, join.quals, true, &mut found);
    let nullable: HashSet<i32> = match join.jointype {
        pg_sys::JoinType::JOIN_INNER => {
            pairs.extend(found);
            return;
        }
        pg_sys::JoinType::JOIN_LEFT => leaves_under(join.rarg),
        pg_sys::JoinType::JOIN_RIGHT => leaves_under(join.larg),
        _ => return,
    };
    for (a, b, _) in found {
        match a {
            None if nullable.contains(&b.0) => pairs.push((None, b, false)),
            Some(a) if nullable.contains(&b.0) && !nullable.contains(&a.0) => pairs.push((Some(a), b, false)),
            Some(a) if nullable.contains(&a.0) && !nullable.contains(&b.0) => pairs.push((Some(b), a, false)),
            _ => {}
        }
    }
}

/// The `column = column` and `column = value` conjuncts of `quals`.
unsafe fn equalities(q: &pg_sys::Query, quals: *mut pg_sys::Node, both: bool, out: &mut Vec<(Option<Column>, Column, bool)>) {
    if quals.is_null() {
        return;
    }
    match (*quals).type_ {
        pg_sys::NodeTag::T_BoolExpr if (*quals.cast::<pg_sys::BoolExpr>()).boolop == pg_sys::BoolExprType::AND_EXPR => {
            for arg in PgList::<pg_sys::Node>::from_pg((*quals.cast::<pg_sys::BoolExpr>()).args).iter_ptr() {
                equalities(q, arg, both, out);
            }
        }
        pg_sys::NodeTag::T_List => {
            for arg in PgList::<pg_sys::Node>::from_pg(quals.cast()).iter_ptr() {
                equalities(q, arg, both, out);
            }
        }
        pg_sys::NodeTag::T_OpExpr => {
            let op = &*quals.cast::<pg_sys::OpExpr>();
            let args = PgList::<pg_sys::Node>::from_pg(op.args);
            let (Some(l), Some(r)) = (args.get_ptr(0), args.get_ptr(1)) else { return };
            if args.len() != 2 || !pg_sys::op_mergejoinable(op.opno, pg_sys::exprType(l)) {
                return; // not a btree equality
            }
            let (lc, rc) = (column(q, l), column(q, r));
            let outer = |n: *mut pg_sys::Node| !pg_sys::contain_vars_of_level(n, 0) && !pg_sys::contain_volatile_functions(n);
            match (lc, rc) {
                (Some(a), Some(b)) => out.push((Some(a), b, both)),
                (Some(a), None) if outer(r) => out.push((None, a, both)),
                (None, Some(b)) if outer(l) => out.push((None, b, both)),
                _ => {}
            }
        }
        _ => {}
    }
}

/// The column of this query's FROM that `expr` is (through binary-
/// compatible casts and join aliases), if it is one.
unsafe fn column(q: &pg_sys::Query, mut expr: *mut pg_sys::Node) -> Option<Column> {
    while !expr.is_null() && (*expr).type_ == pg_sys::NodeTag::T_RelabelType {
        expr = (*expr.cast::<pg_sys::RelabelType>()).arg.cast();
    }
    if expr.is_null() || (*expr).type_ != pg_sys::NodeTag::T_Var {
        return None;
    }
    let var = &*expr.cast::<pg_sys::Var>();
    if var.varlevelsup != 0 || var.varattno <= 0 {
        return None;
    }
    let rte = rte(q, var.varno)?;
    if (*rte).rtekind == pg_sys::RTEKind::RTE_JOIN {
        let alias = PgList::<pg_sys::Node>::from_pg((*rte).joinaliasvars).get_ptr(var.varattno as usize - 1)?;
        return column(q, alias);
    }
    Some((var.varno, var.varattno))
}

unsafe fn rte(q: &pg_sys::Query, index: i32) -> Option<*mut pg_sys::RangeTblEntry> {
    if q.rtable.is_null() || index < 1 || index > (*q.rtable).length {
        return None;
    }
    let rte = pg_sys::list_nth(q.rtable, index - 1).cast::<pg_sys::RangeTblEntry>();
    (!rte.is_null()).then_some(rte)
}

/// The sort/group references of a list of SortGroupClauses.
unsafe fn sort_refs(clauses: *mut pg_sys::List) -> HashSet<u32> {
    PgList::<pg_sys::SortGroupClause>::from_pg(clauses).iter_ptr().map(|c| (*c).tleSortGroupRef).collect()
}

/// The columns of the entries of `targets` with one of `refs`.
unsafe fn columns_of_refs(q: &pg_sys::Query, targets: *mut pg_sys::List, refs: &HashSet<u32>) -> HashSet<Column> {
    PgList::<pg_sys::TargetEntry>::from_pg(targets)
        .iter_ptr()
        .filter(|te| refs.contains(&(**te).ressortgroupref))
        .filter_map(|te| column(q, (*te).expr.cast()))
        .collect()
}

/// The range-table indexes of the relations the query's FROM joins.
unsafe fn leaves(q: &pg_sys::Query) -> Vec<i32> {
    if q.jointree.is_null() {
        return Vec::new();
    }
    let mut out: Vec<i32> =
        PgList::<pg_sys::Node>::from_pg((*q.jointree).fromlist).iter_ptr().flat_map(|n| leaves_under(n)).collect();
    out.sort_unstable(); // messages name the first in the FROM clause
    out
}

unsafe fn leaves_under(node: *mut pg_sys::Node) -> HashSet<i32> {
    let mut out = HashSet::new();
    if node.is_null() {
        return out;
    }
    match (*node).type_ {
        pg_sys::NodeTag::T_RangeTblRef => {
            out.insert((*node.cast::<pg_sys::RangeTblRef>()).rtindex);
        }
        pg_sys::NodeTag::T_JoinExpr => {
            let join = &*node.cast::<pg_sys::JoinExpr>();
            out.extend(leaves_under(join.larg));
            out.extend(leaves_under(join.rarg));
        }
        pg_sys::NodeTag::T_FromExpr => {
            for n in PgList::<pg_sys::Node>::from_pg((*node.cast::<pg_sys::FromExpr>()).fromlist).iter_ptr() {
                out.extend(leaves_under(n));
            }
        }
        _ => {}
    }
    out
}

/// The unique keys (attnos) of one relation of the query's FROM.
unsafe fn leaf_keys(walk: &mut Walk, query: *mut pg_sys::Query, leaf: i32) -> Vec<Vec<i16>> {
    let Some(rte) = rte(&*query, leaf) else { return Vec::new() };
    match (*rte).rtekind {
        pg_sys::RTEKind::RTE_RELATION => relation_keys(walk, (*rte).relid),
        pg_sys::RTEKind::RTE_SUBQUERY => output_keys(walk, (*rte).subquery),
        pg_sys::RTEKind::RTE_CTE => match cte_query(walk, query, rte) {
            Some(cte) => output_keys(walk, cte),
            None => Vec::new(),
        },
        // WITH ORDINALITY numbers the rows: its last column is a key.
        pg_sys::RTEKind::RTE_FUNCTION if (*rte).funcordinality && !(*rte).eref.is_null() => {
            let columns = PgList::<pg_sys::Node>::from_pg((*(*rte).eref).colnames).len();
            i16::try_from(columns).map(|last| vec![vec![last]]).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The query a CTE reference reads.
unsafe fn cte_query(walk: &Walk, query: *mut pg_sys::Query, rte: *mut pg_sys::RangeTblEntry) -> Option<*mut pg_sys::Query> {
    let here = walk.queries.iter().rposition(|q| *q == query)?;
    let owner = walk.queries[here.checked_sub((*rte).ctelevelsup as usize)?];
    let name = std::ffi::CStr::from_ptr((*rte).ctename);
    PgList::<pg_sys::CommonTableExpr>::from_pg((*owner).cteList)
        .iter_ptr()
        .find(|c| std::ffi::CStr::from_ptr((**c).ctename) == name)
        .map(|c| (*c).ctequery.cast::<pg_sys::Query>())
        .filter(|q| !q.is_null() && (**q).type_ == pg_sys::NodeTag::T_Query)
}

/// Unique keys of a derived table's or CTE's rows, as output attnos.
unsafe fn output_keys(walk: &mut Walk, query: *mut pg_sys::Query) -> Vec<Vec<i16>> {
    let q = &*query;
    if !q.setOperations.is_null() || !q.groupingSets.is_null() {
        return Vec::new();
    }
    let targets: Vec<*mut pg_sys::TargetEntry> =
        PgList::<pg_sys::TargetEntry>::from_pg(q.targetList).iter_ptr().filter(|te| !(**te).resjunk).collect();
    let output_of_refs = |refs: &HashSet<u32>| -> Option<Vec<i16>> {
        let found: Vec<i16> = targets.iter().filter(|te| refs.contains(&(***te).ressortgroupref)).map(|te| (**te).resno).collect();
        (found.len() == refs.len()).then_some(found)
    };
    if !q.groupClause.is_null() {
        return output_of_refs(&sort_refs(q.groupClause)).into_iter().collect();
    }
    if q.hasAggs {
        return vec![Vec::new()]; // one row
    }
    if !q.distinctClause.is_null() {
        return output_of_refs(&sort_refs(q.distinctClause)).into_iter().collect();
    }
    // A row per combination of the rows it joins: their keys, where it returns them.
    walk.queries.push(query);
    let mut key = Vec::new();
    let mut complete = true;
    for leaf in leaves(q) {
        let outputs: HashMap<Column, i16> =
            targets.iter().filter_map(|te| column(q, (**te).expr.cast()).map(|c| (c, (**te).resno))).collect();
        let mapped = leaf_keys(walk, query, leaf)
            .into_iter()
            .find_map(|k| k.iter().map(|attno| outputs.get(&(leaf, *attno)).copied()).collect::<Option<Vec<i16>>>());
        match mapped {
            Some(m) => key.extend(m),
            None => complete = false,
        }
    }
    walk.queries.pop();
    if complete {
        vec![key]
    } else {
        Vec::new()
    }
}

/// A table's unique keys: non-partial unique indexes checked immediately,
/// on plain columns that are NOT NULL (or NULLS NOT DISTINCT).
fn relation_keys(walk: &mut Walk, relation: pg_sys::Oid) -> Vec<Vec<i16>> {
    walk.relation_keys
        .entry(relation)
        .or_insert_with(|| {
            Spi::get_one_with_args::<pgrx::JsonB>(
                "SELECT pg_catalog.jsonb_agg(k.cols) FROM ( \
                     SELECT (i.indkey::int2[])[0:i.indnkeyatts - 1] AS cols, i.indnullsnotdistinct AS nnd \
                       FROM pg_catalog.pg_index i \
                      WHERE i.indrelid = $1 AND i.indisunique AND i.indimmediate AND i.indisvalid \
                        AND i.indpred IS NULL AND i.indexprs IS NULL) k \
                 WHERE k.nnd OR NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a \
                       WHERE a.attrelid = $1 AND a.attnum = ANY (k.cols) AND NOT a.attnotnull)",
                &[relation.into()],
            )
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_value::<Vec<Vec<i16>>>(j.0).ok())
            .unwrap_or_default()
        })
        .clone()
}

/// Is the aggregate order-sensitive, and what is it called?
fn aggregate(walk: &mut Walk, aggregate: pg_sys::Oid) -> (bool, String) {
    walk.aggregates
        .entry(aggregate)
        .or_insert_with(|| {
            rows(
                "an aggregate's description",
                "SELECT p.oid::pg_catalog.regprocedure::text, \
                        p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace \
                     OR p.proname IN ('array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'json_agg_strict', \
                                      'jsonb_agg_strict', 'json_object_agg', 'jsonb_object_agg', \
                                      'json_object_agg_strict', 'jsonb_object_agg_strict', \
                                      'json_object_agg_unique', 'jsonb_object_agg_unique', \
                                      'json_object_agg_unique_strict', 'jsonb_object_agg_unique_strict', \
                                      'xmlagg') \
                     OR (p.proargtypes::oid[] && ARRAY['pg_catalog.float4'::pg_catalog.regtype, \
                                                       'pg_catalog.float8'::pg_catalog.regtype]::oid[] \
                         AND p.proname NOT IN ('min', 'max', 'count')) \
                   FROM pg_catalog.pg_proc p WHERE p.oid = $1",
                &[aggregate.into()],
                |row| Ok((row.get::<bool>(2)?.unwrap_or(true), text(row, 1)?)),
            )
            .into_iter()
            .next()
            .unwrap_or((true, format!("aggregate {}", aggregate.to_u32())))
        })
        .clone()
}

fn proc_name(function: pg_sys::Oid) -> String {
    Spi::get_one_with_args::<String>("SELECT $1::pg_catalog.regproc::text", &[function.into()])
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// How the query names one relation of its FROM, for messages.
unsafe fn leaf_name(q: &pg_sys::Query, leaf: i32) -> String {
    rte(q, leaf)
        .and_then(|rte| {
            let eref = (*rte).eref;
            (!eref.is_null() && !(*eref).aliasname.is_null())
                .then(|| std::ffi::CStr::from_ptr((*eref).aliasname).to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| format!("relation {leaf}"))
}
