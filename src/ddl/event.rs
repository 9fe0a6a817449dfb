//! The event triggers for CREATE TABLE AS / SELECT INTO.
//!
//! pgrx has no event-trigger support, so this is a plain V1 C function,
//! attached to both `ddl_command_start` and `ddl_command_end`.  At start
//! the analysed query is still as the parser left it, so that is when we
//! deparse it (by `ddl_command_end` the planner has scribbled on it); at
//! end the table exists and `create::adopt` does the rest.

use std::cell::RefCell;
use std::ffi::CStr;

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::create;

thread_local! {
    /// Deparsed query of the CREATE TABLE AS in progress, by table name;
    /// no query when IF NOT EXISTS found the table already there (the
    /// statement then creates nothing, and nothing is adopted).
    static PENDING: RefCell<Option<(String, Option<String>)>> = const { RefCell::new(None) };
}

/// The EventTriggerData of an event trigger call; an ERROR naming
/// `function` when it was called some other way.
///
/// # Safety
/// `fcinfo` is the call's own FunctionCallInfo.
pub unsafe fn trigger_data(fcinfo: pg_sys::FunctionCallInfo, function: &str) -> *mut pg_sys::EventTriggerData {
    let context = (*fcinfo).context;
    if context.is_null() || (*context).type_ != pg_sys::NodeTag::T_EventTriggerData {
        pgrx::error!("{function}() must be called as an event trigger");
    }
    context as *mut pg_sys::EventTriggerData
}

#[no_mangle]
pub extern "C" fn pg_finfo_pg_tviews_on_create_table_as() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// # Safety
/// Called by the executor as an event trigger function.
#[no_mangle]
#[pg_guard]
pub unsafe extern "C-unwind" fn pg_tviews_on_create_table_as(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    let data = trigger_data(fcinfo, "pg_tviews_on_create_table_as");
    let tree = (*data).parsetree;
    if tree.is_null() || (*tree).type_ != pg_sys::NodeTag::T_CreateTableAsStmt {
        return pg_sys::Datum::from(0);
    }
    let stmt = tree as *mut pg_sys::CreateTableAsStmt;
    let into = (*stmt).into;
    if into.is_null() || (*into).rel.is_null() || (*stmt).objtype != pg_sys::ObjectType::OBJECT_TABLE {
        return pg_sys::Datum::from(0);
    }
    let relname = CStr::from_ptr((*(*into).rel).relname).to_string_lossy().into_owned();
    if !relname.starts_with("tv_") {
        return pg_sys::Datum::from(0);
    }
    let event = CStr::from_ptr((*data).event).to_bytes();
    if event == b"ddl_command_start" && (*stmt).if_not_exists && exists((*into).rel) {
        PENDING.with(|p| *p.borrow_mut() = Some((relname, None)));
        return pg_sys::Datum::from(0);
    }
    let query = (*stmt).query;
    if query.is_null()
        || (*query).type_ != pg_sys::NodeTag::T_Query
        || (*(query as *mut pg_sys::Query)).commandType != pg_sys::CmdType::CMD_SELECT
    {
        crate::error::raise(
            pgrx::PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot create TVIEW {relname} from CREATE TABLE AS EXECUTE"),
        );
    }
    if pg_sys::isQueryUsingTempRelation(query as *mut pg_sys::Query) {
        crate::error::raise_with(
            pgrx::PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot create TVIEW {relname}: it reads a temporary table"),
            Some(crate::ddl::refuse::hint_for("a temporary table").into()),
            None,
        );
    }
    if !(*into).colNames.is_null() {
        crate::error::raise_with(
            pgrx::PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("cannot create TVIEW {relname} with a column name list"),
            None,
            Some("Name the columns with AS in the SELECT list.".into()),
        );
    }
    if event == b"ddl_command_start" {
        let view_sql = crate::pg::deparse_qualified(query as *mut pg_sys::Query);
        PENDING.with(|p| *p.borrow_mut() = Some((relname, Some(view_sql))));
        return pg_sys::Datum::from(0);
    }
    let Some(pending) = PENDING.with(|p| p.borrow_mut().take())
        .and_then(|(name, sql)| (name == relname).then_some(sql))
    else {
        crate::error::raise(
            pgrx::PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_tviews missed the start of CREATE TABLE {relname}"),
        );
    };
    let Some(view_sql) = pending else {
        return pg_sys::Datum::from(0); // IF NOT EXISTS: PostgreSQL said it skipped
    };
    let table = pg_sys::RangeVarGetRelidExtended(
        (*into).rel,
        pg_sys::NoLock as pg_sys::LOCKMODE,
        0,
        None,
        std::ptr::null_mut(),
    );
    create::adopt(table, &view_sql, (*into).skipData);
    pg_sys::Datum::from(0)
}

/// Does the relation `rel` names exist already?
///
/// # Safety
/// `rel` is the RangeVar of the running statement.
unsafe fn exists(rel: *mut pg_sys::RangeVar) -> bool {
    let found = pg_sys::RangeVarGetRelidExtended(
        rel,
        pg_sys::NoLock as pg_sys::LOCKMODE,
        pg_sys::RVROption::RVR_MISSING_OK,
        None,
        std::ptr::null_mut(),
    );
    found != pg_sys::InvalidOid
}
