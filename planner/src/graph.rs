//! The graph of TVIEWs reading TVIEWs: stacking depth, cycles, and the
//! order in which a change cascades.
//!
//! Keys are entity names; `reads[e]` lists the TVIEWs that `e` reads
//! directly (base tables are not part of this graph).

use std::collections::{BTreeMap, BTreeSet};

pub type Graph = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// The entities on the cycle, starting and ending with the same one.
    Cycle(Vec<String>),
    /// The stack would be `depth` levels deep, over `limit`.
    TooDeep { depth: usize, limit: usize },
}

/// Stacking depth of `entity`: 1 when it reads only base tables.
pub fn depth(graph: &Graph, entity: &str) -> Result<usize, GraphError> {
    let mut path = Vec::new();
    depth_inner(graph, entity, &mut path)
}

fn depth_inner(graph: &Graph, entity: &str, path: &mut Vec<String>) -> Result<usize, GraphError> {
    if let Some(start) = path.iter().position(|e| e == entity) {
        let mut cycle = path[start..].to_vec();
        cycle.push(entity.to_string());
        return Err(GraphError::Cycle(cycle));
    }
    path.push(entity.to_string());
    let mut deepest = 0;
    for source in graph.get(entity).into_iter().flatten() {
        deepest = deepest.max(depth_inner(graph, source, path)?);
    }
    path.pop();
    Ok(deepest + 1)
}

/// Would adding `entity` reading `reads` keep the graph acyclic and within
/// `limit` levels?
pub fn check_addition(
    graph: &Graph,
    entity: &str,
    reads: &[String],
    limit: usize,
) -> Result<usize, GraphError> {
    let mut next = graph.clone();
    next.insert(entity.to_string(), reads.to_vec());
    let d = depth(&next, entity)?;
    if d > limit {
        return Err(GraphError::TooDeep { depth: d, limit });
    }
    Ok(d)
}

/// One step of a cascade: `entity` is refreshed because `because_of`
/// changed, `level` steps away from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CascadeStep {
    pub level: usize,
    pub entity: String,
    pub because_of: String,
}

/// Every TVIEW that a change to `start` reaches, each once, in an order
/// where an entity comes after everything it reads (topological), with its
/// longest distance from `start`.
pub fn cascade_from(graph: &Graph, start: &str) -> Vec<CascadeStep> {
    let mut level: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut frontier: BTreeSet<String> = BTreeSet::from([start.to_string()]);
    let mut distance = 0;
    while !frontier.is_empty() && distance <= graph.len() {
        distance += 1;
        let mut next = BTreeSet::new();
        for changed in &frontier {
            for (reader, reads) in graph {
                if reads.iter().any(|r| r == changed) {
                    level.insert(reader.clone(), (distance, changed.clone()));
                    next.insert(reader.clone());
                }
            }
        }
        frontier = next;
    }
    let mut steps: Vec<CascadeStep> = level
        .into_iter()
        .map(|(entity, (level, because_of))| CascadeStep {
            level,
            entity,
            because_of,
        })
        .collect();
    steps.sort_by(|a, b| a.level.cmp(&b.level).then(a.entity.cmp(&b.entity)));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        edges
            .iter()
            .map(|(e, r)| (e.to_string(), r.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn depth_of_a_chain() {
        let g = graph(&[("user", &[]), ("post", &["user"]), ("feed", &["post"])]);
        assert_eq!(depth(&g, "user"), Ok(1));
        assert_eq!(depth(&g, "feed"), Ok(3));
    }

    #[test]
    fn cycle_is_reported_with_its_path() {
        let g = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            depth(&g, "a"),
            Err(GraphError::Cycle(vec!["a".into(), "b".into(), "c".into(), "a".into()]))
        );
    }

    #[test]
    fn addition_over_the_limit_is_refused() {
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]);
        assert_eq!(check_addition(&g, "d", &["c".into()], 4), Ok(4));
        assert_eq!(
            check_addition(&g, "d", &["c".into()], 3),
            Err(GraphError::TooDeep { depth: 4, limit: 3 })
        );
    }

    #[test]
    fn diamond_cascades_each_entity_once_after_its_sources() {
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]);
        let steps = cascade_from(&g, "a");
        let names: Vec<&str> = steps.iter().map(|s| s.entity.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
        assert_eq!(steps[2].level, 2);
    }

    #[test]
    fn longest_path_decides_the_level() {
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["a", "b"])]);
        let steps = cascade_from(&g, "a");
        assert_eq!(steps.last().map(|s| (s.entity.as_str(), s.level)), Some(("c", 2)));
    }
}
