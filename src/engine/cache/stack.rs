//! The TVIEW graph as one source's cache entry needs it: how high each
//! TVIEW it maintains sits in its stack (lower ones are written first), and
//! the relations whose catalog state the entry is built from.

use std::collections::HashSet;
use std::rc::Rc;

use pgrx::pg_sys;

use pg_tviews_planner::graph;

use crate::catalog::Tview;

use super::Target;

/// The relations an entry for `source` read by `readers` depends on: the
/// source, each TVIEW's table and view, and every relation below them
/// (their definitions name them, and their stack depths come from them).
pub(super) fn dependencies(source: pg_sys::Oid, readers: &[Tview], all: &[Tview]) -> Vec<pg_sys::Oid> {
    let mut todo = vec![source];
    for t in readers {
        todo.extend([t.table_oid, t.view_oid]);
        todo.extend(t.dependencies.iter().copied());
    }
    let mut seen = HashSet::new();
    while let Some(r) = todo.pop() {
        if seen.insert(r) {
            if let Some(below) = all.iter().find(|t| t.table_oid == r) {
                todo.extend(below.dependencies.iter().copied());
            }
        }
    }
    let mut out: Vec<pg_sys::Oid> = seen.into_iter().collect();
    out.sort_unstable_by_key(|r| r.to_u32());
    out
}

/// How high each TVIEW sits in its stack; lower ones are written first.
pub(super) fn set_stack_depths(targets: &mut [Rc<Target>], all: &[Tview]) {
    let graph: graph::Graph = all
        .iter()
        .map(|t| {
            let reads = t
                .dependencies
                .iter()
                .filter(|d| all.iter().any(|o| o.table_oid == **d))
                .map(|d| d.to_u32().to_string())
                .collect();
            (t.table_oid.to_u32().to_string(), reads)
        })
        .collect();
    for target in targets.iter_mut() {
        if let Some(t) = Rc::get_mut(target) {
            t.stack_depth = graph::depth(&graph, &t.tview.table_oid.to_u32().to_string()).unwrap_or(1);
        }
    }
}
