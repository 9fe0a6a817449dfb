//! Reading rows with SPI for the operator functions: one helper instead
//! of a `Spi::connect` loop in every check.  A failing query is an ERROR
//! naming what we were reading; values that come back NULL are left to
//! the caller (every getter returns an Option).

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::{SpiHeapTupleData, SpiResult};
use pgrx::PgSqlErrorCode;

use crate::error::raise;

/// Every row of `sql`, each turned into a `T` by `row`.
pub fn rows<T>(
    what: &str,
    sql: &str,
    args: &[DatumWithOid],
    mut row: impl FnMut(&SpiHeapTupleData) -> SpiResult<T>,
) -> Vec<T> {
    Spi::connect(|client| {
        let mut out = Vec::new();
        for r in client.select(sql, None, args)? {
            out.push(row(&r)?);
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not read {what}: {e}")))
}

/// The oids of the one array `sql` returns (none when it returns NULL:
/// `array_agg` over no rows).
pub fn oids(sql: &str, args: &[DatumWithOid]) -> Vec<pgrx::pg_sys::Oid> {
    Spi::get_one_with_args::<Vec<pgrx::pg_sys::Oid>>(sql, args).ok().flatten().unwrap_or_default()
}

/// A text column, empty when NULL.
pub fn text(row: &SpiHeapTupleData, column: usize) -> SpiResult<String> {
    Ok(row.get::<String>(column)?.unwrap_or_default())
}

/// `schema.name` of a relation, quoted, whatever the search_path: the
/// health check names objects of every schema.  None once it is dropped.
pub fn qualified_name(rel: pgrx::pg_sys::Oid) -> Option<String> {
    rows(
        "a relation name",
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[rel.into()],
        |r| text(r, 1),
    )
    .into_iter()
    .next()
}

/// The same, as SQL over `pg_class c` joined to `pg_namespace n`.
pub const QUALIFIED_SQL: &str = "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)";
