//! Shapes the planner must refuse, each with the construct named.

use crate::{plan, ErrorKind};

fn refused(sql: &str, key: &str) -> (ErrorKind, String) {
    match plan(sql, key) {
        Ok(p) => panic!("expected a refusal, got {p:?}"),
        Err(e) => (e.kind, e.message),
    }
}

#[test]
fn window_function_at_top_level() {
    let (kind, msg) = refused("SELECT t.pk_x, rank() OVER (ORDER BY t.v) AS r FROM s.t t", "pk_x");
    assert_eq!(kind, ErrorKind::Unsupported);
    assert!(msg.contains("window function"), "{msg}");
}

#[test]
fn window_function_in_a_derived_table() {
    let (_, msg) = refused(
        "SELECT d.pk_x FROM (SELECT t.pk_x, row_number() OVER () AS n FROM s.t t) d",
        "pk_x",
    );
    assert!(msg.contains("window function in a derived table"), "{msg}");
}

#[test]
fn limit_at_top_level() {
    let (_, msg) = refused("SELECT t.pk_x FROM s.t t ORDER BY t.pk_x LIMIT 10", "pk_x");
    assert!(msg.contains("LIMIT"), "{msg}");
}

#[test]
fn limit_in_a_non_lateral_derived_table() {
    let (_, msg) = refused(
        "SELECT d.pk_x FROM (SELECT t.pk_x FROM s.t t ORDER BY t.v LIMIT 3) d",
        "pk_x",
    );
    assert!(msg.contains("not LATERAL"), "{msg}");
}

#[test]
fn recursive_cte() {
    let (_, msg) = refused(
        "WITH RECURSIVE r AS (SELECT t.pk_x FROM s.t t UNION ALL SELECT r.pk_x FROM r) SELECT r.pk_x FROM r",
        "pk_x",
    );
    assert!(msg.contains("WITH RECURSIVE"), "{msg}");
}

#[test]
fn time_and_chance_functions() {
    for f in ["now()", "CURRENT_TIMESTAMP", "random()", "clock_timestamp()", "nextval('s')", "gen_random_uuid()"] {
        let (kind, msg) = refused(&format!("SELECT t.pk_x, {f} AS at FROM s.t t"), "pk_x");
        assert_eq!(kind, ErrorKind::NonDeterministic, "{f}");
        assert!(msg.contains("is not allowed"), "{msg}");
    }
}

#[test]
fn group_by_without_the_key() {
    let (_, msg) = refused(
        "SELECT min(t.id) AS pk_x, t.name FROM s.t t GROUP BY t.name",
        "pk_x",
    );
    assert!(msg.contains("GROUP BY"), "{msg}");
}

#[test]
fn aggregate_over_the_whole_query() {
    let (_, msg) = refused("SELECT 1 AS pk_x, count(*) AS n FROM s.t t", "pk_x");
    assert!(msg.contains("without GROUP BY"), "{msg}");
}

#[test]
fn distinct_on() {
    let (_, msg) = refused("SELECT DISTINCT ON (t.g) t.pk_x FROM s.t t", "pk_x");
    assert!(msg.contains("DISTINCT ON"), "{msg}");
}

#[test]
fn missing_key_column() {
    let (kind, msg) = refused("SELECT t.id, t.name FROM s.t t", "pk_x");
    assert_eq!(kind, ErrorKind::KeyColumn);
    assert!(msg.contains("pk_x"), "{msg}");
}

#[test]
fn not_a_select() {
    assert_eq!(refused("DELETE FROM s.t", "pk_x").0, ErrorKind::Syntax);
    assert_eq!(refused("SELECT 1; SELECT 2", "pk_x").0, ErrorKind::Syntax);
    assert_eq!(refused("SELEC nonsense", "pk_x").0, ErrorKind::Syntax);
}

#[test]
fn key_computed_by_an_aggregate_in_a_derived_table() {
    let (_, msg) = refused(
        "SELECT d.n AS pk_x FROM (SELECT t.g, count(*) AS n FROM s.t t GROUP BY t.g) d",
        "pk_x",
    );
    assert!(msg.contains("key column computed"), "{msg}");
}

#[test]
fn a_query_reading_no_table() {
    let (_, msg) = refused("SELECT 1 AS pk_x", "pk_x");
    assert!(msg.contains("reads no table"), "{msg}");
}
