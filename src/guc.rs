//! Every `pg_tviews.*` setting, defined in one place.

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefreshMode {
    #[name = c"immediate"]
    Immediate,
    #[name = c"deferred"]
    Deferred,
}

#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogRefreshes {
    #[name = c"off"]
    Off,
    #[name = c"errors"]
    Errors,
    #[name = c"all"]
    All,
}

pub static ENABLED: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static REFRESH_MODE: GucSetting<RefreshMode> =
    GucSetting::<RefreshMode>::new(RefreshMode::Immediate);
pub static MAX_CASCADE_DEPTH: GucSetting<i32> = GucSetting::<i32>::new(10);
pub static FULL_REFRESH_THRESHOLD: GucSetting<f64> = GucSetting::<f64>::new(0.2);
pub static GRAPH_CACHE_SIZE: GucSetting<i32> = GucSetting::<i32>::new(1000);
pub static PREPARED_STMT_CACHE_SIZE: GucSetting<i32> = GucSetting::<i32>::new(500);
pub static LOG_REFRESHES: GucSetting<LogRefreshes> =
    GucSetting::<LogRefreshes>::new(LogRefreshes::Off);
pub static AUDIT: GucSetting<bool> = GucSetting::<bool>::new(true);

pub fn define() {
    GucRegistry::define_bool_guc(
        c"pg_tviews.enabled",
        c"Maintain TVIEWs when their sources are written.",
        c"Off: writes to sources leave TVIEWs stale until pg_tviews_cascade or pg_tviews_refresh.",
        &ENABLED,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"pg_tviews.refresh_mode",
        c"When TVIEWs are maintained: after each statement (immediate) or at commit (deferred).",
        c"",
        &REFRESH_MODE,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_tviews.max_cascade_depth",
        c"Deepest stack of TVIEWs reading TVIEWs that CREATE accepts.",
        c"",
        &MAX_CASCADE_DEPTH,
        1,
        100,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"pg_tviews.full_refresh_threshold",
        c"Fraction of a TVIEW's rows above which a statement rebuilds it set-wise.",
        c"",
        &FULL_REFRESH_THRESHOLD,
        0.0,
        1.0,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_tviews.graph_cache_size",
        c"Most source tables whose TVIEW list a backend keeps cached.",
        c"",
        &GRAPH_CACHE_SIZE,
        100,
        100_000,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_tviews.prepared_stmt_cache_size",
        c"Most maintenance plans a backend keeps prepared.",
        c"",
        &PREPARED_STMT_CACHE_SIZE,
        50,
        10_000,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"pg_tviews.log_refreshes",
        c"What maintenance runs are recorded in pg_tview_refresh_log.",
        c"",
        &LOG_REFRESHES,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_tviews.audit",
        c"Record CREATE, DROP, REFRESH and CONVERT of TVIEWs in pg_tview_audit_log.",
        c"",
        &AUDIT,
        GucContext::Suset,
        GucFlags::default(),
    );
}
