//! Per-backend cache of what a write to a source must do: the TVIEWs
//! reading it, their key queries, and prepared (kept) plans.
//!
//! Invalidation: a relcache callback marks the cache stale when any
//! relation it knows about changes (in this or another session), or on a
//! full reset.  The cache is only emptied at the start of an outermost
//! maintenance run, never while a plan from it may be executing.
//!
//! Bounds: `pg_tviews.graph_cache_size` sources and
//! `pg_tviews.prepared_stmt_cache_size` prepared statements; past either,
//! the least recently used sources and writers are dropped, with their
//! plans, at that same safe point.

mod edges;
mod lru;
pub mod stats;

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use pg_tviews_planner::statements::{self, Delta};
use pg_tviews_planner::locks::{lock_plan, Hop};
use pg_tviews_planner::{graph, plan, RelationName};
use crate::sql_text::qualified as quote_qualified;

use crate::catalog::{self, Tview};
use crate::ddl::create::{canonical_viewdef, relation_name};
use crate::error::{raise, raise_plan, raise_with};
use crate::guc;
use crate::pg::KeptPlan;

use super::locks;

use edges::edge_locks;
use lru::Lru;
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
    /// The source's primary key (empty without one): pairs UPDATE rows.
    source_key: Vec<String>,
    /// The source, quoted and qualified.
    source_sql: String,
    /// The view reads the source more than once (a self-join).
    pub self_joined: bool,
    key_lock_seed: i64,
    /// The edge and reach locks, sorted by level.
    edge_locks: Vec<EdgeLock>,
    /// The distinct levels of `edge_locks`, in order.
    levels: Vec<usize>,
    key_plans: [OnceCell<KeptPlan>; 3],
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
            count_plans(1);
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
            count_plans(1);
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
}

impl Target {
    fn plans(&self) -> usize {
        self.key_plans.iter().chain(self.edge_lock_plans.iter().flatten()).filter(|c| c.get().is_some()).count()
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
    static KNOWN: RefCell<HashSet<pg_sys::Oid>> = RefCell::new(HashSet::new());
    static STALE: Cell<bool> = const { Cell::new(false) };
    static PLANS: Cell<usize> = const { Cell::new(0) };
}

fn count_plans(n: usize) {
    PLANS.with(|p| p.set(p.get() + n));
}

/// Empty the cache if it is stale, and give back its least recently used
/// entries when over a bound (leaving room for one more); only safe when no
/// maintenance is running in this backend.  Runs before and after each
/// outermost maintenance run, so the bounds hold between statements.
pub fn tidy() {
    if crate::engine::is_maintaining() {
        return;
    }
    if STALE.with(|s| s.replace(false)) {
        SOURCES.with(|s| s.borrow_mut().clear());
        WRITERS.with(|w| w.borrow_mut().clear());
        KNOWN.with(|k| k.borrow_mut().clear());
        PLANS.with(|p| p.set(0));
        return;
    }
    let graph_bound = guc::GRAPH_CACHE_SIZE.get().max(1) as usize;
    while SOURCES.with(|s| s.borrow().len()) >= graph_bound {
        evict_source();
    }
    let plan_bound = guc::PREPARED_STMT_CACHE_SIZE.get().max(1) as usize;
    while PLANS.with(|p| p.get()) >= plan_bound {
        let source_age = SOURCES.with(|s| s.borrow().oldest_use());
        let writer_age = WRITERS.with(|w| w.borrow().oldest_use());
        match (source_age, writer_age) {
            (Some(s), Some(w)) if w < s => evict_writer(),
            (Some(_), _) => evict_source(),
            (None, Some(_)) => evict_writer(),
            (None, None) => {
                PLANS.with(|p| p.set(0));
            }
        }
    }
}

fn evict_source() {
    if let Some(gone) = SOURCES.with(|s| s.borrow_mut().pop_oldest()) {
        PLANS.with(|p| p.set(p.get().saturating_sub(gone.plans())));
    }
}

fn evict_writer() {
    if WRITERS.with(|w| w.borrow_mut().pop_oldest()).is_some() {
        PLANS.with(|p| p.set(p.get().saturating_sub(WRITER_PLANS)));
    }
}

/// The TVIEWs a write to `source` must maintain.
pub fn targets_for(source: pg_sys::Oid) -> Rc<SourceTargets> {
    tidy();
    // Stale while maintenance runs (a lock this run waited for let in the
    // invalidation of a concurrent DROP or CREATE): the entries may name
    // relations that are gone, and cannot be emptied yet.  Build this one
    // afresh and keep it out of the cache, which the next tidy empties.
    let bypass = STALE.with(Cell::get);
    let found = if bypass { None } else { SOURCES.with(|s| s.borrow_mut().get(source)) };
    stats::record(Cache::Graph, found.is_some());
    if let Some(found) = found {
        return found;
    }
    let (schema, name) = relation_name(source);
    let relation = RelationName { schema, name };
    let source_key = crate::pg::primary_key_columns(source);
    let source_sql = quote_qualified(&relation.schema, &relation.name);
    let mut targets = Vec::new();
    for tview in catalog::readers_of(source) {
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
        remember(&[tview.table_oid, tview.view_oid, source]);
        remember(&read);
        targets.push(Rc::new(Target {
            tview,
            stack_depth: 0,
            coarse: source_locks.coarse,
            tview_lock,
            key_query: source_plan.key_query,
            read_columns: source_plan.columns,
            source_key: source_key.clone(),
            source_sql: source_sql.clone(),
            self_joined: source_plan.occurrences > 1,
            key_lock_seed: locks::key_lock_seed(tview_lock),
            edge_lock_plans: levels.iter().map(|_| Default::default()).collect(),
            edge_locks,
            levels,
            key_plans: Default::default(),
        }));
    }
    set_stack_depths(&mut targets);
    // Every run takes its locks TVIEW by TVIEW in this order, and cascades
    // go up the stack, so two runs never wait for each other's locks in
    // opposite orders.
    targets.sort_by_key(|t| (t.stack_depth, t.tview.table_oid.to_u32()));
    let found = Rc::new(SourceTargets {
        source_is_tview: catalog::by_table(source).is_some(),
        targets,
    });
    if !bypass {
        SOURCES.with(|s| s.borrow_mut().insert(source, found.clone()));
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

/// How high each TVIEW sits in its stack; lower ones are written first.
fn set_stack_depths(targets: &mut [Rc<Target>]) {
    let all = catalog::all();
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

/// The writing statements of a TVIEW, prepared on first use.
pub fn writer_for(tview: &Tview) -> Rc<Writer> {
    let found = WRITERS.with(|w| w.borrow_mut().get(tview.table_oid));
    stats::record(Cache::Metadata, found.is_some());
    if let Some(found) = found {
        return found;
    }
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
    count_plans(WRITER_PLANS);
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
    });
    remember(&[tview.table_oid, tview.view_oid]);
    WRITERS.with(|w| w.borrow_mut().insert(tview.table_oid, writer.clone()));
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

fn remember(oids: &[pg_sys::Oid]) {
    KNOWN.with(|k| k.borrow_mut().extend(oids.iter().copied()));
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

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    let relevant = relid == pg_sys::InvalidOid
        || KNOWN.with(|k| k.try_borrow().map(|k| k.contains(&relid)).unwrap_or(true));
    if relevant {
        STALE.with(|s| s.set(true));
    }
}

pub fn register_invalidation_callback() {
    // SAFETY: registered once per backend from _PG_init.
    unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(on_relcache_invalidation), pg_sys::Datum::from(0)) };
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
        .flat_map(|t| t.key_plans.iter().chain(t.edge_lock_plans.iter().flatten()))
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
        row("statement plans", Cache::Plans, PLANS.with(|p| p.get()), guc::PREPARED_STMT_CACHE_SIZE.get(), plan_bytes),
        row(
            "metadata",
            Cache::Metadata,
            writers.len(),
            guc::GRAPH_CACHE_SIZE.get(),
            (writers.len() * std::mem::size_of::<Writer>() + tviews.len() * std::mem::size_of::<Tview>()) as i64,
        ),
    ]
}
