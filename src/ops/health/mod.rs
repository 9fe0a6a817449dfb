//! `pg_tviews_health_check`: the checks a DBA runs to know whether
//! pg_tviews is doing its job, each a row with what was found and what to
//! do about it.
//!
//! `status` is `ok`, `warning` or `error`; `severity` says what is at
//! stake: `info` (nothing to do), `low` (performance), `medium`
//! (configuration or history worth a look), `high` (TVIEWs are or may be
//! stale), `critical` (maintenance or DDL capture is broken).  Every check
//! reports an `ok` row when it finds nothing, so the output also says what
//! was checked.

mod async_lag;
mod catalog_state;
mod consistency;
mod ddl_capture;
mod execution_store;
mod indexes;
mod replication;
mod settings;
mod triggers;

use pgrx::prelude::*;

/// One row of the health check.
pub struct Finding {
    pub status: &'static str,
    pub component: String,
    pub message: String,
    pub severity: &'static str,
}

impl Finding {
    pub fn ok(component: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            status: "ok",
            component: component.into(),
            message: message.into(),
            severity: "info",
        }
    }

    pub fn warning(severity: &'static str, component: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            status: "warning",
            component: component.into(),
            message: message.into(),
            severity,
        }
    }

    pub fn error(severity: &'static str, component: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            status: "error",
            component: component.into(),
            message: message.into(),
            severity,
        }
    }
}

#[pg_extern]
fn pg_tviews_health_check() -> TableIterator<
    'static,
    (
        name!(status, String),
        name!(component, String),
        name!(message, String),
        name!(severity, String),
    ),
> {
    let mut findings = Vec::new();
    findings.extend(catalog_state::check());
    findings.extend(triggers::check());
    findings.extend(replication::check());
    findings.extend(ddl_capture::check());
    findings.extend(settings::check());
    findings.extend(execution_store::check());
    findings.extend(async_lag::check());
    findings.extend(consistency::check());
    findings.extend(indexes::check());
    findings.push(jsonb_delta());
    TableIterator::new(
        findings
            .into_iter()
            .map(|f| (f.status.to_string(), f.component, f.message, f.severity.to_string())),
    )
}

/// Information only: pg_tviews does not need jsonb_delta.
fn jsonb_delta() -> Finding {
    let installed = Spi::get_one::<bool>(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'jsonb_delta')",
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    let message = if installed {
        "jsonb_delta is installed; pg_tviews does not use it"
    } else {
        "jsonb_delta is not installed; pg_tviews does not need it"
    };
    Finding::ok("jsonb_delta", message)
}
