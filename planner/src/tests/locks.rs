//! Lock plans: which columns a write to each source locks, and which
//! sources must lock the whole TVIEW.

use crate::locks::{lock_plan, ReachLock, SourceLocks};

fn locks_of(sql: &str, key: &str, relation: &str) -> SourceLocks {
    lock_plan(sql, key)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .find(|(r, _)| r.name == relation)
        .map(|(_, l)| l)
        .unwrap_or_else(|| panic!("no lock plan for {relation}"))
}

fn columns(locks: &SourceLocks) -> Vec<(String, String, String)> {
    locks
        .columns
        .iter()
        .map(|c| (c.column.clone(), c.peer.name.clone(), c.peer_column.clone()))
        .collect()
}

const POST_WITH_AUTHOR: &str = " SELECT p.pk_post AS pk_post,     p.title,     u.name    FROM (s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)));";

#[test]
fn both_ends_of_a_join_lock_the_same_edge() {
    let post = locks_of(POST_WITH_AUTHOR, "pk_post", "tb_post");
    let user = locks_of(POST_WITH_AUTHOR, "pk_post", "tb_user");
    assert_eq!(columns(&post), vec![("fk_user".into(), "tb_user".into(), "pk_user".into())]);
    assert_eq!(columns(&user), vec![("pk_user".into(), "tb_post".into(), "fk_user".into())]);
    assert_eq!(post.columns[0].edge, user.columns[0].edge);
    assert!(!post.coarse && !user.coarse);
}

#[test]
fn a_single_table_locks_only_its_keys() {
    let sql = " SELECT p.pk_post AS pk_s5,     p.title    FROM s.tb_post p   WHERE p.published;";
    let post = locks_of(sql, "pk_s5", "tb_post");
    assert!(post.columns.is_empty() && !post.coarse);
}

#[test]
fn correlated_subqueries_are_edges_and_two_hops_away_is_reached() {
    let sql = " SELECT p.pk_post AS pk_s6,     jsonb_build_object('title', p.title, 'comments', ( SELECT COALESCE(jsonb_agg(jsonb_build_object('body', c.body, 'author', ( SELECT jsonb_build_object('name', u.name) AS jsonb_build_object                    FROM s.tb_user u                   WHERE (u.pk_user = c.fk_user))) ORDER BY c.pk_comment), '[]'::jsonb) AS \"coalesce\"            FROM s.tb_comment c           WHERE (c.fk_post = p.pk_post))) AS data    FROM s.tb_post p;";
    let comment = locks_of(sql, "pk_s6", "tb_comment");
    assert!(!comment.coarse);
    assert_eq!(
        columns(&comment),
        vec![
            ("fk_post".into(), "tb_post".into(), "pk_post".into()),
            ("fk_user".into(), "tb_user".into(), "pk_user".into()),
        ]
    );
    // A comment author is two edges away: its writers lock their edge,
    // post writers reach through the comments to the authors' values
    // unless comment.fk_post references post.
    let user = locks_of(sql, "pk_s6", "tb_user");
    assert!(!user.coarse);
    assert_eq!(columns(&user), vec![("pk_user".into(), "tb_comment".into(), "fk_user".into())]);
    assert_eq!(user.columns[0].level, 1);
    assert!(user.reach.is_empty() && comment.reach.is_empty());
    let post = locks_of(sql, "pk_s6", "tb_post");
    assert!(!post.coarse);
    assert_eq!(post.reach.len(), 1);
    let reach = &post.reach[0];
    assert_eq!((reach.level, reach.column.as_str()), (1, "pk_post"));
    assert_eq!(hops(reach), vec![("tb_comment".into(), "fk_post".into(), "fk_user".into())]);
    assert_eq!((reach.peer.name.as_str(), reach.peer_column.as_str()), ("tb_user", "pk_user"));
    assert_eq!(reach.edge, user.columns[0].edge, "the same lock ids as the user writers'");
    assert_eq!(links(reach), vec![("tb_post".into(), "pk_post".into(), "tb_comment".into(), "fk_post".into(), false)]);
}

fn hops(reach: &ReachLock) -> Vec<(String, String, String)> {
    reach.through.iter().map(|h| (h.relation.name.clone(), h.join_column.clone(), h.next_column.clone())).collect()
}

fn links(reach: &ReachLock) -> Vec<(String, String, String, String, bool)> {
    reach
        .unless
        .iter()
        .map(|l| (l.near.name.clone(), l.near_column.clone(), l.far.name.clone(), l.far_column.clone(), l.not_null))
        .collect()
}

#[test]
fn derived_table_columns_resolve_to_their_base_columns() {
    let sql = " SELECT u.pk_user AS pk_s10,     pc.n    FROM (s.tb_user u      LEFT JOIN ( SELECT tb_post.fk_user,             count(*) AS n            FROM s.tb_post           GROUP BY tb_post.fk_user) pc ON ((pc.fk_user = u.pk_user)));";
    let post = locks_of(sql, "pk_s10", "tb_post");
    assert!(!post.coarse);
    assert_eq!(columns(&post), vec![("fk_user".into(), "tb_user".into(), "pk_user".into())]);
    let sql = " SELECT d.pk_post AS pk_s16,     d.title,     u.name    FROM (( SELECT p.pk_post,             p.title,             p.fk_user            FROM s.tb_post p           WHERE p.published) d      JOIN s.tb_user u ON ((u.pk_user = d.fk_user)));";
    let user = locks_of(sql, "pk_s16", "tb_user");
    assert!(!user.coarse, "the root is tb_post inside the derived table");
    assert_eq!(columns(&user), vec![("pk_user".into(), "tb_post".into(), "fk_user".into())]);
}

#[test]
fn lateral_and_in_subqueries_link_by_equality() {
    let sql = " SELECT u.pk_user AS pk_s11,     lp.title AS latest    FROM (s.tb_user u      LEFT JOIN LATERAL ( SELECT p.title            FROM s.tb_post p           WHERE (p.fk_user = u.pk_user)           ORDER BY p.created DESC          LIMIT 1) lp ON (true));";
    assert_eq!(columns(&locks_of(sql, "pk_s11", "tb_post")), vec![("fk_user".into(), "tb_user".into(), "pk_user".into())]);
    let sql = " SELECT u.pk_user AS pk_x,     u.name    FROM s.tb_user u   WHERE (u.fk_company IN ( SELECT c.pk_company            FROM s.tb_company c           WHERE (c.name <> 'x'::text)));";
    let company = locks_of(sql, "pk_x", "tb_company");
    assert!(!company.coarse);
    assert_eq!(columns(&company), vec![("pk_company".into(), "tb_user".into(), "fk_company".into())]);
}

#[test]
fn no_equality_means_coarse() {
    // Non-equi join.
    let sql = " SELECT u.pk_user AS pk_s4,     ( SELECT count(*) AS count            FROM s.tb_user o           WHERE (o.score > u.score)) AS better    FROM s.tb_user u;";
    assert!(locks_of(sql, "pk_s4", "tb_user").coarse);
    // Uncorrelated subquery.
    let sql = " SELECT u.pk_user AS pk_y,     ( SELECT count(*) AS count            FROM s.tb_post) AS posts    FROM s.tb_user u;";
    assert!(locks_of(sql, "pk_y", "tb_post").coarse);
    assert!(!locks_of(sql, "pk_y", "tb_user").coarse);
    // An equality under OR links nothing.
    let sql = " SELECT p.pk_post AS pk_z,     u.name    FROM (s.tb_post p      JOIN s.tb_user u ON (((u.pk_user = p.fk_user) OR (u.pk_user = p.fk_editor))));";
    assert!(locks_of(sql, "pk_z", "tb_user").coarse);
}

const POST_USER_COMPANY: &str = " SELECT p.pk_post AS pk_w,     c.name    FROM ((s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))      JOIN s.tb_company c ON ((c.pk_company = u.fk_company)));";

#[test]
fn a_lookup_of_a_lookup_is_reached_from_the_root() {
    let user = locks_of(POST_USER_COMPANY, "pk_w", "tb_user");
    let company = locks_of(POST_USER_COMPANY, "pk_w", "tb_company");
    assert!(!user.coarse && !company.coarse);
    assert!(user.reach.is_empty() && company.reach.is_empty());
    let levels: Vec<(usize, String)> = user.columns.iter().map(|c| (c.level, c.column.clone())).collect();
    assert_eq!(levels, vec![(0, "pk_user".into()), (1, "fk_company".into())]);
    let post = locks_of(POST_USER_COMPANY, "pk_w", "tb_post");
    assert_eq!(post.reach.len(), 1);
    let reach = &post.reach[0];
    assert_eq!((reach.level, reach.column.as_str()), (1, "fk_user"));
    assert_eq!(hops(reach), vec![("tb_user".into(), "pk_user".into(), "fk_company".into())]);
    assert_eq!(reach.edge, company.columns[0].edge);
    // The foreign key that would excuse it runs from user to post: none
    // does here (post.fk_user references user, the other way).
    assert_eq!(links(reach), vec![("tb_post".into(), "fk_user".into(), "tb_user".into(), "pk_user".into(), false)]);
}

#[test]
fn three_hops_reach_level_by_level() {
    let sql = " SELECT p.pk_post AS pk_v,     n.name    FROM (((s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))      JOIN s.tb_company c ON ((c.pk_company = u.fk_company)))      JOIN s.tb_country n ON ((n.pk_country = c.fk_country)));";
    let country = locks_of(sql, "pk_v", "tb_country");
    assert!(!country.coarse && country.reach.is_empty());
    let post = locks_of(sql, "pk_v", "tb_post");
    let summary: Vec<(usize, usize, String)> = post.reach.iter().map(|r| (r.level, r.through.len(), r.peer.name.clone())).collect();
    assert_eq!(summary, vec![(1, 1, "tb_company".into()), (2, 2, "tb_country".into())]);
    assert_eq!(
        hops(&post.reach[1]),
        vec![("tb_user".into(), "pk_user".into(), "fk_company".into()), ("tb_company".into(), "pk_company".into(), "fk_country".into())]
    );
    // A user writer reaches the countries through its company; its
    // excuse needs both links, the first one NOT NULL.
    let user = locks_of(sql, "pk_v", "tb_user");
    assert_eq!(user.reach.len(), 1);
    assert_eq!((user.reach[0].level, user.reach[0].column.as_str()), (2, "fk_company"));
    assert_eq!(
        links(&user.reach[0]),
        vec![
            ("tb_post".into(), "fk_user".into(), "tb_user".into(), "pk_user".into(), true),
            ("tb_user".into(), "fk_company".into(), "tb_company".into(), "pk_company".into(), false),
        ]
    );
    assert!(locks_of(sql, "pk_v", "tb_company").reach.is_empty(), "it locks its edge to the countries itself");
}

#[test]
fn far_sources_with_more_than_one_path_stay_coarse() {
    // A cycle: the company is joined to the user and to the post.
    let sql = " SELECT p.pk_post AS pk_c,     c.name    FROM ((s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))      JOIN s.tb_company c ON (((c.pk_company = u.fk_company) AND (c.pk_company = p.fk_company))));";
    assert!(!locks_of(sql, "pk_c", "tb_company").coarse, "adjacent to the root");
    let sql = " SELECT p.pk_post AS pk_c,     n.name    FROM (((s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))      JOIN s.tb_company c ON ((c.pk_company = u.fk_company)))      JOIN s.tb_country n ON (((n.pk_country = c.fk_country) AND (n.pk_country = u.fk_country))));";
    assert!(locks_of(sql, "pk_c", "tb_country").coarse, "a cycle");
    assert!(locks_of(sql, "pk_c", "tb_post").reach.is_empty());
    // A composite link: two columns join user and company.
    let sql = " SELECT p.pk_post AS pk_c,     c.name    FROM ((s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))      JOIN s.tb_company c ON (((c.pk_company = u.fk_company) AND (c.region = u.region))));";
    assert!(locks_of(sql, "pk_c", "tb_company").coarse, "a composite link");
    assert!(locks_of(sql, "pk_c", "tb_post").reach.is_empty());
}

#[test]
fn union_all_branches_each_have_their_root() {
    let sql = " SELECT u.pk_user AS pk_s13,     u.name AS label    FROM s.tb_user u UNION ALL  SELECT (c.pk_company + 1000) AS pk_s13,     c.name AS label    FROM s.tb_company c;";
    assert!(!locks_of(sql, "pk_s13", "tb_user").coarse);
    assert!(!locks_of(sql, "pk_s13", "tb_company").coarse, "the key expression reads c");
}

#[test]
fn self_join_locks_both_columns_of_one_relation() {
    let sql = " SELECT e.pk_emp AS pk_e,     m.name AS manager    FROM (s.tb_emp e      LEFT JOIN s.tb_emp m ON ((m.pk_emp = e.fk_manager)));";
    let emp = locks_of(sql, "pk_e", "tb_emp");
    assert!(!emp.coarse);
    assert_eq!(
        columns(&emp),
        vec![("fk_manager".into(), "tb_emp".into(), "pk_emp".into()), ("pk_emp".into(), "tb_emp".into(), "fk_manager".into())]
    );
}
