//! Relations and columns a TVIEW cannot be built on, refused at CREATE
//! (and, for relations, by the DDL guard when later DDL would make them
//! so; see `alter_guard`).
//!
//! - A temporary or unlogged table (source or TVIEW): crash recovery, or
//!   the end of a session, empties one side while the other keeps its rows.
//! - A partitioned table, a partition, an inheritance parent or child: a
//!   statement trigger fires only for the relation named in the write, so
//!   a write through the parent (or straight to a child) would not be seen
//!   by a TVIEW reading the other.
//! - pg_tviews' own tables: maintenance writes them itself.
//! - A view reading system columns (`xmin`, `ctid`, ...): they change
//!   without the columns the TVIEW reads changing, and transition tables
//!   do not carry them.
//! - A key whose type has no array type, is an array or a composite, or
//!   has no btree equality: the engine passes keys as an array, sorts and
//!   compares them.

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::error::raise_with;

/// Why `rel` cannot be a TVIEW's source or table, if it cannot: "a
/// temporary table", "a partition of public.p", ...
pub fn relation_problem(rel: pg_sys::Oid) -> Option<String> {
    Spi::get_one_with_args::<String>(
        "SELECT CASE \
           WHEN c.relpersistence = 't' THEN 'a temporary table' \
           WHEN c.relpersistence = 'u' THEN 'an unlogged table' \
           WHEN c.relkind = 'p' THEN 'a partitioned table' \
           WHEN c.relispartition THEN 'a partition of ' || \
                (SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i \
                  WHERE i.inhrelid = c.oid LIMIT 1) \
           WHEN EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) THEN \
                'an inheritance child of ' || (SELECT i.inhparent::pg_catalog.regclass::text \
                  FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid ORDER BY i.inhseqno LIMIT 1) \
           WHEN EXISTS (SELECT FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid) THEN \
                'an inheritance parent of ' || (SELECT i.inhrelid::pg_catalog.regclass::text \
                  FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid ORDER BY i.inhrelid LIMIT 1) \
           WHEN EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e \
                          ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass \
                         AND d.refobjid = e.oid AND e.extname = 'pg_tviews' \
                        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                          AND d.objid = c.oid AND d.deptype = 'e') THEN 'a table of the pg_tviews extension' \
         END FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[rel.into()],
    )
    .ok()
    .flatten()
}

/// Refuse a source of TVIEW `entity` that pg_tviews cannot maintain from.
pub fn check_source(entity: &str, source: pg_sys::Oid, name: &str) {
    refuse_relation(source, |problem| format!("cannot create TVIEW {entity}: it reads {name}, which is {problem}"));
}

/// Refuse a TVIEW table that would not stay equal to its view.
pub fn check_table(entity: &str, table: pg_sys::Oid, name: &str) {
    refuse_relation(table, |problem| format!("cannot create TVIEW {entity}: its table {name} would be {problem}"));
}

fn refuse_relation(rel: pg_sys::Oid, message: impl Fn(&str) -> String) {
    if let Some(problem) = relation_problem(rel) {
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            message(&problem),
            Some(hint_for(&problem).into()),
            None,
        );
    }
}

/// The reason behind a refused relation, for the DETAIL.
pub fn hint_for(problem: &str) -> &'static str {
    if problem.starts_with("a temporary") {
        "A temporary table lives for one session; a TVIEW and its sources must be visible to every session."
    } else if problem.starts_with("an unlogged") {
        "Crash recovery empties an unlogged table, so the TVIEW and its sources would differ after a crash."
    } else if problem.contains("partition") || problem.contains("inheritance") {
        "Statement triggers fire only for the table a write names, so writes through a parent or to a \
         partition or child would not all be seen; partitioned tables and inheritance are not supported."
    } else {
        "pg_tviews writes its own tables itself; they cannot be the source of a TVIEW."
    }
}

/// Refuse a view reading system columns of a table.
pub fn check_system_columns(entity: &str, view: pg_sys::Oid) {
    let found = Spi::get_one_with_args::<String>(
        "SELECT pg_catalog.string_agg(DISTINCT a.attrelid::pg_catalog.regclass::text || '.' || a.attname, ', ') \
         FROM pg_catalog.pg_rewrite r \
         JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         WHERE r.ev_class = $1 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND d.refobjsubid < 0",
        &[view.into()],
    )
    .ok()
    .flatten();
    if let Some(columns) = found {
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot create TVIEW {entity}: it reads the system column {columns}"),
            Some(
                "System columns (xmin, xmax, cmin, cmax, ctid, tableoid) change without the columns a TVIEW \
                 reads changing, and the rows a write changed do not carry them."
                    .into(),
            ),
            None,
        );
    }
}

/// Refuse a key column whose type the engine cannot pass as an array of
/// keys, sort and compare.
pub fn check_key_type(entity: &str, table: pg_sys::Oid, key: &str) {
    let Ok(Some(type_oid)) = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT a.atttypid FROM pg_catalog.pg_attribute a \
         WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
        &[table.into(), key.into()],
    ) else {
        return; // check_key_column reports a missing key
    };
    // SAFETY: plain catalog lookups on a type that exists (the column has it).
    let (base, has_array, btree) = unsafe {
        let base = pg_sys::getBaseType(type_oid);
        let btree = pg_sys::GetDefaultOpClass(base, pg_sys::BTREE_AM_OID) != pg_sys::InvalidOid;
        (base, pg_sys::get_array_type(type_oid) != pg_sys::InvalidOid, btree)
    };
    let kind = Spi::get_one_with_args::<String>(
        "SELECT CASE WHEN t.typcategory = 'A' THEN 'an array type' \
                     WHEN t.typtype = 'c' THEN 'a composite type' \
                     WHEN t.typtype = 'p' THEN 'a pseudo-type' END \
         FROM pg_catalog.pg_type t WHERE t.oid = $1",
        &[base.into()],
    )
    .ok()
    .flatten()
    .or_else(|| (!has_array).then(|| "a type without an array type".to_string()))
    .or_else(|| (!btree).then(|| "a type without a default btree operator class".to_string()));
    if let Some(kind) = kind {
        let shown = Spi::get_one_with_args::<String>("SELECT pg_catalog.format_type($1, NULL)", &[type_oid.into()])
            .ok()
            .flatten()
            .unwrap_or_default();
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot create TVIEW {entity}: its key column {key} is of type {shown}, {kind}"),
            Some("The key of a TVIEW must be a scalar type with btree equality (int, bigint, text, uuid, ...).".into()),
            Some(format!("Compute {key} as a scalar, e.g. as text.")),
        );
    }
}
