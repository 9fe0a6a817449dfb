//! One case per query shape of SPEC 3.4, with the exact key query per
//! source relation.

use crate::plan;

type Case = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const SHAPES: &[Case] = &[
    ("pk_s1", " SELECT u.pk_user AS pk_s1,     u.name    FROM s.tb_user u;", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
    ]),
    ("pk_s10", " SELECT u.pk_user AS pk_s10,     pc.n    FROM (s.tb_user u      LEFT JOIN ( SELECT tb_post.fk_user,             count(*) AS n            FROM s.tb_post           GROUP BY tb_post.fk_user) pc ON ((pc.fk_user = u.pk_user)));", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_post", "SELECT u.pk_user FROM (s.tb_user AS u JOIN (SELECT tb_post.fk_user, NULL AS n FROM pg_tviews_delta AS tb_post GROUP BY tb_post.fk_user) AS pc ON ((pc.fk_user = u.pk_user)))"),
    ]),
    ("pk_s11", " SELECT u.pk_user AS pk_s11,     lp.title AS latest    FROM (s.tb_user u      LEFT JOIN LATERAL ( SELECT p.title            FROM s.tb_post p           WHERE (p.fk_user = u.pk_user)           ORDER BY p.created DESC          LIMIT 1) lp ON (true));", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_post", "SELECT u.pk_user FROM (s.tb_user AS u JOIN LATERAL (SELECT NULL AS title FROM pg_tviews_delta AS p WHERE (p.fk_user = u.pk_user)) AS lp ON (true))"),
    ]),
    ("pk_s12", " WITH pub AS (          SELECT tb_post.pk_post,             tb_post.fk_user,             tb_post.title,             tb_post.published,             tb_post.created            FROM s.tb_post           WHERE tb_post.published         )  SELECT pub.pk_post AS pk_s12,     u.name    FROM (pub      JOIN s.tb_user u ON ((u.pk_user = pub.fk_user)));", &[
        ("tb_post", "SELECT pub.pk_post FROM ((SELECT tb_post.pk_post, tb_post.fk_user, tb_post.title, tb_post.published, tb_post.created FROM pg_tviews_delta AS tb_post WHERE tb_post.published) AS pub JOIN s.tb_user AS u ON ((u.pk_user = pub.fk_user)))"),
        ("tb_user", "SELECT pub.pk_post FROM ((SELECT tb_post.pk_post, tb_post.fk_user, tb_post.title, tb_post.published, tb_post.created FROM s.tb_post WHERE tb_post.published) AS pub JOIN pg_tviews_delta AS u ON ((u.pk_user = pub.fk_user)))"),
    ]),
    ("pk_s13", " SELECT u.pk_user AS pk_s13,     u.name AS label    FROM s.tb_user u UNION ALL  SELECT (c.pk_company + 1000) AS pk_s13,     c.name AS label    FROM s.tb_company c;", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_company", "SELECT (c.pk_company + 1000) FROM pg_tviews_delta AS \"c\""),
    ]),
    ("pk_s14", " SELECT p.pk_post AS pk_s14,     p.title,     s6.data    FROM (s.tb_post p      JOIN s.tv_s6 s6 ON ((s6.pk_s6 = p.pk_post)));", &[
        ("tb_post", "SELECT p.pk_post FROM pg_tviews_delta AS \"p\""),
        ("tv_s6", "SELECT p.pk_post FROM (s.tb_post AS p JOIN pg_tviews_delta AS s6 ON ((s6.pk_s6 = p.pk_post)))"),
    ]),
    ("pk_s15", " SELECT c.pk_company AS pk_s15,     ( SELECT jsonb_agg(s14.data ORDER BY s14.pk_s14) AS jsonb_agg            FROM ((s.tv_s14 s14              JOIN s.tb_post p ON ((p.pk_post = s14.pk_s14)))              JOIN s.tb_user u ON ((u.pk_user = p.fk_user)))           WHERE (u.fk_company = c.pk_company)) AS feed    FROM s.tb_company c;", &[
        ("tv_s14", "SELECT c.pk_company FROM s.tb_company AS c WHERE EXISTS (SELECT 1 FROM ((pg_tviews_delta AS s14 JOIN s.tb_post AS p ON ((p.pk_post = s14.pk_s14))) JOIN s.tb_user AS u ON ((u.pk_user = p.fk_user))) WHERE (u.fk_company = c.pk_company))"),
        ("tb_post", "SELECT c.pk_company FROM s.tb_company AS c WHERE EXISTS (SELECT 1 FROM ((s.tv_s14 AS s14 JOIN pg_tviews_delta AS p ON ((p.pk_post = s14.pk_s14))) JOIN s.tb_user AS u ON ((u.pk_user = p.fk_user))) WHERE (u.fk_company = c.pk_company))"),
        ("tb_user", "SELECT c.pk_company FROM s.tb_company AS c WHERE EXISTS (SELECT 1 FROM ((s.tv_s14 AS s14 JOIN s.tb_post AS p ON ((p.pk_post = s14.pk_s14))) JOIN pg_tviews_delta AS u ON ((u.pk_user = p.fk_user))) WHERE (u.fk_company = c.pk_company))"),
        ("tb_company", "SELECT c.pk_company FROM pg_tviews_delta AS \"c\""),
    ]),
    ("pk_s16", " SELECT d.pk_post AS pk_s16,     d.title,     u.name    FROM (( SELECT p.pk_post,             p.title,             p.fk_user            FROM s.tb_post p           WHERE p.published) d      JOIN s.tb_user u ON ((u.pk_user = d.fk_user)));", &[
        ("tb_post", "SELECT d.pk_post FROM ((SELECT p.pk_post, p.title, p.fk_user FROM pg_tviews_delta AS p WHERE p.published) AS d JOIN s.tb_user AS u ON ((u.pk_user = d.fk_user)))"),
        ("tb_user", "SELECT d.pk_post FROM ((SELECT p.pk_post, p.title, p.fk_user FROM s.tb_post AS p WHERE p.published) AS d JOIN pg_tviews_delta AS u ON ((u.pk_user = d.fk_user)))"),
    ]),
    ("pk_s2", " SELECT u.pk_user AS pk_s2,     c.name AS company    FROM (s.tb_user u      LEFT JOIN s.tb_company c ON ((c.pk_company = u.fk_company)));", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_company", "SELECT u.pk_user FROM (s.tb_user AS u JOIN pg_tviews_delta AS c ON ((c.pk_company = u.fk_company)))"),
    ]),
    ("pk_s3", " SELECT a.pk_user AS pk_s3,     b.name AS peer    FROM (s.tb_user a      JOIN s.tb_user b ON (((b.fk_company = a.fk_company) AND (b.pk_user <> a.pk_user))));", &[
        ("tb_user", "SELECT a.pk_user FROM pg_tviews_delta AS \"a\" UNION SELECT a.pk_user FROM (s.tb_user AS a JOIN pg_tviews_delta AS b ON (((b.fk_company = a.fk_company) AND (b.pk_user <> a.pk_user)))) UNION SELECT a.pk_user FROM (pg_tviews_also_old AS a JOIN pg_tviews_delta AS b ON (((b.fk_company = a.fk_company) AND (b.pk_user <> a.pk_user))))"),
    ]),
    ("pk_s4", " SELECT u.pk_user AS pk_s4,     ( SELECT count(*) AS count            FROM s.tb_user o           WHERE (o.score > u.score)) AS better    FROM s.tb_user u;", &[
        ("tb_user", "SELECT u.pk_user FROM s.tb_user AS u WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS o WHERE (o.score > u.score)) UNION SELECT u.pk_user FROM pg_tviews_also_old AS u WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS o WHERE (o.score > u.score)) UNION SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
    ]),
    ("pk_s5", " SELECT p.pk_post AS pk_s5,     p.title    FROM s.tb_post p   WHERE p.published;", &[
        ("tb_post", "SELECT p.pk_post FROM pg_tviews_delta AS \"p\""),
    ]),
    ("pk_s6", " SELECT p.pk_post AS pk_s6,     jsonb_build_object('title', p.title, 'comments', ( SELECT COALESCE(jsonb_agg(jsonb_build_object('body', c.body, 'author', ( SELECT jsonb_build_object('name', u.name) AS jsonb_build_object                    FROM s.tb_user u                   WHERE (u.pk_user = c.fk_user))) ORDER BY c.pk_comment), '[]'::jsonb) AS \"coalesce\"            FROM s.tb_comment c           WHERE (c.fk_post = p.pk_post))) AS data    FROM s.tb_post p;", &[
        ("tb_user", "SELECT p.pk_post FROM s.tb_post AS p WHERE EXISTS (SELECT 1 FROM s.tb_comment AS c WHERE (c.fk_post = p.pk_post) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS u WHERE (u.pk_user = c.fk_user)))"),
        ("tb_comment", "SELECT p.pk_post FROM s.tb_post AS p WHERE EXISTS (SELECT 1 FROM pg_tviews_delta AS c WHERE (c.fk_post = p.pk_post))"),
        ("tb_post", "SELECT p.pk_post FROM pg_tviews_delta AS \"p\""),
    ]),
    ("pk_s7", " SELECT p.pk_post AS pk_s7,     ARRAY( SELECT t.label            FROM (s.tb_post_tag pt              JOIN s.tb_tag t ON ((t.pk_tag = pt.fk_tag)))           WHERE (pt.fk_post = p.pk_post)           ORDER BY t.label) AS tags    FROM s.tb_post p;", &[
        ("tb_post_tag", "SELECT p.pk_post FROM s.tb_post AS p WHERE EXISTS (SELECT 1 FROM (pg_tviews_delta AS pt JOIN s.tb_tag AS t ON ((t.pk_tag = pt.fk_tag))) WHERE (pt.fk_post = p.pk_post))"),
        ("tb_tag", "SELECT p.pk_post FROM s.tb_post AS p WHERE EXISTS (SELECT 1 FROM (s.tb_post_tag AS pt JOIN pg_tviews_delta AS t ON ((t.pk_tag = pt.fk_tag))) WHERE (pt.fk_post = p.pk_post))"),
        ("tb_post", "SELECT p.pk_post FROM pg_tviews_delta AS \"p\""),
    ]),
    ("pk_s8", " SELECT u.pk_user AS pk_s8,     u.name    FROM s.tb_user u   WHERE ((EXISTS ( SELECT 1            FROM s.tb_post p           WHERE (p.fk_user = u.pk_user))) AND (u.fk_company IN ( SELECT c.pk_company            FROM s.tb_company c           WHERE (c.name <> 'x'::text))) AND (NOT (EXISTS ( SELECT 1            FROM s.tb_comment c           WHERE ((c.fk_user = u.pk_user) AND (c.body = 'banned'::text))))));", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_post", "SELECT u.pk_user FROM s.tb_user AS u WHERE ((u.fk_company IN (SELECT c.pk_company FROM s.tb_company AS c WHERE (c.name <> 'x'::TEXT))) AND (NOT (EXISTS (SELECT 1 FROM s.tb_comment AS c WHERE ((c.fk_user = u.pk_user) AND (c.body = 'banned'::TEXT)))))) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS p WHERE (p.fk_user = u.pk_user))"),
        ("tb_company", "SELECT u.pk_user FROM s.tb_user AS u WHERE ((EXISTS (SELECT 1 FROM s.tb_post AS p WHERE (p.fk_user = u.pk_user))) AND (NOT (EXISTS (SELECT 1 FROM s.tb_comment AS c WHERE ((c.fk_user = u.pk_user) AND (c.body = 'banned'::TEXT)))))) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS c WHERE (c.name <> 'x'::TEXT) AND (c.pk_company IS NULL OR u.fk_company IS NULL OR c.pk_company = u.fk_company))"),
        ("tb_comment", "SELECT u.pk_user FROM s.tb_user AS u WHERE ((EXISTS (SELECT 1 FROM s.tb_post AS p WHERE (p.fk_user = u.pk_user))) AND (u.fk_company IN (SELECT c.pk_company FROM s.tb_company AS c WHERE (c.name <> 'x'::TEXT)))) AND EXISTS (SELECT 1 FROM pg_tviews_delta AS c WHERE (c.fk_user = u.pk_user) AND (c.body = 'banned'::TEXT))"),
    ]),
    ("pk_s9", " SELECT u.pk_user AS pk_s9,     count(p.pk_post) AS posts,     count(*) FILTER (WHERE p.published) AS published    FROM (s.tb_user u      LEFT JOIN s.tb_post p ON ((p.fk_user = u.pk_user)))   GROUP BY u.pk_user;", &[
        ("tb_user", "SELECT u.pk_user FROM pg_tviews_delta AS \"u\""),
        ("tb_post", "SELECT u.pk_user FROM (s.tb_user AS u JOIN pg_tviews_delta AS p ON ((p.fk_user = u.pk_user)))"),
    ]),
];

#[test]
fn every_shape_gets_its_reviewed_key_queries() {
    for (key, sql, expected) in SHAPES {
        let planned = plan(sql, key).unwrap_or_else(|e| panic!("{key}: {e}"));
        let got: Vec<(&str, &str)> = planned
            .sources
            .iter()
            .map(|s| (s.relation.name.as_str(), s.key_query.as_str()))
            .collect();
        assert_eq!(&got, expected, "key queries of {key}");
    }
}

#[test]
fn sources_are_schema_qualified_names() {
    let planned = plan(SHAPES[0].1, SHAPES[0].0).unwrap();
    assert_eq!(planned.sources[0].relation.schema, "s");
    assert_eq!(planned.sources[0].relation.name, "tb_user");
    assert_eq!(planned.sources[0].occurrences, 1);
}

#[test]
fn a_self_join_is_two_occurrences_of_one_source() {
    let (key, sql, _) = SHAPES.iter().find(|c| c.0 == "pk_s3").unwrap();
    let planned = plan(sql, key).unwrap();
    assert_eq!(planned.sources.len(), 1);
    assert_eq!(planned.sources[0].occurrences, 2);
}
