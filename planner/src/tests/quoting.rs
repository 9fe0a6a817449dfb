//! `quote_ident` quotes exactly what PostgreSQL needs quoted: every
//! keyword that is not unreserved (column-name keywords included), and
//! every name that is not plain lower-case ASCII.

use crate::{plan, quote_ident, quote_qualified};

#[test]
fn column_name_keywords_are_quoted() {
    for word in ["values", "row", "time", "timestamp", "between", "coalesce", "integer", "xmltable", "system_user"] {
        assert_eq!(quote_ident(word), format!("\"{word}\""), "{word}");
    }
}

#[test]
fn reserved_and_type_function_keywords_are_quoted() {
    for word in ["select", "user", "order", "left", "join", "verbose", "authorization"] {
        assert_eq!(quote_ident(word), format!("\"{word}\""), "{word}");
    }
}

#[test]
fn unreserved_keywords_and_plain_names_stay_bare() {
    for word in ["name", "data", "key", "abort", "zone", "pk_item", "_x1"] {
        assert_eq!(quote_ident(word), word, "{word}");
    }
}

#[test]
fn other_names_are_quoted_with_doubled_quotes() {
    assert_eq!(quote_ident("Upper"), "\"Upper\"");
    assert_eq!(quote_ident("1st"), "\"1st\"");
    assert_eq!(quote_ident("a b"), "\"a b\"");
    assert_eq!(quote_ident("it\"s"), "\"it\"\"s\"");
    assert_eq!(quote_ident("é"), "\"é\"");
    assert_eq!(quote_ident(""), "\"\"");
    assert_eq!(quote_qualified("values", "row"), "\"values\".\"row\"");
}

/// A view whose columns and tables are named by column-name keywords:
/// the key queries spell them quoted (unquoted, PostgreSQL would read
/// `values` and `row` as syntax).
#[test]
fn key_queries_quote_keyword_names() {
    let view = r#"SELECT t."values" AS pk_x, t."row", t."time" FROM public."values" t"#;
    let p = plan(view, "pk_x").expect("plan");
    let q = &p.sources[0].key_query;
    assert!(q.contains("\"values\""), "{q}");
    assert!(!q.contains(" values") && !q.contains(".values"), "{q}");
}
