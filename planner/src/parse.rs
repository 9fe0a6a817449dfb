//! Stage 1: canonical view text → one normalised `Query`.
//!
//! Normalising means: non-recursive CTEs are inlined as derived tables at
//! every reference (each reference is then its own occurrence, which is
//! what maintenance needs), and constructs whose result depends on when or
//! by whom the query runs are refused, because a TVIEW row recomputed later
//! would not equal the view.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Cte, Expr, Query, SetExpr, Statement, TableAlias, TableFactor, Visit, VisitMut, Visitor,
    VisitorMut,
};
use crate::dialect::PgCanonical;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::{depth, ErrorKind, PlanError};

/// Functions whose value changes between the write and a later read.
const NON_DETERMINISTIC: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtime",
    "localtimestamp",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "timeofday",
    "random",
    "random_normal",
    "setseed",
    "nextval",
    "currval",
    "lastval",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "txid_current",
    "pg_current_xact_id",
    "current_user",
    "session_user",
    "user",
    "current_role",
];

/// A keyword that cannot be a bare identifier (see `keywords`).
pub(crate) fn is_reserved_keyword(word: &str) -> bool {
    crate::keywords::needs_quoting(word)
}

/// Parse `sql` (a single SELECT, optionally ending in `;`).
pub(crate) fn parse_view(sql: &str) -> Result<Query, PlanError> {
    refuse_by_token(sql)?;
    let sql = quote_top_qualifiers(sql);
    let mut statements = parse_bounded(&sql).map_err(|e| match e.kind {
        ErrorKind::Syntax => PlanError::new(ErrorKind::Syntax, format!("could not analyse the defining query: {}", e.message)),
        _ => e,
    })?;
    let mut query = match (statements.pop(), statements.is_empty()) {
        (Some(Statement::Query(q)), true) => *q,
        _ => {
            return Err(PlanError::new(
                ErrorKind::Syntax,
                "the definition of a TVIEW must be a single SELECT statement",
            ))
        }
    };
    refuse_non_deterministic(&query)?;
    inline_ctes(&mut query)?;
    Ok(query)
}

/// Every statement of `sql`, parsed within the bounds of `depth` (the only
/// way the planner parses text): what it returns may be walked, cloned,
/// printed and dropped by recursion.  Callers run on `depth::on_large_stack`.
pub(crate) fn parse_bounded(sql: &str) -> Result<Vec<Statement>, PlanError> {
    let dialect = PgCanonical::default();
    let syntax = |e: ParserError| match e {
        ParserError::RecursionLimitExceeded => depth::too_complex("parentheses or subqueries nested too deeply"),
        e => PlanError::new(ErrorKind::Syntax, e.to_string()),
    };
    let tokens = Tokenizer::new(&dialect, sql).tokenize_with_location().map_err(|e| syntax(e.into()))?;
    depth::check_tokens(&tokens)?;
    let statements = Parser::new(&dialect)
        .with_recursion_limit(depth::PARSER_RECURSION_LIMIT)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(syntax)?;
    depth::bound(statements)
}

/// sqlparser reads `SELECT top.x` as a `SELECT TOP` clause whatever the
/// dialect; PostgreSQL treats `top` as an ordinary name, and `"top"` is the
/// same name, so quote it where it qualifies a column.
fn quote_top_qualifiers(sql: &str) -> String {
    let dialect = PgCanonical::default();
    let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize_with_location() else {
        return sql.to_string(); // the parser will report the problem
    };
    // (line, column) of every unquoted `top` qualifying a column; the text
    // is edited there only, so literals and the rest stay as written.
    let places: Vec<(u64, u64)> = tokens
        .windows(2)
        .filter(|pair| {
            matches!(&pair[0].token, Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::TOP)
                && matches!(pair[1].token, Token::Period)
        })
        .map(|pair| (pair[0].span.start.line, pair[0].span.start.column))
        .collect();
    if places.is_empty() {
        return sql.to_string();
    }
    let (mut line, mut column) = (1u64, 1u64);
    let mut out = String::with_capacity(sql.len() + 2 * places.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if places.contains(&(line, column)) {
            // `top` (any case) becomes `"top"`: three characters.
            let word: String = std::iter::once(c).chain(chars.by_ref().take(2)).collect();
            out.push('"');
            out.push_str(&word.to_lowercase());
            out.push('"');
            column += 3;
            continue;
        }
        out.push(c);
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    out
}

fn refuse_non_deterministic(query: &Query) -> Result<(), PlanError> {
    let found = Visit::visit(query, &mut FunctionFinder);
    match found {
        ControlFlow::Break(name) => Err(PlanError::new(
            ErrorKind::NonDeterministic,
            format!("function {name}() is not allowed in a TVIEW"),
        )
        .with_hint(
            "A TVIEW row is recomputed only when its sources change, so its value must not \
             depend on the time, on chance or on the current user.",
        )),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Constructs refused by their token, because sqlparser does not parse
/// every form PostgreSQL prints (`REPEATABLE ((1)::double precision)`,
/// `FROM ONLY t`); both words are reserved, so unquoted they are the
/// construct:
/// - TABLESAMPLE reads a random subset of a table's pages or rows: a row
///   recomputed later would come from another sample;
/// - ONLY reads a table without its inheritance children, and a table in
///   an inheritance tree cannot be maintained (writes to a child fire the
///   child's triggers only).  `FETCH ... ROWS ONLY` is not this ONLY.
fn refuse_by_token(sql: &str) -> Result<(), PlanError> {
    let Ok(tokens) = Tokenizer::new(&PgCanonical::default(), sql).tokenize() else {
        return Ok(()); // the parser will report the problem
    };
    let mut previous = None;
    for t in tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))) {
        let keyword = match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
            _ => None,
        };
        if keyword == Some(Keyword::TABLESAMPLE) {
            return Err(PlanError::unsupported("TABLESAMPLE")
                .with_hint("A TVIEW must hold every row of its view; read the whole table."));
        }
        if keyword == Some(Keyword::ONLY) && !matches!(previous, Some(Keyword::ROW | Keyword::ROWS)) {
            return Err(PlanError::unsupported("ONLY (a table read without its inheritance children)")
                .with_hint("Tables in an inheritance tree cannot be the source of a TVIEW."));
        }
        previous = keyword;
    }
    Ok(())
}

struct FunctionFinder;

impl Visitor for FunctionFinder {
    type Break = String;

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        let name = match expr {
            Expr::Function(f) => f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_lowercase()),
            // sqlparser reads `CURRENT_ROLE` (no parentheses) as a name; an
            // unquoted reserved word can only be the SQL function.
            Expr::Identifier(i) if i.quote_style.is_none() && is_reserved_keyword(&i.value.to_lowercase()) => {
                Some(i.value.to_lowercase())
            }
            _ => None,
        };
        match name {
            Some(name) if NON_DETERMINISTIC.contains(&name.as_str()) => ControlFlow::Break(name),
            _ => ControlFlow::Continue(()),
        }
    }
}

/// Replace every reference to a CTE by a derived table holding its query,
/// and drop the WITH clauses.  Real relations are schema-qualified in the
/// canonical text, so a one-part name can only be a CTE.
fn inline_ctes(query: &mut Query) -> Result<(), PlanError> {
    let mut collector = CteCollector::default();
    if let ControlFlow::Break(e) = Visit::visit(&*query, &mut collector) {
        return Err(e);
    }
    let mut inliner = CteInliner {
        ctes: collector.ctes,
        inlined: 0,
    };
    match VisitMut::visit(query, &mut inliner) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

#[derive(Default)]
struct CteCollector {
    ctes: HashMap<String, Cte>,
}

impl Visitor for CteCollector {
    type Break = PlanError;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<PlanError> {
        if let Some(with) = &query.with {
            if with.recursive {
                return ControlFlow::Break(PlanError::unsupported("WITH RECURSIVE"));
            }
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.clone();
                if let Some(previous) = self.ctes.get(&name) {
                    if previous.query != cte.query {
                        return ControlFlow::Break(
                            PlanError::unsupported(format!(
                                "two different CTEs named {name}"
                            ))
                            .with_hint("Give each CTE of the query its own name."),
                        );
                    }
                }
                self.ctes.insert(name, cte.clone());
            }
        }
        ControlFlow::Continue(())
    }
}

struct CteInliner {
    ctes: HashMap<String, Cte>,
    inlined: usize,
}

/// More inlined references than this means a CTE refers to itself.
const MAX_CTE_REFERENCES: usize = 1000;

impl VisitorMut for CteInliner {
    type Break = PlanError;

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<PlanError> {
        query.with = None;
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<PlanError> {
        let TableFactor::Table {
            name, alias, args, ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        if args.is_some() || name.0.len() != 1 {
            return ControlFlow::Continue(());
        }
        let Some(cte_name) = name.0[0].as_ident().map(|i| i.value.clone()) else {
            return ControlFlow::Continue(());
        };
        let Some(cte) = self.ctes.get(&cte_name) else {
            return ControlFlow::Continue(());
        };
        self.inlined += 1;
        if self.inlined > MAX_CTE_REFERENCES {
            return ControlFlow::Break(PlanError::unsupported("a self-referencing CTE"));
        }
        let alias = match alias.take() {
            Some(a) if a.columns.is_empty() => TableAlias {
                name: a.name,
                columns: cte.alias.columns.clone(),
            },
            Some(a) => a,
            None => cte.alias.clone(),
        };
        *factor = TableFactor::Derived {
            lateral: false,
            subquery: cte.query.clone(),
            alias: Some(alias),
        };
        ControlFlow::Continue(())
    }
}

/// Branches of a (possibly nested) set operation, left to right.
pub(crate) fn branches(body: &SetExpr) -> Vec<&SetExpr> {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            let mut out = branches(left);
            out.extend(branches(right));
            out
        }
        SetExpr::Query(q) => branches(&q.body),
        other => vec![other],
    }
}
