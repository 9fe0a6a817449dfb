//! What the DDL guard (`alter_guard`) remembers at `ddl_command_start`:
//! the enabled maintenance triggers and the TVIEW tables whose primary key
//! is their key column.  At the end of the command only what the command
//! itself took away is refused, so states that come before the command
//! (a restore that has not created the triggers or the primary key yet,
//! a TVIEW already broken) do not block unrelated DDL.

use std::cell::RefCell;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::catalog;

/// One command's snapshot, tagged with the local transaction it belongs to
/// (a command that failed leaves its snapshot behind; later transactions
/// ignore it).
struct Before {
    transaction: pg_sys::LocalTransactionId,
    /// (trigger, its relation, its name, its enable state) of every enabled
    /// maintenance trigger.
    triggers: Vec<(pg_sys::Oid, pg_sys::Oid, String, String)>,
    /// TVIEW tables whose primary key is their key column.
    keyed: Vec<pg_sys::Oid>,
}

thread_local! {
    /// A stack: a command may run DDL of its own (nested commands).
    static BEFORE: RefCell<Vec<Before>> = const { RefCell::new(Vec::new()) };
}

fn transaction() -> pg_sys::LocalTransactionId {
    // SAFETY: MyProc is set for every backend that runs SQL.
    unsafe { (*pg_sys::MyProc).lxid }
}

/// At `ddl_command_start`.
pub fn remember() {
    let now = transaction();
    let triggers = Spi::connect(|client| {
        let mut out = Vec::new();
        let sql = [
            "SELECT t.oid, t.tgrelid, t.tgname::text, t.tgenabled::text FROM pg_catalog.pg_trigger t \
             WHERE t.tgenabled <> 'D' AND t.tgfoid = ",
            crate::sql_text::OUR_TRIGGER_FUNCTION,
        ]
        .concat();
        for row in client.select(&sql, None, &[])? {
            if let (Some(t), Some(rel), Some(name), Some(enabled)) =
                (row.get::<pg_sys::Oid>(1)?, row.get::<pg_sys::Oid>(2)?, row.get::<String>(3)?, row.get::<String>(4)?)
            {
                out.push((t, rel, name, enabled));
            }
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_default();
    let keyed_sql = catalog::ext_schema().sql(&[
        "SELECT pg_catalog.array_agg(m.table_oid::pg_catalog.oid) FROM @extschema@.pg_tview_meta m \
         WHERE (SELECT pg_catalog.array_agg(a.attname::text) FROM pg_catalog.pg_index i \
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
                 WHERE i.indrelid = m.table_oid AND i.indisprimary) = ARRAY[m.key_column::text]",
    ]);
    let keyed = crate::ops::query::oids(&keyed_sql, &[]);
    BEFORE.with(|b| {
        let mut stack = b.borrow_mut();
        stack.retain(|s| s.transaction == now);
        stack.push(Before { transaction: now, triggers, keyed });
    });
}

/// What the command took away, at its end: the maintenance triggers that
/// were enabled before and are now gone, renamed or disabled (relation,
/// name), and the TVIEW tables that had their key as primary key.  None
/// when the start of the command was not seen.
pub struct Lost {
    pub triggers: Vec<(pg_sys::Oid, String)>,
    pub keyed: Vec<pg_sys::Oid>,
}

pub fn take() -> Option<Lost> {
    let now = transaction();
    let before = BEFORE.with(|b| {
        let mut stack = b.borrow_mut();
        stack.retain(|s| s.transaction == now);
        stack.pop()
    })?;
    let oids: Vec<pg_sys::Oid> = before.triggers.iter().map(|(t, ..)| *t).collect();
    let names: Vec<String> = before.triggers.iter().map(|(_, _, name, _)| name.clone()).collect();
    let states: Vec<String> = before.triggers.iter().map(|(.., enabled)| enabled.clone()).collect();
    // A trigger now firing in fewer sessions is lost too (ORIGIN and
    // REPLICA each miss the other's; `ddl/capture`); one now firing ALWAYS
    // is not (a restore enables a TVIEW table's triggers so).
    let gone = Spi::get_one_with_args::<Vec<i64>>(
        "SELECT pg_catalog.array_agg(b.i) \
         FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::text[]), \
                         pg_catalog.unnest($3::text[])) \
                WITH ORDINALITY AS b(oid, name, enabled, i) \
         WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.oid = b.oid AND t.tgname = b.name \
                             AND (t.tgenabled::text = b.enabled OR t.tgenabled = 'A'))",
        &[oids.into(), names.into(), states.into()],
    )
    .ok()
    .flatten()
    .unwrap_or_default();
    let lost = gone
        .iter()
        .filter_map(|i| before.triggers.get(usize::try_from(*i - 1).ok()?))
        .map(|(_, rel, name, _)| (*rel, name.clone()))
        .collect();
    Some(Lost { triggers: lost, keyed: before.keyed })
}
