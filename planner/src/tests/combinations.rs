//! Properties over generated shapes: every combination of join types ×
//! which relation the key comes from × which relation is written ×
//! distinct tables or a self-join × the wrapper around the query; and of
//! subquery placement × what the subquery reads × the outer FROM × the
//! wrapper.  Each key query must have the properties of
//! `support::check_key_query` (parses with sqlparser's PostgreSQL dialect,
//! one branch per occurrence reading the delta once, the key expression as
//! its only output, the delta never null-extended, identifiers quoted),
//! every source relation of the view must get a plan with the right number
//! of occurrences, and planning must be deterministic.

use std::collections::BTreeMap;

use super::support::{check_deterministic, check_key_query, planned};
use crate::TviewPlan;

const JOINS: [&str; 4] = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"];

/// How the generated query is wrapped: (name, view text from the inner
/// query `{q}`, key expression of the inner query's occurrences).  `{k}`
/// in the inner query is the alias the key comes from.
const WRAPPERS: &[(&str, &str, &str)] = &[
    ("plain", "{q}", "{k}.pk"),
    ("filtered", "{q} WHERE (a.v > 0)", "{k}.pk"),
    ("grouped", "{q} GROUP BY {k}.pk", "{k}.pk"),
    ("derived", "SELECT w.pk_x, w.va FROM ( {q}) w", "w.pk_x"),
    ("cte", "WITH w AS ( {q} ) SELECT w.pk_x, w.va FROM w", "w.pk_x"),
    ("union_all", "{q} UNION ALL SELECT (z.pk + 1000000) AS pk_x, z.v AS va FROM s.tz z", "{k}.pk"),
];

/// The sources a wrapper adds, with their key expression.
fn wrapper_sources(wrapper: &str) -> Vec<(&'static str, &'static str)> {
    match wrapper {
        "union_all" => vec![("tz", "(z.pk + 1000000)")],
        _ => vec![],
    }
}

/// Plan `view`, check that its sources are exactly `expected` (relation ->
/// (occurrences, key expression)), and check every key query.
fn check_view(view: &str, expected: &BTreeMap<String, (usize, String)>) -> TviewPlan {
    let plan = planned(view, "pk_x");
    let got: BTreeMap<String, usize> = plan.sources.iter().map(|s| (s.relation.name.clone(), s.occurrences)).collect();
    let want: BTreeMap<String, usize> = expected.iter().map(|(r, (n, _))| (r.clone(), *n)).collect();
    assert_eq!(got, want, "every source gets a plan, with its occurrences: {view}");
    for source in &plan.sources {
        let (n, key) = &expected[&source.relation.name];
        assert!(source.relation.schema == "s", "{view}");
        check_key_query(view, source, &vec![key.as_str(); *n], false);
    }
    plan
}

#[test]
fn join_types_by_key_side_by_written_relation_by_wrapper() {
    let mut views = 0;
    let mut checked = 0;
    let mut refused = 0;
    for self_join in [false, true] {
        let third = if self_join { "ta" } else { "tc" };
        for j1 in JOINS {
            for j2 in JOINS {
                // "abc": a key from all three, never NULL however they are joined.
                for k in ["a", "b", "c", "abc"] {
                    let inner = format!(
                        "SELECT {{k}}.pk AS pk_x, a.v AS va{agg} FROM ((s.ta a {j1} s.tb b ON ((b.fk_a = a.pk))) {j2} s.{third} c ON ((c.fk_b = b.pk)))",
                        agg = "{agg}"
                    );
                    for (wrapper, template, key) in WRAPPERS {
                        let agg = if *wrapper == "grouped" { ", count(*) AS n" } else { "" };
                        let q = inner.replace("{agg}", agg);
                        let all = "concat(a.pk, ':', b.pk, ':', c.pk)";
                        let of_k = |text: &str| if k == "abc" { text.replace("{k}.pk", all) } else { text.replace("{k}", k) };
                        let view = of_k(&template.replace("{q}", &q));
                        let key = of_k(key);
                        let mut expected: BTreeMap<String, (usize, String)> = BTreeMap::new();
                        for t in ["ta", "tb", third] {
                            expected.entry(t.to_string()).or_insert((0, key.clone())).0 += 1;
                        }
                        for (t, z) in wrapper_sources(wrapper) {
                            expected.insert(t.to_string(), (1, z.to_string()));
                        }
                        // A key from a side an outer join NULL-extends is refused.
                        let nulls_left = |j: &str| j == "RIGHT JOIN" || j == "FULL JOIN";
                        let nulls_right = |j: &str| j == "LEFT JOIN" || j == "FULL JOIN";
                        let nullable = match k {
                            "a" => nulls_left(j1) || nulls_left(j2),
                            "b" => nulls_right(j1) || nulls_left(j2),
                            "c" => nulls_right(j2),
                            _ => false,
                        };
                        if nullable {
                            let e = crate::plan(&view, "pk_x").expect_err(&view);
                            assert!(e.message.contains("nullable side of an outer join"), "{view}: {e}");
                            refused += 1;
                            views += 1;
                            continue;
                        }
                        let plan = check_view(&view, &expected);
                        checked += plan.sources.len();
                        // The key's own relation, read directly at the top: its
                        // keys are the delta's, whatever the joins.
                        let own = match k { "a" => "ta", "b" => "tb", _ => third };
                        if matches!(*wrapper, "plain" | "filtered" | "grouped") && !self_join && k != "abc" {
                            let q = &plan.sources.iter().find(|s| s.relation.name == own).unwrap().key_query;
                            assert_eq!(q, &format!("SELECT {k}.pk FROM pg_tviews_delta AS \"{k}\""), "{view}");
                        }
                        if *wrapper == "plain" {
                            check_deterministic(&view, "pk_x", &plan);
                        }
                        views += 1;
                    }
                }
            }
        }
    }
    assert_eq!(views, 2 * 16 * 4 * WRAPPERS.len());
    assert_eq!(views, 768, "generated views");
    assert_eq!(refused, 384, "views refused for a key from a NULL-extended side");
    assert_eq!(checked, 1024, "source plans checked");
}

/// Where a correlated subquery reading `{from}` (correlated by `{cond}`)
/// sits in a query over `{outer}` (alias `a`, key `a.pk`).
const PLACEMENTS: &[(&str, &str)] = &[
    ("select_scalar", "SELECT a.pk AS pk_x, ( SELECT count(*) AS count FROM {from} WHERE {cond}) AS n FROM {outer}"),
    ("select_jsonb", "SELECT a.pk AS pk_x, jsonb_build_object('v', a.v, 'xs', ( SELECT jsonb_agg(x.v ORDER BY x.pk) AS jsonb_agg FROM {from} WHERE {cond})) AS data FROM {outer}"),
    ("select_array", "SELECT a.pk AS pk_x, ARRAY( SELECT x.v FROM {from} WHERE {cond} ORDER BY x.v) AS xs FROM {outer}"),
    ("select_case_exists", "SELECT a.pk AS pk_x, CASE WHEN (EXISTS ( SELECT 1 FROM {from} WHERE {cond})) THEN 1 ELSE 0 END AS has FROM {outer}"),
    ("select_coalesce", "SELECT a.pk AS pk_x, COALESCE(( SELECT max(x.v) AS max FROM {from} WHERE {cond}), 0) AS m FROM {outer}"),
    ("where_exists", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE (EXISTS ( SELECT 1 FROM {from} WHERE {cond}))"),
    ("where_not_exists", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE (NOT (EXISTS ( SELECT 1 FROM {from} WHERE {cond})))"),
    ("where_in", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE (a.v IN ( SELECT x.v FROM {from} WHERE {cond}))"),
    ("where_not_in", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE (NOT (a.v IN ( SELECT x.v FROM {from} WHERE {cond})))"),
    ("where_scalar", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE (( SELECT count(*) AS count FROM {from} WHERE {cond}) > 0)"),
    ("where_or", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE ((a.v > 0) OR (EXISTS ( SELECT 1 FROM {from} WHERE {cond})))"),
    ("where_and", "SELECT a.pk AS pk_x, a.v FROM {outer} WHERE ((a.v > 0) AND (EXISTS ( SELECT 1 FROM {from} WHERE {cond})))"),
    ("having", "SELECT a.pk AS pk_x, count(*) AS n FROM {outer} GROUP BY a.pk HAVING (count(*) > ( SELECT count(*) AS count FROM {from} WHERE {cond}))"),
    ("aggregate_filter", "SELECT a.pk AS pk_x, count(*) FILTER (WHERE (EXISTS ( SELECT 1 FROM {from} WHERE {cond}))) AS n FROM {outer} GROUP BY a.pk"),
    ("lateral", "SELECT a.pk AS pk_x, l.n FROM ({outer} LEFT JOIN LATERAL ( SELECT count(*) AS n FROM {from} WHERE {cond}) l ON (true))"),
    ("lateral_top_one", "SELECT a.pk AS pk_x, l.v FROM ({outer} LEFT JOIN LATERAL ( SELECT x.v FROM {from} WHERE {cond} ORDER BY x.v DESC LIMIT 1) l ON (true))"),
    ("derived_grouped", "SELECT a.pk AS pk_x, d.n FROM ({outer} LEFT JOIN ( SELECT x.fk_a, count(*) AS n FROM {from} WHERE {cond} GROUP BY x.fk_a) d ON ((d.fk_a = a.pk)))"),
];

/// Wrappers of the subquery placements (each placement outputs two
/// columns, so a UNION ALL branch has two as well).
const SUBQUERY_WRAPPERS: &[(&str, &str, &str)] = &[
    ("plain", "{q}", "a.pk"),
    ("derived", "SELECT w.pk_x FROM ( {q}) w", "w.pk_x"),
    ("cte", "WITH w AS ( {q} ) SELECT w.pk_x FROM w", "w.pk_x"),
    ("union_all", "{q} UNION ALL SELECT (z.pk + 1000000) AS pk_x, z.v FROM s.tz z", "a.pk"),
];

/// What the subquery reads: (name, FROM, extra condition, relations).
const BODIES: &[(&str, &str, &str, &[&str])] = &[
    ("one_table", "s.tx x", "", &["tx"]),
    ("inner_join", "(s.tx x JOIN s.ty y ON ((y.pk = x.fk_y)))", "", &["tx", "ty"]),
    ("left_join", "(s.tx x LEFT JOIN s.ty y ON ((y.pk = x.fk_y)))", "", &["tx", "ty"]),
    ("nested_exists", "s.tx x", " AND (EXISTS ( SELECT 1 FROM s.ty y WHERE (y.fk_x = x.pk)))", &["tx", "ty"]),
];

const OUTERS: &[(&str, &[&str])] = &[
    ("s.ta a", &["ta"]),
    ("(s.ta a JOIN s.tb b ON ((b.fk_a = a.pk)))", &["ta", "tb"]),
    ("(s.ta a LEFT JOIN s.tb b ON ((b.fk_a = a.pk)))", &["ta", "tb"]),
];

type Placement = (&'static str, &'static str);
type Body = (&'static str, &'static str, &'static str, &'static [&'static str]);
type Outer = (&'static str, &'static [&'static str]);
type Wrapper = (&'static str, &'static str, &'static str);

/// Check one generated view: a subquery placed in a query, read by a
/// wrapper.  Returns the source plans checked.
fn check_placement(placement: &Placement, body: &Body, outer: &Outer, wrapper: &Wrapper) -> usize {
    let ((placement, template), (body, from, extra, body_relations)) = (placement, body);
    let ((outer, outer_relations), (wrapper, wrap, key)) = (outer, wrapper);
    // The derived table correlates through its join instead.
    let cond = if *placement == "derived_grouped" {
        format!("(x.v IS NOT NULL{extra})")
    } else {
        format!("((x.fk_a = a.pk){extra})")
    };
    let q = template.replace("{from}", from).replace("{cond}", &cond).replace("{outer}", outer);
    let view = wrap.replace("{q}", &q);
    let mut expected: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for t in outer_relations.iter().chain(body_relations.iter()) {
        expected.insert(t.to_string(), (1, key.to_string()));
    }
    for (t, z) in wrapper_sources(wrapper) {
        expected.insert(t.to_string(), (1, z.to_string()));
    }
    let plan = check_view(&view, &expected);
    // The subquery's relations keep their correlation to the outer row (or
    // the derived table its join to it).
    for relation in body_relations.iter() {
        let q = &plan.sources.iter().find(|s| &s.relation.name == relation).unwrap().key_query;
        assert!(q.contains("= a.pk)"), "{placement}/{body}: the correlation to the outer row is kept: {view}\n  {q}");
    }
    if *wrapper == "plain" {
        check_deterministic(&view, "pk_x", &plan);
    }
    plan.sources.len()
}

/// Every placement × every body × every outer FROM, unwrapped.
#[test]
fn subquery_placements_by_body_by_outer_from() {
    let (mut views, mut checked) = (0, 0);
    for placement in PLACEMENTS {
        for body in BODIES {
            for outer in OUTERS {
                checked += check_placement(placement, body, outer, &SUBQUERY_WRAPPERS[0]);
                views += 1;
            }
        }
    }
    assert_eq!(views, PLACEMENTS.len() * BODIES.len() * OUTERS.len());
    assert_eq!(views, 204, "generated views");
    assert_eq!(checked, 697, "source plans checked");
}

/// Every placement × every wrapper (derived table, CTE, UNION ALL), and
/// every body × outer FROM × wrapper for a jsonb placement: together with
/// the test above, every pair of dimensions is covered.
#[test]
fn subquery_placements_and_bodies_by_wrapper() {
    let (mut views, mut checked) = (0, 0);
    let left_join_body = &BODIES[2];
    let left_join_outer = &OUTERS[2];
    let jsonb = PLACEMENTS.iter().find(|p| p.0 == "select_jsonb").unwrap();
    for wrapper in &SUBQUERY_WRAPPERS[1..] {
        let mut combos: Vec<(&Placement, &Body, &Outer)> =
            PLACEMENTS.iter().map(|p| (p, left_join_body, left_join_outer)).collect();
        for body in BODIES {
            for outer in OUTERS {
                combos.push((jsonb, body, outer));
            }
        }
        for (placement, body, outer) in combos {
            checked += check_placement(placement, body, outer, wrapper);
            views += 1;
        }
    }
    assert_eq!(views, 3 * (PLACEMENTS.len() + BODIES.len() * OUTERS.len()));
    assert_eq!(views, 87, "generated views");
    assert_eq!(checked, 356, "source plans checked");
}
