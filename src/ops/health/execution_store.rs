//! The execution store (`pg_tview_refresh_log`): maintenance errors in
//! the last hour, per TVIEW.

use crate::catalog;

use super::super::query::{rows, text};
use super::Finding;

pub fn check() -> Vec<Finding> {
    let sql = catalog::ext_schema().sql(&[
        "SELECT entity, pg_catalog.count(*), \
                (pg_catalog.array_agg(COALESCE(error_text, '') ORDER BY logged_at DESC))[1] \
         FROM @extschema@.pg_tview_refresh_log \
         WHERE status = 'error' AND logged_at > pg_catalog.now() - interval '1 hour' \
         GROUP BY entity ORDER BY entity",
    ]);
    let errors = rows("pg_tview_refresh_log", &sql, &[], |r| {
        Ok((text(r, 1)?, r.get::<i64>(2)?.unwrap_or(0), text(r, 3)?))
    });
    if errors.is_empty() {
        return vec![Finding::ok("execution store", "no maintenance errors recorded in the last hour")];
    }
    errors
        .into_iter()
        .map(|(entity, count, latest)| {
            Finding::warning(
                "high",
                format!("execution store: {entity}"),
                format!(
                    "{count} maintenance error(s) in the last hour, latest: {latest}. See SELECT * FROM pg_tview_refresh_log \
                     WHERE entity = {} AND status = 'error'; the writes that failed were rolled back",
                    crate::sql_text::literal(&entity)
                ),
            )
        })
        .collect()
}
