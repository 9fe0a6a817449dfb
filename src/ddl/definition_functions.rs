//! Which functions a TVIEW definition may call, checked at CREATE.
//!
//! A function that reads a table hides that table from pg_tviews: it is a
//! source nobody maintains from (writing it leaves the TVIEW stale), and
//! it is read by name when maintenance runs, in the writer's session,
//! where a writer's temporary table of the same name could take its place.
//! So every function the definition can run, found from the catalog (the
//! view rule's dependencies: functions, operators' functions, casts'
//! functions, aggregates' support functions, the I/O functions and domain
//! checks of the types it uses; then, transitively, what those call), must
//! be one of:
//! - in `pg_catalog`, not volatile, and not one of `SESSION_DEPENDENT`
//!   (they look names up or read the session's state when they run);
//! - an SQL function whose body reads no relation: a `BEGIN ATOMIC` body
//!   by its recorded dependencies, a string body by parsing it (planner's
//!   `function_body`) and resolving every function it names; a body we
//!   cannot read is refused;
//! - any other function declared IMMUTABLE (the owner's promise that it
//!   reads nothing, which PostgreSQL itself relies on for indexes).
//!
//! Everything else is refused with 0A000 naming the function and why.
//!
//! Names resolved at run time.  Maintenance runs with `search_path =
//! pg_catalog, pg_temp` (`pg::MAINTENANCE_SETTINGS`): functions and
//! operators are never looked up in `pg_temp`, but relations and types
//! are, last.  The definition's own relations, functions, operators and
//! types are bound by oid in the view's rule, so what can still resolve a
//! name when maintenance runs is: a string-bodied SQL function's body
//! (refused when it names a relation or a type outside `pg_catalog`), the
//! `reg*` input functions and `to_reg*` (a cast of a non-constant to a
//! `reg*` type is refused, the functions are in `SESSION_DEPENDENT`), and
//! a non-SQL function's own queries (allowed only when IMMUTABLE, on the
//! owner's word).  The key statements maintenance builds from the view's
//! text are parsed again when prepared, but that text is printed with
//! `search_path = ''`: every relation and every type or function outside
//! `pg_catalog` is schema-qualified, and the unqualified built-ins resolve
//! in `pg_catalog`, which the maintenance path lists before `pg_temp`.
//! Nothing else a TVIEW may contain looks a name up.

use std::collections::HashSet;

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::function_body::{body_names, name_casts, Name};

use crate::error::raise_with;
use crate::ops::query::{rows, text};

/// What the catalog reads here are about, for their error messages.
const WHAT: &str = "the functions a TVIEW definition calls";

/// `pg_catalog` functions whose result depends on the session running
/// them (its settings, roles, search_path, temporary objects, time), not
/// on the rows read: a writer's session would shape the document.
const SESSION_DEPENDENT: &[&str] = &[
    "current_setting",
    "current_schema",
    "current_schemas",
    "pg_my_temp_schema",
    "pg_backend_pid",
    "pg_trigger_depth",
    "inet_client_addr",
    "inet_client_port",
    "inet_server_addr",
    "inet_server_port",
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "pg_current_snapshot",
    "txid_current_snapshot",
    "txid_current_if_assigned",
    "pg_current_xact_id_if_assigned",
    "pg_has_role",
    "pg_table_is_visible",
    "pg_type_is_visible",
    "pg_function_is_visible",
    "pg_operator_is_visible",
    "regclass",
    "to_regclass",
    "to_regcollation",
    "to_regnamespace",
    "to_regoper",
    "to_regoperator",
    "to_regproc",
    "to_regprocedure",
    "to_regrole",
    "to_regtype",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    // SQL's own functions without parentheses, parsed as calls
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "system_user",
];

/// Calls in SQL's grammar that are expressions, not functions to look up.
const GRAMMAR_CALLS: &[&str] = &["coalesce", "nullif", "greatest", "least"];

fn session_dependent(name: &str) -> bool {
    SESSION_DEPENDENT.contains(&name) || (name.starts_with("has_") && name.ends_with("_privilege"))
}

/// What the catalog says about one function.
struct Function {
    signature: String,
    schema: String,
    name: String,
    volatility: String,
    language: String,
    kind: String,
    atomic: bool,
    source: String,
    search_path: Vec<String>,
}

/// What one function adds to the walk, or why it is refused.
enum Verdict {
    Allowed(Vec<pg_sys::Oid>),
    Refused(String),
}

/// Refuse the definition of `view` (canonical text `canonical`) when it
/// can run a function that is not allowed (see the module header).
pub fn check(view: pg_sys::Oid, entity: &str, canonical: &str) {
    if let Ok(casts) = name_casts(canonical) {
        if let Some(cast) = casts.first() {
            raise_with(
                PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!("cannot create TVIEW {entity}: the cast {cast} looks a name up when it runs"),
                Some("Maintenance runs in the writer's session, whose temporary objects that name could reach.".into()),
                Some("Join the catalog table instead, or cast a constant.".into()),
            );
        }
    }
    // Built-in functions are pinned: the rule records no dependency on
    // them, so the session-dependent and volatile ones are found in the text.
    if let Some((name, why)) = body_names(canonical).ok().and_then(|n| builtin_refusal(&n.functions)) {
        let refusal = Refusal { signature: name, why: why.into(), caller: None };
        refuse(&format!("cannot create TVIEW {entity}"), &refusal);
    }
    if let Err(refusal) = walk(view).1 {
        refuse(&format!("cannot create TVIEW {entity}"), &refusal);
    }
}

/// The first function of a walk that is not allowed: its signature, why,
/// and the function calling it (none when the view calls it).
pub struct Refusal {
    signature: String,
    why: String,
    caller: Option<String>,
}

/// Every function the view's definition can run, found from the catalog
/// (see the module header), as far as the walk went: to its end, or to
/// the first function not allowed.
pub fn walk(view: pg_sys::Oid) -> (HashSet<u32>, Result<(), Refusal>) {
    walk_from(referenced("pg_catalog.pg_rewrite", &rule_oids(view)).0)
}

/// The same rule for an expression stored in another catalog (a source's
/// row-level-security policy, `class` its catalog, `object` its oid,
/// `text` its printed expression): the relations it depends on (by name),
/// or the first function it can run that is not allowed.
pub fn expression(class: &str, object: pg_sys::Oid, text: &str) -> Result<Vec<String>, Refusal> {
    let names = body_names(&format!("SELECT {text}"))
        .map_err(|e| Refusal { signature: text.into(), why: format!("cannot be analysed ({e})"), caller: None })?;
    if let Some((signature, why)) = builtin_refusal(&names.functions) {
        return Err(Refusal { signature, why: why.into(), caller: None });
    }
    let (functions, relations) = referenced(class, &[object]);
    walk_from(functions).1.map(|()| relations)
}

impl Refusal {
    /// "function f() why (called by g)", for messages of other checks.
    pub fn describe(&self) -> String {
        let via = self.caller.as_ref().map(|c| format!(" (called by {c})")).unwrap_or_default();
        format!("function {} {}{via}", self.signature, self.why)
    }
}

fn walk_from(start: Vec<pg_sys::Oid>) -> (HashSet<u32>, Result<(), Refusal>) {
    let mut queue: Vec<(pg_sys::Oid, Option<String>)> = start.into_iter().map(|f| (f, None)).collect();
    let mut seen = HashSet::new();
    while let Some((oid, caller)) = queue.pop() {
        if !seen.insert(oid.to_u32()) {
            continue;
        }
        let Some(function) = function(oid) else { continue };
        match verdict(oid, &function) {
            Verdict::Allowed(calls) => {
                queue.extend(calls.into_iter().map(|f| (f, Some(function.signature.clone()))));
            }
            Verdict::Refused(why) => {
                return (seen, Err(Refusal { signature: function.signature, why, caller }));
            }
        }
    }
    (seen, Ok(()))
}

/// Raise the refusal, its message starting with `what` ("cannot create
/// TVIEW x", or the DDL refused for a TVIEW).
pub fn refuse(what: &str, refusal: &Refusal) -> ! {
    let Refusal { signature, why, caller, .. } = refusal;
    let via = caller.as_ref().map(|c| format!("It is called by {c}. ")).unwrap_or_default();
    raise_with(
        PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        format!("{what}: function {signature} {why}"),
        Some(format!(
            "{via}A function a TVIEW calls must not read tables: they would be hidden sources that \
             maintenance does not follow, and it runs in the writer's session, where a temporary \
             table of the same name could take their place."
        )),
        Some(
            "Mark the function IMMUTABLE if it reads nothing, write it as an SQL function that reads no \
             table, or read its tables in the definition itself, where they become sources."
                .into(),
        ),
    )
}

fn verdict(oid: pg_sys::Oid, f: &Function) -> Verdict {
    if f.kind == "a" {
        return Verdict::Allowed(aggregate_support(oid));
    }
    if f.schema == "pg_catalog" {
        return if f.volatility == "v" {
            Verdict::Refused("is volatile".into())
        } else if session_dependent(&f.name) {
            Verdict::Refused(SESSION_REASON.into())
        } else {
            Verdict::Allowed(Vec::new())
        };
    }
    if f.language == "sql" {
        return if f.atomic { atomic_body(oid) } else { string_body(f) };
    }
    if f.volatility == "i" {
        return Verdict::Allowed(Vec::new());
    }
    let volatility = if f.volatility == "s" { "STABLE" } else { "VOLATILE" };
    Verdict::Refused(format!(
        "is {volatility} and written in {}, whose body pg_tviews cannot check: only IMMUTABLE functions \
         and SQL functions that read no table are allowed",
        f.language
    ))
}

const SESSION_REASON: &str = "depends on the session that runs it (its settings, roles, names or time)";

/// Among calls by one-part names (how built-ins are printed), the first
/// of a `SESSION_DEPENDENT` or volatile built-in, with the reason.
fn builtin_refusal(functions: &[Name]) -> Option<(String, &'static str)> {
    if let Some(name) = functions.iter().find_map(session_dependent_name) {
        return Some((name, SESSION_REASON));
    }
    let one_part: Vec<String> = functions.iter().filter(|n| n.len() == 1).map(|n| n[0].clone()).collect();
    text_list(
        "SELECT p.proname::text FROM pg_catalog.pg_proc p \
         WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.provolatile = 'v' \
           AND p.proname = ANY ($1) ORDER BY 1 LIMIT 1",
        &[one_part.into()],
    )
    .into_iter()
    .next()
    .map(|name| (name, "is volatile"))
}

fn session_dependent_name(name: &Name) -> Option<String> {
    match name.as_slice() {
        [one] if session_dependent(one) => Some(one.clone()),
        _ => None,
    }
}

/// A `BEGIN ATOMIC` body: its dependencies are recorded like a view's
/// (built-in functions excepted, found in its text).
fn atomic_body(oid: pg_sys::Oid) -> Verdict {
    let (calls, relations) = referenced("pg_catalog.pg_proc", &[oid]);
    if let Some(relation) = relations.first() {
        return Verdict::Refused(format!("reads {relation}"));
    }
    let body = Spi::get_one_with_args::<String>("SELECT pg_catalog.pg_get_function_sqlbody($1)", &[oid.into()])
        .ok()
        .flatten()
        .unwrap_or_default();
    // Printed as `BEGIN ATOMIC <statements> END`.
    let statements = body.trim().strip_prefix("BEGIN ATOMIC").and_then(|b| b.trim_end().strip_suffix("END"));
    let Some(Ok(names)) = statements.map(body_names) else {
        return Verdict::Refused("has a body pg_tviews cannot analyse".into());
    };
    match builtin_refusal(&names.functions) {
        Some((call, why)) => Verdict::Refused(format!("calls {call}, which {why}")),
        None => Verdict::Allowed(calls),
    }
}

/// A string body: parsed, every name it uses resolved as maintenance would.
fn string_body(f: &Function) -> Verdict {
    let names = match body_names(&f.source) {
        Ok(names) => names,
        Err(e) => return Verdict::Refused(format!("has a body pg_tviews cannot analyse ({e})")),
    };
    if let Some(relation) = names.relations.first() {
        return Verdict::Refused(format!(
            "reads {}, a relation its body names and that is looked up when it runs",
            shown(relation)
        ));
    }
    if let Some(cast) = names.name_casts.first() {
        return Verdict::Refused(format!("looks a name up when it runs ({cast})"));
    }
    if let Some(t) = names.types.iter().find(|t| !builtin_type(t)) {
        return Verdict::Refused(format!(
            "uses the type {}, which its body names and is looked up when it runs (write the body \
             with BEGIN ATOMIC to have it checked)",
            shown(t)
        ));
    }
    let mut calls = Vec::new();
    for name in &names.functions {
        if let Some(call) = session_dependent_name(name) {
            return Verdict::Refused(format!("calls {call}, which {SESSION_REASON}"));
        }
        if matches!(name.as_slice(), [one] if GRAMMAR_CALLS.contains(&one.as_str())) {
            continue;
        }
        let found = functions_named(name, &f.search_path);
        if found.is_empty() {
            return Verdict::Refused(format!("calls {}, which cannot be found", shown(name)));
        }
        calls.extend(found);
    }
    for name in &names.operators {
        calls.extend(operators_named(name, &f.search_path));
    }
    Verdict::Allowed(calls)
}

fn shown(name: &Name) -> String {
    name.iter().map(|p| crate::sql_text::ident(p)).collect::<Vec<_>>().join(".")
}

fn rule_oids(view: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    oid_list("SELECT r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class = $1", &[view.into()])
}

/// The functions (and, second, the relations, by name) the objects
/// `objects` of catalog `class` depend on: functions directly, through
/// operators, casts, and the types used (their I/O functions, domain
/// checks, element, range and column types), including the types of the
/// columns read.
fn referenced(class: &str, objects: &[pg_sys::Oid]) -> (Vec<pg_sys::Oid>, Vec<String>) {
    let rows = column(
        "WITH RECURSIVE deps AS ( \
             SELECT d.refclassid, d.refobjid, d.refobjsubid FROM pg_catalog.pg_depend d \
              WHERE d.classid = $1::pg_catalog.regclass AND d.objid = ANY ($2) AND d.deptype = 'n'), \
         types(t) AS ( \
             SELECT refobjid FROM deps WHERE refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass \
             UNION SELECT a.atttypid FROM deps JOIN pg_catalog.pg_attribute a \
                 ON deps.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                AND a.attrelid = deps.refobjid AND a.attnum = deps.refobjsubid \
             UNION SELECT u.u FROM types JOIN pg_catalog.pg_type ty ON ty.oid = types.t \
                 LEFT JOIN pg_catalog.pg_range rg ON rg.rngtypid = ty.oid \
                 CROSS JOIN LATERAL (SELECT ty.typbasetype UNION ALL SELECT ty.typelem \
                     UNION ALL SELECT rg.rngsubtype \
                     UNION ALL SELECT a.atttypid FROM pg_catalog.pg_attribute a \
                      WHERE a.attrelid = ty.typrelid AND a.attnum > 0) AS u(u) \
                 WHERE u.u IS NOT NULL AND u.u <> 0) \
         SELECT DISTINCT f, NULL::text FROM ( \
             SELECT refobjid FROM deps WHERE refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
             UNION ALL SELECT o.oprcode::oid FROM deps JOIN pg_catalog.pg_operator o ON o.oid = deps.refobjid \
                 WHERE deps.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass \
             UNION ALL SELECT c.castfunc FROM deps JOIN pg_catalog.pg_cast c ON c.oid = deps.refobjid \
                 WHERE deps.refclassid = 'pg_catalog.pg_cast'::pg_catalog.regclass \
             UNION ALL SELECT io.f FROM types JOIN pg_catalog.pg_type ty ON ty.oid = types.t \
                 CROSS JOIN LATERAL (VALUES (ty.typinput::oid), (ty.typoutput::oid)) AS io(f) \
                 WHERE ty.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace \
             UNION ALL SELECT cd.refobjid FROM types JOIN pg_catalog.pg_constraint con ON con.contypid = types.t \
                 JOIN pg_catalog.pg_depend cd ON cd.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass \
                  AND cd.objid = con.oid AND cd.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
         ) AS s(f) WHERE f <> 0 \
         UNION ALL SELECT DISTINCT NULL::oid, refobjid::pg_catalog.regclass::text FROM deps \
          WHERE refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass",
        &[class.into(), objects.to_vec().into()],
        |row| Ok(Some((row.get::<pg_sys::Oid>(1)?, row.get::<String>(2)?))),
    );
    let functions = rows.iter().filter_map(|(f, _)| *f).collect();
    let relations = rows.into_iter().filter_map(|(_, r)| r).collect();
    (functions, relations)
}

fn aggregate_support(aggregate: pg_sys::Oid) -> Vec<pg_sys::Oid> {
    oid_list(
        "SELECT f::oid FROM pg_catalog.pg_aggregate a CROSS JOIN LATERAL (VALUES (a.aggtransfn), \
         (a.aggfinalfn), (a.aggcombinefn), (a.aggserialfn), (a.aggdeserialfn), (a.aggmtransfn), \
         (a.aggminvtransfn), (a.aggmfinalfn)) AS s(f) WHERE a.aggfnoid = $1 AND f::oid <> 0",
        &[aggregate.into()],
    )
}

/// The schemas an unqualified name in a body can resolve in: `pg_catalog`,
/// the function's own search_path, and the creating session's (where
/// CREATE's first fill finds it).
fn search_schemas(own_path: &[String]) -> Vec<String> {
    let mut schemas = vec!["pg_catalog".to_string()];
    schemas.extend(own_path.iter().cloned());
    schemas.extend(text_list("SELECT s::text FROM pg_catalog.unnest(pg_catalog.current_schemas(false)) AS s", &[]));
    schemas
}

/// `schema.name` in that schema, `name` wherever `search_schemas` says.
fn schemas_and_name<'a>(name: &'a Name, own_path: &[String]) -> Option<(Vec<String>, &'a String)> {
    match name.as_slice() {
        [schema, object] => Some((vec![schema.clone()], object)),
        [object] => Some((search_schemas(own_path), object)),
        _ => None,
    }
}

/// The functions a name in a body can mean when it runs.
fn functions_named(name: &Name, own_path: &[String]) -> Vec<pg_sys::Oid> {
    let Some((schemas, proname)) = schemas_and_name(name, own_path) else { return Vec::new() };
    oid_list(
        "SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.proname = $1 AND n.nspname = ANY ($2)",
        &[proname.as_str().into(), schemas.into()],
    )
}

/// The functions behind the operators a symbol in a body can mean.
fn operators_named(name: &Name, own_path: &[String]) -> Vec<pg_sys::Oid> {
    let Some((schemas, op)) = schemas_and_name(name, own_path) else { return Vec::new() };
    oid_list(
        "SELECT o.oprcode::oid FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
         WHERE o.oprname = $1 AND n.nspname = ANY ($2)",
        &[op.as_str().into(), schemas.into()],
    )
}

/// A type name in a body that resolves to a `pg_catalog` type whatever
/// the search_path (types the grammar builds in are never `Custom`).
fn builtin_type(name: &Name) -> bool {
    let qualified = match name.as_slice() {
        [t] => vec!["pg_catalog".to_string(), t.clone()],
        [s, t] if s == "pg_catalog" => vec![s.clone(), t.clone()],
        _ => return false,
    };
    Spi::get_one_with_args::<bool>(
        "SELECT true FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = $1 AND t.typname = $2",
        &[qualified[0].as_str().into(), qualified[1].as_str().into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

fn function(oid: pg_sys::Oid) -> Option<Function> {
    rows(
        WHAT,
        "SELECT p.oid::pg_catalog.regprocedure::text, n.nspname::text, p.proname::text, p.provolatile::text, \
                l.lanname::text, p.prokind::text, p.prosqlbody IS NOT NULL, p.prosrc, \
                ARRAY(SELECT pg_catalog.btrim(s) FROM pg_catalog.unnest(p.proconfig) AS c, \
                      pg_catalog.regexp_split_to_table(pg_catalog.substr(c, 13), ',') AS s \
                      WHERE c LIKE 'search_path=%') \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         JOIN pg_catalog.pg_language l ON l.oid = p.prolang WHERE p.oid = $1",
        &[oid.into()],
        |row| {
            Ok(Function {
                signature: text(row, 1)?,
                schema: text(row, 2)?,
                name: text(row, 3)?,
                volatility: text(row, 4)?,
                language: text(row, 5)?,
                kind: text(row, 6)?,
                atomic: row.get::<bool>(7)?.unwrap_or(false),
                source: text(row, 8)?,
                search_path: row
                    .get::<Vec<String>>(9)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| s.trim_matches('"').to_string())
                    .collect(),
            })
        },
    )
    .into_iter()
    .next()
}

fn oid_list(sql: &str, args: &[pgrx::datum::DatumWithOid]) -> Vec<pg_sys::Oid> {
    column(sql, args, |row| row.get::<pg_sys::Oid>(1))
}

fn text_list(sql: &str, args: &[pgrx::datum::DatumWithOid]) -> Vec<String> {
    column(sql, args, |row| row.get::<String>(1))
}

fn column<T>(
    sql: &str,
    args: &[pgrx::datum::DatumWithOid],
    get: impl Fn(&pgrx::spi::SpiHeapTupleData) -> pgrx::spi::SpiResult<Option<T>>,
) -> Vec<T> {
    rows(WHAT, sql, args, get).into_iter().flatten().collect()
}
