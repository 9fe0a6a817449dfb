//! The edge locks a write to one source takes (the planner's `locks`
//! module says which and why): the mode of each, and which reach locks a
//! foreign key makes unneeded.  Reads the catalog only.

use pgrx::pg_sys;
use pgrx::prelude::*;

use pg_tviews_planner::locks::{Link, SourceLocks};
use pg_tviews_planner::RelationName;

use crate::sql_text::qualified as quote_qualified;

use super::EdgeLock;
use crate::engine::locks;

/// The edge locks of a write to `relation` in the TVIEW whose lock id is
/// `tview_lock`, sorted by level, and the relations whose constraints
/// decided them (a change to those must rebuild this entry).
pub(super) fn edge_locks(relation: &RelationName, plan: &SourceLocks, tview_lock: i64) -> (Vec<EdgeLock>, Vec<pg_sys::Oid>) {
    let seed = |edge: &str| locks::id_of(&format!("{tview_lock}:{edge}"));
    let mut out: Vec<EdgeLock> = plan
        .columns
        .iter()
        .map(|c| EdgeLock {
            level: c.level,
            column: c.column.clone(),
            through: Vec::new(),
            seed: seed(&c.edge),
            exclusive: exclusive(relation, &c.column, &c.peer, &c.peer_column),
        })
        .collect();
    let mut read = Vec::new();
    for reach in &plan.reach {
        read.extend(reach.unless.iter().flat_map(|l| [&l.near, &l.far]).filter_map(oid_of));
        // Without the foreign keys, or when the planner could not name
        // them, the reach lock is taken.
        if !reach.unless.is_empty() && reach.unless.iter().all(enforced) {
            continue;
        }
        let Some(last) = reach.through.last() else { continue };
        read.extend(reach.through.iter().filter_map(|h| oid_of(&h.relation)));
        out.push(EdgeLock {
            level: reach.level,
            column: reach.column.clone(),
            through: reach.through.clone(),
            seed: seed(&reach.edge),
            // Taken on behalf of the last hop's rows: in that end's mode.
            exclusive: exclusive(&last.relation, &last.next_column, &reach.peer, &reach.peer_column),
        });
    }
    out.sort_by_key(|l| l.level);
    (out, read)
}

/// The mode of the lock a writer of `relation` takes on an edge from its
/// `column` to `peer.peer_column`: writers on the two ends of an edge must
/// conflict; two writers on its many side (posts of one user) need not.
fn exclusive(relation: &RelationName, column: &str, peer: &RelationName, peer_column: &str) -> bool {
    !is_unique(peer, peer_column) || is_unique(relation, column)
}

/// Is `column` alone a unique key of `relation`?
fn is_unique(relation: &RelationName, column: &str) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i \
           JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
           WHERE i.indrelid = pg_catalog.to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 \
             AND i.indpred IS NULL AND a.attname = $2)",
        &[quote_qualified(&relation.schema, &relation.name).into(), column.into()],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

/// Is `link` enforced the way the planner's argument needs: a validated,
/// not deferrable, single-column foreign key from the farther column to
/// the nearer one (and the farther column NOT NULL when asked)?  A
/// deferrable key may be violated until COMMIT, a NOT VALID one by old
/// rows, and a NULL reference leaves a row without a parent.
fn enforced(link: &Link) -> bool {
    Spi::get_one_with_args::<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c \
           JOIN pg_catalog.pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = c.conkey[1] \
           JOIN pg_catalog.pg_attribute na ON na.attrelid = c.confrelid AND na.attnum = c.confkey[1] \
           WHERE c.contype = 'f' AND c.conrelid = pg_catalog.to_regclass($1) \
             AND c.confrelid = pg_catalog.to_regclass($2) \
             AND pg_catalog.cardinality(c.conkey) = 1 AND c.convalidated AND NOT c.condeferrable \
             AND fa.attname = $3 AND na.attname = $4 AND (fa.attnotnull OR NOT $5))",
        &[
            quote_qualified(&link.far.schema, &link.far.name).into(),
            quote_qualified(&link.near.schema, &link.near.name).into(),
            link.far_column.as_str().into(),
            link.near_column.as_str().into(),
            link.not_null.into(),
        ],
    )
    .ok()
    .flatten()
    .unwrap_or(false)
}

fn oid_of(relation: &RelationName) -> Option<pg_sys::Oid> {
    Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT pg_catalog.to_regclass($1)::pg_catalog.oid",
        &[quote_qualified(&relation.schema, &relation.name).into()],
    )
    .ok()
    .flatten()
}
