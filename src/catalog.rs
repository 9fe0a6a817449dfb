//! `pg_tview_meta` and the audit log: reading and writing the extension's
//! own tables.  All access goes through SPI with parameters; the one name
//! spliced into SQL, the extension's schema, is quoted (`sql_text::Ext`).

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::error::{raise, raise_with};
use crate::guc;
use crate::sql_text::{self, qualified, Ext};

/// One TVIEW as the catalog knows it.
#[derive(Debug, Clone)]
pub struct Tview {
    pub entity: String,
    pub schema: String,
    pub table_oid: pg_sys::Oid,
    pub view_oid: pg_sys::Oid,
    pub table: String,
    pub view: String,
    pub key_column: String,
    pub owner: pg_sys::Oid,
    pub dependencies: Vec<pg_sys::Oid>,
    /// Maintained at commit (`refresh_mode = 'deferred'`).
    pub deferred: bool,
    /// Maintained by the background worker after commit
    /// (`refresh_mode = 'async'`).
    pub asynchronous: bool,
    /// Its view is gone (dropped while the sql_drop event trigger did not
    /// fire, e.g. under `session_replication_role = replica`): it can be
    /// dropped, nothing else.  Only `registered` and `by_entity_or_broken`
    /// return such TVIEWs; `view` is then empty.
    pub broken: bool,
    /// The settings its definition runs under (see `definition_settings`).
    pub settings: Vec<(String, String)>,
}

impl Tview {
    pub fn table_sql(&self) -> String {
        qualified(&self.schema, &self.table)
    }
}

/// Run `f` as the owner of the extension (who installed it, a superuser),
/// the way a SECURITY DEFINER function would: the catalog tables and the
/// maintenance triggers belong to the extension, not to whoever happens to
/// create a TVIEW or write a source.  Callers check the user's own rights.
/// `f` gets the extension's schema, quoted: one catalog lookup for both.
pub fn as_extension_owner<R>(f: impl FnOnce(&Ext) -> R) -> R {
    let (owner, schema) = extension();
    let _owner = crate::pg::AsRole::new(owner);
    f(&Ext::new(&schema))
}

/// The extension's schema, quoted.
pub fn ext_schema() -> Ext {
    Ext::new(&extension().1)
}

/// The extension's owner and schema.
fn extension() -> (pg_sys::Oid, String) {
    let row = Spi::get_two::<pg_sys::Oid, String>(
        "SELECT e.extowner, n.nspname::text FROM pg_catalog.pg_extension e \
         JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_tviews'",
    );
    match row {
        Ok((Some(owner), Some(schema))) => (owner, schema),
        _ => raise(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            "extension pg_tviews is not installed in this database",
        ),
    }
}

/// TVIEWs matching `filter`; those whose view is gone only `with_broken`
/// (maintenance, refresh and verify must not see them: they read the view).
/// Read as committed now (`latest`): a TVIEW another session created or
/// dropped since this transaction's snapshot is what triggers and
/// maintenance must follow.
fn select(filter: &'static str, args: &[DatumWithOid], with_broken: bool) -> Vec<Tview> {
    let view_present = if with_broken { "true" } else { "vc.oid IS NOT NULL" };
    let sql = ext_schema().sql(&[
        "SELECT m.entity, m.schema_name::text, m.table_oid::oid, m.view_oid::oid, \
                c.relname::text, vc.relname::text, m.key_column::text, c.relowner, \
                m.dependencies::oid[], m.refresh_mode = 'deferred', vc.oid IS NULL, pg_catalog.to_jsonb(m) -> 'settings', \
                m.refresh_mode = 'async' \
         FROM @extschema@.pg_tview_meta m \
         JOIN pg_catalog.pg_class c ON c.oid = m.table_oid \
         LEFT JOIN pg_catalog.pg_class vc ON vc.oid = m.view_oid \
         WHERE ",
        view_present,
        " AND (",
        filter,
        ") ORDER BY m.schema_name, m.entity",
    ]);
    crate::latest::run(&sql, args, |row| Tview {
        entity: row.get::<String>(1).unwrap_or_default(),
        schema: row.get::<String>(2).unwrap_or_default(),
        table_oid: row.get::<pg_sys::Oid>(3).unwrap_or(pg_sys::InvalidOid),
        view_oid: row.get::<pg_sys::Oid>(4).unwrap_or(pg_sys::InvalidOid),
        table: row.get::<String>(5).unwrap_or_default(),
        view: row.get::<String>(6).unwrap_or_default(),
        key_column: row.get::<String>(7).unwrap_or_default(),
        owner: row.get::<pg_sys::Oid>(8).unwrap_or(pg_sys::InvalidOid),
        dependencies: row.get::<Vec<pg_sys::Oid>>(9).unwrap_or_default(),
        deferred: row.get::<bool>(10).unwrap_or(false),
        broken: row.get::<bool>(11).unwrap_or(false),
        settings: row
            .get::<pgrx::JsonB>(12)
            .map(|j| crate::definition_settings::from_json(&j.0))
            .unwrap_or_default(),
        asynchronous: row.get::<bool>(13).unwrap_or(false),
    })
}

pub fn all() -> Vec<Tview> {
    select("true", &[], false)
}

/// Every TVIEW whose table exists, also those whose view is gone: the
/// triggers follow these (a broken TVIEW keeps its guard until dropped).
pub fn registered() -> Vec<Tview> {
    select("true", &[], true)
}

pub fn by_table(table: pg_sys::Oid) -> Option<Tview> {
    select("m.table_oid = $1::oid::regclass", &[table.into()], false).into_iter().next()
}

/// The TVIEWs that read `source` directly.
pub fn readers_of(source: pg_sys::Oid) -> Vec<Tview> {
    select("$1::oid::regclass = ANY (m.dependencies)", &[source.into()], false)
}

/// Resolve an entity argument (`entity::parse`): the table
/// `tv_<entity>` of that schema, or found through the search_path; also a
/// TVIEW whose view is gone (see `Tview::broken`), which dropping needs.
pub fn by_entity_or_broken(entity: &str) -> Option<Tview> {
    let table = crate::entity::parse(entity).table_oid()?;
    select("m.table_oid = $1::oid::regclass", &[table.into()], true).into_iter().next()
}

/// A usable TVIEW: unknown is 42P01, one whose view is gone 55000 (saying
/// what to do), rather than a failure to read the view further on.
pub fn by_entity_or_error(entity: &str) -> Tview {
    match by_entity_or_broken(entity) {
        Some(t) if !t.broken => t,
        Some(t) => broken(&t),
        None => entity_not_found(entity),
    }
}

pub fn broken(t: &Tview) -> ! {
    let view = qualified(&t.schema, &format!("v_{}", t.entity));
    let drop = sql_text::call("pg_tviews_drop", &[&crate::entity::spelled(&t.schema, &t.entity)]);
    raise_with(
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        format!("TVIEW {} is broken: its view {view} no longer exists", t.table_sql()),
        Some(format!("{} is no longer maintained and cannot be refreshed or verified.", t.table_sql())),
        Some(format!(
            "Drop it with {drop} and create it again from pg_tview_meta.definition."
        )),
    )
}

pub fn entity_not_found(entity: &str) -> ! {
    raise_with(
        PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        format!("TVIEW \"{entity}\" does not exist"),
        None,
        Some("SELECT entity FROM pg_tview_meta lists the TVIEWs.".into()),
    )
}

pub struct NewTview<'a> {
    pub entity: &'a str,
    pub schema: &'a str,
    pub table_oid: pg_sys::Oid,
    pub view_oid: pg_sys::Oid,
    pub key_column: &'a str,
    pub definition: &'a str,
    pub dependencies: Vec<pg_sys::Oid>,
}

pub fn insert(t: &NewTview) {
    // created_by is the role creating the TVIEW, read before switching to
    // the extension's owner (the column's CURRENT_USER default would say
    // who wrote the row, always that owner).
    let creator = Spi::get_one::<String>("SELECT CURRENT_USER::text")
        .ok()
        .flatten()
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, "could not read CURRENT_USER"));
    // The settings too are the creating session's (see definition_settings).
    let settings = crate::definition_settings::capture();
    as_extension_owner(|schema| insert_row(schema, t, &creator, &settings))
}

fn insert_row(ext: &Ext, t: &NewTview, creator: &str, settings: &serde_json::Value) {
    // Until ALTER EXTENSION UPDATE has run, the library is newer than the
    // catalog: a TVIEW created then has no settings (its definition runs
    // under the writer's, as before 0.3.0).
    let (column, value) = if has_settings_column(ext) { (", settings", ", $9") } else { ("", "") };
    let sql = ext.sql(&[
        "INSERT INTO @extschema@.pg_tview_meta \
         (entity, schema_name, table_oid, view_oid, key_column, definition, dependencies, created_by",
        column,
        ") VALUES ($1, $2, $3::oid::regclass, $4::oid::regclass, $5, $6, $7::oid[]::regclass[], $8",
        value,
        ")",
    ]);
    let run = Spi::run_with_args(
        &sql,
        &[
            t.entity.into(),
            t.schema.into(),
            t.table_oid.into(),
            t.view_oid.into(),
            t.key_column.into(),
            t.definition.into(),
            t.dependencies.clone().into(),
            creator.into(),
            pgrx::JsonB(settings.clone()).into(),
        ],
    );
    if let Err(e) = run {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("could not record TVIEW {}: {e}", t.entity),
        );
    }
}

/// Has pg_tview_meta the 0.3.0 column `settings`?
fn has_settings_column(ext: &Ext) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = $1::pg_catalog.regclass \
         AND attname = 'settings' AND NOT attisdropped)",
        &[ext.object("pg_tview_meta").into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Forget a TVIEW's row, also one committed after this transaction's
/// snapshot was taken (see `select`).
pub fn delete(schema: &str, entity: &str) -> bool {
    as_extension_owner(|ext| {
        let sql = ext.sql(&["DELETE FROM @extschema@.pg_tview_meta WHERE schema_name = $1 AND entity = $2 RETURNING 1"]);
        !crate::latest::run(&sql, &[schema.into(), entity.into()], |_| ()).is_empty()
    })
}

pub fn set_refresh_mode(tview: &Tview, mode: &str) {
    as_extension_owner(|ext| {
        let sql = ext.sql(&["UPDATE @extschema@.pg_tview_meta SET refresh_mode = $1 WHERE table_oid = $2::oid::regclass"]);
        if let Err(e) = Spi::run_with_args(&sql, &[mode.into(), tview.table_oid.into()]) {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not set the refresh mode: {e}"));
        }
    })
}

/// One audit row about one TVIEW, unless `pg_tviews.audit` is off.
pub fn audit(operation: &str, entity: &str, details: pgrx::JsonB) {
    write_audit(operation, Some(entity), details)
}

/// One audit row about no TVIEW in particular (trigger installs over all
/// TVIEWs, history purges): entity NULL, `details` says what was touched.
pub fn audit_global(operation: &str, details: pgrx::JsonB) {
    write_audit(operation, None, details)
}

fn write_audit(operation: &str, entity: Option<&str>, details: pgrx::JsonB) {
    if !guc::AUDIT.get() {
        return;
    }
    let run = as_extension_owner(|ext| {
        let sql = ext.sql(&["INSERT INTO @extschema@.pg_tview_audit_log (operation, entity, details) VALUES ($1, $2, $3)"]);
        Spi::run_with_args(&sql, &[operation.into(), entity.into(), details.into()])
    });
    if let Err(e) = run {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("could not write the audit log: {e}"),
        );
    }
}
