//! Bounds on how deeply a definition nests, so that no recursion over its
//! tree can overflow the stack: inside a PostgreSQL backend an overflow is
//! a SIGSEGV, and the postmaster then ends every session of the cluster.
//!
//! Every recursion over the parsed tree (sqlparser's parser, its visitors,
//! `Clone`, `Drop`, `Display`, and ours in `witness`, `occurrence`, ...)
//! is bounded this way:
//! - the public entry points run on a stack of `STACK_BYTES` (`on_large_stack`,
//!   same thread; the planner calls nothing of PostgreSQL);
//! - nesting that the parser reaches by recursion (parentheses, subqueries,
//!   unary operators, CASE) is bounded by its recursion limit;
//! - chains the parser builds in a loop (`a OR b OR c ...`, `a + b + ...`,
//!   `x::t::t ...`) and set operations (`... UNION ...`) are not: AND and OR
//!   chains, the long lists PostgreSQL itself accepts, are rebalanced
//!   (their depth becomes logarithmic), and any expression still deeper than
//!   `MAX_DEPTH` is refused (`ErrorKind::TooComplex`, 54001 in the
//!   extension), after taking the tree apart without recursion;
//! - set operations are counted on the tokens before parsing.
//!
//! The limits leave the stack a wide margin in a debug build, whose frames
//! are many times those of a release build (a visitor's frame for one
//! expression level is about 30 kB there).

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, Ident, Statement, VisitMut, VisitorMut};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::{ErrorKind, PlanError};

/// The stack every entry point runs on.
const STACK_BYTES: usize = 256 << 20;
/// Deepest expression accepted after AND/OR chains are balanced.
pub(crate) const MAX_DEPTH: usize = 400;
/// The parser's recursion limit (each parenthesis or subquery level takes
/// one or two).
pub(crate) const PARSER_RECURSION_LIMIT: usize = 400;
/// Most UNION / INTERSECT / EXCEPT in one definition (a chain of them is
/// as deep as it is long).
const MAX_SET_OPERATIONS: usize = 200;
/// Most tokens (words, symbols, spaces) in one definition: a chain the
/// parser builds in a loop is at most this deep, and a parse error drops
/// whatever it had built by recursion.
const MAX_TOKENS: usize = 1_000_000;
/// AND / OR chains longer than this are rebalanced; shorter ones are left
/// exactly as parsed.
const BALANCE_FROM: usize = 32;

/// Run `f` on a stack of `STACK_BYTES`, allocated for the call (only the
/// pages used are ever touched) and freed after it.
pub(crate) fn on_large_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::grow(STACK_BYTES, f)
}

pub(crate) fn too_complex(what: &str) -> PlanError {
    PlanError::new(ErrorKind::TooComplex, format!("the definition is too complex: {what}"))
        .with_hint("Simplify the expression, or split the TVIEW into TVIEWs reading each other.")
}

/// Refuse, before parsing, more tokens than `MAX_TOKENS` and more set
/// operations than `MAX_SET_OPERATIONS`.
pub(crate) fn check_tokens(tokens: &[TokenWithSpan]) -> Result<(), PlanError> {
    if tokens.len() > MAX_TOKENS {
        return Err(too_complex(&format!("{} tokens; at most {MAX_TOKENS}", tokens.len())));
    }
    let set_operations = tokens
        .iter()
        .filter(|t| {
            matches!(&t.token, Token::Word(w) if w.quote_style.is_none()
                && matches!(w.keyword, Keyword::UNION | Keyword::INTERSECT | Keyword::EXCEPT))
        })
        .count();
    if set_operations > MAX_SET_OPERATIONS {
        return Err(too_complex(&format!(
            "{set_operations} set operations (UNION, INTERSECT, EXCEPT); at most {MAX_SET_OPERATIONS}"
        )));
    }
    Ok(())
}

/// Balance long AND/OR chains of freshly parsed statements and check
/// every expression is at most `MAX_DEPTH` deep.  This must be the first
/// walk over them: until it is done, nothing but it and `dismantle` may
/// recurse into expressions.  Refused, all of them are taken apart.
pub(crate) fn bound(mut statements: Vec<Statement>) -> Result<Vec<Statement>, PlanError> {
    let within = statements.iter_mut().all(|s| VisitMut::visit(s, &mut Bound { depth: 0 }).is_continue());
    if within {
        return Ok(statements);
    }
    statements.into_iter().for_each(dismantle);
    Err(too_complex(&format!("an expression nested more than {MAX_DEPTH} levels deep")))
}

struct Bound {
    depth: usize,
}

impl VisitorMut for Bound {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        balance(expr);
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &mut Expr) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }
}

/// What a detached expression leaves behind.
fn placeholder() -> Expr {
    Expr::Identifier(Ident::new(""))
}

/// A left-deep chain `a OP b OP c ...` (OP = AND or OR, which are
/// associative, NULLs included) of at least `BALANCE_FROM` operands
/// becomes a balanced tree of the same operands in the same order.  It
/// prints the same: a chain of one operator needs no parentheses.  Taken
/// apart by moving the operands out of their boxes, so nothing deep is
/// dropped.  A balanced tree's left spine is shorter than `BALANCE_FROM`
/// (log2 of its size), so it is never balanced again.
fn balance(expr: &mut Expr) {
    let op = match expr {
        Expr::BinaryOp { op: op @ (BinaryOperator::And | BinaryOperator::Or), .. } => op.clone(),
        _ => return,
    };
    let mut length = 1;
    let mut spine = &*expr;
    while let Expr::BinaryOp { left, op: o, .. } = spine {
        if *o != op {
            break;
        }
        length += 1;
        spine = left;
    }
    if length < BALANCE_FROM {
        return;
    }
    let mut operands = Vec::with_capacity(length);
    let mut rest = std::mem::replace(expr, placeholder());
    loop {
        match rest {
            Expr::BinaryOp { left, op: o, right } if o == op => {
                operands.push(*right);
                rest = *left;
            }
            other => {
                operands.push(other);
                break;
            }
        }
    }
    operands.reverse();
    *expr = balanced(operands, &op);
}

/// Depth log2(n): the recursion is as shallow as the tree it builds.
fn balanced(mut operands: Vec<Expr>, op: &BinaryOperator) -> Expr {
    if operands.len() == 1 {
        return operands.pop().unwrap_or_else(placeholder);
    }
    let right = operands.split_off(operands.len() / 2);
    Expr::BinaryOp {
        left: Box::new(balanced(operands, op)),
        op: op.clone(),
        right: Box::new(balanced(right, op)),
    }
}

/// Drop a tree whatever the depth of its expressions: every expression is
/// detached from its parent (replaced by a leaf) and dropped from a list,
/// so neither `Drop` nor this walk goes deeper than one expression level
/// plus the nesting of queries, which the parser bounded.
fn dismantle<T: VisitMut>(mut tree: T) {
    let mut detach = Detach { taken: Vec::new(), keep_root: false };
    let _ = tree.visit(&mut detach);
    drop(tree);
    while let Some(mut expr) = detach.taken.pop() {
        detach.keep_root = true;
        let _ = VisitMut::visit(&mut expr, &mut detach);
        drop(expr);
    }
}

struct Detach {
    taken: Vec<Expr>,
    /// The expression being taken apart is visited first: keep it.
    keep_root: bool,
}

impl VisitorMut for Detach {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if std::mem::take(&mut self.keep_root) {
            return ControlFlow::Continue(());
        }
        self.taken.push(std::mem::replace(expr, placeholder()));
        ControlFlow::Continue(())
    }
}
