//! The one trigger function behind every maintenance trigger: a guard
//! BEFORE writes to `tv_*` tables, maintenance AFTER each statement
//! writing a source, and the row-level capture triggers (`row_capture`).

use pgrx::prelude::*;
use pgrx::{PgSqlErrorCode, PgTriggerError};

use pg_tviews_planner::statements::Delta;

use crate::error::raise_with;
use crate::{definition_settings, guc};
use crate::pg::{AsRole, SettingsScope, SpiConnection, MAINTENANCE_SETTINGS};

use super::apply;
use super::early_rebuild;
use super::cache::{self, SourceTargets, Target};
use super::failures;
use super::frames::{self, Earlier};
use super::queue;
use super::row_capture;
use super::transition::Transition;

#[pg_trigger]
fn pg_tviews_trigger<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgTriggerError> {
    // A trigger calling us under another name (one of ours renamed by its
    // table's owner, or someone's own) is not one pg_tviews manages: it
    // does nothing, and `sync` puts ours back beside it.  Nothing either
    // while a write is only being explained (`super::quiet`).
    if !crate::ddl::triggers::is_ours(trigger.name()?) || super::is_quiet() {
        return Ok(None);
    }
    let operation = trigger.op()?;
    if crate::ddl::triggers::is_capture(trigger.name()?) {
        if !guc::ENABLED.get() {
            return Ok(None);
        }
        if matches!(trigger.level(), PgTriggerLevel::Row) {
            row_capture::collect(trigger)?;
        } else {
            row_capture::truncated(trigger.relid()?);
        }
        return Ok(None);
    }
    if matches!(trigger.when()?, PgTriggerWhen::Before) {
        guard(trigger)?;
        return Ok(None);
    }
    if !guc::ENABLED.get() {
        return Ok(None);
    }
    let delta = match operation {
        PgTriggerOperation::Insert => Some(Delta::New),
        PgTriggerOperation::Delete => Some(Delta::Old),
        PgTriggerOperation::Update => Some(Delta::OldAndNew),
        PgTriggerOperation::Truncate => None,
    };
    failures::recorded(|| maintain(trigger, delta, operation_name(&operation)))?;
    Ok(None)
}

fn operation_name(op: &PgTriggerOperation) -> &'static str {
    match op {
        PgTriggerOperation::Insert => "INSERT",
        PgTriggerOperation::Update => "UPDATE",
        PgTriggerOperation::Delete => "DELETE",
        PgTriggerOperation::Truncate => "TRUNCATE",
    }
}

/// Direct writes to a TVIEW table would make it differ from its view.
fn guard(trigger: &PgTrigger) -> Result<(), PgTriggerError> {
    if super::is_maintaining() {
        return Ok(());
    }
    let table = trigger.table_name()?;
    let entity = table.strip_prefix("tv_").unwrap_or(&table).to_string();
    raise_with(
        PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        format!("cannot write to TVIEW table \"{table}\" directly"),
        Some(format!("\"{table}\" is maintained by pg_tviews from v_{entity}.")),
        Some(format!(
            "Write to its source tables; {} rebuilds it.",
            crate::sql_text::call("pg_tviews_refresh", &[&crate::entity::spelled(&trigger.table_schema()?, &entity)])
        )),
    )
}

/// How many rows did the statement write (the larger transition table)?
/// INSERT ... ON CONFLICT fires both the INSERT and the UPDATE triggers,
/// and a DELETE may remove nothing: with empty transition tables there is
/// nothing to maintain.  None without transition tables.
fn written_rows(trigger: &PgTrigger) -> Option<u64> {
    // SAFETY: the TriggerData of the running trigger; its transition
    // tables, when present, are valid tuplestores for the statement.
    unsafe {
        let data = trigger.trigger_data();
        let (old, new) = (data.tg_oldtable, data.tg_newtable);
        if old.is_null() && new.is_null() {
            return None; // no transition tables: let maintenance say so
        }
        let count = |table: *mut pg_sys::Tuplestorestate| {
            if table.is_null() {
                0
            } else {
                pg_sys::tuplestore_tuple_count(table)
            }
        };
        Some(count(old).max(count(new)).max(0) as u64)
    }
}

/// `delta` None means TRUNCATE: every dependent TVIEW is rebuilt.
fn maintain(
    trigger: &PgTrigger,
    delta: Option<Delta>,
    operation: &'static str,
) -> Result<(), PgTriggerError> {
    let rows = delta.and(written_rows(trigger));
    if rows == Some(0) {
        return Ok(());
    }
    let source = trigger.relid()?;
    let source_targets = cache::targets_for(source);
    if source_targets.targets.is_empty() {
        return Ok(());
    }
    let outermost = !super::is_maintaining();
    let _writing = super::maintaining();
    let spi = SpiConnection::open();
    // SAFETY: this is the TriggerData of the running trigger.
    unsafe { spi.register_trigger_data(trigger.trigger_data()) };
    let _path = SettingsScope::new(MAINTENANCE_SETTINGS);
    // SAFETY: the running trigger's transition tables, rows of its
    // relation, alive for the whole trigger.
    let few = unsafe {
        let data = trigger.trigger_data();
        Transition::few(data.tg_oldtable, data.tg_newtable, (*data.tg_relation).rd_att)
    };
    queue_work(&source_targets, source, delta, rows, operation, few.as_ref(), |target| {
        frames::maintaining(target.tview.table_oid, source, target.self_joined)
    });
    if outermost {
        queue::drain(false);
        drop(_writing);
        cache::tidy();
    }
    Ok(())
}

/// Find and queue, per TVIEW reading `source`, the work a write to it
/// caused (`delta` None: rebuild each).  Runs as a maintenance run, inside
/// an SPI connection where the write's transition tables are registered;
/// `rows`, when known, is how many rows the write changed (the larger
/// transition table), which may decide a rebuild at once (`early_rebuild`);
/// `earlier` says when a TVIEW's key query must also look back (`frames`);
/// `few`, the write's rows when there are few (`transition`).
pub(super) fn queue_work(
    source_targets: &SourceTargets,
    source: pg_sys::Oid,
    delta: Option<Delta>,
    rows: Option<u64>,
    operation: &'static str,
    few: Option<&Transition>,
    earlier: impl Fn(&Target) -> Option<Earlier>,
) {
    // Every TVIEW's keys are found before any is written: a TVIEW reading
    // both this table and another TVIEW derived from it must see that
    // TVIEW still holding the rows this write removed.
    let operation = if source_targets.source_is_tview { "CASCADE" } else { operation };
    for target in source_targets.targets.iter() {
        let earlier = earlier(target);
        let _unit = failures::working_on(target, source, operation, delta.is_none(), 0);
        let work = {
            let _settings = definition_settings::apply(&target.tview);
            let _owner = AsRole::new(target.tview.owner);
            match delta {
                Some(delta) => early_rebuild::rebuild_early(target, delta, rows)
                    .or_else(|| apply::find_keys(target, delta, earlier, few)),
                None => Some(apply::full_locked(target)),
            }
        };
        if let Some(work) = work {
            queue::push(target, work, source, operation);
        }
    }
}
