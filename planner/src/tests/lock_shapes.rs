//! Lock plans over generated shapes: chains of 1 to 4 equality edges from
//! the root (each edge's foreign key on either end), written as joins,
//! LEFT JOINs or nested correlated subqueries; the same chains closed into
//! a cycle; and chains with one composite (two-column) edge.  The rules
//! are those of the `locks` module comment: a source at depth <= 1 or on
//! the only path to the root locks its edges at their level, writers
//! nearer the root take reach locks for every edge farther than their next
//! one, and a source at depth >= 2 whose path is not the only one (cycle,
//! composite edge) is coarse.

use crate::locks::{lock_plan, SourceLocks};

/// Edge i joins x(i-1) and x(i); `down` puts the foreign key on x(i)
/// (`x{i}.fk{i-1} = x{i-1}.pk`), otherwise on x(i-1) (`x{i}.pk = x{i-1}.fk{i}`).
fn edge(i: usize, down: bool) -> String {
    if down {
        format!("(x{i}.fk{} = x{}.pk)", i - 1, i - 1)
    } else {
        format!("(x{i}.pk = x{}.fk{i})", i - 1)
    }
}

/// (column of x(i-1), column of x(i)) of edge i.
fn edge_columns(i: usize, down: bool) -> (String, String) {
    if down {
        ("pk".to_string(), format!("fk{}", i - 1))
    } else {
        (format!("fk{i}"), "pk".to_string())
    }
}

/// A chain x0 .. xn with `conditions[i-1]` joining x(i) to the rest.
fn chain(conditions: &[String], presentation: &str) -> String {
    let n = conditions.len();
    match presentation {
        "join" | "left_join" => {
            let j = if presentation == "join" { "JOIN" } else { "LEFT JOIN" };
            let mut from = "s.t0 x0".to_string();
            for (i, c) in conditions.iter().enumerate() {
                from = format!("({from} {j} s.t{} x{} ON ({c}))", i + 1, i + 1);
            }
            format!("SELECT x0.pk AS pk_x, x{n}.v FROM {from}")
        }
        _ => {
            let mut inner = format!("x{n}.v");
            for i in (1..=n).rev() {
                inner = format!("( SELECT jsonb_agg({inner}) AS j FROM s.t{i} x{i} WHERE {})", conditions[i - 1]);
            }
            format!("SELECT x0.pk AS pk_x, {inner} AS data FROM s.t0 x0")
        }
    }
}

fn plans(sql: &str) -> Vec<(String, SourceLocks)> {
    lock_plan(sql, "pk_x")
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|(r, l)| (r.name, l))
        .collect()
}

fn of<'a>(plans: &'a [(String, SourceLocks)], relation: &str, sql: &str) -> &'a SourceLocks {
    plans.iter().find(|(r, _)| r == relation).map(|(_, l)| l).unwrap_or_else(|| panic!("no plan for {relation}: {sql}"))
}

const PRESENTATIONS: [&str; 3] = ["join", "left_join", "subquery"];

#[test]
fn chains_lock_each_edge_at_its_level_and_reach_from_nearer_writers() {
    let (mut views, mut checked) = (0, 0);
    for n in 1..=4usize {
        for directions in 0..(1u32 << n) {
            let down = |i: usize| directions & (1 << (i - 1)) != 0;
            let conditions: Vec<String> = (1..=n).map(|i| edge(i, down(i))).collect();
            for presentation in PRESENTATIONS {
                let sql = chain(&conditions, presentation);
                let plans = plans(&sql);
                assert_eq!(plans.len(), n + 1, "every relation gets a lock plan: {sql}");
                for k in 0..=n {
                    let locks = of(&plans, &format!("t{k}"), &sql);
                    assert!(!locks.coarse, "t{k} is on the only path: {sql}");
                    // Its edges: e(k) at level k-1, e(k+1) at level k.
                    let mut want = Vec::new();
                    if k >= 1 {
                        let (near, far) = edge_columns(k, down(k));
                        want.push((k - 1, far, format!("t{}", k - 1), near));
                    }
                    if k < n {
                        let (near, far) = edge_columns(k + 1, down(k + 1));
                        want.push((k, near, format!("t{}", k + 1), far));
                    }
                    let mut got: Vec<(usize, String, String, String)> =
                        locks.columns.iter().map(|c| (c.level, c.column.clone(), c.peer.name.clone(), c.peer_column.clone())).collect();
                    got.sort();
                    want.sort();
                    assert_eq!(got, want, "t{k}: {sql}");
                    // Reach locks: one per edge beyond the next one.
                    let levels: Vec<usize> = locks.reach.iter().map(|r| r.level).collect();
                    let want_levels: Vec<usize> = (k + 1..n).collect();
                    assert_eq!(levels, want_levels, "t{k} reach levels: {sql}");
                    for reach in &locks.reach {
                        assert_eq!(reach.through.len(), reach.level - k, "{sql}");
                        assert_eq!(reach.through[0].relation.name, format!("t{}", k + 1), "{sql}");
                        assert_eq!(reach.peer.name, format!("t{}", reach.level + 1), "{sql}");
                        // The same lock ids as the far writers' own edge locks.
                        let far = of(&plans, &reach.peer.name, &sql);
                        assert!(far.columns.iter().any(|c| c.edge == reach.edge && c.level == reach.level), "{sql}");
                        // Excused by foreign keys along e1 .. e(k+1), all but the last NOT NULL.
                        let not_null: Vec<bool> = reach.unless.iter().map(|l| l.not_null).collect();
                        let mut want_not_null = vec![true; k + 1];
                        want_not_null[k] = false;
                        assert_eq!(not_null, want_not_null, "{sql}");
                    }
                    checked += 1;
                }
                views += 1;
            }
        }
    }
    assert_eq!(views, (2 + 4 + 8 + 16) * 3);
    assert_eq!(views, 90, "generated chains");
    assert_eq!(checked, 3 * (2 * 2 + 4 * 3 + 8 * 4 + 16 * 5), "relation plans checked");
}

/// Depths from x0 over the chain plus the extra edge x(n) - x(m).
fn depths(n: usize, m: usize) -> Vec<usize> {
    (0..=n).map(|k| k.min(m + 1 + (n - k))).collect()
}

#[test]
fn cycles_make_sources_two_edges_away_coarse() {
    let (mut views, mut checked) = (0, 0);
    for n in 2..=4usize {
        for m in 0..=n - 2 {
            for presentation in PRESENTATIONS {
                let mut conditions: Vec<String> = (1..=n).map(|i| edge(i, true)).collect();
                let closing = format!("(x{n}.fk{m}b = x{m}.pk)");
                conditions[n - 1] = format!("({} AND {closing})", conditions[n - 1]);
                let sql = chain(&conditions, presentation);
                let plans = plans(&sql);
                for (k, depth) in depths(n, m).into_iter().enumerate() {
                    let locks = of(&plans, &format!("t{k}"), &sql);
                    assert_eq!(locks.coarse, depth >= 2, "t{k} at depth {depth}: {sql}");
                    assert!(locks.reach.is_empty(), "no reach locks in a cycle: {sql}");
                    checked += 1;
                }
                views += 1;
            }
        }
    }
    assert_eq!(views, (1 + 2 + 3) * 3, "generated cycles");
    assert_eq!(checked, 3 * (3 + 2 * 4 + 3 * 5), "relation plans checked");
}

#[test]
fn a_composite_edge_makes_sources_behind_it_coarse() {
    let (mut views, mut checked) = (0, 0);
    for n in 1..=4usize {
        for composite in 1..=n {
            for presentation in PRESENTATIONS {
                let mut conditions: Vec<String> = (1..=n).map(|i| edge(i, true)).collect();
                let c = &mut conditions[composite - 1];
                *c = format!("({c} AND (x{composite}.region = x{}.region))", composite - 1);
                let sql = chain(&conditions, presentation);
                let plans = plans(&sql);
                for k in 0..=n {
                    let locks = of(&plans, &format!("t{k}"), &sql);
                    assert_eq!(locks.coarse, k >= 2 && k >= composite, "t{k}, composite e{composite}: {sql}");
                    checked += 1;
                }
                views += 1;
            }
        }
    }
    assert_eq!(views, (1 + 2 + 3 + 4) * 3, "generated composite chains");
    assert_eq!(checked, 3 * (2 + 2 * 3 + 3 * 4 + 4 * 5), "relation plans checked");
}

/// Shapes whose sources have no equality path to the root: (what, view,
/// relation, coarse).
const LINKS: &[(&str, &str, &str, bool)] = &[
    ("range join", "SELECT a.pk AS pk_x, b.v FROM (s.ta a JOIN s.tb b ON ((b.v > a.v)))", "tb", true),
    ("range join, root side", "SELECT a.pk AS pk_x, b.v FROM (s.ta a JOIN s.tb b ON ((b.v > a.v)))", "ta", false),
    ("equality under OR", "SELECT a.pk AS pk_x, b.v FROM (s.ta a JOIN s.tb b ON (((b.fk = a.pk) OR (b.fk2 = a.pk))))", "tb", true),
    ("uncorrelated subquery", "SELECT a.pk AS pk_x, ( SELECT count(*) AS count FROM s.tb b) AS n FROM s.ta a", "tb", true),
    ("cross join", "SELECT a.pk AS pk_x, b.v FROM s.ta a, s.tb b", "tb", true),
    ("equality through IN", "SELECT a.pk AS pk_x FROM s.ta a WHERE (a.fk IN ( SELECT b.pk FROM s.tb b WHERE b.ok))", "tb", false),
    ("equality through EXISTS", "SELECT a.pk AS pk_x FROM s.ta a WHERE (EXISTS ( SELECT 1 FROM s.tb b WHERE (b.fk = a.pk)))", "tb", false),
    ("equality in a derived table's join", "SELECT d.pk AS pk_x FROM ( SELECT a.pk, b.v FROM (s.ta a JOIN s.tb b ON ((b.fk = a.pk)))) d", "tb", false),
    ("equality through a CTE", "WITH c AS ( SELECT b.fk, count(*) AS n FROM s.tb b GROUP BY b.fk) SELECT a.pk AS pk_x, c.n FROM (s.ta a LEFT JOIN c ON ((c.fk = a.pk)))", "tb", false),
    ("grouped key is the root", "SELECT b.fk AS pk_x, count(*) AS n FROM s.tb b GROUP BY b.fk", "tb", false),
    ("computed key's relation is the root", "SELECT (a.pk + 1000) AS pk_x, b.v FROM (s.ta a JOIN s.tb b ON ((b.fk = a.pk)))", "tb", false),
    ("a second root in a UNION ALL branch", "SELECT a.pk AS pk_x FROM s.ta a UNION ALL SELECT (b.pk + 1000) AS pk_x FROM s.tb b", "tb", false),
];

#[test]
fn sources_without_an_equality_path_are_coarse() {
    for (what, sql, relation, coarse) in LINKS {
        let plans = plans(sql);
        assert_eq!(of(&plans, relation, sql).coarse, *coarse, "{what}: {sql}");
    }
    assert_eq!(LINKS.len(), 12, "link shapes");
}
