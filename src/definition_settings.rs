//! The session settings a TVIEW's definition runs under.
//!
//! How a value prints or parses depends on settings any session may
//! change: `jsonb_build_object` renders a timestamptz in the session's
//! TimeZone, `::text` follows DateStyle, IntervalStyle,
//! extra_float_digits, bytea_output, and so on.  Maintenance runs in the
//! writer's session, so without care a writer in another zone would
//! rewrite the documents it touches (and every row it cascades to), and
//! verify would report the difference as drift.
//!
//! So the creating session's values of `CAPTURED` are stored with the
//! TVIEW (`pg_tview_meta.settings`, a jsonb object), and every run of the
//! definition (trigger maintenance and its key queries, the deferred drain
//! at commit, a threshold or TRUNCATE rebuild, `pg_tviews_refresh`,
//! `_verify`, `_cascade`, `_convert_table`, `_analyze_cascade` and the
//! health check's consistency sample) applies them for that TVIEW alone,
//! in a GUC nest level closed when it ends.  In a cascade each TVIEW runs
//! under its own.  A TVIEW whose row carries no settings (none is
//! created that way) would run under the session's.
//!
//! `DEPARSE` is what a view's text is printed under when the planner
//! reads it: constants come out in ISO form and with every digit, so the
//! key statements built from that text mean the same constants whatever
//! the printing and the parsing sessions' settings.

use std::ffi::CStr;

use pgrx::pg_sys;
use serde_json::{Map, Value};

use crate::catalog::Tview;
use crate::pg::{cstring, SettingsScope};

/// The settings that change what a definition computes as text or jsonb
/// (output of dates, times, intervals, floats, bytea, xml, money and
/// to_char; input of dates and time zone abbreviations read from text
/// columns; the text search configuration of one-argument to_tsvector;
/// whether array input reads `NULL` as a null element; whether
/// `quote_ident` and `format('%I')` quote every name).
pub const CAPTURED: &[&str] = &[
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "timezone_abbreviations",
    "extra_float_digits",
    "bytea_output",
    "xmlbinary",
    "xmloption",
    "default_text_search_config",
    "lc_monetary",
    "lc_numeric",
    "lc_time",
    "array_nulls",
    "quote_all_identifiers",
];

/// Settings a view's text is printed under for the planner.
pub const DEPARSE: &[(&str, &str)] = &[
    ("search_path", ""),
    ("DateStyle", "ISO"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "3"),
];

/// This session's value of a setting, as SHOW prints it.
fn current(name: &str) -> Option<String> {
    let name = cstring(name);
    // SAFETY: a valid C string; the result (static or GUC-owned storage)
    // is copied before anything else can change it.
    unsafe {
        let value = pg_sys::GetConfigOption(name.as_ptr(), true, false);
        (!value.is_null()).then(|| CStr::from_ptr(value).to_string_lossy().into_owned())
    }
}

/// The creating session's values of `CAPTURED`, for `pg_tview_meta.settings`.
pub fn capture() -> Value {
    let map: Map<String, Value> = CAPTURED
        .iter()
        .filter_map(|name| current(name).map(|v| (name.to_string(), Value::String(v))))
        .collect();
    Value::Object(map)
}

/// The stored settings as (name, value) pairs.
pub fn from_json(value: &Value) -> Vec<(String, String)> {
    value
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// `tview`'s settings, for the lifetime of the value.  Only those that
/// differ from the session's are set: a writer with the creator's
/// settings (the usual case) pays nothing.
pub fn apply(tview: &Tview) -> SettingsScope {
    let differing: Vec<(&str, &str)> = tview
        .settings
        .iter()
        .filter(|(name, value)| current(name).as_deref() != Some(value.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    SettingsScope::new(&differing)
}
