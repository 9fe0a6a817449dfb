//! Hits and misses of this backend's maintenance caches, as
//! `pg_tviews_cache_stats` reports them.

use std::cell::Cell;

#[derive(Clone, Copy, Default)]
struct Counter {
    hits: i64,
    misses: i64,
}

thread_local! {
    static GRAPH: Cell<Counter> = const { Cell::new(Counter { hits: 0, misses: 0 }) };
    static PLANS: Cell<Counter> = const { Cell::new(Counter { hits: 0, misses: 0 }) };
    static METADATA: Cell<Counter> = const { Cell::new(Counter { hits: 0, misses: 0 }) };
}

#[derive(Clone, Copy)]
pub enum Cache {
    /// Per source: the TVIEWs reading it, their stack levels, key queries.
    Graph,
    /// Prepared maintenance statements.
    Plans,
    /// Per TVIEW: its catalog row and table layout (writers).
    Metadata,
}

fn counter(cache: Cache) -> &'static std::thread::LocalKey<Cell<Counter>> {
    match cache {
        Cache::Graph => &GRAPH,
        Cache::Plans => &PLANS,
        Cache::Metadata => &METADATA,
    }
}

pub fn record(cache: Cache, hit: bool) {
    counter(cache).with(|c| {
        let mut now = c.get();
        if hit {
            now.hits += 1;
        } else {
            now.misses += 1;
        }
        c.set(now);
    });
}

/// (hits, misses) since the backend started.
pub fn counts(cache: Cache) -> (i64, i64) {
    counter(cache).with(|c| {
        let now = c.get();
        (now.hits, now.misses)
    })
}

/// One row of `pg_tviews_cache_stats`.
pub struct CacheStats {
    pub name: &'static str,
    pub entries: i64,
    pub capacity: i64,
    pub hits: i64,
    pub misses: i64,
    pub bytes: i64,
}
