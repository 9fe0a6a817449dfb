//! Turning a freshly created `tv_<entity>` table into a TVIEW.
//!
//! Order matters for "all or nothing": everything runs inside the CREATE
//! statement that made the table, so any ERROR here rolls the table back
//! too.  The primary key goes on last but one, so duplicate or NULL keys
//! are reported by PostgreSQL itself (23505 / 23502).

use std::cell::RefCell;

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use pg_tviews_planner::statements::key_check_statement;
use pg_tviews_planner::{graph, plan, RelationName};

use crate::catalog::{self, NewTview};
use crate::error::{raise, raise_plan, raise_with};
use crate::pg::{is_single_select, run, SettingsScope};
use crate::sql_text::{self, qualified};
use crate::{engine, guc};

use super::{refuse, serialize, triggers};

thread_local! {
    /// The SELECT exactly as given to pg_tviews_create, recorded as the
    /// definition instead of the deparsed text.
    static GIVEN_DEFINITION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Holds the given definition for the CREATE it runs, and forgets it
/// however that ends (also when an ERROR unwinds past it), so a later
/// CREATE TABLE AS never records it.
struct GivenDefinition;

impl GivenDefinition {
    fn set(definition: String) -> GivenDefinition {
        GIVEN_DEFINITION.with(|d| *d.borrow_mut() = Some(definition));
        GivenDefinition
    }
}

impl Drop for GivenDefinition {
    fn drop(&mut self) {
        GIVEN_DEFINITION.with(|d| d.borrow_mut().take());
    }
}

#[pg_extern]
fn pg_tviews_create(entity: &str, select_sql: &str) -> String {
    let name = crate::entity::parse(entity);
    name.check_length();
    if !is_single_select(select_sql) {
        raise(
            PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
            "the definition of a TVIEW must be a single SELECT statement",
        );
    }
    let schema = match &name.schema {
        Some(s) => s.clone(),
        None => Spi::get_one::<String>("SELECT pg_catalog.current_schema()::text")
            .ok()
            .flatten()
            .unwrap_or_else(|| {
                raise(
                    PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_NAME,
                    "no schema has been selected to create in",
                )
            }),
    };
    let table = qualified(&schema, &name.table_name());
    let definition = select_sql.trim().trim_end_matches(';').trim_end().to_string();
    let sql = sql_text::create_table_as(&table, &definition);
    let run = {
        let _given = GivenDefinition::set(definition);
        Spi::run(&sql)
    };
    if let Err(e) = run {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not create TVIEW: {e}"));
    }
    format!("TVIEW {table} created")
}

/// Make `table` (just created by CREATE TABLE AS from `view_sql`) a TVIEW.
pub fn adopt(table: pg_sys::Oid, view_sql: &str, skip_data: bool) {
    if catalog::by_table(table).is_some() {
        return; // CREATE TABLE IF NOT EXISTS of an existing TVIEW
    }
    let filled_with = serialize::Horizon::active();
    let (schema, relname) = relation_name(table);
    let entity = relname.strip_prefix("tv_").unwrap_or(&relname).to_string();
    let key = format!("pk_{entity}");
    let view = format!("v_{entity}");
    if key.len() > crate::entity::MAX_NAME_BYTES {
        raise(
            PgSqlErrorCode::ERRCODE_NAME_TOO_LONG,
            format!("TVIEW entity name \"{entity}\" is too long for its key column {key}"),
        );
    }
    refuse::check_table(&entity, table, &sql_text::ident(&relname));
    check_key_column(table, &relname, &key);
    refuse::check_key_type(&entity, table, &key);

    let view_qualified = qualified(&schema, &view);
    run(&sql_text::create_view(&view_qualified, view_sql));
    let view_oid = oid_of(&view_qualified);
    let sources = analyse(view_oid, &entity, &key);

    if skip_data {
        let _writing = engine::maintaining();
        run(&sql_text::insert_all(&qualified(&schema, &relname), &view_qualified));
    }
    run(&sql_text::add_primary_key(&qualified(&schema, &relname), &key));
    let definition = GIVEN_DEFINITION
        .with(|d| d.borrow_mut().take())
        .unwrap_or_else(|| view_sql.to_string());
    let forced = reads_forced_rls(&sources);
    register(
        &NewTview {
            entity: &entity,
            schema: &schema,
            table_oid: table,
            view_oid,
            key_column: &key,
            definition: &definition,
            dependencies: sources,
        },
        "CREATE",
    );
    // CREATE TABLE AS computed the rows as the creator, subject to FORCE
    // ROW LEVEL SECURITY on its own sources; maintenance reads them without
    // (pg::AsRole): then rebuild in any case.  Otherwise catch up with what
    // committed since the CREATE's snapshot (see `serialize`).
    serialize::catch_up(table, if forced { None } else { filled_with });
}

/// Does a source have FORCE ROW LEVEL SECURITY on?
fn reads_forced_rls(sources: &[pg_sys::Oid]) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.bool_or(relrowsecurity AND relforcerowsecurity) FROM pg_catalog.pg_class \
         WHERE oid = ANY ($1)",
        &[sources.to_vec().into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Check the view can be maintained and return its sources: volatile
/// functions, the planner's verdict, the tables it reads, the stack.
pub fn analyse(view_oid: pg_sys::Oid, entity: &str, key: &str) -> Vec<pg_sys::Oid> {
    check_functions(view_oid, entity);
    refuse::check_system_columns(entity, view_oid);
    super::whole_row::check(entity, view_oid);
    let canonical = canonical_viewdef(view_oid);
    let tview_plan = plan(&canonical, key).unwrap_or_else(|e| raise_plan(entity, &canonical, e));
    super::definition_functions::check(view_oid, entity, &canonical);
    super::row_order::check(entity, view_oid);
    let mut sources = Vec::new();
    for source in &tview_plan.sources {
        let oid = source_oid(entity, &source.relation);
        refuse::check_source(entity, oid, &qualified(&source.relation.schema, &source.relation.name));
        crate::authz::create_source(entity, oid);
        super::source_policies::check(entity, view_oid, oid);
        sources.push(oid);
        run(&key_check_statement(
            &source.key_query,
            &source.relation.schema,
            &source.relation.name,
        ));
    }
    check_stack(entity, &sources);
    sources
}

/// Record a TVIEW whose table (with its primary key) and view exist,
/// holding its sources against writers and other DDL from here on (see
/// `serialize`).
pub fn register(tview: &NewTview, operation: &str) {
    let mut relations = tview.dependencies.clone();
    relations.push(tview.table_oid);
    serialize::lock_for_ddl(&relations);
    record_view_dependency(tview.table_oid, tview.view_oid);
    catalog::insert(tview);
    triggers::sync_relations(&relations);
    engine::cache::invalidate(&tview.dependencies);
    catalog::audit(
        operation,
        tview.entity,
        JsonB(json!({ "schema": tview.schema, "definition": tview.definition })),
    );
}

fn oid_of(qualified: &str) -> pg_sys::Oid {
    Spi::get_one_with_args::<pg_sys::Oid>("SELECT $1::regclass::oid", &[qualified.into()])
        .ok()
        .flatten()
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("{qualified} not found")))
}

pub fn relation_name(rel: pg_sys::Oid) -> (String, String) {
    Spi::get_two_with_args::<String, String>(
        "SELECT n.nspname::text, c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[rel.into()],
    )
    .ok()
    .and_then(|(s, n)| Some((s?, n?)))
    .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("relation {rel:?} not found")))
}

pub fn check_key_column(table: pg_sys::Oid, relname: &str, key: &str) {
    let found = Spi::get_one_with_args::<bool>(
        "SELECT true FROM pg_catalog.pg_attribute \
         WHERE attrelid = $1 AND attname = $2 AND attnum > 0 AND NOT attisdropped",
        &[table.into(), key.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    if !found {
        raise_with(
            PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
            format!("cannot create TVIEW {relname}: the SELECT has no column {key}"),
            None,
            Some(format!(
                "Every TVIEW needs a single key column named {key}, unique and not null; \
                 composite keys are not supported."
            )),
        );
    }
}

/// The view's text as the planner wants it: every relation qualified.
pub fn canonical_viewdef(view: pg_sys::Oid) -> String {
    let _path = SettingsScope::new(crate::definition_settings::DEPARSE);
    Spi::get_one_with_args::<String>("SELECT pg_catalog.pg_get_viewdef($1)", &[view.into()])
        .ok()
        .flatten()
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, "view definition not found"))
}

/// Volatile functions would make the TVIEW differ from its view.
fn check_functions(view: pg_sys::Oid, entity: &str) {
    let volatile = Spi::get_one_with_args::<String>(
        "SELECT pg_catalog.string_agg(DISTINCT p.oid::regprocedure::text, ', ') \
         FROM pg_catalog.pg_rewrite r \
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid \
         JOIN pg_catalog.pg_proc p ON d.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.refobjid \
         WHERE r.ev_class = $1 AND p.provolatile = 'v'",
        &[view.into()],
    )
    .ok()
    .flatten();
    if let Some(functions) = volatile {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_OBJECT_DEFINITION,
            format!("cannot create TVIEW {entity}: volatile function {functions} is not allowed"),
            None,
            Some("A TVIEW row must depend only on the rows it reads.".into()),
        );
    }
}

/// Resolve a source the planner found; only tables can carry triggers.
fn source_oid(entity: &str, relation: &RelationName) -> pg_sys::Oid {
    let found = Spi::get_two_with_args::<pg_sys::Oid, String>(
        "SELECT c.oid, c.relkind::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2",
        &[relation.schema.as_str().into(), relation.name.as_str().into()],
    )
    .ok();
    let name = qualified(&relation.schema, &relation.name);
    match found {
        Some((Some(oid), Some(kind))) if kind == "r" || kind == "p" => {
            if relation.schema == "pg_catalog" || relation.schema == "information_schema" {
                raise(
                    PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                    format!("cannot create TVIEW {entity}: it reads the system table {name}"),
                );
            }
            oid
        }
        Some((Some(_), Some(kind))) => {
            let what = match kind.as_str() {
                "v" => "a view",
                "m" => "a materialized view",
                "f" => "a foreign table",
                _ => "a relation that is not a table",
            };
            raise_with(
                PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!("cannot create TVIEW {entity}: it reads {name}, which is {what}"),
                None,
                Some("Read the underlying tables, or make that view a TVIEW and read its tv_ table.".into()),
            )
        }
        _ => raise(
            PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            format!("cannot create TVIEW {entity}: source {name} not found"),
        ),
    }
}

/// Cycles and depth of the TVIEW-reads-TVIEW graph.
fn check_stack(entity: &str, sources: &[pg_sys::Oid]) {
    let tviews = catalog::all();
    let name_of = |oid: &pg_sys::Oid| {
        tviews
            .iter()
            .find(|t| t.table_oid == *oid)
            .map(|t| format!("{}.{}", t.schema, t.entity))
    };
    let mut g = graph::Graph::new();
    for t in &tviews {
        g.insert(
            format!("{}.{}", t.schema, t.entity),
            t.dependencies.iter().filter_map(name_of).collect(),
        );
    }
    let reads: Vec<String> = sources.iter().filter_map(name_of).collect();
    let limit = guc::MAX_CASCADE_DEPTH.get().max(1) as usize;
    match graph::check_addition(&g, entity, &reads, limit) {
        Ok(_) => {}
        Err(graph::GraphError::Cycle(path)) => raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_OBJECT_DEFINITION,
            format!("cannot create TVIEW {entity}: TVIEWs would read each other in a cycle"),
            Some(format!("cycle: {}", path.join(" -> "))),
            None,
        ),
        Err(graph::GraphError::TooDeep { depth, limit }) => raise_with(
            PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            format!("cannot create TVIEW {entity}: it would stack {depth} TVIEWs deep"),
            Some(format!("pg_tviews.max_cascade_depth is {limit}.")),
            Some("Raise pg_tviews.max_cascade_depth, or read base tables instead of TVIEWs.".into()),
        ),
    }
}

/// `v_E` is an internal part of `tv_E`: dropping the table drops the view
/// (also several TVIEWs of one stack in one DROP), dropping the view alone
/// is refused, and dropping a base table reaches the TVIEW through the view
/// (with CASCADE), all by PostgreSQL's own dependency rules.
pub fn record_view_dependency(table: pg_sys::Oid, view: pg_sys::Oid) {
    let depender = pg_sys::ObjectAddress {
        classId: pg_sys::RelationRelationId,
        objectId: view,
        objectSubId: 0,
    };
    let referenced = pg_sys::ObjectAddress {
        classId: pg_sys::RelationRelationId,
        objectId: table,
        objectSubId: 0,
    };
    // SAFETY: both addresses name existing relations.
    unsafe {
        pg_sys::recordDependencyOn(&depender, &referenced, pg_sys::DependencyType::DEPENDENCY_INTERNAL);
    }
}
