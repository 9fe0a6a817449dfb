//! Which key queries only read a column of the changed rows (`delta_key`):
//! the engine then takes the keys from the rows themselves, so a wrong
//! answer here would miss keys.  Only the bare projection of the written
//! relation's own column qualifies.

use super::support::source_plan;
use crate::DeltaKey;

fn exact(column: &str) -> Option<DeltaKey> {
    Some(DeltaKey { column: column.into(), exact: true })
}

fn equal(column: &str) -> Option<DeltaKey> {
    Some(DeltaKey { column: column.into(), exact: false })
}

const POST: &str = "SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data \
                    FROM (public.tb_post p JOIN public.tb_user u ON ((u.pk_user = p.fk_user)))";

#[test]
fn the_root_relation_gives_its_key_column() {
    assert_eq!(source_plan(POST, "pk_post", "tb_post").delta_key, exact("pk_post"));
}

#[test]
fn a_relation_joined_to_the_key_gives_its_join_column() {
    assert_eq!(source_plan(POST, "pk_post", "tb_user").delta_key, None);
    let sql = "SELECT u.pk_user, (SELECT count(*) FROM public.tb_post p WHERE (p.fk_user = u.pk_user)) AS posts FROM public.tb_user u";
    assert_eq!(source_plan(sql, "pk_user", "tb_post").delta_key, equal("fk_user"));
}

#[test]
fn a_relation_two_joins_away_needs_its_query() {
    let sql = "SELECT p.pk_post, (SELECT jsonb_agg(cu.name) FROM (public.tb_comment c JOIN public.tb_user cu ON ((cu.pk_user = c.fk_user))) WHERE (c.fk_post = p.pk_post)) AS names FROM public.tb_post p";
    assert_eq!(source_plan(sql, "pk_post", "tb_comment").delta_key, equal("fk_post"));
    assert_eq!(source_plan(sql, "pk_post", "tb_user").delta_key, None);
}

#[test]
fn a_join_on_something_else_than_the_key_needs_its_query() {
    let sql = "SELECT p.pk_post, (SELECT count(*) FROM public.tb_comment c WHERE (c.fk_user = p.fk_user)) AS n FROM public.tb_post p";
    assert_eq!(source_plan(sql, "pk_post", "tb_comment").delta_key, None);
}

#[test]
fn a_renamed_key_column_is_the_source_column() {
    let sql = "SELECT tp.pk_post AS pk_feed, tp.data FROM public.tv_post tp";
    assert_eq!(source_plan(sql, "pk_feed", "tv_post").delta_key, exact("pk_post"));
}

#[test]
fn a_computed_key_needs_its_query() {
    let sql = "SELECT (p.pk_post * 10) AS k, p.title FROM public.tb_post p";
    assert_eq!(source_plan(sql, "k", "tb_post").delta_key, None);
}

#[test]
fn a_self_join_needs_its_query() {
    let sql = "SELECT a.pk_post, b.title FROM (public.tb_post a JOIN public.tb_post b ON ((b.pk_post = a.fk_parent)))";
    assert_eq!(source_plan(sql, "pk_post", "tb_post").delta_key, None);
}

#[test]
fn each_branch_of_a_union_answers_for_its_own_relation() {
    let sql = "SELECT p.pk_post, p.title FROM public.tb_post p UNION ALL SELECT (d.pk_draft + 1000000), d.title FROM public.tb_draft d";
    assert_eq!(source_plan(sql, "pk_post", "tb_post").delta_key, exact("pk_post"));
    assert_eq!(source_plan(sql, "pk_post", "tb_draft").delta_key, None);
}

#[test]
fn a_relation_in_two_branches_needs_its_query() {
    let sql = "SELECT p.pk_post, p.title FROM public.tb_post p UNION ALL SELECT (p.pk_post + 1000000), p.body FROM public.tb_post p";
    assert_eq!(source_plan(sql, "pk_post", "tb_post").delta_key, None);
}

#[test]
fn a_filtered_root_still_reads_its_column() {
    // The WHERE clause only narrows the view: every key it keeps is among
    // the changed rows' values (a superset is allowed).
    let sql = "SELECT p.pk_post, p.title FROM public.tb_post p WHERE p.published";
    assert_eq!(source_plan(sql, "pk_post", "tb_post").delta_key, exact("pk_post"));
}

#[test]
fn a_grouped_view_needs_its_query_unless_grouped_by_the_column() {
    let sql = "SELECT c.fk_post, count(*) AS n FROM public.tb_comment c GROUP BY c.fk_post";
    assert_eq!(source_plan(sql, "fk_post", "tb_comment").delta_key, exact("fk_post"));
}

#[test]
fn a_function_in_the_subquery_could_hide_the_key_alias() {
    // PostgreSQL's deparser makes such aliases unique; the planner must not
    // rely on it.
    let unnest = "SELECT q.pk_post, (SELECT count(*) FROM public.tb_comment c, unnest(c.tags) q(pk_post) WHERE (c.fk_post = q.pk_post)) AS n FROM public.tb_post q";
    assert_eq!(source_plan(unnest, "pk_post", "tb_comment").delta_key, None);
    let series = "SELECT p.pk_post, (SELECT count(*) FROM public.tb_comment c, LATERAL generate_series(1, c.n) p(pk_post) WHERE (c.fk_post = p.pk_post)) AS n FROM public.tb_post p";
    assert_eq!(source_plan(series, "pk_post", "tb_comment").delta_key, None);
}

#[test]
fn a_subquery_alias_equal_to_the_key_alias_hides_it() {
    let sql = "SELECT p.pk_post, (SELECT count(*) FROM public.tb_comment p WHERE (p.fk_post = p.pk_post)) AS n FROM public.tb_post p";
    assert_eq!(source_plan(sql, "pk_post", "tb_comment").delta_key, None);
}
