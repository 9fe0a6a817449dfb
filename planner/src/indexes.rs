//! Which indexes make maintenance index-driven.
//!
//! Maintenance runs two kinds of statements for a TVIEW: the *key queries*
//! (from the rows a write changed, find the keys of the TVIEW that may
//! change) and the *recompute* (`v_E WHERE key = ANY(keys)`).  Both start
//! from a few known rows — the delta, or the keys — and reach the other
//! relations through join and correlation conditions.  A relation reached
//! through `x.col = known.col` (or `<`, `>`, ... which a btree serves too)
//! is looked up by `col`; without an index on it, every such lookup scans
//! the table, and a one-row write costs a scan per relation.
//!
//! So this module takes the relation model of each statement
//! (`model.rs`: every column resolved to the relation instance it belongs
//! to, through scopes, derived tables and UNION ALL branches; never column
//! names: a column called `fk_user` means nothing here) and follows the
//! comparisons outwards from the known rows.  Each base relation reached by a column is an index need.
//! The extension then drops the needs an existing index already serves.

use std::collections::BTreeMap;

use std::ops::ControlFlow;

use sqlparser::ast::{Ident, ObjectName, Query, VisitMut, VisitorMut};

use crate::model::{ColumnRef, Kind, Model};
use crate::{parse, PlanError, RelationName, ALSO_OLD_RELATION};

/// Why an index would be used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IndexUse {
    /// Recomputing TVIEW rows by key reads it.
    Recompute,
    /// A write to this source finds the TVIEW keys it affects through it.
    FindKeys(RelationName),
}

/// Maintenance looks `relation` up by `column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexNeed {
    pub relation: RelationName,
    pub column: String,
    pub uses: Vec<IndexUse>,
}

/// The lookups maintenance of the TVIEW defined by `view_sql` (canonical
/// text, key `key_column`) makes, one per (relation, column), in a stable
/// order.
pub fn index_needs(view_sql: &str, key_column: &str) -> Result<Vec<IndexNeed>, PlanError> {
    crate::depth::on_large_stack(|| index_needs_here(view_sql, key_column))
}

fn index_needs_here(view_sql: &str, key_column: &str) -> Result<Vec<IndexNeed>, PlanError> {
    let tview_plan = crate::plan_here(view_sql, key_column)?;
    let mut needs: BTreeMap<(RelationName, String), Vec<IndexUse>> = BTreeMap::new();
    let mut add = |found: Vec<(RelationName, String)>, why: IndexUse| {
        for key in found {
            let uses = needs.entry(key).or_default();
            if !uses.contains(&why) {
                uses.push(why.clone());
            }
        }
    };
    let view = parse::parse_view(view_sql)?;
    add(lookups(&view, Some(key_column)), IndexUse::Recompute);
    for source in &tview_plan.sources {
        let mut key_query = parse::parse_view(&source.key_query)?;
        // A self-join's other occurrences read the source's current rows
        // (plus the old ones, which have no index): lookups of the source.
        let _ = key_query.visit(&mut Rename { from: ALSO_OLD_RELATION, to: &source.relation });
        add(lookups(&key_query, None), IndexUse::FindKeys(source.relation.clone()));
    }
    Ok(needs
        .into_iter()
        .map(|((relation, column), mut uses)| {
            uses.sort();
            IndexNeed {
                relation,
                column,
                uses,
            }
        })
        .collect())
}

/// Makes references to the relation named `from` read `to`.
struct Rename<'a> {
    from: &'a str,
    to: &'a RelationName,
}

impl VisitorMut for Rename<'_> {
    type Break = ();

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<()> {
        if matches!(name.0.as_slice(), [part] if part.as_ident().is_some_and(|i| i.value == self.from)) {
            *name = ObjectName::from(vec![Ident::new(&self.to.schema), Ident::new(&self.to.name)]);
        }
        ControlFlow::Continue(())
    }
}

/// Base-relation lookups of `query`, starting from the rows of the delta
/// relation (`key` None) or from the output column `key` (rows wanted by
/// key, as a filter pushed into the view).
fn lookups(query: &Query, key: Option<&str>) -> Vec<(RelationName, String)> {
    let (model, outputs) = Model::build(query);
    let mut reach = Reach {
        model: &model,
        reached: vec![false; model.instances.len()],
        found: Vec::new(),
    };
    match key {
        None => {
            for (id, instance) in model.instances.iter().enumerate() {
                if matches!(instance.kind, Kind::Delta) {
                    reach.reached[id] = true;
                }
            }
        }
        Some(key) => {
            for branch in &outputs {
                if let Some(column) = branch.iter().find(|o| o.name == key).and_then(|o| o.column.as_ref()) {
                    reach.look_up(column);
                }
            }
        }
    }
    reach.spread();
    reach.found
}

/// Following comparisons outwards from what is known.
struct Reach<'m> {
    model: &'m Model,
    reached: Vec<bool>,
    found: Vec<(RelationName, String)>,
}

impl Reach<'_> {
    /// `column.instance` is read by looking up `column`: a base table
    /// directly, a derived table through the column it outputs there.
    fn look_up(&mut self, column: &ColumnRef) {
        if self.reached[column.instance] {
            return;
        }
        self.reached[column.instance] = true;
        match &self.model.instances[column.instance].kind {
            Kind::Table(relation) => {
                let need = (relation.clone(), column.column.clone());
                if !self.found.contains(&need) {
                    self.found.push(need);
                }
            }
            Kind::Derived(branches) => {
                for branch in branches {
                    if let Some(inner) = branch.iter().find(|o| o.name == column.column).and_then(|o| o.column.as_ref()) {
                        self.look_up(inner);
                    }
                }
            }
            Kind::Delta | Kind::Opaque => {}
        }
    }

    /// Until nothing changes: an edge from a reached instance is a lookup
    /// of the other side; a derived table reading reached rows is reached.
    fn spread(&mut self) {
        loop {
            let mut changed = false;
            for edge in &self.model.edges {
                let (a, b) = (&edge.left, &edge.right);
                if self.reached[a.instance] && !self.reached[b.instance] {
                    self.look_up(b);
                    changed = true;
                } else if self.reached[b.instance] && !self.reached[a.instance] {
                    self.look_up(a);
                    changed = true;
                }
            }
            for id in 0..self.model.instances.len() {
                if self.reached[id] {
                    let mut up = self.model.instances[id].inside;
                    while let Some(outer) = up {
                        if !self.reached[outer] {
                            self.reached[outer] = true;
                            changed = true;
                        }
                        up = self.model.instances[outer].inside;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }
}
