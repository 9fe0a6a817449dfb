//! Deep definitions: each either plans or is refused as too complex, and
//! none overflows the stack.  These run on the test harness's threads (a
//! 2 MiB stack), smaller than a backend's; without the planner's bounds
//! and its own stack, 300 OR terms already overflow a debug build.

use crate::{indexes::index_needs, locks::lock_plan, plan, ErrorKind};

fn or_terms(n: usize) -> String {
    let terms: Vec<String> = (0..n).map(|i| format!("(t.v = {i})")).collect();
    format!("SELECT t.id AS pk_x, t.v FROM public.t WHERE ({})", terms.join(" OR "))
}

fn too_complex(sql: &str) {
    let e = plan(sql, "pk_x").expect_err("refused");
    assert_eq!(e.kind, ErrorKind::TooComplex, "{}", e.message);
    assert!(e.message.starts_with("the definition is too complex"), "{}", e.message);
}

#[test]
fn ten_thousand_or_terms_are_planned() {
    let sql = or_terms(10_000);
    let p = plan(&sql, "pk_x").expect("plan");
    assert_eq!(p.sources.len(), 1);
    assert!(index_needs(&sql, "pk_x").is_ok());
    assert!(lock_plan(&sql, "pk_x").is_ok());
}

#[test]
fn ten_thousand_and_terms_are_planned() {
    let terms: Vec<String> = (0..10_000).map(|i| format!("(t.v <> {i})")).collect();
    let sql = format!("SELECT t.id AS pk_x FROM public.t WHERE ({})", terms.join(" AND "));
    assert!(plan(&sql, "pk_x").is_ok());
}

#[test]
fn long_chains_of_other_operators_are_too_complex() {
    let terms: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    too_complex(&format!("SELECT t.id AS pk_x, t.v + {} AS s FROM public.t", terms.join(" + ")));
    too_complex(&format!("SELECT t.id AS pk_x, t.v{} AS s FROM public.t", "::text".repeat(5_000)));
}

#[test]
fn deep_parentheses_are_too_complex() {
    // What pg_get_viewdef prints for 1 + (1 + (1 + ...)).
    let n = 2_000;
    too_complex(&format!("SELECT t.id AS pk_x, {}t.v{} AS s FROM public.t", "(1 + ".repeat(n), ")".repeat(n)));
    too_complex(&format!("SELECT t.id AS pk_x FROM public.t WHERE {}t.v = 1{}", "(".repeat(n), ")".repeat(n)));
}

#[test]
fn moderate_parentheses_are_planned() {
    let n = 100;
    let sql = format!("SELECT t.id AS pk_x, {}t.v{} AS s FROM public.t", "(1 + ".repeat(n), ")".repeat(n));
    assert!(plan(&sql, "pk_x").is_ok());
}

#[test]
fn deeply_nested_subqueries_are_too_complex() {
    let mut s = "SELECT u.v FROM public.u".to_string();
    for _ in 0..500 {
        s = format!("SELECT ({s} LIMIT 1) AS v");
    }
    too_complex(&format!("SELECT t.id AS pk_x, ({s}) AS w FROM public.t"));
}

#[test]
fn many_set_operations_are_too_complex() {
    let branches: Vec<String> = (0..300).map(|i| format!("SELECT t.id AS pk_x FROM public.t WHERE t.v = {i}")).collect();
    too_complex(&branches.join(" UNION ALL "));
}

#[test]
fn a_syntax_error_after_a_long_chain_is_a_syntax_error() {
    let terms: Vec<String> = (0..200_000).map(|_| "1".to_string()).collect();
    let e = plan(&format!("SELECT t.id AS pk_x, {} AS s FROM public.t WHERE )", terms.join("+")), "pk_x")
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::Syntax);
}

#[test]
fn too_many_tokens_are_too_complex() {
    too_complex(&or_terms(100_000));
}

/// Balancing keeps every operand, in order: the tree prints as parsed.
#[test]
fn balanced_chains_print_as_written() {
    let sql = or_terms(1_000);
    let parsed = crate::depth::on_large_stack(|| crate::parse::parse_view(&sql).expect("parse").to_string());
    assert_eq!(parsed, sql);
}

/// Conjuncts the planner splits and joins again (join conditions, the
/// delta's filters) stay shallow however many there are.
#[test]
fn ten_thousand_join_conjuncts_are_planned() {
    let terms: Vec<String> = (0..10_000).map(|i| format!("(t.v <> {i})")).collect();
    let sql = format!(
        "SELECT t.id AS pk_x, u.w FROM (public.t JOIN public.u ON (((t.id = u.id) AND {})))",
        terms.join(" AND ")
    );
    let p = plan(&sql, "pk_x").expect("plan");
    assert_eq!(p.sources.len(), 2);
    assert!(index_needs(&sql, "pk_x").is_ok());
}

/// The names of a function body or view text are read within the same
/// bounds: deep text is an error, never an overflow.
#[test]
fn function_bodies_are_read_within_the_bounds() {
    use crate::function_body::{body_names, name_casts};
    assert!(name_casts(&or_terms(10_000)).is_ok());
    let terms: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    let sum = format!("SELECT 1 + {}", terms.join(" + "));
    let e = body_names(&sum).expect_err("too deep");
    assert!(e.starts_with("the definition is too complex"), "{e}");
}
