//! Planner bugs found while writing the table-driven tests, one test each
//! asserting what should hold.  Fixed ones run; open ones are ignored
//! (`cargo test -p pg_tviews_planner -- --ignored` shows them).

use super::support::{delta_reads, parse_key_query, source_plan};
use crate::{plan, ErrorKind};

/// DISTINCT ON in a derived table keeps one row per group, like LIMIT 1
/// per group, yet its non-DISTINCT-ON columns are trusted in the witness:
/// a new post of user 1 (tag B) displaces the old latest post (tag A, not
/// in the delta), so tag A's count changes, but the key query only finds B.
#[test]
fn distinct_on_in_a_derived_table_is_not_trusted() {
    // Refused like LIMIT: the displaced row is not in the delta.
    let sql = "SELECT t.pk_tag AS pk_x, ( SELECT count(*) AS count FROM ( SELECT DISTINCT ON (p.fk_user) p.fk_user, p.fk_tag FROM s.tb_post p ORDER BY p.fk_user, p.created DESC) d WHERE (d.fk_tag = t.pk_tag)) AS n FROM s.tb_tag t";
    let err = plan(sql, "pk_x").unwrap_err();
    assert!(err.message.contains("DISTINCT ON in a derived table"), "{}", err.message);
    // Per outer row (LATERAL) it is maintained, the displaced row's columns
    // untrusted.
    let sql = "SELECT t.pk_tag AS pk_x, d.fk_tag FROM (s.tb_tag t LEFT JOIN LATERAL ( SELECT DISTINCT ON (p.fk_user) p.fk_user, p.fk_tag FROM s.tb_post p WHERE (p.fk_tag = t.pk_tag) ORDER BY p.fk_user, p.created DESC) d ON (true))";
    let q = source_plan(sql, "pk_x", "tb_post").key_query;
    assert!(q.contains("(p.fk_tag = t.pk_tag)"), "{q}");
}

/// `x IN (SELECT ... LIMIT n)`: a new row pushes another (not in the
/// delta) out of the limit, changing the outer rows equal to the pushed-out
/// value, but the IN link keeps only outer rows equal to delta values.
#[test]
fn in_over_a_limited_subquery_is_not_linked_by_value() {
    let sql = "SELECT t.pk_a AS pk_x FROM s.ta t WHERE (t.v IN ( SELECT p.v FROM s.tp p ORDER BY p.c DESC LIMIT 3))";
    let q = source_plan(sql, "pk_x", "tp").key_query;
    assert!(!q.contains("p.v = t.v"), "{q}");
}

/// `top` as a qualifier makes parse_view rebuild the text from tokens,
/// and a string literal's doubled quote is not re-escaped.
#[test]
fn top_qualifier_with_a_quote_in_a_string() {
    let sql = "SELECT t.id AS pk_x, top.name, 'it''s'::text AS q FROM (s.t t LEFT JOIN LATERAL ( SELECT x.name FROM s.t x ORDER BY x.id LIMIT 1) top ON (true))";
    plan(sql, "pk_x").unwrap_or_else(|e| panic!("{e}"));
}

/// A source read only in the top-level ORDER BY changes no row: it is no
/// source (it gave an internal error that named no construct).
#[test]
fn subquery_in_top_level_order_by() {
    let sql = "SELECT t.id AS pk_x FROM s.t t ORDER BY ( SELECT max(x.v) AS max FROM s.tx x WHERE (x.id = t.id))";
    let planned = plan(sql, "pk_x").unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = planned.sources.iter().map(|s| s.relation.name.as_str()).collect();
    assert_eq!(names, ["t"]);
}

/// A table function without LATERAL whose argument is a subquery over a
/// source: the delta stays inside the argument (it is not seen as read in
/// FROM), so for an UPDATE the scalar subquery returns the old and the new
/// row ("more than one row returned by a subquery used as an expression").
#[test]
fn source_in_a_table_function_argument() {
    let sql = "SELECT t.id AS pk_x, e.value FROM s.t t, jsonb_array_elements(( SELECT x.j FROM s.tx x WHERE (x.id = 1))) e(value)";
    match plan(sql, "pk_x") {
        Err(e) => assert!(e.message.contains("table function"), "{}", e.message),
        Ok(p) => {
            let q = &p.sources.iter().find(|s| s.relation.name == "tx").unwrap().key_query;
            assert!(!q.contains("jsonb_array_elements((SELECT x.j FROM pg_tviews_delta"), "{q}");
        }
    }
}

/// CURRENT_ROLE is in the list of refused functions, but sqlparser reads
/// it as a column name, so it is accepted (and hides the columns read).
#[test]
fn current_role_is_refused() {
    let err = plan("SELECT t.pk AS pk_x, CURRENT_ROLE AS who FROM s.t t", "pk_x").unwrap_err();
    assert_eq!(err.kind, ErrorKind::NonDeterministic);
}

/// `pg_get_viewdef` prints `ON (((a) AND (b)))`: two levels of
/// parentheses, of which `ast_util::conjuncts` strips one, so the whole
/// condition is one conjunct.  A subquery or a condition on an aggregate of
/// a derived table in it then takes the join equality with it: the key
/// query joins `ON true`, a cross join that returns every key of the TVIEW.
#[test]
fn join_equality_survives_next_to_a_subquery_in_on() {
    let cases = [
        ("tb_ban", "SELECT p.pk_post AS pk_x, u.name FROM (s.tb_post p LEFT JOIN s.tb_user u ON (((u.pk_user = p.fk_user) AND (EXISTS ( SELECT 1 FROM s.tb_ban b WHERE (b.fk_user = u.pk_user))))))"),
        ("tb_category", "SELECT p.pk_post AS pk_x, u.name FROM (s.tb_post p JOIN s.tb_user u ON (((u.pk_user = p.fk_user) AND (u.level >= ( SELECT c.min_level FROM s.tb_category c WHERE (c.pk_category = p.fk_category))))))"),
        ("tb_post", "SELECT u.pk_user AS pk_x, d.n FROM (s.tb_user u JOIN ( SELECT p.fk_user, count(*) AS n FROM s.tb_post p GROUP BY p.fk_user HAVING (count(*) > 1)) d ON (((d.fk_user = u.pk_user) AND (d.n < 100))))"),
    ];
    for (relation, sql) in cases {
        let q = source_plan(sql, "pk_x", relation).key_query;
        assert!(!q.contains("ON true"), "{relation}: {q}");
    }
}

/// A derived table (or CTE) must still produce its columns in its witness,
/// but a select-list subquery is kept over the delta as well: the delta is
/// read twice, and a non-aggregate scalar subquery returns the old and the
/// new row of an UPDATE ("more than one row returned by a subquery").
#[test]
fn derived_table_keeps_a_select_list_subquery_on_the_delta() {
    let sql = "SELECT d.pk_user AS pk_x, d.company FROM ( SELECT u.pk_user, ( SELECT c.name FROM s.tb_company c WHERE (c.pk_company = u.fk_company)) AS company FROM s.tb_user u) d";
    let q = source_plan(sql, "pk_x", "tb_company").key_query;
    assert_eq!(delta_reads(&parse_key_query(&q, false)), 1, "{q}");
}
