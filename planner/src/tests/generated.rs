//! Rules checked over many generated shapes: joins of every type in every
//! position, and subqueries in every clause.

use crate::dialect::PgCanonical;
use sqlparser::parser::Parser;

use super::support::{delta_on_nullable_side, parse_key_query};
use crate::{plan, DELTA_RELATION};

fn key_query(sql: &str, source: &str) -> String {
    let planned = plan(sql, "pk_x").unwrap_or_else(|e| panic!("{sql}: {e}"));
    planned
        .sources
        .into_iter()
        .find(|s| s.relation.name == source)
        .unwrap_or_else(|| panic!("{source} not a source of {sql}"))
        .key_query
}

fn parses(sql: &str) {
    Parser::parse_sql(&PgCanonical::default(), sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

const JOINS: [&str; 4] = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"];

/// For `a <J1> b <J2> c`, every key query parses, reads the delta, and no
/// join leaves the delta on a side that may be null-extended.
#[test]
fn every_join_combination_keeps_delta_rows() {
    let mut checked = 0;
    for j1 in JOINS {
        for j2 in JOINS {
            let sql = format!(
                "SELECT a.pk_a AS pk_x, b.v, c.w FROM ((s.ta a {j1} s.tb b ON ((b.a = a.pk_a))) {j2} s.tc c ON ((c.b = b.pk_b)))"
            );
            if matches!(j1, "RIGHT JOIN" | "FULL JOIN") || matches!(j2, "RIGHT JOIN" | "FULL JOIN") {
                // a's key may be NULL-extended: refused.
                assert!(plan(&sql, "pk_x").is_err(), "{sql}");
                continue;
            }
            for source in ["ta", "tb", "tc"] {
                let q = key_query(&sql, source);
                parses(&q);
                assert!(q.contains(DELTA_RELATION), "{q}");
                if let Some(problem) = delta_on_nullable_side(&parse_key_query(&q, false)) {
                    panic!("{problem}: {sql} / {source}: {q}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
}

/// A subquery reading the source in each clause of the top-level SELECT.
#[test]
fn subqueries_in_every_clause_become_exists() {
    let sub = "(SELECT count(*) FROM s.tsub x WHERE x.a = t.pk_a)";
    let shapes = [
        format!("SELECT t.pk_a AS pk_x, {sub} AS n FROM s.ta t"),
        format!("SELECT t.pk_a AS pk_x FROM s.ta t WHERE {sub} > 0"),
        format!("SELECT t.pk_a AS pk_x FROM s.ta t WHERE t.v > 1 AND {sub} > 0"),
        format!("SELECT t.pk_a AS pk_x, count(*) AS n FROM s.ta t GROUP BY t.pk_a HAVING count(*) > {sub}"),
        format!("SELECT t.pk_a AS pk_x, jsonb_build_object('n', {sub}, 'v', t.v) AS data FROM s.ta t"),
        "SELECT t.pk_a AS pk_x FROM s.ta t WHERE EXISTS (SELECT 1 FROM s.tsub x WHERE x.a = t.pk_a)".to_string(),
        "SELECT t.pk_a AS pk_x FROM s.ta t WHERE NOT EXISTS (SELECT 1 FROM s.tsub x WHERE x.a = t.pk_a)".to_string(),
        "SELECT t.pk_a AS pk_x FROM s.ta t JOIN s.tb b ON b.a = t.pk_a AND b.v IN (SELECT x.v FROM s.tsub x)".to_string(),
        "SELECT t.pk_a AS pk_x, ARRAY(SELECT x.v FROM s.tsub x WHERE x.a = t.pk_a ORDER BY x.v) AS vs FROM s.ta t".to_string(),
    ];
    for sql in &shapes {
        let q = key_query(sql, "tsub");
        parses(&q);
        assert!(q.contains("EXISTS (SELECT 1 FROM pg_tviews_delta AS x"), "{sql}: {q}");
        assert!(!q.contains("count(*)"), "aggregates are dropped from the witness: {q}");
        assert!(!q.contains("HAVING") && !q.contains("ORDER BY"), "{q}");
    }
}

#[test]
fn in_subquery_is_linked_to_its_outer_value_with_nulls_kept() {
    for not in ["", "NOT "] {
        let sql = format!("SELECT t.pk_a AS pk_x FROM s.ta t WHERE t.v {not}IN (SELECT x.v FROM s.tsub x)");
        let q = key_query(&sql, "tsub");
        assert!(q.contains("x.v IS NULL OR t.v IS NULL OR x.v = t.v"), "{q}");
    }
}

#[test]
fn in_subquery_over_an_aggregate_is_not_linked() {
    let sql = "SELECT t.pk_a AS pk_x FROM s.ta t WHERE t.v IN (SELECT max(x.v) FROM s.tsub x GROUP BY x.a)";
    let q = key_query(sql, "tsub");
    assert!(!q.contains("IS NULL"), "{q}");
    assert!(!q.contains("GROUP BY"), "{q}");
}

#[test]
fn conditions_on_aggregates_of_a_derived_table_are_dropped_but_group_keys_kept() {
    let sql = "SELECT u.pk_u AS pk_x FROM (s.tu u JOIN (SELECT p.u, count(*) AS n FROM s.tp p GROUP BY p.u) pc ON ((pc.u = u.pk_u) AND (pc.n > 2))) WHERE pc.n < 10";
    let q = key_query(sql, "tp");
    assert!(q.contains("pc.u = u.pk_u"), "{q}");
    assert!(!q.contains("pc.n > 2") && !q.contains("pc.n < 10"), "{q}");
}

#[test]
fn lateral_top_n_drops_limit_and_keeps_correlation() {
    let sql = "SELECT u.pk_u AS pk_x, l.t FROM (s.tu u LEFT JOIN LATERAL (SELECT p.t FROM s.tp p WHERE p.u = u.pk_u ORDER BY p.c DESC LIMIT 3) l ON true) WHERE l.t IS NOT NULL";
    let q = key_query(sql, "tp");
    assert!(q.contains("JOIN LATERAL (SELECT NULL AS t FROM pg_tviews_delta AS p WHERE p.u = u.pk_u)"), "{q}");
    assert!(!q.contains("LIMIT") && !q.contains("l.t IS NOT NULL"), "{q}");
}

#[test]
fn cte_referenced_twice_is_two_occurrences() {
    let sql = "WITH c AS (SELECT p.u, p.v FROM s.tp p) SELECT a.u AS pk_x FROM c a JOIN c b ON b.v = a.v";
    let planned = plan(sql, "pk_x").unwrap();
    assert_eq!(planned.sources.len(), 1);
    assert_eq!(planned.sources[0].occurrences, 2);
    assert!(!planned.sources[0].key_query.contains("WITH"));
}

#[test]
fn union_all_branches_use_their_own_key_expression() {
    let sql = "SELECT a.id AS pk_x FROM s.ta a UNION ALL SELECT (b.id + 100) FROM s.tb b";
    assert_eq!(key_query(sql, "tb"), "SELECT (b.id + 100) FROM pg_tviews_delta AS \"b\"");
}

#[test]
fn quoted_names_stay_quoted() {
    let sql = r#"SELECT "T"."Pk x" AS pk_x, "T"."a ""b""" FROM "My Schema"."My Table" "T""#;
    let planned = plan(sql, "pk_x").unwrap();
    assert_eq!(planned.sources[0].relation.schema, "My Schema");
    assert_eq!(planned.sources[0].relation.name, "My Table");
    assert_eq!(planned.sources[0].key_query, r#"SELECT "T"."Pk x" FROM pg_tviews_delta AS "T""#);
}

/// Many generated three-level nestings: every key query parses and keeps
/// the correlation to the top-level row.
#[test]
fn nested_subqueries_at_every_depth() {
    let wrappers = [
        ("(SELECT jsonb_agg(", ") FROM s.tm m WHERE m.a = t.pk_a)"),
        ("(SELECT count(*) FROM s.tm m WHERE m.a = t.pk_a AND EXISTS (SELECT 1 FROM s.tm2 m2 WHERE m2.m = m.id AND m2.v = ", "))"),
        ("ARRAY(SELECT ", " FROM s.tm m WHERE m.a = t.pk_a)"),
    ];
    let inner = "(SELECT x.v FROM s.tsub x WHERE x.m = m.id LIMIT 1)";
    let mut n = 0;
    for (open, close) in wrappers {
        for clause in ["select", "where"] {
            let expr = format!("{open}{inner}{close}");
            let sql = match clause {
                "select" => format!("SELECT t.pk_a AS pk_x, {expr} AS d FROM s.ta t"),
                _ => format!("SELECT t.pk_a AS pk_x FROM s.ta t WHERE {expr} IS NOT NULL"),
            };
            let q = key_query(&sql, "tsub");
            parses(&q);
            assert!(q.contains("WHERE m.a = t.pk_a") || q.contains("(m.a = t.pk_a)"), "{q}");
            assert!(q.contains("FROM pg_tviews_delta AS x WHERE x.m = m.id"), "{q}");
            n += 1;
        }
    }
    assert_eq!(n, 6);
}

#[test]
fn columns_read_per_source_are_collected_across_occurrences() {
    let sql = "SELECT a.pk_a AS pk_x, b.v, (SELECT max(c.w) FROM s.ta c WHERE c.g = a.g) AS m FROM (s.ta a JOIN s.tb b ON ((b.a = a.pk_a)))";
    let planned = plan(sql, "pk_x").unwrap();
    let cols = |name: &str| planned.sources.iter().find(|s| s.relation.name == name).unwrap().columns.clone();
    assert_eq!(cols("ta"), Some(vec!["g".to_string(), "pk_a".to_string(), "w".to_string()]));
    assert_eq!(cols("tb"), Some(vec!["a".to_string(), "v".to_string()]));
}

#[test]
fn whole_row_use_means_every_column() {
    let planned = plan("SELECT a.pk_a AS pk_x, row_to_json(a) AS j FROM s.ta a", "pk_x").unwrap();
    assert_eq!(planned.sources[0].columns, None);
    let planned = plan("SELECT a.pk_a AS pk_x FROM s.ta a JOIN s.tb b USING (pk_a)", "pk_x").unwrap();
    assert!(planned.sources.iter().all(|s| s.columns.is_none()));
}

#[test]
fn aliases_postgres_does_not_reserve_are_accepted() {
    for alias in ["top", "view", "global", "sort", "minus"] {
        let sql = format!("SELECT t.id AS pk_x, {alias}.name FROM (s.t t LEFT JOIN LATERAL (SELECT x.name FROM s.t x ORDER BY x.id LIMIT 1) {alias} ON (true))");
        let q = key_query(&sql, "t");
        parses(&q);
    }
}

#[test]
fn top_as_a_qualifier_is_a_name() {
    let sql = "SELECT t.id AS pk_x, top.name FROM (s.t t LEFT JOIN LATERAL (SELECT x.name FROM s.t x ORDER BY x.id LIMIT 1) top ON (true))";
    let q = key_query(sql, "t");
    parses(&q);
    assert!(q.contains("AS top ON (true)"), "{q}");
    let quoted = r#"SELECT t.id AS pk_x, top."a ""b""" FROM (s.t t LEFT JOIN LATERAL (SELECT x."a ""b""" FROM s.t x LIMIT 1) top ON (true))"#;
    parses(&key_query(quoted, "t"));
}

#[test]
fn limit_in_a_derived_table_correlated_to_an_outer_row_is_per_row() {
    let sql = "SELECT u.id AS pk_x, (SELECT jsonb_agg(d.title) FROM (SELECT p.title FROM s.tp p WHERE p.u = u.id ORDER BY p.c DESC LIMIT 3) d) AS top3 FROM s.tu u";
    let q = key_query(sql, "tp");
    assert!(q.contains("FROM pg_tviews_delta AS p WHERE p.u = u.id"), "{q}");
    assert!(!q.contains("LIMIT"), "{q}");
}
