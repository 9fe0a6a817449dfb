//! Version and optional companions.

use pgrx::prelude::*;

#[pg_extern]
fn pg_tviews_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Whether the optional jsonb_delta extension is installed; pg_tviews
/// does not need it.
#[pg_extern]
fn pg_tviews_check_jsonb_delta() -> bool {
    Spi::get_one::<bool>("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'jsonb_delta')")
        .ok()
        .flatten()
        .unwrap_or(false)
}
