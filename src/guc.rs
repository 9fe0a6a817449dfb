//! Every `pg_tviews.*` setting, defined in one place.
//!
//! Each setting's context is chosen, as in contrib, for what one session
//! could do to others with it: a setting that changes only the session's
//! own backend or its own transaction is USERSET; one that changes what
//! maintenance does for everybody, or what it writes or locks as other
//! roles, is SUSET (a superuser, or a role granted SET on it).  The prefix
//! is reserved once they are defined: `SET pg_tviews.typo = ...` is an
//! error, not a silent placeholder.

use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefreshMode {
    #[name = c"immediate"]
    Immediate,
    #[name = c"deferred"]
    Deferred,
    #[name = c"async"]
    Async,
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
pub static ASYNC_LAG_WARNING: GucSetting<i32> = GucSetting::<i32>::new(10_000);

pub fn define() {
    GucRegistry::define_bool_guc(
        c"pg_tviews.enabled",
        c"Maintain TVIEWs when their sources are written.",
        c"Off: writes to sources leave TVIEWs stale until pg_tviews_cascade or pg_tviews_refresh.",
        &ENABLED,
        // SUSET: off leaves every TVIEW of the database stale for everybody.
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"pg_tviews.refresh_mode",
        c"When TVIEWs are maintained: after each statement (immediate), at commit (deferred), or by the background worker after commit (async).",
        c"A TVIEW's own refresh mode is the earliest its writes are maintained; this setting can only make them later.",
        &REFRESH_MODE,
        // USERSET: when this session's own writes are maintained (after each
        // statement, at its commit, or by the worker after it); documents are
        // exact once it commits (immediate, deferred) or once the worker has
        // applied it (async), and others' writes are unaffected.  Async for a
        // TVIEW whose owner chose immediate lets a writer make readers see its
        // own writes late, never wrongly: as if it had committed later.
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
        // SUSET: a deeper stack accepted at CREATE is paid by every writer of
        // its base tables, whoever they are.
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"pg_tviews.full_refresh_threshold",
        c"Fraction of a TVIEW's rows above which a statement rebuilds it set-wise.",
        c"",
        &FULL_REFRESH_THRESHOLD,
        0.0,
        1.0,
        // SUSET: 0 would make this session's writes rebuild every TVIEW they
        // reach whole, as its owner, locking it against all other writers.
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_tviews.graph_cache_size",
        c"Most source tables whose TVIEW list a backend keeps cached.",
        c"",
        &GRAPH_CACHE_SIZE,
        100,
        100_000,
        // USERSET: memory of this backend only.
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
        // USERSET: memory of this backend only.
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_enum_guc(
        c"pg_tviews.log_refreshes",
        c"What maintenance runs are recorded in pg_tview_refresh_log.",
        c"",
        &LOG_REFRESHES,
        // SUSET: makes every maintenance run write pg_tview_refresh_log rows as
        // the extension's owner, and each failure (routine 40001s included)
        // start the recorder worker and wait for it holding its locks.
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_tviews.audit",
        c"Record CREATE, DROP, REFRESH and CONVERT of TVIEWs in pg_tview_audit_log.",
        c"",
        &AUDIT,
        // SUSET: off hides this session's CREATE/DROP/REFRESH from the audit log.
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_tviews.async_lag_warning",
        c"Milliseconds of async lag (age of the oldest queued entry) above which the health check warns.",
        c"",
        &ASYNC_LAG_WARNING,
        0,
        i32::MAX,
        // USERSET: changes only what this session's health check reports.
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
    // SAFETY: a valid C string; called once, after the definitions.
    unsafe { pgrx::pg_sys::MarkGUCPrefixReserved(c"pg_tviews".as_ptr()) };
}
