//! `pg_tviews_convert_table`: adopt an existing plain table `tv_E` whose
//! definition is the existing view `v_E`.  The table keeps its name, its
//! indexes and its privileges; its rows are brought in line with the view
//! (only differing rows are written).

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::catalog::{self, NewTview};
use crate::engine;
use crate::error::{raise, raise_with};

use crate::pg::{primary_key_columns, run};
use crate::sql_text::{self, qualified};

use super::create::{analyse, check_key_column, register, relation_name};

#[pg_extern]
fn pg_tviews_convert_table(table_name: &str) -> String {
    let table = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)",
        &[table_name.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("table \"{table_name}\" does not exist")));
    if catalog::by_table(table).is_some() {
        raise(
            PgSqlErrorCode::ERRCODE_DUPLICATE_OBJECT,
            format!("\"{table_name}\" is already a TVIEW"),
        );
    }
    let (schema, relname) = relation_name(table);
    let Some(entity) = relname.strip_prefix("tv_").map(str::to_string) else {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_NAME,
            format!("cannot convert \"{relname}\": a TVIEW table is named tv_<entity>"),
            None,
            None,
        );
    };
    let kind = Spi::get_one_with_args::<String>(
        "SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1",
        &[table.into()],
    )
    .ok()
    .flatten();
    if kind.as_deref() != Some("r") {
        raise(
            PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
            format!("cannot convert \"{relname}\": it is not a plain table"),
        );
    }
    let key = format!("pk_{entity}");
    super::refuse::check_table(&entity, table, &sql_text::ident(&relname));
    check_key_column(table, &relname, &key);
    super::refuse::check_key_type(&entity, table, &key);
    let view_name = qualified(&schema, &format!("v_{entity}"));
    let view_oid = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1) AND c.relkind = 'v'",
        &[view_name.as_str().into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| {
        raise_with(
            PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            format!("cannot convert \"{relname}\": view {view_name} does not exist"),
            None,
            Some("Create the view that defines the table first.".into()),
        )
    });
    crate::authz::convert(table, view_oid);
    check_same_columns(table, view_oid, &relname, &view_name);
    let sources = analyse(view_oid, &entity, &key);
    ensure_primary_key(table, &schema, &relname, &key);
    let definition = crate::ddl::create::canonical_viewdef(view_oid);
    register(
        &NewTview {
            entity: &entity,
            schema: &schema,
            table_oid: table,
            view_oid,
            key_column: &key,
            definition: definition.trim(),
            dependencies: sources,
        },
        "CONVERT",
    );
    let tview = catalog::by_table(table)
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, "converted TVIEW not recorded"));
    // What the DDL guard refuses on a TVIEW's table must not come in by
    // conversion either (a rule, a BEFORE ROW trigger, a constraint, ...).
    if let Some(problem) = super::alter_guard::table_problem(&tview) {
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot convert \"{relname}\": {problem}"),
            None,
            Some("Remove it from the table first, then convert it.".into()),
        );
    }
    let outcome = engine::full_refresh_as_owner(&tview);
    format!(
        "table {} converted to a TVIEW ({} rows written)",
        qualified(&schema, &relname),
        outcome.written()
    )
}

/// `rel`'s columns as text: `name type, ...` in order.
pub fn describe_columns(rel: pg_sys::Oid) -> String {
    Spi::get_one_with_args::<String>(
        "SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname) || ' ' || \
                pg_catalog.format_type(atttypid, atttypmod), ', ' ORDER BY attnum) \
         FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped",
        &[rel.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default()
}

fn check_same_columns(table: pg_sys::Oid, view: pg_sys::Oid, relname: &str, view_name: &str) {
    let (t, v) = (describe_columns(table), describe_columns(view));
    if t != v {
        raise_with(
            PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
            format!("cannot convert \"{relname}\": its columns differ from those of {view_name}"),
            Some(format!("table: ({t}); view: ({v})")),
            None,
        );
    }
}

/// The key must be the primary key; add it when there is none.
fn ensure_primary_key(table: pg_sys::Oid, schema: &str, relname: &str, key: &str) {
    match primary_key_columns(table).as_slice() {
        [] => run(&sql_text::add_primary_key(&qualified(schema, relname), key)),
        [only] if only == key => {}
        columns => raise(
            PgSqlErrorCode::ERRCODE_INVALID_TABLE_DEFINITION,
            format!("cannot convert \"{relname}\": its primary key is ({}), not ({key})", columns.join(",")),
        ),
    }
}
