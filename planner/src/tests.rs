//! Shape cases: canonical view text in, key queries out.

use crate::{plan, ErrorKind};

fn keys(sql: &str, key: &str) -> Vec<(String, String)> {
    plan(sql, key)
        .unwrap_or_else(|e| panic!("plan failed: {e}"))
        .sources
        .into_iter()
        .map(|s| (format!("{}.{}", s.relation.schema, s.relation.name), s.key_query))
        .collect()
}

#[test]
fn smoke() {
    for (r, k) in keys(" SELECT p.pk_post, p.title, jsonb_build_object('id', p.id, 'author', jsonb_build_object('name', u.name)) AS data\n   FROM (public.tb_post p\n     JOIN public.tb_user u ON ((u.pk_user = p.fk_user)));", "pk_post") {
        println!("{r}: {k}");
    }
}

#[test]
fn debug_simple() {
    for (r, k) in keys(" SELECT p.pk_post,\n    p.title\n   FROM public.tb_post p;", "pk_post") {
        println!("{r}: {k}");
    }
}
