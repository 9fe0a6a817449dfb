//! Does a key query read the TVIEW's keys straight off the written rows?
//!
//! When one branch of a source's key query is `SELECT d.c FROM
//! pg_tviews_delta AS d` (no join, no condition), every written row gives
//! the key in its column `c`.  If `c` is also the source's primary key
//! (the engine knows, the planner does not), a statement writing N rows
//! touches at least N keys of the TVIEW: enough to decide a rebuild from
//! the transition tables' sizes, without running the key query.

use sqlparser::ast::{Expr, Query, SelectItem, SetExpr, TableFactor};

use crate::ast_util::is_delta_name;

/// The column of the delta a key query branch projects, when the branch
/// is exactly that projection over the delta alone.
pub(crate) fn delta_column(branch: &Query) -> Option<String> {
    let SetExpr::Select(select) = branch.body.as_ref() else { return None };
    if select.selection.is_some() || select.from.len() != 1 || !select.from[0].joins.is_empty() {
        return None;
    }
    let TableFactor::Table { name, alias: Some(alias), .. } = &select.from[0].relation else { return None };
    if !is_delta_name(name) {
        return None;
    }
    match select.projection.as_slice() {
        [SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts))] => match parts.as_slice() {
            [table, column] if table.value == alias.name.value => Some(column.value.clone()),
            _ => None,
        },
        _ => None,
    }
}
