//! The SQL dialect of PostgreSQL's own deparser output.
//!
//! sqlparser's PostgreSQL dialect refuses, as table aliases, some words
//! that other databases reserve but PostgreSQL does not (`top`, `view`,
//! `global`, ...); `pg_get_viewdef` prints such aliases unquoted.  This
//! dialect is PostgreSQL's with those words allowed; everything else is
//! forwarded unchanged.

use std::any::TypeId;

use sqlparser::dialect::{Dialect, PostgreSqlDialect, Precedence};
use sqlparser::keywords::{Keyword, RESERVED_FOR_TABLE_ALIAS};
use sqlparser::parser::{Parser, ParserError};

/// Words sqlparser reserves as table aliases that PostgreSQL accepts.
const ALIASES_POSTGRES_ALLOWS: &[Keyword] = &[
    Keyword::TOP,
    Keyword::SORT,
    Keyword::PIVOT,
    Keyword::UNPIVOT,
    Keyword::VIEW,
    Keyword::MINUS,
    Keyword::CLUSTER,
    Keyword::DISTRIBUTE,
    Keyword::GLOBAL,
    Keyword::ANTI,
    Keyword::SEMI,
    Keyword::ASOF,
    Keyword::MATCH_CONDITION,
    Keyword::EXPLAIN,
];

#[derive(Debug)]
pub struct PgCanonical(PostgreSqlDialect);

impl Default for PgCanonical {
    fn default() -> Self {
        PgCanonical(PostgreSqlDialect {})
    }
}

macro_rules! forward {
    ($($name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&self $(, $arg: $ty)*) -> $ret { self.0.$name($($arg),*) })*
    };
}

impl Dialect for PgCanonical {
    /// Parser code that checks "is this PostgreSQL?" must say yes.
    fn dialect(&self) -> TypeId {
        TypeId::of::<PostgreSqlDialect>()
    }

    fn is_table_alias(&self, kw: &Keyword, _parser: &mut Parser) -> bool {
        !RESERVED_FOR_TABLE_ALIAS.contains(kw) || ALIASES_POSTGRES_ALLOWS.contains(kw)
    }

    forward! {
        identifier_quote_style(&self, identifier: &str) -> Option<char>;
        is_delimited_identifier_start(&self, ch: char) -> bool;
        is_identifier_start(&self, ch: char) -> bool;
        is_identifier_part(&self, ch: char) -> bool;
        supports_unicode_string_literal(&self) -> bool;
        is_custom_operator_part(&self, ch: char) -> bool;
        get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>>;
        supports_filter_during_aggregation(&self) -> bool;
        supports_group_by_expr(&self) -> bool;
        prec_value(&self, prec: Precedence) -> u8;
        allow_extract_custom(&self) -> bool;
        allow_extract_single_quotes(&self) -> bool;
        supports_create_index_with_clause(&self) -> bool;
        supports_explain_with_utility_options(&self) -> bool;
        supports_listen_notify(&self) -> bool;
        supports_factorial_operator(&self) -> bool;
        supports_comment_on(&self) -> bool;
        supports_load_extension(&self) -> bool;
        supports_named_fn_args_with_colon_operator(&self) -> bool;
        supports_named_fn_args_with_expr_name(&self) -> bool;
        supports_empty_projections(&self) -> bool;
        supports_nested_comments(&self) -> bool;
        supports_string_escape_constant(&self) -> bool;
        supports_numeric_literal_underscores(&self) -> bool;
        supports_array_typedef_with_brackets(&self) -> bool;
        supports_geometric_types(&self) -> bool;
        supports_set_names(&self) -> bool;
        supports_alter_column_type_using(&self) -> bool;
        supports_notnull_operator(&self) -> bool;
        supports_interval_options(&self) -> bool;
    }
}
