//! What the text of an SQL function's body refers to by name.
//!
//! A TVIEW may call an SQL function whose body reads no table (see the
//! extension's `ddl::definition_functions`).  A body stored as a string
//! (`AS $$ ... $$`, not `BEGIN ATOMIC`) has no recorded dependencies: its
//! names are resolved each time it runs.  This module lists those names
//! (relations, functions, types, operators) so the extension can resolve
//! and check each; anything it cannot read is an error, and the caller
//! refuses the function.
//!
//! Also used on a view's canonical text for the one run-time name lookup a
//! dependency list cannot show: a cast of a non-constant to a `reg*` type.

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, ObjectName, Query, Statement, TableFactor, Visit, Visitor,
};

/// A name as PostgreSQL resolves it: unquoted parts folded to lower case.
pub type Name = Vec<String>;

/// The names a body refers to, each once, in order of appearance.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BodyNames {
    /// Relations read (FROM, JOIN, subqueries), CTE references excluded.
    pub relations: Vec<Name>,
    /// Functions called, also as `FROM f(...)`.
    pub functions: Vec<Name>,
    /// Types named in casts that are not built into the grammar.
    pub types: Vec<Name>,
    /// Operators: `OPERATOR(schema.op)` as two parts, plain symbols
    /// (`+`, `||`; also `AND`, which no operator is named) as one.
    pub operators: Vec<Name>,
    /// Casts of a non-constant to a name-resolving `reg*` type.
    pub name_casts: Vec<String>,
}

/// The `reg*` types whose input function looks a name up.
const NAME_TYPES: &[&str] = &[
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
];

/// The names in an SQL function body (one or more statements).  Err when
/// it does not parse or holds a statement other than a query.
///
/// Parsed within the planner's depth bounds, on its own stack (see
/// `depth`): a body or view too deep to analyse is an Err, never a crash.
pub fn body_names(body: &str) -> Result<BodyNames, String> {
    crate::depth::on_large_stack(|| body_names_here(body))
}

fn body_names_here(body: &str) -> Result<BodyNames, String> {
    let statements = crate::parse::parse_bounded(body).map_err(|e| e.message)?;
    let mut finder = Finder::default();
    for statement in &statements {
        if !matches!(statement, Statement::Query(_)) {
            return Err("its body holds a statement other than SELECT".into());
        }
        if let ControlFlow::Break(e) = statement.visit(&mut finder) {
            return Err(e);
        }
    }
    Ok(finder.names)
}

/// The casts of non-constants to `reg*` types in a (view's) query text.
pub fn name_casts(sql: &str) -> Result<Vec<String>, String> {
    body_names(sql).map(|n| n.name_casts)
}

#[derive(Default)]
struct Finder {
    names: BodyNames,
    /// CTE names in scope, one set per enclosing query.
    ctes: Vec<HashSet<String>>,
}

fn name_of(name: &ObjectName) -> Name {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(i) if i.quote_style.is_some() => i.value.clone(),
            Some(i) => i.value.to_lowercase(),
            None => part.to_string(),
        })
        .collect()
}

fn push(list: &mut Vec<Name>, name: Name) {
    if !list.contains(&name) {
        list.push(name);
    }
}

impl Finder {
    fn is_cte(&self, name: &Name) -> bool {
        matches!(name.as_slice(), [one] if self.ctes.iter().any(|s| s.contains(one)))
    }

    fn cast(&mut self, expr: &Expr, data_type: &DataType) {
        let type_name = match data_type {
            DataType::Regclass => Some("regclass".to_string()),
            DataType::Custom(name, _) => {
                let name = name_of(name);
                let last = name.last().cloned();
                push(&mut self.names.types, name);
                last
            }
            _ => None,
        };
        let constant = matches!(expr, Expr::Value(_));
        if let Some(t) = type_name.filter(|t| NAME_TYPES.contains(&t.as_str())) {
            if !constant {
                self.names.name_casts.push(format!("{expr}::{t}"));
            }
        }
    }
}

impl Visitor for Finder {
    type Break = String;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        let names = query
            .with
            .iter()
            .flat_map(|w| w.cte_tables.iter())
            .map(|c| c.alias.name.value.to_lowercase())
            .collect();
        self.ctes.push(names);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<String> {
        self.ctes.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        match factor {
            TableFactor::Table { name, args: None, .. } => {
                let name = name_of(name);
                if !self.is_cte(&name) {
                    push(&mut self.names.relations, name);
                }
            }
            TableFactor::Table { name, args: Some(_), .. } | TableFactor::Function { name, .. } => {
                push(&mut self.names.functions, name_of(name));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        match expr {
            Expr::Function(f) => push(&mut self.names.functions, name_of(&f.name)),
            Expr::Cast { expr, data_type, .. } => self.cast(expr, data_type),
            Expr::BinaryOp { op: BinaryOperator::PGCustomBinaryOperator(parts), .. } => {
                push(&mut self.names.operators, parts.clone())
            }
            // A plain symbol is looked up through the search_path too.
            Expr::BinaryOp { op, .. } => push(&mut self.names.operators, vec![op.to_string()]),
            Expr::UnaryOp { op, .. } => push(&mut self.names.operators, vec![op.to_string()]),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(parts: &[&[&str]]) -> Vec<Name> {
        parts.iter().map(|p| p.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn a_body_reading_a_table_unqualified_names_it() {
        let found = body_names("SELECT t.label FROM tb_tag t WHERE t.id = $1").unwrap();
        assert_eq!(found.relations, names(&[&["tb_tag"]]));
        assert!(found.functions.is_empty());
    }

    #[test]
    fn subqueries_joins_and_quoted_names_are_found() {
        let found = body_names(
            r#"SELECT (SELECT max(x) FROM App."Tags" JOIN app.more m ON true) WHERE EXISTS (SELECT 1 FROM other)"#,
        )
        .unwrap();
        assert_eq!(found.relations, names(&[&["app", "Tags"], &["app", "more"], &["other"]]));
        assert_eq!(found.functions, names(&[&["max"]]));
    }

    #[test]
    fn cte_references_are_not_relations_but_their_queries_are_read() {
        let found = body_names("WITH c AS (SELECT 1 AS x FROM real_one) SELECT x FROM c").unwrap();
        assert_eq!(found.relations, names(&[&["real_one"]]));
        // a CTE name is only in scope in its own query
        let found = body_names("SELECT (WITH c AS (SELECT 1) SELECT 1 FROM c), (SELECT 1 FROM c)").unwrap();
        assert_eq!(found.relations, names(&[&["c"]]));
    }

    #[test]
    fn a_body_without_tables_lists_functions_types_and_operators() {
        let found = body_names("SELECT upper($1) || app.f($2)::app.t, $1 OPERATOR(app.+) $2 FROM generate_series(1, 2)").unwrap();
        assert!(found.relations.is_empty());
        assert_eq!(found.functions, names(&[&["upper"], &["app", "f"], &["generate_series"]]));
        assert_eq!(found.types, names(&[&["app", "t"]]));
        assert_eq!(found.operators, names(&[&["||"], &["app", "+"]]));
    }

    #[test]
    fn statements_other_than_select_and_bad_text_are_errors() {
        assert!(body_names("UPDATE t SET x = 1").is_err());
        assert!(body_names("SELECT 1; DELETE FROM t").is_err());
        assert!(body_names("SELEKT 1").is_err());
        assert!(body_names("SELECT 1; SELECT 2").is_ok());
    }

    #[test]
    fn only_casts_of_non_constants_to_reg_types_look_names_up() {
        let casts = name_casts("SELECT 'x'::regclass, t.name::regclass, (t.n)::regtype, t.n::text FROM s.t t").unwrap();
        assert_eq!(casts, vec!["t.name::regclass".to_string(), "(t.n)::regtype".to_string()]);
    }
}
