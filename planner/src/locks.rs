//! What a write to each source must lock so that two concurrent writers
//! whose changes meet in one TVIEW row cannot both miss each other.
//!
//! A writer recomputes rows with a snapshot that cannot see another
//! writer's uncommitted changes.  The engine therefore serialises writers
//! that may meet, with transaction-level locks taken *before* it looks:
//! - the TVIEW keys it will recompute (two writers of one row);
//! - for every equality between a column of the written relation and a
//!   column of another relation (a join *edge*), the values of that column
//!   in the written rows.  A user renamed while a post by that user is
//!   inserted: both lock the edge `post.fk_user = user.pk_user` at value
//!   the user's key, though neither sees the other's row.
//!
//! Edge locks only cover relations one edge away from the relation that
//! gives the TVIEW its rows (the *root*, where the key column comes from):
//! a writer two edges away can meet a new root row through a row neither
//! wrote.  Such relations, and relations linked by no equality at all, are
//! *coarse*: their writers lock the whole TVIEW, other writers share it.

use std::collections::BTreeSet;

use crate::model::{ColumnRef, InstanceId, Kind, Model, Outputs};
use crate::{parse, PlanError, RelationName};

/// One column of a source whose values a write locks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockColumn {
    /// The source's column.
    pub column: String,
    /// The other end of the edge: a relation and its column.
    pub peer: RelationName,
    pub peer_column: String,
    /// Names the edge, the same from both ends.
    pub edge: String,
}

/// What a write to one source locks, besides the keys it recomputes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceLocks {
    pub columns: Vec<LockColumn>,
    /// Lock the whole TVIEW instead.
    pub coarse: bool,
}

/// Lock plan per source relation of the TVIEW defined by `view_sql`.
pub fn lock_plan(view_sql: &str, key_column: &str) -> Result<Vec<(RelationName, SourceLocks)>, PlanError> {
    let query = parse::parse_view(view_sql)?;
    let (model, outputs) = Model::build(&query);
    let roots = roots(&model, &outputs, key_column);
    let edges: Vec<((InstanceId, String), (InstanceId, String))> = model
        .edges
        .iter()
        .filter(|e| e.equality)
        .flat_map(|e| {
            let left = model.base_columns(&e.left);
            let right = model.base_columns(&e.right);
            left.iter()
                .flat_map(|l| right.iter().map(move |r| (l.clone(), r.clone())))
                .filter(|(l, r)| l.0 != r.0)
                .collect::<Vec<_>>()
        })
        .collect();

    let mut plans: Vec<(RelationName, SourceLocks)> = Vec::new();
    for (id, instance) in model.instances.iter().enumerate() {
        let Kind::Table(relation) = &instance.kind else { continue };
        let adjacent = roots.contains(&id)
            || edges.iter().any(|(l, r)| (l.0 == id && roots.contains(&r.0)) || (r.0 == id && roots.contains(&l.0)));
        let index = match plans.iter().position(|(r, _)| r == relation) {
            Some(i) => i,
            None => {
                plans.push((relation.clone(), SourceLocks::default()));
                plans.len() - 1
            }
        };
        let locks = &mut plans[index].1;
        locks.coarse |= !adjacent;
        for (mine, theirs) in edges.iter().filter_map(|(l, r)| {
            if l.0 == id {
                Some((l, r))
            } else if r.0 == id {
                Some((r, l))
            } else {
                None
            }
        }) {
            let Some(peer) = model.relation(theirs.0) else { continue };
            let column = LockColumn {
                column: mine.1.clone(),
                peer: peer.clone(),
                peer_column: theirs.1.clone(),
                edge: edge_name(relation, &mine.1, peer, &theirs.1),
            };
            if !locks.columns.contains(&column) {
                locks.columns.push(column);
            }
        }
    }
    for (_, locks) in &mut plans {
        locks.columns.sort();
    }
    Ok(plans)
}

/// The base-table instances each branch's key column comes from: the
/// column itself when it is one, else every instance its expression reads.
fn roots(model: &Model, outputs: &[Outputs], key_column: &str) -> BTreeSet<InstanceId> {
    let mut roots = BTreeSet::new();
    for branch in outputs {
        let Some(key) = branch.iter().find(|o| o.name == key_column) else { continue };
        let direct: Vec<InstanceId> = match &key.column {
            Some(column) => base_instances(model, column),
            None => Vec::new(),
        };
        if direct.is_empty() {
            for &read in &key.reads {
                roots.extend(model.base_tables(read));
            }
        } else {
            roots.extend(direct);
        }
    }
    roots
}

fn base_instances(model: &Model, column: &ColumnRef) -> Vec<InstanceId> {
    model.base_columns(column).into_iter().map(|(id, _)| id).collect()
}

fn edge_name(a: &RelationName, a_column: &str, b: &RelationName, b_column: &str) -> String {
    let one = format!("{}.{}.{}", a.schema, a.name, a_column);
    let two = format!("{}.{}.{}", b.schema, b.name, b_column);
    if one <= two {
        format!("{one}={two}")
    } else {
        format!("{two}={one}")
    }
}
