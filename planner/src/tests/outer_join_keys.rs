//! Outer joins whose nullable side is written (null_extend.rs): the key
//! queries, reviewed by hand.  Each written nullable side gets the plain
//! witness (the join made inner over the delta) and, unless it cannot find
//! another key, a NULL-extended branch: the preserved rows joining a
//! changed row, with the nullable side NULL as in the view.  Keys that
//! only the nullable side computes, and USING joins the branch would need,
//! are refused.

use super::support::{check_key_query, outputs, parse_key_query, planned};
use crate::{plan, ErrorKind};

/// (what, key, view, [(relation, key query)])
type Case = (&'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);

const CORPUS: &[Case] = &[
    ("left_join_key_both_sides", "pk_lj", "SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_lj, a.i, b.i AS bi FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))", &[
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i)))"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"),
    ]),
    ("right_join_key_both_sides", "pk_x", "SELECT ((COALESCE((a.id)::text, '-'::text) || ':'::text) || b.id) AS pk_x FROM (s.a a RIGHT JOIN s.b b ON ((a.i = b.i)))", &[
        ("s.a", "SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || b.id) FROM (pg_tviews_delta AS a JOIN s.b AS b ON ((a.i = b.i))) UNION SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || b.id) FROM (s.a AS a RIGHT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS a WHERE (a.i = b.i))"),
        ("s.b", "SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || b.id) FROM (s.a AS a RIGHT JOIN pg_tviews_delta AS b ON ((a.i = b.i)))"),
    ]),
    ("full_join_key_both_sides", "pk_x", "SELECT ((COALESCE((a.id)::text, '-'::text) || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x FROM (s.a a FULL JOIN s.b b ON ((a.i = b.i)))", &[
        ("s.a", "SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) UNION SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a RIGHT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS a WHERE (a.i = b.i))"),
        ("s.b", "SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a RIGHT JOIN pg_tviews_delta AS b ON ((a.i = b.i))) UNION SELECT ((COALESCE((a.id)::TEXT, '-'::TEXT) || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"),
    ]),
    ("left_join_chain", "pk_x", "SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text) || COALESCE((c.id)::text, '-'::text)) AS pk_x FROM ((s.a a LEFT JOIN s.b b ON ((a.i = b.i))) LEFT JOIN s.c c ON ((c.i = b.i)))", &[
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT) || COALESCE((c.id)::TEXT, '-'::TEXT)) FROM ((pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) LEFT JOIN s.c AS c ON ((c.i = b.i)))"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT) || COALESCE((c.id)::TEXT, '-'::TEXT)) FROM ((s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) LEFT JOIN s.c AS c ON ((c.i = b.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT) || COALESCE((c.id)::TEXT, '-'::TEXT)) FROM ((s.a AS a LEFT JOIN s.b AS b ON false) LEFT JOIN s.c AS c ON ((c.i = b.i))) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"),
        ("s.c", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT) || COALESCE((c.id)::TEXT, '-'::TEXT)) FROM ((s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) JOIN pg_tviews_delta AS c ON ((c.i = b.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT) || COALESCE((c.id)::TEXT, '-'::TEXT)) FROM ((s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) LEFT JOIN s.c AS c ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS c WHERE (c.i = b.i))"),
    ]),
    ("left_join_extra_non_equality_condition", "pk_x", "SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x FROM (s.a a LEFT JOIN s.b b ON (((a.i = b.i) AND (b.v > a.v))))", &[
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON (((a.i = b.i) AND (b.v > a.v))))"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a JOIN pg_tviews_delta AS b ON (((a.i = b.i) AND (b.v > a.v)))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i) AND (b.v > a.v))"),
    ]),
    ("left_join_key_preserved_only", "pk_x", "SELECT a.id AS pk_x, b.v FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))", &[
        ("s.a", "SELECT a.id FROM pg_tviews_delta AS \"a\""),
        ("s.b", "SELECT a.id FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i)))"),
    ]),
    ("left_join_in_a_derived_table", "pk_x", "SELECT d.k AS pk_x FROM ( SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS k FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))) d", &[
        ("s.a", "SELECT d.k FROM (SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) AS k FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i)))) AS d"),
        ("s.b", "SELECT d.k FROM (SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) AS k FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) UNION ALL SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) AS k FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))) AS d"),
    ]),
    ("left_join_of_a_grouped_derived_table", "pk_x", "SELECT ((a.id || ':'::text) || COALESCE((d.id)::text, '-'::text)) AS pk_x FROM (s.a a LEFT JOIN ( SELECT b.id, b.i, count(*) AS n FROM s.b b GROUP BY b.id, b.i) d ON ((d.i = a.i)))", &[
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((d.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN (SELECT b.id, b.i, count(*) AS n FROM s.b AS b GROUP BY b.id, b.i) AS d ON ((d.i = a.i)))"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((d.id)::TEXT, '-'::TEXT)) FROM (s.a AS a JOIN (SELECT b.id, b.i, NULL AS n FROM pg_tviews_delta AS b GROUP BY b.id, b.i) AS d ON ((d.i = a.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((d.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN (SELECT b.id, b.i, count(*) AS n FROM s.b AS b GROUP BY b.id, b.i) AS d ON false) WHERE EXISTS (SELECT 1 FROM (SELECT b.id, b.i, NULL AS n FROM pg_tviews_delta AS b GROUP BY b.id, b.i) AS d WHERE (d.i = a.i))"),
    ]),
    ("anti_join", "pk_x", "SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i))) WHERE (b.id IS NULL)", &[
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) WHERE (b.id IS NULL)"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"),
    ]),
    ("using_key_preserved_only", "pk_x", "SELECT a.id AS pk_x, b.id FROM (s.a a LEFT JOIN s.b b USING (i))", &[
        ("s.a", "SELECT a.id FROM pg_tviews_delta AS \"a\""),
        ("s.b", "SELECT a.id FROM (s.a AS a JOIN pg_tviews_delta AS b USING(i))"),
    ]),
    ("outer_join_in_a_subquery", "pk_x", "SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x, ( SELECT count(*) FROM (s.c c LEFT JOIN s.b b2 ON ((b2.i = c.i))) WHERE (c.id = a.id)) AS n FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))", &[
        ("s.c", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) WHERE EXISTS (SELECT 1 FROM (pg_tviews_delta AS c LEFT JOIN s.b AS b2 ON ((b2.i = c.i))) WHERE (c.id = a.id))"),
        ("s.b", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) WHERE EXISTS (SELECT 1 FROM (s.c AS c JOIN pg_tviews_delta AS b2 ON ((b2.i = c.i))) WHERE (c.id = a.id)) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN pg_tviews_also_old AS b ON ((a.i = b.i))) WHERE EXISTS (SELECT 1 FROM (s.c AS c JOIN pg_tviews_delta AS b2 ON ((b2.i = c.i))) WHERE (c.id = a.id)) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) UNION SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.a AS a LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"),
        ("s.a", "SELECT ((a.id || ':'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i)))"),
    ]),
    ("left_join_of_a_nested_left_join", "pk_x", "SELECT ((x.id || ':'::text) || COALESCE((a.id)::text, '-'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x FROM (s.x x LEFT JOIN (s.a a LEFT JOIN s.b b ON ((a.i = b.i))) ON ((x.i = a.i)))", &[
        ("s.x", "SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS x LEFT JOIN (s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) ON ((x.i = a.i)))"),
        ("s.a", "SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.x AS x JOIN (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) ON ((x.i = a.i))) UNION SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.x AS x LEFT JOIN (s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) ON false) WHERE EXISTS (SELECT 1 FROM (pg_tviews_delta AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) WHERE (x.i = a.i))"),
        ("s.b", "SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.x AS x JOIN (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) ON ((x.i = a.i))) UNION SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.x AS x JOIN (s.a AS a LEFT JOIN s.b AS b ON false) ON ((x.i = a.i))) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i)) UNION SELECT ((x.id || ':'::TEXT) || COALESCE((a.id)::TEXT, '-'::TEXT) || COALESCE((b.id)::TEXT, '-'::TEXT)) FROM (s.x AS x LEFT JOIN (s.a AS a LEFT JOIN s.b AS b ON ((a.i = b.i))) ON false) WHERE EXISTS (SELECT 1 FROM (s.a AS a JOIN pg_tviews_delta AS b ON ((a.i = b.i))) WHERE (x.i = a.i))"),
    ]),
    // the condition reads a table: a ban takes the user's match away
    ("outer_join_condition_reads_a_table", "pk_x", "SELECT ((p.pk_post || ':'::text) || COALESCE((u.pk_user)::text, '-'::text)) AS pk_x FROM (s.tb_post p LEFT JOIN s.tb_user u ON (((u.pk_user = p.fk_user) AND (NOT (EXISTS ( SELECT 1 FROM s.tb_ban b WHERE (b.fk_user = u.pk_user)))))))", &[
        ("s.tb_post", "SELECT ((p.pk_post || ':'::TEXT) || COALESCE((u.pk_user)::TEXT, '-'::TEXT)) FROM (pg_tviews_delta AS p LEFT JOIN s.tb_user AS u ON (((u.pk_user = p.fk_user) AND (NOT (EXISTS (SELECT 1 FROM s.tb_ban AS b WHERE (b.fk_user = u.pk_user)))))))"),
        ("s.tb_user", "SELECT ((p.pk_post || ':'::TEXT) || COALESCE((u.pk_user)::TEXT, '-'::TEXT)) FROM (s.tb_post AS p JOIN pg_tviews_delta AS u ON (((u.pk_user = p.fk_user) AND (NOT (EXISTS (SELECT 1 FROM s.tb_ban AS b WHERE (b.fk_user = u.pk_user))))))) UNION SELECT ((p.pk_post || ':'::TEXT) || COALESCE((u.pk_user)::TEXT, '-'::TEXT)) FROM (s.tb_post AS p LEFT JOIN s.tb_user AS u ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS u WHERE (u.pk_user = p.fk_user) AND (NOT (EXISTS (SELECT 1 FROM s.tb_ban AS b WHERE (b.fk_user = u.pk_user)))))"),
        ("s.tb_ban", "SELECT ((p.pk_post || ':'::TEXT) || COALESCE((u.pk_user)::TEXT, '-'::TEXT)) FROM (s.tb_post AS p LEFT JOIN s.tb_user AS u ON (u.pk_user = p.fk_user)) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (b.fk_user = u.pk_user)) UNION SELECT ((p.pk_post || ':'::TEXT) || COALESCE((u.pk_user)::TEXT, '-'::TEXT)) FROM (s.tb_post AS p LEFT JOIN s.tb_user AS u ON false) WHERE EXISTS (SELECT 1 FROM s.tb_user AS u WHERE (u.pk_user = p.fk_user) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (b.fk_user = u.pk_user)))"),
    ]),
];

#[test]
fn outer_join_shapes_get_their_reviewed_key_queries() {
    for (what, key, sql, expected) in CORPUS {
        let plan = planned(sql, key);
        let got: Vec<(String, &str)> =
            plan.sources.iter().map(|s| (format!("{}.{}", s.relation.schema, s.relation.name), s.key_query.as_str())).collect();
        let want: Vec<(String, &str)> = expected.iter().map(|(r, q)| (r.to_string(), *q)).collect();
        assert_eq!(got, want, "{what}");
        for source in &plan.sources {
            let keys = outputs(&parse_key_query(&source.key_query, false));
            let keys: Vec<&str> = (0..source.occurrences).map(|i| keys[i.min(keys.len() - 1)].as_str()).collect();
            check_key_query(sql, source, &keys, false);
        }
    }
    assert_eq!(CORPUS.len(), 13);
}

/// The NULL-extended branch is there exactly when a write to the nullable
/// side can change a key the plain witness does not see.
#[test]
fn a_null_extended_branch_only_where_it_can_find_more() {
    let query = |what: &str, relation: &str| -> &'static str {
        let case = CORPUS.iter().find(|c| c.0 == what).unwrap_or_else(|| panic!("{what} left the corpus"));
        case.3.iter().find(|s| s.0.ends_with(relation)).map(|s| s.1).unwrap_or_else(|| panic!("{what}: {relation}"))
    };
    let extended = |q: &str| q.contains(" ON false");
    // the key reads both sides: a branch per written nullable side
    for (what, relation) in [
        ("left_join_key_both_sides", ".b"),
        ("right_join_key_both_sides", ".a"),
        ("full_join_key_both_sides", ".a"),
        ("full_join_key_both_sides", ".b"),
        ("left_join_chain", ".b"),
        ("left_join_chain", ".c"),
        ("left_join_extra_non_equality_condition", ".b"),
        ("left_join_in_a_derived_table", ".b"),
        ("left_join_of_a_grouped_derived_table", ".b"),
        ("anti_join", ".b"),
        ("outer_join_condition_reads_a_table", ".tb_user"),
        ("outer_join_condition_reads_a_table", ".tb_ban"),
    ] {
        assert!(extended(query(what, relation)), "{what} / {relation}");
    }
    // the written side is preserved, or nothing read depends on the nullable side
    for (what, relation) in [
        ("left_join_key_both_sides", ".a"),
        ("right_join_key_both_sides", ".b"),
        ("left_join_key_preserved_only", ".b"),
        ("using_key_preserved_only", ".b"),
    ] {
        assert!(!extended(query(what, relation)), "{what} / {relation}");
    }
    // the ban's witness moves from the NULL row's WHERE into its EXISTS
    assert!(query("outer_join_condition_reads_a_table", ".tb_ban").ends_with("ON false) WHERE EXISTS (SELECT 1 FROM s.tb_user AS u WHERE (u.pk_user = p.fk_user) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (b.fk_user = u.pk_user)))"));
    // the condition's non-equality conjunct stays in the EXISTS
    assert!(query("left_join_extra_non_equality_condition", ".b").contains("WHERE (a.i = b.i) AND (b.v > a.v))"));
    // an anti-join's WHERE on the nullable side is not applied to the NULL row's finder
    assert!(query("anti_join", ".b").ends_with("LEFT JOIN s.b AS b ON false) WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS b WHERE (a.i = b.i))"));
}

#[test]
fn keys_only_the_nullable_side_computes_are_refused() {
    for sql in [
        "SELECT b.id AS pk_x FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))",
        "SELECT COALESCE(b.id, 0) AS pk_x, a.id FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))",
        "SELECT a.id AS pk_x FROM (s.a a RIGHT JOIN s.b b ON ((a.i = b.i)))",
        "SELECT a.id AS pk_x FROM (s.a a FULL JOIN s.b b ON ((a.i = b.i)))",
        "SELECT (b.id || c.id) AS pk_x FROM ((s.a a LEFT JOIN s.b b ON ((a.i = b.i))) LEFT JOIN s.c c ON ((c.i = b.i)))",
        "SELECT d.k AS pk_x FROM ( SELECT b.id AS k FROM (s.a a LEFT JOIN s.b b ON ((a.i = b.i)))) d",
        "SELECT l.id AS pk_x FROM (s.a a LEFT JOIN LATERAL ( SELECT b.id FROM s.b b WHERE (b.i = a.i)) l ON (true))",
    ] {
        let e = plan(sql, "pk_x").expect_err(sql);
        assert_eq!(e.kind, ErrorKind::Unsupported, "{sql}");
        assert!(e.message.contains("a key computed only from the nullable side of an outer join"), "{sql}: {e}");
    }
    // both sides of a FULL join: one of them is there in every row
    assert!(plan("SELECT COALESCE(a.id, b.id) AS pk_x FROM (s.a a FULL JOIN s.b b ON ((a.i = b.i)))", "pk_x").is_ok());
}

#[test]
fn a_using_outer_join_is_refused_where_the_null_row_matters() {
    let e = plan("SELECT ((a.id || ':'::text) || COALESCE((b.id)::text, '-'::text)) AS pk_x FROM (s.a a LEFT JOIN s.b b USING (i))", "pk_x")
        .expect_err("USING");
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("USING or NATURAL"), "{e}");
}

