//! What a write to each source must lock so that two concurrent writers
//! whose changes meet in one TVIEW row cannot both miss each other.
//!
//! A writer recomputes rows with a snapshot that cannot see another
//! writer's uncommitted changes.  The engine therefore serialises writers
//! that may meet, with transaction-level locks taken *before* it looks
//! (its key query then reads with a new snapshot, after every writer it
//! waited for has ended):
//! - the TVIEW keys it will recompute (two writers of one row);
//! - for every equality between a column of the written relation and a
//!   column of another relation (a join *edge*), the values of that column
//!   in the written rows.  A user renamed while a post by that user is
//!   inserted: both lock the edge `post.fk_user = user.pk_user` at value
//!   the user's key, though neither sees the other's row.  At least one
//!   end of an edge locks exclusively (see the engine's cache).
//!
//! Two writers W and V can only leave a stale row r when their key queries
//! both ran while the other was uncommitted and one of them, say W, did not
//! find r: r is joined to W's rows only through a *link* (a pair of joined
//! rows) that V created, and V computed r without W's change.  If V did not
//! create such a link, W's key query saw the chain from its rows to r in
//! committed rows and found r, V found r too, and both lock r's key.
//!
//! The *root* is the relation the TVIEW's key comes from; a relation k
//! equality edges away from it is at depth k, and its path to the root is
//! X0 (root) - e1 - X1 - e2 - ... - ek - Xk.
//! - Depth <= 1: any link V creates that brings W's rows into r is on an
//!   edge W's own relation is an end of; both lock it at the link's value.
//! - Depth k >= 2 (a comment's author in a post, post <- comment -> user; a
//!   user's company in a post, post -> user -> company): a writer V of
//!   X(k-1) creating a link to W's row locks ek, as W does.  A writer V of
//!   Xj, j <= k-2, creates the link between its row and an existing row of
//!   X(j+1) (a post inserted for an existing user of company C while C is
//!   renamed); the edge locks are on e(j+1) and ek, which do not meet.
//!   Such a writer takes *reach locks*: after locking e(j+1), it reads the
//!   committed rows of X(j+1) joined to its rows and locks e(j+2) at their
//!   values, as a writer of X(j+1) would, and so on up to ek, one edge
//!   (*level*) at a time.  A writer that changes one of those X(j+1) rows
//!   meanwhile locks e(j+1) at the same value (conflicting mode) and so
//!   either ended before the read, which sees it, or waits for V and then
//!   recomputes every row joined to its row, r included.  Rows it changed
//!   but not yet reached its trigger with are not seen, and it too waits.
//! - The reach locks of Xj are not needed when every edge e1 .. e(j+1) is
//!   enforced by a foreign key from the farther relation to the nearer one
//!   (comment.fk_post REFERENCES post), single-column, validated and not
//!   deferrable, the farther columns of e1 .. ej also NOT NULL (checked by
//!   the engine in pg_constraint).  A row of X(j+1) that references the
//!   value v of V's new row existed before V's statement, so some row of
//!   Xj held v then (v is unique there); a concurrent writer cannot remove
//!   that row while it is referenced without writing the referencing row
//!   itself, so it is V's own row (its old version, or one V deleted, whose
//!   key V holds).  Its chain to the root existed (NOT NULL references up
//!   to the root), W saw it and locked that root key, and V locked it too.
//!   A post inserted while its comments' author is renamed is this case;
//!   a post inserted for a user of a renamed company is not (post.fk_user
//!   references user: the link runs the other way) and takes reach locks.
//!
//! Locks are taken in the order of their edges' levels (distance of the
//! nearer end from the root), so reach locks taken after reading never
//! wait in the opposite order to another writer's edge locks.
//!
//! A source stays *coarse* (its writers lock the whole TVIEW, other
//! writers share that lock) when no equality path leads from it to a
//! root, or when its path is not the only way: the equality edges around
//! it form a cycle, two columns join one pair of relations (a composite
//! link), or its connected relations hold more than one root.

use std::collections::BTreeSet;

use crate::model::{ColumnRef, InstanceId, Kind, Model, Outputs};
use crate::reach::{Graph, InstanceEdge};
use crate::{parse, PlanError, RelationName};

/// One column of a source whose values a write locks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LockColumn {
    /// Position in the locking order (see the module comment).
    pub level: usize,
    /// The source's column.
    pub column: String,
    /// The other end of the edge: a relation and its column.
    pub peer: RelationName,
    pub peer_column: String,
    /// Names the edge, the same from both ends.
    pub edge: String,
}

/// One relation a reach lock reads through: its rows whose `join_column`
/// equals the previous column, giving `next_column`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hop {
    pub relation: RelationName,
    pub join_column: String,
    pub next_column: String,
}

/// An edge of a path to the root, from its nearer end to its farther one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub near: RelationName,
    pub near_column: String,
    pub far: RelationName,
    pub far_column: String,
    /// The farther column must also be NOT NULL for the link to count.
    pub not_null: bool,
}

/// An edge lock a writer takes for rows it reaches through other relations
/// (see the module comment): the last hop's `next_column` values, locked on
/// `edge` as a writer of the last hop's relation would.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReachLock {
    pub level: usize,
    /// The writer's column the first hop joins.
    pub column: String,
    pub through: Vec<Hop>,
    pub edge: String,
    pub peer: RelationName,
    pub peer_column: String,
    /// Not needed when each of these is a foreign key from far to near.
    pub unless: Vec<Link>,
}

/// What a write to one source locks, besides the keys it recomputes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceLocks {
    pub columns: Vec<LockColumn>,
    pub reach: Vec<ReachLock>,
    /// Lock the whole TVIEW instead.
    pub coarse: bool,
}

/// Lock plan per source relation of the TVIEW defined by `view_sql`.
pub fn lock_plan(view_sql: &str, key_column: &str) -> Result<Vec<(RelationName, SourceLocks)>, PlanError> {
    crate::depth::on_large_stack(|| lock_plan_here(view_sql, key_column))
}

fn lock_plan_here(view_sql: &str, key_column: &str) -> Result<Vec<(RelationName, SourceLocks)>, PlanError> {
    let query = parse::parse_view(view_sql)?;
    let (model, outputs) = Model::build(&query);
    let roots = roots(&model, &outputs, key_column);
    let edges: Vec<InstanceEdge> = model
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
    let name_of = |(a, a_column): &(InstanceId, String), (b, b_column): &(InstanceId, String)| {
        Some(edge_name(model.relation(*a)?, a_column, model.relation(*b)?, b_column))
    };
    let graph = Graph::new(&edges, &roots, |l, r| name_of(l, r));

    let mut plans: Vec<(RelationName, SourceLocks)> = Vec::new();
    for (id, instance) in model.instances.iter().enumerate() {
        let Kind::Table(relation) = &instance.kind else { continue };
        let path = match graph.depth(id) {
            Some(0 | 1) => Some(Vec::new()),
            Some(_) => graph.path(id).filter(|p| {
                p.iter().enumerate().all(|(level, (n, f))| name_of(n, f).map(|e| graph.level(&e)) == Some(level))
            }),
            None => None,
        };
        let locks = plan_for(&mut plans, relation);
        locks.coarse |= path.is_none();
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
                level: graph.level(&edge_name(relation, &mine.1, peer, &theirs.1)),
                column: mine.1.clone(),
                peer: peer.clone(),
                peer_column: theirs.1.clone(),
                edge: edge_name(relation, &mine.1, peer, &theirs.1),
            };
            if !locks.columns.contains(&column) {
                locks.columns.push(column);
            }
        }
        for (writer, lock) in path.map(|p| reach_locks(&model, &p)).unwrap_or_default() {
            let locks = plan_for(&mut plans, &writer);
            if !locks.reach.contains(&lock) {
                locks.reach.push(lock);
            }
        }
    }
    for (_, locks) in &mut plans {
        locks.columns.sort();
        locks.reach.sort();
    }
    Ok(plans)
}

fn plan_for<'a>(plans: &'a mut Vec<(RelationName, SourceLocks)>, relation: &RelationName) -> &'a mut SourceLocks {
    let index = match plans.iter().position(|(r, _)| r == relation) {
        Some(i) => i,
        None => {
            plans.push((relation.clone(), SourceLocks::default()));
            plans.len() - 1
        }
    };
    &mut plans[index].1
}

/// The reach locks a path X0 .. Xk asks of the writers of X0 .. X(k-2):
/// `path[i]` is e(i+1) as (nearer end, farther end).
fn reach_locks(model: &Model, path: &[((InstanceId, String), (InstanceId, String))]) -> Vec<(RelationName, ReachLock)> {
    let relation = |id: InstanceId| model.relation(id).cloned();
    let mut out = Vec::new();
    let k = path.len();
    for j in 0..k.saturating_sub(1) {
        let (near, far) = &path[j];
        let Some(writer) = relation(near.0) else { continue };
        let unless: Option<Vec<Link>> = path[..=j]
            .iter()
            .enumerate()
            .map(|(i, (n, f))| {
                Some(Link {
                    near: relation(n.0)?,
                    near_column: n.1.clone(),
                    far: relation(f.0)?,
                    far_column: f.1.clone(),
                    not_null: i < j,
                })
            })
            .collect();
        let mut through = Vec::new();
        let mut at = far;
        for (level, (next_near, next_far)) in path.iter().enumerate().skip(j + 1) {
            // next_near is the instance reached so far (`at`).
            let (Some(hop), Some(peer)) = (relation(at.0), relation(next_far.0)) else { break };
            through.push(Hop {
                relation: hop.clone(),
                join_column: at.1.clone(),
                next_column: next_near.1.clone(),
            });
            out.push((
                writer.clone(),
                ReachLock {
                    level,
                    column: near.1.clone(),
                    through: through.clone(),
                    edge: edge_name(&hop, &next_near.1, &peer, &next_far.1),
                    peer,
                    peer_column: next_far.1.clone(),
                    unless: unless.clone().unwrap_or_default(),
                },
            ));
            at = next_far;
        }
    }
    out
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
