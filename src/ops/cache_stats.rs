//! `pg_tviews_cache_stats`: this backend's maintenance caches (dependency
//! graph, statement plans, metadata) with their bounds and hit rates.

use pgrx::prelude::*;

use crate::engine::cache;

#[pg_extern]
fn pg_tviews_cache_stats_fn() -> TableIterator<
    'static,
    (
        name!(cache_name, String),
        name!(entries, i64),
        name!(capacity, i64),
        name!(hits, i64),
        name!(misses, i64),
        name!(estimated_bytes, i64),
    ),
> {
    let rows: Vec<_> = cache::report()
        .into_iter()
        .map(|s| (s.name.to_string(), s.entries, s.capacity, s.hits, s.misses, s.bytes))
        .collect();
    TableIterator::new(rows)
}

extension_sql!(
    r#"
CREATE VIEW pg_tviews_cache_stats AS
    SELECT cache_name, entries, capacity, hits, misses, estimated_bytes FROM pg_tviews_cache_stats_fn();
COMMENT ON VIEW pg_tviews_cache_stats IS 'this backend''s pg_tviews caches: entries, bound, hits, misses, estimated size';
GRANT SELECT ON pg_tviews_cache_stats TO PUBLIC;
"#,
    name = "cache_stats_view",
    requires = [pg_tviews_cache_stats_fn]
);
