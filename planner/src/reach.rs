//! The equality edges between base-table instances as a graph: how far
//! each instance is from a root, the level of each edge, and the one path
//! from an instance to its root when there is exactly one (see `locks`).

use std::collections::{btree_map, BTreeMap, BTreeSet, VecDeque};

use crate::model::InstanceId;

/// `a.x = b.y` between two base-table instances: ((a, x), (b, y)).
pub(crate) type InstanceEdge = ((InstanceId, String), (InstanceId, String));

/// Level of edges no root reaches: after every other.
const UNREACHED: usize = usize::MAX;

pub(crate) struct Graph {
    /// Per instance, per neighbour, the (own column, their column) pairs.
    links: BTreeMap<InstanceId, BTreeMap<InstanceId, BTreeSet<(String, String)>>>,
    depth: BTreeMap<InstanceId, usize>,
    roots: BTreeSet<InstanceId>,
    /// Per edge name, the lowest level it is found at.
    levels: BTreeMap<String, usize>,
}

impl Graph {
    /// `name` names an instance edge (None for instances that are not
    /// tables, which never occur here).
    pub fn new(
        edges: &[InstanceEdge],
        roots: &BTreeSet<InstanceId>,
        name: impl Fn(&(InstanceId, String), &(InstanceId, String)) -> Option<String>,
    ) -> Graph {
        let mut links: BTreeMap<InstanceId, BTreeMap<InstanceId, BTreeSet<(String, String)>>> = BTreeMap::new();
        for (l, r) in edges {
            links.entry(l.0).or_default().entry(r.0).or_default().insert((l.1.clone(), r.1.clone()));
            links.entry(r.0).or_default().entry(l.0).or_default().insert((r.1.clone(), l.1.clone()));
        }
        let mut depth: BTreeMap<InstanceId, usize> = roots.iter().map(|&r| (r, 0)).collect();
        let mut queue: VecDeque<InstanceId> = roots.iter().copied().collect();
        while let Some(at) = queue.pop_front() {
            let next = depth[&at] + 1;
            for &neighbour in links.get(&at).map(|n| n.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if let btree_map::Entry::Vacant(slot) = depth.entry(neighbour) {
                    slot.insert(next);
                    queue.push_back(neighbour);
                }
            }
        }
        let mut levels: BTreeMap<String, usize> = BTreeMap::new();
        for (l, r) in edges {
            let Some(edge) = name(l, r) else { continue };
            let level = match (depth.get(&l.0), depth.get(&r.0)) {
                (Some(a), Some(b)) => *a.min(b),
                _ => UNREACHED,
            };
            let entry = levels.entry(edge).or_insert(level);
            *entry = (*entry).min(level);
        }
        Graph {
            links,
            depth,
            roots: roots.clone(),
            levels,
        }
    }

    /// Edges from a root to `instance`; None when there is none.
    pub fn depth(&self, instance: InstanceId) -> Option<usize> {
        self.depth.get(&instance).copied()
    }

    pub fn level(&self, edge: &str) -> usize {
        self.levels.get(edge).copied().unwrap_or(UNREACHED)
    }

    /// The edges from the root to `instance`, each as (nearer end, farther
    /// end), when that path is the only one: the instances connected to it
    /// form a tree with one root, each pair joined by one column pair, and
    /// no edge of the path is found nearer to a root elsewhere (which would
    /// put its locks out of order).
    pub fn path(&self, instance: InstanceId) -> Option<Vec<InstanceEdge>> {
        let component = self.component(instance);
        let pairs: usize = component.iter().map(|i| self.links.get(i).map_or(0, |n| n.len())).sum::<usize>() / 2;
        if pairs + 1 != component.len() || component.iter().filter(|i| self.roots.contains(i)).count() != 1 {
            return None;
        }
        let mut path = Vec::new();
        let mut at = instance;
        while let Some(d) = self.depth(at).filter(|&d| d > 0) {
            let (&up, columns) = self.links.get(&at)?.iter().find(|(n, _)| self.depth(**n) == Some(d - 1))?;
            let [(mine, theirs)] = columns.iter().collect::<Vec<_>>()[..] else { return None };
            path.push(((up, theirs.clone()), (at, mine.clone())));
            at = up;
        }
        path.reverse();
        Some(path)
    }

    fn component(&self, instance: InstanceId) -> BTreeSet<InstanceId> {
        let mut seen = BTreeSet::from([instance]);
        let mut queue = VecDeque::from([instance]);
        while let Some(at) = queue.pop_front() {
            for &n in self.links.get(&at).map(|n| n.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
        seen
    }
}
