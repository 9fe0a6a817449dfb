//! Per-backend cache of what a write to a source must do: the TVIEWs
//! reading it, their key queries, and prepared (kept) plans.
//!
//! Invalidation: every entry lists the relations it depends on.  A
//! relcache invalidation of one of them (in this or another session, also
//! from ANALYZE and VACUUM) only queues it; the entries depending on it are
//! dropped when its catalog state really changed (`invalidation`,
//! `fingerprint`).  This session's own TVIEW DDL empties the whole cache.
//! Entries are only dropped at the start or end of an outermost
//! maintenance run, never while a plan from them may be executing.
//!
//! Bounds: `pg_tviews.graph_cache_size` sources and
//! `pg_tviews.prepared_stmt_cache_size` prepared statements; past either,
//! the least recently used sources and writers are dropped, with their
//! plans, at that same safe point.

mod edges;
mod fingerprint;
mod invalidation;
mod lru;
mod stack;
pub mod stats;

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::statements::{self, Delta};
use pg_tviews_planner::locks::{lock_plan, Hop};
use pg_tviews_planner::{plan, DeltaKey, RelationName};
use crate::sql_text::qualified as quote_qualified;

use crate::catalog::{self, Tview};
use crate::ddl::create::{canonical_viewdef, relation_name};
use crate::error::{raise, raise_plan, raise_with};
use crate::guc;
use crate::pg::KeptPlan;

use super::locks;
use super::transition::{Transition, Values};

use edges::edge_locks;
use lru::Lru;
use stack::{dependencies, set_stack_depths};
use stats::{Cache, CacheStats};

/// One TVIEW as maintained from one source.
pub struct Target {
    pub tview: Tview,
    /// 1 for a TVIEW reading only base tables, +1 per TVIEW level below.
    pub stack_depth: usize,
    /// Writes to this source lock the whole TVIEW (see engine::locks).
    pub coarse: bool,
    /// Id of the TVIEW-wide lock.
    pub tview_lock: i64,
    key_query: String,
    read_columns: Option<Vec<String>>,
    /// The source column holding the keys, when the key query needs nothing else.
    delta_key: Option<DeltaKey>,
    /// The source's primary key (empty without one): pairs UPDATE rows.
    source_key: Vec<String>,
    /// The source, quoted and qualified.
    source_sql: String,
    /// The view reads the source more than once (a self-join).
    pub self_joined: bool,
    /// Every written row's primary key is a key the key query returns, so
    /// a statement writing N rows touches at least N keys (`apply::rebuild_early`).
    pub rows_are_keys: bool,
    /// The source is a TVIEW and the view reads all its columns: each of
    /// its UPDATEs (pg_tviews writes only rows that differ) passes the gate.
    pub update_always_matters: bool,
    key_lock_seed: i64,
    /// The edge and reach locks, sorted by level.
    edge_locks: Vec<EdgeLock>,
    /// The distinct levels of `edge_locks`, in order.
    levels: Vec<usize>,
    key_plans: [OnceCell<KeptPlan>; 3],
    /// The UPDATE gate on its own (`statements::gate_statement`).
    gate_plan: OnceCell<KeptPlan>,
    /// Per level, per delta.
    edge_lock_plans: Vec<[OnceCell<KeptPlan>; 3]>,
}

/// One edge lock of a source: its column's values, or those reached from
/// it through `through` (a reach lock).
struct EdgeLock {
    level: usize,
    column: String,
    through: Vec<Hop>,
    seed: i64,
    exclusive: bool,
}

fn slot(delta: Delta) -> usize {
    match delta {
        Delta::New => 0,
        Delta::Old => 1,
        Delta::OldAndNew => 2,
    }
}

impl Target {
    pub fn key_plan(&self, delta: Delta) -> &KeptPlan {
        let cell = &self.key_plans[slot(delta)];
        stats::record(Cache::Plans, cell.get().is_some());
        cell.get_or_init(|| {
            KeptPlan::prepare(
                &statements::key_statement(
                    &self.key_query,
                    delta,
                    &self.source_sql,
                    self.tview.table_oid.to_u32(),
                    self.read_columns.as_deref().map(|read| statements::UpdateGate {
                        read,
                        primary_key: &self.source_key,
                    }),
                    self.key_lock_seed,
                ),
                &[],
            )
        })
    }

    pub fn key_query(&self) -> &str {
        &self.key_query
    }

    /// Did an UPDATE whose rows `few` holds leave every column this TVIEW
    /// reads of the source as it was?  False when unknown.
    pub fn update_reads_nothing_changed(&self, few: &Transition) -> bool {
        let Some(read) = &self.read_columns else { return false };
        let attnums: Option<Vec<i32>> = read.iter().map(|c| few.attnum(c)).collect();
        attnums.is_some_and(|a| few.unchanged(&a))
    }

    /// The values in the rows of `delta` of `few` of the column holding
    /// the keys, and whether they are the keys themselves or equal to them
    /// (None: run the key query; see the planner's `delta_key`).
    pub fn delta_keys(&self, few: &Transition, delta: Delta) -> Option<(Values, bool)> {
        let key = self.delta_key.as_ref()?;
        Some((few.values(delta, few.attnum(&key.column)?)?, key.exact))
    }

    /// The edge locks of the `index`th level, as (exclusive, shared) ids,
    /// read off the rows of `delta` of `few`; None when a lock of that level
    /// reaches through other relations (its statement must run).
    pub fn direct_edge_ids(&self, index: usize, delta: Delta, few: &Transition) -> Option<(Vec<i64>, Vec<i64>)> {
        let level = *self.levels.get(index)?;
        let (mut exclusive, mut shared) = (Vec::new(), Vec::new());
        for lock in self.edge_locks.iter().filter(|l| l.level == level) {
            if !lock.through.is_empty() {
                return None;
            }
            let values = few.values(delta, few.attnum(&lock.column)?)?;
            let ids = values.lock_ids(values.hasher()?, lock.seed);
            if lock.exclusive { exclusive.extend(ids) } else { shared.extend(ids) }
        }
        Some((exclusive, shared))
    }

    /// The seed key lock ids are hashed with.
    pub fn key_lock_seed(&self) -> i64 {
        self.key_lock_seed
    }

    /// The UPDATE gate as a statement of one boolean column; None when the
    /// columns the view reads are not known (every UPDATE may matter).
    pub fn gate_plan(&self) -> Option<&KeptPlan> {
        let read = self.read_columns.as_deref()?;
        stats::record(Cache::Plans, self.gate_plan.get().is_some());
        Some(self.gate_plan.get_or_init(|| {
            KeptPlan::prepare(
                &statements::gate_statement(statements::UpdateGate { read, primary_key: &self.source_key }),
                &[],
            )
        }))
    }

    /// How many levels of edge locks a write to this source takes, one
    /// statement each (see engine::locks).
    pub fn lock_levels(&self) -> usize {
        self.levels.len()
    }

    /// The statement finding the edge locks of the changed rows at the
    /// `index`th level.
    pub fn edge_lock_plan(&self, delta: Delta, index: usize) -> Option<&KeptPlan> {
        let level = *self.levels.get(index)?;
        let cell = &self.edge_lock_plans.get(index)?[slot(delta)];
        stats::record(Cache::Plans, cell.get().is_some());
        Some(cell.get_or_init(|| {
            let locks: Vec<statements::EdgeLock> = self
                .edge_locks
                .iter()
                .filter(|l| l.level == level)
                .map(|l| statements::EdgeLock {
                    column: &l.column,
                    through: &l.through,
                    seed: l.seed,
                    exclusive: l.exclusive,
                })
                .collect();
            KeptPlan::prepare(&statements::edge_lock_statement(delta, &locks), &[])
        }))
    }
}

/// What a write to one source must maintain.
pub struct SourceTargets {
    /// The source is itself a TVIEW: its writes are cascades.
    pub source_is_tview: bool,
    /// Each carries its stack level; the queue orders the writes.
    pub targets: Vec<Rc<Target>>,
    /// The relations whose catalog state the entry was built from.
    depends: Vec<pg_sys::Oid>,
}

/// The statements that write one TVIEW.
pub struct Writer {
    /// The distinct keys of two key arrays of this TVIEW's key type, and
    /// their number.
    pub merge_keys: KeptPlan,
    /// Delete and upsert among keys, in one statement.
    pub refresh_keyed: KeptPlan,
    /// Rebuild it all, in one statement.
    pub refresh_all: KeptPlan,
    /// A digest of the view's rows among keys / of all of them.
    pub probe_keyed: KeptPlan,
    pub probe_all: KeptPlan,
    /// The TVIEW's table and view.
    depends: [pg_sys::Oid; 2],
}

impl Target {
    fn plans(&self) -> usize {
        self.key_plans
            .iter()
            .chain(std::iter::once(&self.gate_plan))
            .chain(self.edge_lock_plans.iter().flatten())
            .filter(|c| c.get().is_some())
            .count()
    }
}

impl SourceTargets {
    fn plans(&self) -> usize {
        self.targets.iter().map(|t| t.plans()).sum()
    }
}

/// Statements each writer prepares.
const WRITER_PLANS: usize = 5;

thread_local! {
    static SOURCES: RefCell<Lru<Rc<SourceTargets>>> = RefCell::new(Lru::new());
    static WRITERS: RefCell<Lru<Rc<Writer>>> = RefCell::new(Lru::new());
    /// This session changed TVIEWs: empty everything at the next tidy.
    static STALE: Cell<bool> = const { Cell::new(false) };
}

/// Prepared statements held.
fn plan_count() -> usize {
    SOURCES.with(|s| s.borrow().values().map(|st| st.plans()).sum::<usize>())
        + WRITERS.with(|w| w.borrow().len()) * WRITER_PLANS
}

/// Drop the entries depending on relations whose catalog state changed,
/// empty the cache when this session changed TVIEWs, and give back the
/// least recently used entries when over a bound (leaving room for one
/// more); only safe when no maintenance is running in this backend.  Runs
/// before and after each outermost maintenance run, so the bounds hold
/// between statements.
pub fn tidy() {
    if crate::engine::is_maintaining() {
        return;
    }
    if STALE.with(|s| s.replace(false)) {
        SOURCES.with(|s| s.borrow_mut().clear());
        WRITERS.with(|w| w.borrow_mut().clear());
        invalidation::clear();
        return;
    }
    let changed = invalidation::changed();
    let mut evicted = !changed.is_empty();
    if evicted {
        SOURCES.with(|s| s.borrow_mut().retain(|st| !st.depends.iter().any(|r| changed.contains(r))));
        WRITERS.with(|w| w.borrow_mut().retain(|wr| !wr.depends.iter().any(|r| changed.contains(r))));
        invalidation::forget(&changed);
    }
    let graph_bound = guc::GRAPH_CACHE_SIZE.get().max(1) as usize;
    while SOURCES.with(|s| s.borrow().len()) >= graph_bound {
        SOURCES.with(|s| s.borrow_mut().pop_oldest());
        evicted = true;
    }
    let plan_bound = guc::PREPARED_STMT_CACHE_SIZE.get().max(1) as usize;
    while plan_count() >= plan_bound {
        let source_age = SOURCES.with(|s| s.borrow().oldest_use());
        let writer_age = WRITERS.with(|w| w.borrow().oldest_use());
        let evict_writer = match (source_age, writer_age) {
            (Some(s), Some(w)) => w < s,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        if evict_writer {
            WRITERS.with(|w| w.borrow_mut().pop_oldest());
        } else {
            SOURCES.with(|s| s.borrow_mut().pop_oldest());
        }
        evicted = true;
    }
    if evicted {
        let depended_on: HashSet<pg_sys::Oid> = SOURCES
            .with(|s| s.borrow().values().flat_map(|st| st.depends.clone()).collect::<Vec<_>>())
            .into_iter()
            .chain(WRITERS.with(|w| w.borrow().values().flat_map(|wr| wr.depends).collect::<Vec<_>>()))
            .collect();
        invalidation::retain(&depended_on);
    }
}

/// The TVIEWs a write to `source` must maintain.
pub fn targets_for(source: pg_sys::Oid) -> Rc<SourceTargets> {
    tidy();
    // Stale while maintenance runs (this session changed TVIEWs, or a lock
    // this run waited for let in the invalidation of a concurrent DROP or
    // ALTER): the entries may name relations that are gone, and cannot be
    // dropped yet.  Build this one afresh and keep it out of the cache;
    // the next tidy drops the stale entries.
    let mut bypass = STALE.with(Cell::get);
    let mut found = if bypass { None } else { SOURCES.with(|s| s.borrow_mut().get(source)) };
    if let Some(entry) = &found {
        if crate::engine::is_maintaining() && invalidation::any_pending() {
            let changed = invalidation::changed();
            if entry.depends.iter().any(|r| changed.contains(r)) {
                found = None;
                bypass = true;
            }
            invalidation::requeue(&changed);
        }
    }
    stats::record(Cache::Graph, found.is_some());
    if let Some(found) = found {
        return found;
    }
    // The fingerprints of what the entry depends on are taken before the
    // catalog is read for it (see `invalidation`), so the TVIEWs reading
    // the source are looked up twice.
    if !bypass {
        invalidation::take_missing(&dependencies(source, &catalog::readers_of(source), &catalog::all()));
    }
    let all = catalog::all();
    let readers = catalog::readers_of(source);
    let mut depends = dependencies(source, &readers, &all);
    let (schema, name) = relation_name(source);
    let relation = RelationName { schema, name };
    let source_key = crate::pg::primary_key_columns(source);
    let source_sql = quote_qualified(&relation.schema, &relation.name);
    let source_is_tview = all.iter().any(|t| t.table_oid == source);
    let source_columns = if source_is_tview { table_columns(source) } else { Vec::new() };
    let mut targets = Vec::new();
    for tview in readers {
        check_snapshot_sees(&tview);
        let canonical = canonical_viewdef(tview.view_oid);
        let tview_plan = plan(&canonical, &tview.key_column).unwrap_or_else(|e| raise_plan(&tview.entity, &canonical, e));
        let Some(source_plan) = tview_plan.sources.into_iter().find(|s| s.relation == relation) else {
            continue; // the view no longer reads it (e.g. renamed); nothing to do
        };
        let source_locks = lock_plan(&canonical, &tview.key_column)
            .unwrap_or_else(|e| raise_plan(&tview.entity, &canonical, e))
            .into_iter()
            .find(|(r, _)| *r == relation)
            .map(|(_, l)| l)
            .unwrap_or_default();
        let tview_lock = locks::tview_lock(tview.table_oid);
        let (edge_locks, read) = edge_locks(&relation, &source_locks, tview_lock);
        let levels: Vec<usize> = edge_locks.iter().map(|l| l.level).collect::<BTreeSet<_>>().into_iter().collect();
        depends.extend(read);
        let update_always_matters = source_is_tview
            && source_plan.columns.as_ref().is_none_or(|read| source_columns.iter().all(|c| read.contains(c)));
        targets.push(Rc::new(Target {
            tview,
            stack_depth: 0,
            coarse: source_locks.coarse,
            tview_lock,
            key_query: source_plan.key_query,
            read_columns: source_plan.columns,
            delta_key: source_plan.delta_key,
            source_key: source_key.clone(),
            source_sql: source_sql.clone(),
            self_joined: source_plan.occurrences > 1,
            rows_are_keys: source_plan.row_key.is_some_and(|c| source_key == [c]),
            update_always_matters,
            key_lock_seed: locks::key_lock_seed(tview_lock),
            edge_lock_plans: levels.iter().map(|_| Default::default()).collect(),
            edge_locks,
            levels,
            key_plans: Default::default(),
            gate_plan: Default::default(),
        }));
    }
    set_stack_depths(&mut targets, &all);
    // Every run takes its locks TVIEW by TVIEW in this order, and cascades
    // go up the stack, so two runs never wait for each other's locks in
    // opposite orders.
    targets.sort_by_key(|t| (t.stack_depth, t.tview.table_oid.to_u32()));
    depends.sort_unstable_by_key(|r| r.to_u32());
    depends.dedup();
    let found = Rc::new(SourceTargets {
        source_is_tview,
        targets,
        depends,
    });
    // Relations the planner named only now have no fingerprint older than
    // what was read: take them for the next build, keep this one out.
    if !bypass && invalidation::all_known(&found.depends) {
        SOURCES.with(|s| s.borrow_mut().insert(source, found.clone()));
    } else if !bypass {
        invalidation::take_missing(&found.depends);
    }
    found
}

/// The metadata is read as committed now (`catalog`); under REPEATABLE
/// READ and SERIALIZABLE a TVIEW created after the transaction's snapshot
/// was taken cannot be maintained by it (its own statements could not even
/// read the view's definition): fail as PostgreSQL does for a concurrent
/// update, rather than skip it and leave it stale.
fn check_snapshot_sees(tview: &Tview) {
    // SAFETY: reads the transaction's isolation level.
    if unsafe { pg_sys::XactIsoLevel } < pg_sys::XACT_REPEATABLE_READ as i32 {
        return;
    }
    let seen = Spi::get_one_with_args::<bool>(
        "SELECT true FROM pg_catalog.pg_class WHERE oid = $1",
        &[tview.view_oid.into()],
    );
    if seen != Ok(Some(true)) {
        raise_with(
            PgSqlErrorCode::ERRCODE_T_R_SERIALIZATION_FAILURE,
            "could not serialize access due to concurrent update".to_string(),
            Some(format!(
                "TVIEW {} was created after this transaction's snapshot was taken.",
                tview.entity
            )),
            Some("Retry the transaction.".into()),
        );
    }
}

/// The writing statements of a TVIEW, prepared on first use.
pub fn writer_for(tview: &Tview) -> Rc<Writer> {
    let found = WRITERS.with(|w| w.borrow_mut().get(tview.table_oid));
    stats::record(Cache::Metadata, found.is_some());
    if let Some(found) = found {
        return found;
    }
    // Fingerprints first, then the catalog (see `invalidation`): the TVIEW
    // is read again after them.  Gone meanwhile: built, not kept.
    invalidation::take_missing(&[tview.table_oid, tview.view_oid]);
    let fresh = catalog::by_table(tview.table_oid);
    let tview = fresh.as_ref().unwrap_or(tview);
    let columns = table_columns(tview.table_oid);
    let key_array_type = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT t.typarray FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         WHERE a.attrelid = $1 AND a.attname = $2",
        &[tview.table_oid.into(), tview.key_column.as_str().into()],
    )
    .ok()
    .flatten()
    .unwrap_or_else(|| raise(PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN, format!("key column of {} not found", tview.entity)));
    let target = statements::Target {
        schema: &tview.schema,
        table: &tview.table,
        view: &tview.view,
        key: &tview.key_column,
        columns: &columns,
    };
    let writer = Rc::new(Writer {
        merge_keys: KeptPlan::prepare(
            "SELECT ks, pg_catalog.cardinality(ks) FROM (SELECT pg_catalog.array_agg(DISTINCT k) AS ks \
             FROM pg_catalog.unnest(pg_catalog.array_cat($1, $2)) AS k) AS merged",
            &[key_array_type, key_array_type],
        ),
        refresh_keyed: KeptPlan::prepare(&statements::refresh_keyed(&target), &[key_array_type]),
        refresh_all: KeptPlan::prepare(&statements::refresh_all(&target), &[]),
        probe_keyed: KeptPlan::prepare(&statements::probe(&target, true), &[key_array_type]),
        probe_all: KeptPlan::prepare(&statements::probe(&target, false), &[]),
        depends: [tview.table_oid, tview.view_oid],
    });
    if fresh.is_some() && invalidation::all_known(&writer.depends) {
        WRITERS.with(|w| w.borrow_mut().insert(tview.table_oid, writer.clone()));
    }
    writer
}

pub fn table_columns(table: pg_sys::Oid) -> Vec<String> {
    Spi::connect(|client| {
        let mut out = Vec::new();
        let rows = client.select(
            "SELECT attname::text FROM pg_catalog.pg_attribute \
             WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            None,
            &[table.into()],
        )?;
        for row in rows {
            out.extend(row.get::<String>(1)?);
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}")))
}

/// Tell every backend (this one at the next command) that maintenance of
/// these relations changed.
pub fn invalidate(relations: &[pg_sys::Oid]) {
    for rel in relations {
        // SAFETY: queues an invalidation message; no pointer arguments.
        unsafe { pg_sys::CacheInvalidateRelcacheByRelid(*rel) };
    }
    STALE.with(|s| s.set(true));
}

pub fn invalidate_all() {
    // SAFETY: queues a full relcache reset message.
    unsafe { pg_sys::CacheInvalidateRelcacheAll() };
    STALE.with(|s| s.set(true));
}

pub fn register_invalidation_callback() {
    invalidation::register_callback();
}

/// This backend's caches: entries, bounds, hits, misses, estimated bytes.
pub fn report() -> Vec<CacheStats> {
    let (sources, targets, query_bytes) = SOURCES.with(|s| {
        let s = s.borrow();
        let targets: Vec<Rc<Target>> = s.values().flat_map(|st| st.targets.iter().cloned()).collect();
        let bytes = targets.iter().map(|t| t.key_query.len() + std::mem::size_of::<Target>()).sum::<usize>();
        (s.len(), targets, bytes)
    });
    let writers: Vec<Rc<Writer>> = WRITERS.with(|w| w.borrow().values().cloned().collect());
    let plan_bytes: i64 = targets
        .iter()
        .flat_map(|t| t.key_plans.iter().chain(std::iter::once(&t.gate_plan)).chain(t.edge_lock_plans.iter().flatten()))
        .filter_map(|c| c.get())
        .chain(writers.iter().flat_map(|w| {
            [&w.merge_keys, &w.refresh_keyed, &w.refresh_all, &w.probe_keyed, &w.probe_all]
        }))
        .map(KeptPlan::memory_bytes)
        .sum();
    let tviews: HashSet<u32> = targets.iter().map(|t| t.tview.table_oid.to_u32()).collect();
    let row = |name, cache, entries: usize, capacity: i32, bytes: i64| {
        let (hits, misses) = stats::counts(cache);
        CacheStats { name, entries: entries as i64, capacity: i64::from(capacity), hits, misses, bytes }
    };
    vec![
        row("dependency graph", Cache::Graph, sources, guc::GRAPH_CACHE_SIZE.get(), query_bytes as i64),
        row("statement plans", Cache::Plans, plan_count(), guc::PREPARED_STMT_CACHE_SIZE.get(), plan_bytes),
        row(
            "metadata",
            Cache::Metadata,
            writers.len(),
            guc::GRAPH_CACHE_SIZE.get(),
            (writers.len() * std::mem::size_of::<Writer>() + tviews.len() * std::mem::size_of::<Tview>()) as i64,
        ),
    ]
}
