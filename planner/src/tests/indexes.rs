//! Index needs derived from key queries and the recompute, per shape.
//! View texts are PostgreSQL 15 canonical text, as in `shapes.rs`.

use crate::indexes::{index_needs, IndexUse};

/// (relation, column, uses) with uses as "recompute" / "keys:<source>".
fn needs(sql: &str, key: &str) -> Vec<(String, String, Vec<String>)> {
    index_needs(sql, key)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|n| {
            let uses = n
                .uses
                .iter()
                .map(|u| match u {
                    IndexUse::Recompute => "recompute".to_string(),
                    IndexUse::FindKeys(r) => format!("keys:{}", r.name),
                })
                .collect();
            (n.relation.name, n.column, uses)
        })
        .collect()
}

fn has(found: &[(String, String, Vec<String>)], rel: &str, col: &str, uses: &[&str]) -> bool {
    found
        .iter()
        .any(|(r, c, u)| r == rel && c == col && u.iter().map(String::as_str).eq(uses.iter().copied()))
}

#[test]
fn join_column_of_the_other_table_is_looked_up_from_the_delta() {
    let sql = " SELECT p.pk_post, u.name    FROM (s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)));";
    let found = needs(sql, "pk_post");
    // a write to tb_user finds its posts by tb_post.fk_user
    assert!(has(&found, "tb_post", "fk_user", &["keys:tb_user"]), "{found:?}");
    // recomputing a post reads it by key, then its user by pk_user
    assert!(has(&found, "tb_post", "pk_post", &["recompute"]), "{found:?}");
    assert!(has(&found, "tb_user", "pk_user", &["recompute"]), "{found:?}");
    assert_eq!(found.len(), 3, "{found:?}");
}

#[test]
fn nested_subqueries_are_followed_through_their_correlation() {
    let sql = " SELECT p.pk_post AS pk_s6,     jsonb_build_object('title', p.title, 'comments', ( SELECT COALESCE(jsonb_agg(jsonb_build_object('body', c.body, 'author', ( SELECT jsonb_build_object('name', u.name) AS jsonb_build_object                    FROM s.tb_user u                   WHERE (u.pk_user = c.fk_user))) ORDER BY c.pk_comment), '[]'::jsonb) AS \"coalesce\"            FROM s.tb_comment c           WHERE (c.fk_post = p.pk_post))) AS data    FROM s.tb_post p;";
    let found = needs(sql, "pk_s6");
    assert!(has(&found, "tb_comment", "fk_post", &["recompute"]), "{found:?}");
    assert!(has(&found, "tb_comment", "fk_user", &["keys:tb_user"]), "{found:?}");
    assert!(has(&found, "tb_user", "pk_user", &["recompute"]), "{found:?}");
    assert!(has(&found, "tb_post", "pk_post", &["recompute", "keys:tb_comment", "keys:tb_user"]), "{found:?}");
}

#[test]
fn self_join_on_a_shared_column() {
    let sql = " SELECT a.pk_user AS pk_s3,     b.name AS peer    FROM (s.tb_user a      JOIN s.tb_user b ON (((b.fk_company = a.fk_company) AND (b.pk_user <> a.pk_user))));";
    let found = needs(sql, "pk_s3");
    assert!(has(&found, "tb_user", "fk_company", &["recompute", "keys:tb_user"]), "{found:?}");
}

#[test]
fn derived_table_columns_map_to_the_table_inside() {
    let sql = " SELECT d.pk_post AS pk_s16,     d.title,     u.name    FROM (( SELECT p.pk_post,             p.title,             p.fk_user            FROM s.tb_post p           WHERE p.published) d      JOIN s.tb_user u ON ((u.pk_user = d.fk_user)));";
    let found = needs(sql, "pk_s16");
    assert!(has(&found, "tb_post", "fk_user", &["keys:tb_user"]), "{found:?}");
    assert!(has(&found, "tb_post", "pk_post", &["recompute"]), "{found:?}");
}

#[test]
fn group_by_key_is_looked_up_by_the_grouped_column() {
    let sql = " SELECT p.fk_user AS pk_stats,     count(*) AS n    FROM s.tb_post p   GROUP BY p.fk_user;";
    let found = needs(sql, "pk_stats");
    assert!(has(&found, "tb_post", "fk_user", &["recompute"]), "{found:?}");
}

#[test]
fn in_subquery_and_exists_link_their_columns() {
    let sql = " SELECT u.pk_user AS pk_s8,     u.name    FROM s.tb_user u   WHERE ((EXISTS ( SELECT 1            FROM s.tb_post p           WHERE (p.fk_user = u.pk_user))) AND (u.fk_company IN ( SELECT c.pk_company            FROM s.tb_company c           WHERE (c.name <> 'x'::text))));";
    let found = needs(sql, "pk_s8");
    assert!(has(&found, "tb_post", "fk_user", &["recompute"]), "{found:?}");
    assert!(has(&found, "tb_company", "pk_company", &["recompute", "keys:tb_post"]), "{found:?}");
}

#[test]
fn cte_is_followed_like_a_derived_table() {
    let sql = " WITH pub AS (          SELECT tb_post.pk_post,             tb_post.fk_user            FROM s.tb_post           WHERE tb_post.published         )  SELECT pub.pk_post AS pk_s12,     u.name    FROM (pub      JOIN s.tb_user u ON ((u.pk_user = pub.fk_user)));";
    let found = needs(sql, "pk_s12");
    assert!(has(&found, "tb_post", "fk_user", &["keys:tb_user"]), "{found:?}");
}

#[test]
fn union_all_branches_are_each_followed() {
    let sql = " SELECT u.pk_user AS pk_s13,     u.name AS label    FROM s.tb_user u UNION ALL  SELECT (c.pk_company + 1000) AS pk_s13,     c.name AS label    FROM s.tb_company c;";
    let found = needs(sql, "pk_s13");
    // the computed key of the second branch gives no lookup
    assert_eq!(found, vec![("tb_user".to_string(), "pk_user".to_string(), vec!["recompute".to_string()])]);
}

#[test]
fn names_do_not_matter_only_comparisons_do() {
    // A column named like a foreign key but never compared needs nothing.
    let sql = " SELECT p.pk_post, p.fk_user    FROM s.tb_post p;";
    let found = needs(sql, "pk_post");
    assert_eq!(found.len(), 1, "{found:?}");
    // A non-equi comparison is still served by a btree.
    let sql = " SELECT u.pk_user,     ( SELECT count(*) AS count            FROM s.tb_user o           WHERE (o.score > u.score)) AS better    FROM s.tb_user u;";
    let found = needs(sql, "pk_user");
    assert!(has(&found, "tb_user", "score", &["recompute", "keys:tb_user"]), "{found:?}");
}
