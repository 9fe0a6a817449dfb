//! Capture modes: how the writes to a source reach maintenance.
//!
//! - `statement` (the default): the statement triggers of `triggers`, which
//!   fire in ordinary sessions only (`session_replication_role = origin`);
//! - `replica`: those, plus row-level capture (`engine::row_capture`) for
//!   sessions running as a replica, above all the logical-replication apply
//!   and table-sync workers, which fire row triggers only.  In each session
//!   exactly one of the two fires, so no write is maintained twice;
//! - `row`: row-level capture for every writer, and no statement triggers
//!   (for tools that fire row triggers only); maintenance then runs at
//!   commit, as for a deferred TVIEW.
//!
//! A table a subscription of this database writes (`pg_subscription_rel`)
//! is never left in `statement`: its mode is `replica` unless set to `row`
//! (automatic, re-decided by `sync` after every CREATE, ALTER or DROP
//! SUBSCRIPTION, through the event trigger `pg_tviews_subscription_capture`,
//! and after CREATE TVIEW).  Setting `statement` on such a table is refused.
//! A TVIEW's own table, read by a stacked TVIEW, is written by maintenance
//! only: its statement triggers fire in every session (ENABLE ALWAYS), and
//! it has no mode of its own.

use std::collections::BTreeSet;

use pgrx::prelude::*;
use pgrx::{JsonB, PgSqlErrorCode};
use serde_json::json;

use crate::catalog;
use crate::error::{raise, raise_with};
use crate::pg::relation_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Statement,
    Replica,
    Row,
}

impl Mode {
    fn parse(text: &str) -> Option<Mode> {
        match text {
            "statement" => Some(Mode::Statement),
            "replica" => Some(Mode::Replica),
            "row" => Some(Mode::Row),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Statement => "statement",
            Mode::Replica => "replica",
            Mode::Row => "row",
        }
    }
}

/// What decides each source's mode: the modes set by hand and the tables
/// subscriptions write, read once per `sync`.
pub struct Modes {
    set: Vec<(u32, Mode)>,
    subscribed: BTreeSet<u32>,
}

impl Modes {
    /// As this transaction sees them: a CREATE or ALTER SUBSCRIPTION being
    /// run adds its tables to `pg_subscription_rel` before its end.
    pub fn read() -> Modes {
        let ext = catalog::ext_schema();
        let set = if table_present(&ext) { set_modes(&ext) } else { Vec::new() };
        Modes { set, subscribed: subscribed().into_iter().collect() }
    }

    /// The mode `source` is maintained in, and whether a subscription
    /// decided it.
    pub fn of(&self, source: pg_sys::Oid) -> (Mode, bool) {
        let set = self.set.iter().find(|(s, _)| *s == source.to_u32()).map(|(_, m)| *m);
        match set {
            Some(mode) => (mode, false),
            None if self.subscribed.contains(&source.to_u32()) => (Mode::Replica, true),
            None => (Mode::Statement, false),
        }
    }
}

/// Before ALTER EXTENSION UPDATE to 0.4.0 pg_tview_capture is not there yet
/// (this library serves the older catalog too): no mode is set, none to forget.
fn table_present(ext: &crate::sql_text::Ext) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT pg_catalog.to_regclass($1) IS NOT NULL",
        &[ext.object("pg_tview_capture").into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

fn set_modes(ext: &crate::sql_text::Ext) -> Vec<(u32, Mode)> {
    let sql = ext.sql(&["SELECT source::pg_catalog.oid, mode FROM @extschema@.pg_tview_capture ORDER BY 1"]);
    Spi::connect(|client| {
        let mut out = Vec::new();
        for row in client.select(&sql, None, &[])? {
            if let (Some(oid), Some(mode)) = (row.get::<pg_sys::Oid>(1)?, row.get::<String>(2)?) {
                out.extend(Mode::parse(&mode).map(|m| (oid.to_u32(), m)));
            }
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not read pg_tview_capture: {e}")))
}

/// The plain tables subscriptions of this database write (a partitioned
/// one takes no capture mode: see `check_capturable`).
pub fn subscribed() -> Vec<u32> {
    crate::ops::query::oids(
        "SELECT pg_catalog.array_agg(DISTINCT r.srrelid) FROM pg_catalog.pg_subscription_rel r \
         JOIN pg_catalog.pg_class c ON c.oid = r.srrelid WHERE c.relkind = 'r'",
        &[],
    )
    .into_iter()
    .map(|o| o.to_u32())
    .collect()
}

/// Set how the writes to `source` reach maintenance (see the module
/// comment); its triggers change in the same transaction.
#[pg_extern(sql = r#"
CREATE FUNCTION pg_tviews_set_capture(source regclass, mode text) RETURNS text
    STRICT VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'pg_tviews_set_capture_wrapper';
"#)]
fn pg_tviews_set_capture(source: pg_sys::Oid, mode: &str) -> String {
    let Some(wanted) = Mode::parse(mode) else {
        raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid capture mode \"{mode}\""),
            None,
            Some("Use 'statement', 'replica' or 'row'.".into()),
        )
    };
    let name = relation_text(source)
        .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE, format!("relation with OID {} does not exist", source.to_u32())));
    check_capturable(source, &name);
    crate::authz::set_capture(source);
    if wanted == Mode::Statement && subscribed().contains(&source.to_u32()) {
        raise_with(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("cannot set capture of {name} to 'statement': a subscription writes it"),
            Some("The apply worker fires row triggers only; with statement capture its writes would not reach the TVIEWs.".into()),
            Some("Use 'replica' (the automatic mode of subscribed tables) or 'row'.".into()),
        );
    }
    let previous = Modes::read().of(source).0;
    catalog::as_extension_owner(|ext| {
        let run = if wanted == Mode::Statement {
            Spi::run_with_args(&ext.sql(&["DELETE FROM @extschema@.pg_tview_capture WHERE source = $1::pg_catalog.oid::pg_catalog.regclass"]), &[source.into()])
        } else {
            Spi::run_with_args(
                &ext.sql(&[
                    "INSERT INTO @extschema@.pg_tview_capture (source, mode) VALUES ($1::pg_catalog.oid::pg_catalog.regclass, $2) \
                     ON CONFLICT (source) DO UPDATE SET mode = EXCLUDED.mode, set_by = CURRENT_USER, set_at = pg_catalog.now()",
                ]),
                &[source.into(), wanted.name().into()],
            )
        };
        if let Err(e) = run {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not write pg_tview_capture: {e}"));
        }
    });
    super::triggers::sync_relations(&[source]);
    catalog::audit_global(
        "SET CAPTURE",
        JsonB(json!({ "source": name, "mode": wanted.name(), "previous": previous.name() })),
    );
    format!("writes to {name} are captured in mode {}", wanted.name())
}

/// Only plain tables take capture modes: a TVIEW's table is written by
/// maintenance alone, and row triggers on a partitioned table would be
/// cloned onto its partitions, which `sync` does not follow.
fn check_capturable(source: pg_sys::Oid, name: &str) {
    let kind = Spi::get_one_with_args::<String>(
        "SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1",
        &[source.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default();
    if catalog::by_table(source).is_some() {
        raise_with(
            PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
            format!("{name} is a TVIEW's table; it has no capture mode"),
            Some("Only maintenance writes it, and its triggers fire in every session.".into()),
            None,
        );
    }
    if kind == "p" {
        raise_with(
            PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("capture modes are not supported on partitioned table {name}"),
            Some("Its row triggers would be cloned onto its partitions.".into()),
            None,
        );
    }
    if kind != "r" {
        raise_with(
            PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
            format!("{name} is not a table"),
            Some("Capture modes apply to the tables TVIEWs read.".into()),
            None,
        );
    }
}

/// The relations `sync` must look at after a subscription command: every
/// source of a TVIEW (a table may have joined or left a subscription).
pub fn after_subscription_command() {
    let mut sources: Vec<pg_sys::Oid> = catalog::registered().iter().flat_map(|t| t.dependencies.clone()).collect();
    sources.sort_by_key(|o| o.to_u32());
    sources.dedup();
    if !sources.is_empty() {
        super::triggers::sync_relations(&sources);
    }
}

/// Forget the modes of dropped tables (`pg_tviews_drop` event trigger).
pub fn forget(relations: &[pg_sys::Oid]) {
    catalog::as_extension_owner(|ext| {
        if !table_present(ext) {
            return;
        }
        let run = Spi::run_with_args(
            &ext.sql(&["DELETE FROM @extschema@.pg_tview_capture WHERE source::pg_catalog.oid = ANY ($1)"]),
            &[relations.to_vec().into()],
        );
        if let Err(e) = run {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("could not write pg_tview_capture: {e}"));
        }
    });
}
