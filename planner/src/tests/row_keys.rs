//! `SourcePlan::row_key`: the column of the written rows that is itself a
//! key the key query returns, found only when a branch reads the key off
//! the delta alone.

use super::support::source_plan;

fn row_key(sql: &str, key: &str, relation: &str) -> Option<String> {
    source_plan(sql, key, relation).row_key
}

#[test]
fn the_root_relation_carries_its_keys() {
    let view = " SELECT p.pk_post AS pk_x,     u.name    FROM (s.tb_post p      JOIN s.tb_user u ON ((u.pk_user = p.fk_user)));";
    assert_eq!(row_key(view, "pk_x", "tb_post").as_deref(), Some("pk_post"));
    // the joined relation's keys come from a join: no bound from its rows
    assert_eq!(row_key(view, "pk_x", "tb_user"), None);
}

#[test]
fn a_filtered_root_still_carries_its_keys() {
    // the key query does not keep the view's WHERE: rows leaving the view are found too
    let view = " SELECT p.pk_post AS pk_x,     p.title    FROM s.tb_post p   WHERE p.published;";
    assert_eq!(row_key(view, "pk_x", "tb_post").as_deref(), Some("pk_post"));
}

#[test]
fn a_computed_key_is_not_a_row_key() {
    let view = " SELECT (c.pk_company + 1000) AS pk_x,     c.name    FROM s.tb_company c;";
    assert_eq!(row_key(view, "pk_x", "tb_company"), None);
}

#[test]
fn quoted_names_keep_their_spelling() {
    let view = " SELECT p.\"Pk Post\" AS pk_x,     p.title    FROM s.tb_post p;";
    assert_eq!(row_key(view, "pk_x", "tb_post").as_deref(), Some("Pk Post"));
}

#[test]
fn one_plain_branch_of_a_self_join_is_enough() {
    // the union of the branches holds at least the written rows' own keys
    let view = " SELECT a.pk_user AS pk_x,     b.name AS peer    FROM (s.tb_user a      JOIN s.tb_user b ON (((b.fk_company = a.fk_company) AND (b.pk_user <> a.pk_user))));";
    assert_eq!(row_key(view, "pk_x", "tb_user").as_deref(), Some("pk_user"));
}
