//! The one place the extension assembles SQL text.
//!
//! pg_tviews runs statements as the extension's owner (a superuser) and as
//! each TVIEW's owner, so a name pasted raw into one of them is code run
//! with their rights; a name read from the catalog is user input like any
//! other (a table owner may rename its triggers, columns, ... to anything).
//! Every piece of SQL text built here is one of:
//! - an identifier quoted by the server's own `quote_identifier` (`ident`,
//!   `qualified`), whatever its origin;
//! - a string literal quoted by the server's `quote_literal` (`literal`),
//!   for SQL shown to people (hints) and the few statements that take no
//!   parameters (utility statements);
//! - a constant template of this crate (`&'static str`), with only quoted
//!   identifiers put into it;
//! - a SELECT that PostgreSQL itself produced (`pg_get_viewdef`) or checked
//!   to be one SELECT, or maintenance text from the planner's statement
//!   builder, which quotes the same way.
//! Values are passed as parameters ($1, ...), never as text.

use std::ffi::CStr;

use pgrx::pg_sys;

use crate::pg::cstring;

/// `name` as an identifier, quoted exactly when the server would.
pub fn ident(name: &str) -> String {
    let c = cstring(name);
    // SAFETY: quote_identifier returns its argument or a palloc'd copy,
    // both valid NUL-terminated strings while `c` lives.
    unsafe { CStr::from_ptr(pg_sys::quote_identifier(c.as_ptr())).to_string_lossy().into_owned() }
}

/// `schema.name`, both quoted.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `value` as a string literal (quotes and backslashes escaped, `E'...'`
/// where needed), by the server's `quote_literal`.
pub fn literal(value: &str) -> String {
    let c = cstring(value);
    // SAFETY: quote_literal_cstr returns a palloc'd NUL-terminated string.
    unsafe { CStr::from_ptr(pg_sys::quote_literal_cstr(c.as_ptr())).to_string_lossy().into_owned() }
}

/// The extension's schema, quoted: what its own tables and functions are
/// qualified with.
#[derive(Clone)]
pub struct Ext(String);

impl Ext {
    pub fn new(schema: &str) -> Ext {
        Ext(ident(schema))
    }

    /// A statement of ours: constant pieces, concatenated, each
    /// `@extschema@` replaced by the quoted schema (as in the extension's
    /// SQL scripts).
    pub fn sql(&self, pieces: &[&'static str]) -> String {
        pieces.concat().replace("@extschema@", &self.0)
    }

    /// `schema.object` for one of the extension's own objects.
    pub fn object(&self, object: &'static str) -> String {
        format!("{}.{object}", self.0)
    }
}

/// The oid of pg_tviews' own trigger function, as a scalar subquery: found
/// by its extension's schema, so no name is pasted into a literal.
pub const OUR_TRIGGER_FUNCTION: &str = "(SELECT p.oid FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_extension e ON e.extnamespace = p.pronamespace \
     WHERE e.extname = 'pg_tviews' AND p.proname = 'pg_tviews_trigger' AND p.pronargs = 0)";

/// `CREATE TRIGGER name <spec> FOR EACH STATEMENT EXECUTE FUNCTION f()`,
/// `spec` a constant with `{rel}`, `{old}`, `{new}` for the quoted
/// relation and the transition tables' names.
pub fn create_trigger(name: &str, spec: &'static str, rel: &str, old: &str, new: &str, function: &str) -> String {
    let spec = spec.replace("{rel}", rel).replace("{old}", &ident(old)).replace("{new}", &ident(new));
    format!("CREATE TRIGGER {} {spec} FOR EACH STATEMENT EXECUTE FUNCTION {function}()", ident(name))
}

/// `CREATE TRIGGER name <spec> FOR EACH ROW EXECUTE FUNCTION f()`, `spec`
/// a constant with `{rel}` for the quoted relation.
pub fn create_row_trigger(name: &str, spec: &'static str, rel: &str, function: &str) -> String {
    format!("CREATE TRIGGER {} {} FOR EACH ROW EXECUTE FUNCTION {function}()", ident(name), spec.replace("{rel}", rel))
}

/// `ALTER TABLE rel ENABLE [REPLICA | ALWAYS] TRIGGER name` for the
/// enable state `O`, `R` or `A` of pg_trigger.tgenabled (`rel` quoted).
pub fn enable_trigger(rel: &str, name: &str, state: char) -> String {
    let how = match state {
        'R' => "REPLICA ",
        'A' => "ALWAYS ",
        _ => "",
    };
    format!("ALTER TABLE {rel} ENABLE {how}TRIGGER {}", ident(name))
}

/// `DROP TRIGGER name ON rel` (`rel` quoted).
pub fn drop_trigger(name: &str, rel: &str) -> String {
    format!("DROP TRIGGER {} ON {rel}", ident(name))
}

/// `DROP TABLE` / `DROP VIEW` of a quoted relation; `kind` a constant.
pub fn drop_relation(kind: &'static str, rel: &str) -> String {
    format!("DROP {kind} {rel}")
}

/// `CREATE TABLE rel AS <select>`; `select` was checked to be exactly one
/// SELECT by the server's parser.
pub fn create_table_as(rel: &str, select: &str) -> String {
    format!("CREATE TABLE {rel} AS {select}")
}

/// `CREATE VIEW rel AS <select>`; `select` is the server's own text of the
/// query CREATE TABLE AS analysed.
pub fn create_view(rel: &str, select: &str) -> String {
    format!("CREATE VIEW {rel} AS {select}")
}

/// `INSERT INTO table SELECT * FROM view`, both quoted.
pub fn insert_all(table: &str, view: &str) -> String {
    format!("INSERT INTO {table} SELECT * FROM {view}")
}

/// `ALTER TABLE rel ADD PRIMARY KEY (column)`.
pub fn add_primary_key(rel: &str, column: &str) -> String {
    format!("ALTER TABLE {rel} ADD PRIMARY KEY ({})", ident(column))
}

/// `CREATE INDEX ON rel (column)`: shown to people, not run.
pub fn create_index(schema: &str, rel: &str, column: &str) -> String {
    format!("CREATE INDEX ON {} ({})", qualified(schema, rel), ident(column))
}

/// `SELECT fname('arg', ...)` with quoted literal arguments: a call shown
/// to people in a hint.
pub fn call(function: &'static str, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| literal(a)).collect();
    format!("SELECT {function}({})", args.join(", "))
}

/// `SELECT count(*)` of at most `$1` rows of a quoted relation.
pub fn count_up_to(rel: &str) -> String {
    format!("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {rel} LIMIT $1) AS s")
}

/// `EXPLAIN (ANALYZE, BUFFERS) stmt` with `$1` (an array of keys in the
/// engine) standing for one key given as text and cast to `key_type`, the
/// server's `format_type` of the key column.
pub fn explain_for_one_key(statement: &str, key_type: &str) -> String {
    let one_key = format!("ARRAY[$1::{key_type}]");
    format!("EXPLAIN (ANALYZE, BUFFERS) {}", statement.replace("$1", &one_key))
}

/// Does the view `schema.view` have a row whose `key` is NULL?
pub fn null_key_probe(schema: &str, view: &str, key: &str) -> String {
    format!("SELECT true FROM {} AS s WHERE s.{} IS NULL LIMIT 1", qualified(schema, view), ident(key))
}

/// `SET LOCAL name = value` for a constant setting and a number.
pub fn set_local(name: &'static str, value: i64) -> String {
    format!("SET LOCAL {name} = {value}")
}

/// The health check's sampled comparison of a TVIEW with its view: keys
/// sampled from the table (`$1` percent of its pages, at most `limit`),
/// each compared with the view's row.
pub fn sampled_verify(table: &str, view: &str, key_column: &str, limit: i64) -> String {
    let key = ident(key_column);
    format!(
        "WITH ks AS MATERIALIZED (SELECT {key} AS k FROM {table} TABLESAMPLE SYSTEM ($1) LIMIT {limit}) \
         SELECT COALESCE(t.{key}, v.{key})::text AS pk, \
                CASE WHEN t.{key} IS NULL THEN 'missing' WHEN v.{key} IS NULL THEN 'extra' ELSE 'different' END \
         FROM (SELECT * FROM {table} WHERE {key} = ANY (ARRAY(SELECT k FROM ks))) AS t \
         FULL JOIN (SELECT * FROM {view} WHERE {key} = ANY (ARRAY(SELECT k FROM ks))) AS v ON v.{key} = t.{key} \
         WHERE t.{key} IS NULL OR v.{key} IS NULL OR ROW(t.*)::text IS DISTINCT FROM ROW(v.*)::text \
         ORDER BY 1"
    )
}
