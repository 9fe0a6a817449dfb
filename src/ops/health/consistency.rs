//! A bounded consistency check, per TVIEW: does `tv_E` equal `v_E`?
//!
//! What we chose: a TVIEW of up to FULL_CHECK_ROWS rows is compared
//! whole (what `pg_tviews_verify` does); a bigger one on up to
//! SAMPLE_KEYS keys sampled from the table (TABLESAMPLE SYSTEM, cheap:
//! whole pages), each compared with the view's row for that key, which
//! the key filter reaches through the view's indexes as a refresh does.  A
//! sample finds rows that differ and rows the view no longer has, not rows
//! missing from the table; `pg_tviews_verify` checks everything.
//! Runs with the maintenance settings, as the TVIEW's owner, as
//! `pg_tviews_verify` does; a TVIEW the caller may not compare
//! (`authz::may_compare`) is reported as skipped.

use pgrx::datum::DatumWithOid;

use crate::catalog::{self, Tview};
use crate::definition_settings;
use crate::pg::{AsRole, SettingsScope, MAINTENANCE_SETTINGS};
use crate::sql_text;

use super::super::query::{rows, text};
use super::Finding;

const FULL_CHECK_ROWS: i64 = 1000;
const SAMPLE_KEYS: i64 = 100;
const SAMPLE_PAGES: f64 = 10.0;
/// At most this many differing keys are named in a message.
const NAMED: usize = 5;

pub fn check() -> Vec<Finding> {
    let _settings = SettingsScope::new(MAINTENANCE_SETTINGS);
    catalog::all().iter().map(check_one).collect()
}

fn check_one(tview: &Tview) -> Finding {
    let _definition = definition_settings::apply(tview);
    let table = tview.table_sql();
    let component = format!("consistency of {table}");
    if let Err(needed) = crate::authz::may_compare(tview) {
        return Finding::warning("low", component, format!("skipped: {needed}"));
    }
    let _owner = AsRole::new(tview.owner);
    let rows_at_most = count_up_to(&table, FULL_CHECK_ROWS + 1);
    let (problems, checked) = if rows_at_most <= FULL_CHECK_ROWS {
        (differences(&super::super::verify::statement(tview), &[]), format!("all {rows_at_most} rows"))
    } else {
        let (sql, percent) = sampled_verify(tview);
        (differences(&sql, &[percent.into()]), format!("a sample of up to {SAMPLE_KEYS} rows"))
    };
    if problems.is_empty() {
        return Finding::ok(component, format!("{checked} match {}", tview.view));
    }
    let named: Vec<String> = problems.iter().take(NAMED).map(|(pk, p)| format!("{pk} {p}")).collect();
    Finding::error(
        "high",
        component,
        format!(
            "{} of {checked} differ from {} (key {}{}). Run {}; drift comes from writes made \
             with pg_tviews.enabled = off or while maintenance triggers were missing",
            problems.len(),
            tview.view,
            named.join(", "),
            if problems.len() > NAMED { ", ..." } else { "" },
            sql_text::call("pg_tviews_refresh", &[&crate::entity::spelled(&tview.schema, &tview.entity)]),
        ),
    )
}

/// Rows of `table`, counting no further than `limit`.
fn count_up_to(table: &str, limit: i64) -> i64 {
    rows(
        "a row count",
        &sql_text::count_up_to(table),
        &[limit.into()],
        |r| Ok(r.get::<i64>(1)?.unwrap_or(0)),
    )
    .into_iter()
    .next()
    .unwrap_or(0)
}

/// (key, problem) rows of a verify-shaped statement.
fn differences(sql: &str, args: &[DatumWithOid]) -> Vec<(String, String)> {
    rows("a TVIEW and its view", sql, args, |r| Ok((text(r, 1)?, text(r, 2)?)))
}

/// The comparison restricted to keys sampled from the table; $1 is the
/// sampling percentage.
fn sampled_verify(tview: &Tview) -> (String, f32) {
    let table = tview.table_sql();
    let view = sql_text::qualified(&tview.schema, &tview.view);
    let (tuples, pages) = rows(
        "a size estimate",
        "SELECT GREATEST(c.reltuples, 1)::float8, GREATEST(c.relpages, 1)::float8 FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[tview.table_oid.into()],
        |r| Ok((r.get::<f64>(1)?.unwrap_or(1.0), r.get::<f64>(2)?.unwrap_or(1.0))),
    )
    .into_iter()
    .next()
    .unwrap_or((1.0, 1.0));
    // SYSTEM samples whole pages: aim at twenty times the rows we keep,
    // and at least SAMPLE_PAGES pages, so the sample is rarely short.
    let fraction = (20.0 * SAMPLE_KEYS as f64 / tuples).max(SAMPLE_PAGES / pages);
    let percent = (100.0 * fraction).clamp(0.001, 100.0) as f32;
    let sql = sql_text::sampled_verify(&table, &view, &tview.key_column, SAMPLE_KEYS);
    (sql, percent)
}
