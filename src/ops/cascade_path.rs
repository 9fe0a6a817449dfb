//! `pg_tviews_show_cascade_path`: what maintenance refreshes, and in which
//! order, when the sources of one TVIEW change.
//!
//! Depth 0 is the TVIEW itself, one row per direct source (what fires its
//! maintenance, with the source's capture mode when it is not the default
//! `statement`).  Then every TVIEW that reads it, directly or through
//! others, at its level in the cascade (the longest path from the start,
//! which is the order the engine writes them in: everything a TVIEW reads
//! is written before it), one row per TVIEW of the cascade it reads.  The
//! order comes from the planner's `graph::cascade_from`, the same graph
//! CREATE checks for cycles and depth.

use std::collections::BTreeMap;

use pgrx::prelude::*;

use pg_tviews_planner::graph::{cascade_from, Graph};

use crate::catalog::{self, Tview};
use crate::ddl::capture::{Mode, Modes};
use crate::pg::relation_text;

#[pg_extern]
fn pg_tviews_show_cascade_path(
    entity: &str,
) -> TableIterator<
    'static,
    (
        name!(depth, i32),
        name!(entity_name, String),
        name!(depends_on, String),
        name!(dependency_type, String),
    ),
> {
    let start = catalog::by_entity_or_error(entity);
    let tviews: BTreeMap<String, Tview> = catalog::all()
        .into_iter()
        .map(|t| (node(t.table_oid), t))
        .collect();
    // Nodes are table oids: entity names may repeat across schemas.
    let graph: Graph = tviews
        .iter()
        .map(|(id, t)| {
            let reads = t.dependencies.iter().map(|d| node(*d)).filter(|d| tviews.contains_key(d));
            (id.clone(), reads.collect())
        })
        .collect();
    let mut rows = Vec::new();
    let modes = Modes::read();
    for source in &start.dependencies {
        // A base table says how its writes are captured, unless in the
        // default mode (`ddl/capture`).
        let kind = match (tviews.contains_key(&node(*source)), modes.of(*source)) {
            (true, _) => "tview".to_string(),
            (false, (Mode::Statement, _)) => "base table".to_string(),
            (false, (mode, automatic)) => {
                format!("base table, capture {}{}", mode.name(), if automatic { " (subscription)" } else { "" })
            }
        };
        rows.push((0, start.entity.clone(), shown(*source), kind));
    }
    let steps = cascade_from(&graph, &node(start.table_oid));
    let in_cascade = |id: &String| *id == node(start.table_oid) || steps.iter().any(|s| &s.entity == id);
    for step in &steps {
        let Some(reader) = tviews.get(&step.entity) else { continue };
        for read in graph.get(&step.entity).into_iter().flatten().filter(|r| in_cascade(r)) {
            if let Some(read_tview) = tviews.get(read) {
                rows.push((step.level as i32, reader.entity.clone(), shown(read_tview.table_oid), "tview".to_string()));
            }
        }
    }
    TableIterator::new(rows)
}

fn node(oid: pg_sys::Oid) -> String {
    oid.to_u32().to_string()
}

fn shown(rel: pg_sys::Oid) -> String {
    relation_text(rel).unwrap_or_else(|| format!("(dropped relation {})", rel.to_u32()))
}
