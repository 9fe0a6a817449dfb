//! Helpers shared by the table-driven planner tests: planning a view,
//! and the structural properties every key query must have, checked on
//! the parsed query rather than on its text.

use std::ops::ControlFlow;

use sqlparser::ast::{
    JoinOperator, ObjectName, Query, SelectItem, SetExpr, TableFactor, TableWithJoins, Visit,
    Visitor,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::dialect::PgCanonical;
use crate::{plan, quote_ident, SourcePlan, TviewPlan, DELTA_RELATION};

/// The plan of `sql`, or a panic naming the view.
pub(super) fn planned(sql: &str, key: &str) -> TviewPlan {
    plan(sql, key).unwrap_or_else(|e| panic!("{sql}\n  planning failed: {e}"))
}

/// The plan of one source relation (by table name) of `sql`.
pub(super) fn source_plan(sql: &str, key: &str, relation: &str) -> SourcePlan {
    planned(sql, key)
        .sources
        .into_iter()
        .find(|s| s.relation.name == relation)
        .unwrap_or_else(|| panic!("{relation} is not a source of {sql}"))
}

/// Parse a key query with PostgreSQL's dialect as sqlparser ships it, or
/// with the canonical dialect when `canonical` (aliases like `top`).
pub(super) fn parse_key_query(sql: &str, canonical: bool) -> Query {
    let statements = if canonical {
        Parser::parse_sql(&PgCanonical::default(), sql)
    } else {
        Parser::parse_sql(&PostgreSqlDialect {}, sql)
    }
    .unwrap_or_else(|e| panic!("key query does not parse: {sql}\n  {e}"));
    match statements.as_slice() {
        [sqlparser::ast::Statement::Query(q)] => (**q).clone(),
        _ => panic!("key query is not one query: {sql}"),
    }
}

/// The SELECT branches of a (UNION of) key queries.
pub(super) fn branches(query: &Query) -> Vec<&sqlparser::ast::Select> {
    fn walk<'a>(body: &'a SetExpr, out: &mut Vec<&'a sqlparser::ast::Select>) {
        match body {
            SetExpr::SetOperation { left, right, .. } => {
                walk(left, out);
                walk(right, out);
            }
            SetExpr::Select(s) => out.push(s),
            SetExpr::Query(q) => walk(&q.body, out),
            other => panic!("unexpected key query part {other}"),
        }
    }
    let mut out = Vec::new();
    walk(&query.body, &mut out);
    out
}

fn is_delta(name: &ObjectName) -> bool {
    name.to_string() == DELTA_RELATION
}

/// How many times the delta relation is read in `node`.
pub(super) fn delta_reads<T: Visit>(node: &T) -> usize {
    struct Count(usize);
    impl Visitor for Count {
        type Break = ();
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            if is_delta(relation) {
                self.0 += 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut count = Count(0);
    let _ = node.visit(&mut count);
    count.0
}

/// Every FROM item, in every block, of every query nested in `query`
/// (derived tables, subqueries in any clause).
fn all_from_items(query: &Query) -> Vec<TableWithJoins> {
    struct Collect(Vec<TableWithJoins>);
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            fn blocks(body: &SetExpr, out: &mut Vec<TableWithJoins>) {
                match body {
                    SetExpr::SetOperation { left, right, .. } => {
                        blocks(left, out);
                        blocks(right, out);
                    }
                    SetExpr::Select(s) => {
                        for twj in &s.from {
                            nested(twj, out);
                        }
                    }
                    SetExpr::Query(q) => blocks(&q.body, out),
                    _ => {}
                }
            }
            fn nested(twj: &TableWithJoins, out: &mut Vec<TableWithJoins>) {
                out.push(twj.clone());
                let factors = std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation));
                for f in factors {
                    if let TableFactor::NestedJoin { table_with_joins, .. } = f {
                        nested(table_with_joins, out);
                    }
                }
            }
            blocks(&q.body, &mut self.0);
            ControlFlow::Continue(())
        }
    }
    let mut collect = Collect(Vec::new());
    let _ = query.visit(&mut collect);
    collect.0
}

/// The first outer join that may null-extend the delta's rows, if any:
/// the delta (or a nested join or derived table reading it) as the right
/// side of a LEFT/FULL join, or followed by a RIGHT/FULL join.
pub(super) fn delta_on_nullable_side(query: &Query) -> Option<String> {
    for twj in all_from_items(query) {
        let factors: Vec<&TableFactor> =
            std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)).collect();
        let Some(at) = factors.iter().position(|f| delta_reads(*f) > 0) else { continue };
        let nulls_right = |op: &JoinOperator| {
            matches!(op, JoinOperator::Left(_) | JoinOperator::LeftOuter(_) | JoinOperator::FullOuter(_))
        };
        let nulls_left = |op: &JoinOperator| {
            matches!(op, JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_))
        };
        if at > 0 && nulls_right(&twj.joins[at - 1].join_operator) {
            return Some(format!("delta joined by an outer join in {twj}"));
        }
        if twj.joins[at..].iter().any(|j| nulls_left(&j.join_operator)) {
            return Some(format!("delta followed by a RIGHT/FULL join in {twj}"));
        }
    }
    None
}

/// Identifiers in the key query are quoted where PostgreSQL needs it and
/// name only what the view names (or the delta): an unquoted identifier
/// must be one `quote_ident` leaves bare, a quoted one must spell a name
/// of the view.  Keywords print in upper case and are not identifiers.
pub(super) fn quoting_problem(view: &str, key_query: &str) -> Option<String> {
    let words = |sql: &str| -> Vec<(String, Option<char>)> {
        Tokenizer::new(&PgCanonical::default(), sql)
            .tokenize()
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some((w.value, w.quote_style)),
                _ => None,
            })
            .collect()
    };
    thread_local! {
        static NAMES: std::cell::RefCell<(String, Vec<String>)> = Default::default();
    }
    // One view has several key queries: tokenize it once.
    let view_names = NAMES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != view {
            *cache = (view.to_string(), words(view).into_iter().map(|(v, _)| v).collect());
        }
        cache.1.clone()
    });
    for (value, quote) in words(key_query) {
        let keyword_or_literal =
            value.chars().any(|c| c.is_ascii_uppercase()) && value == value.to_uppercase()
                || ["true", "false", "null"].contains(&value.as_str());
        match quote {
            None if keyword_or_literal => {}
            None if quote_ident(&value) != value => return Some(format!("{value} must be quoted")),
            Some(_) if value != DELTA_RELATION && !view_names.contains(&value) => {
                return Some(format!("\"{value}\" is not a name of the view"))
            }
            _ => {}
        }
    }
    None
}

/// The expressions a key query (one branch per occurrence) outputs.
pub(super) fn outputs(query: &Query) -> Vec<String> {
    branches(query)
        .iter()
        .map(|b| match b.projection.as_slice() {
            [SelectItem::UnnamedExpr(e)] => e.to_string(),
            other => panic!("a key query branch outputs one unnamed column, not {other:?}"),
        })
        .collect()
}

/// The properties every key query has, whatever the shape:
/// - it parses (with sqlparser's own PostgreSQL dialect unless `canonical`);
/// - it is one branch per occurrence, each reading the delta exactly once
///   and outputting exactly `key` (the key expression of the occurrence's
///   branch of the view);
/// - no outer join can null-extend the delta, at any nesting level;
/// - the top level of each branch neither groups, filters groups, orders
///   nor removes duplicates (the keys are a set anyway);
/// - printing is a fixed point (what the engine stores re-reads the same);
/// - identifiers are quoted as PostgreSQL needs.
pub(super) fn check_key_query(view: &str, source: &SourcePlan, keys: &[&str], canonical: bool) {
    let text = &source.key_query;
    let query = parse_key_query(text, canonical);
    let blocks = branches(&query);
    // A self-joined relation's occurrences get one branch per mix of its
    // other occurrences reading old rows (see occurrence.rs), and each of
    // those one more per outer join that NULL-extends the delta's side
    // (see null_extend.rs), here or in a derived table.
    let outer_joins = ["LEFT JOIN", "RIGHT JOIN", "FULL JOIN"].iter().map(|j| view.matches(j).count()).sum::<usize>();
    let most = (source.occurrences << (source.occurrences - 1)) * (1 + outer_joins);
    assert!(
        (source.occurrences..=most).contains(&blocks.len()),
        "one branch per occurrence and mix of old rows: {view}\n  {text}"
    );
    assert_eq!(keys.len(), source.occurrences, "test expects one key per occurrence: {view}");
    for block in &blocks {
        // Once, or once more per NULL-extended variant of a derived table
        // or subquery inside.
        let reads = delta_reads(*block);
        assert!((1..=1 + outer_joins).contains(&reads), "the delta is read once per branch and variant: {view}\n  {text}");
        assert!(block.having.is_none() && block.distinct.is_none() && block.sort_by.is_empty(), "{text}");
        assert!(
            matches!(&block.group_by, sqlparser::ast::GroupByExpr::Expressions(g, _) if g.is_empty()),
            "{text}"
        );
    }
    let mut got = outputs(&query);
    let mut want: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    got.sort();
    got.dedup();
    want.sort();
    want.dedup();
    assert_eq!(got, want, "each branch outputs its key expression: {view}\n  {text}");
    assert!(query.order_by.is_none() && query.limit_clause.is_none() && query.with.is_none(), "{text}");
    if let Some(problem) = delta_on_nullable_side(&query) {
        panic!("{problem}: {view}\n  {text}");
    }
    assert_eq!(&query.to_string(), text, "printing a key query is a fixed point");
    if let Some(problem) = quoting_problem(view, text) {
        panic!("{problem}: {view}\n  {text}");
    }
}

/// Planning is a function of the text: planning `sql` again, laid out
/// with other spacing and line breaks, gives `first` again.
pub(super) fn check_deterministic(sql: &str, key: &str, first: &TviewPlan) {
    let respaced = respace(sql);
    assert_eq!(first, &planned(&respaced, key), "planning again, with other line breaks, differs: {sql}");
}

/// `sql` with every run of white space made a line break and an indent,
/// as `pg_get_viewdef` with pretty-printing would lay it out.
fn respace(sql: &str) -> String {
    let tokens = Tokenizer::new(&PgCanonical::default(), sql)
        .tokenize()
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    tokens
        .iter()
        .map(|t| match t {
            Token::Whitespace(_) => "\n    ".to_string(),
            Token::Word(w) if w.quote_style == Some('"') => format!("\"{}\"", w.value.replace('"', "\"\"")),
            Token::SingleQuotedString(s) => format!("'{}'", s.replace('\'', "''")),
            other => other.to_string(),
        })
        .collect()
}
