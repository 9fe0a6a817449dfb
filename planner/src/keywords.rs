//! PostgreSQL's keywords that an identifier must be quoted to be: every
//! keyword that is not UNRESERVED, which is when the server's own
//! `quote_identifier` quotes a name.  The words are those of PostgreSQL
//! 15's `src/include/parser/kwlist.h` (categories RESERVED_KEYWORD,
//! COL_NAME_KEYWORD and TYPE_FUNC_NAME_KEYWORD), plus `system_user`,
//! reserved from PostgreSQL 16 on: quoting a word needlessly changes
//! nothing, leaving one bare that the server reserves breaks the SQL.
//! Kept sorted within each category, so a lookup is a binary search.

/// Reserved: no identifier at all unquoted.
const RESERVED: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
    "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
    "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
    "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
    "returning", "select", "session_user", "some", "symmetric", "table", "then", "to",
    "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
    "window", "with",
];

/// Column-name keywords: columns may be named so, functions and types not
/// (`values`, `row`, `time`, ...).
const COL_NAME: &[&str] = &[
    "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal",
    "exists", "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval",
    "least", "national", "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay",
    "position", "precision", "real", "row", "setof", "smallint", "substring", "time",
    "timestamp", "treat", "trim", "values", "varchar", "xmlattributes", "xmlconcat",
    "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot",
    "xmlserialize", "xmltable",
];

/// Type or function names only (`left`, `join`, ...).
const TYPE_FUNC_NAME: &[&str] = &[
    "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze",
    "full", "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull",
    "outer", "overlaps", "right", "similar", "tablesample", "verbose",
];

/// Keywords of later PostgreSQL versions that are not unreserved there.
const LATER: &[&str] = &["system_user"];

/// Must `word` (already lower case) be quoted to be an identifier?
pub fn needs_quoting(word: &str) -> bool {
    [RESERVED, COL_NAME, TYPE_FUNC_NAME, LATER]
        .iter()
        .any(|list| list.binary_search(&word).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [RESERVED, COL_NAME, TYPE_FUNC_NAME, LATER] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn every_category_is_quoted() {
        for word in ["select", "values", "row", "time", "left", "system_user", "between", "xmltable"] {
            assert!(needs_quoting(word), "{word}");
        }
        for word in ["name", "id", "text", "data", "key", "abort", "zone"] {
            assert!(!needs_quoting(word), "{word}");
        }
    }
}
