//! Raising ERRORs with a SQLSTATE, a detail and a hint.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

use pg_tviews_planner::{ErrorKind, PlanError};

pub fn raise(code: PgSqlErrorCode, message: impl Into<String>) -> ! {
    raise_with(code, message, None, None)
}

pub fn raise_with(
    code: PgSqlErrorCode,
    message: impl Into<String>,
    detail: Option<String>,
    hint: Option<String>,
) -> ! {
    let mut report = ErrorReport::new(code, message.into(), "pg_tviews");
    if let Some(d) = detail {
        report = report.set_detail(d);
    }
    if let Some(h) = hint {
        report = report.set_hint(h);
    }
    report.report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// A planner refusal as an ERROR naming the entity; `analysed` is the
/// view text the planner saw.
pub fn raise_plan(entity: &str, analysed: &str, e: PlanError) -> ! {
    let code = match e.kind {
        ErrorKind::Syntax => PgSqlErrorCode::ERRCODE_SYNTAX_ERROR,
        ErrorKind::Unsupported => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        ErrorKind::KeyColumn => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        ErrorKind::NonDeterministic => PgSqlErrorCode::ERRCODE_INVALID_OBJECT_DEFINITION,
        ErrorKind::TooComplex => PgSqlErrorCode::ERRCODE_STATEMENT_TOO_COMPLEX,
    };
    // A text too complex to analyse is too long to repeat.
    let detail = (e.kind != ErrorKind::TooComplex).then(|| format!("The query as analysed: {}", analysed.trim()));
    raise_with(code, format!("cannot create TVIEW {entity}: {}", e.message), detail, e.hint)
}
