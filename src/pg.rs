//! Thin wrappers over the server internals pg_tviews uses: scoped settings,
//! running as another role, kept SPI plans, deparsing.  Everything unsafe
//! that is not specific to one feature lives here.

use std::ffi::{c_char, CStr, CString};

use pgrx::pg_sys;
use pgrx::PgSqlErrorCode;

use crate::error::raise;

pub fn cstring(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "a name or query contains a zero byte",
        )
    })
}

/// The texts of the String nodes of a parse-tree list (a qualified name, a
/// list of schema names); other nodes are skipped.
///
/// # Safety
/// `list` is null or a valid List of nodes.
pub unsafe fn string_nodes(list: *mut pg_sys::List) -> Vec<String> {
    pgrx::PgList::<pg_sys::Node>::from_pg(list)
        .iter_ptr()
        .filter(|n| !n.is_null() && (**n).type_ == pg_sys::NodeTag::T_String)
        .map(|n| CStr::from_ptr((*n.cast::<pg_sys::String>()).sval).to_string_lossy().into_owned())
        .collect()
}

/// Settings changed for the lifetime of this value, restored on drop and,
/// should an ERROR unwind past us, by transaction or subtransaction abort.
pub struct SettingsScope {
    /// None when nothing was set: no level to close (closing one walks
    /// every setting the server has).
    nest_level: Option<i32>,
}

impl SettingsScope {
    pub fn new(settings: &[(&str, &str)]) -> Self {
        if settings.is_empty() {
            return SettingsScope { nest_level: None };
        }
        // SAFETY: plain calls into the GUC machinery with valid C strings.
        unsafe {
            let nest_level = pg_sys::NewGUCNestLevel();
            for (name, value) in settings {
                let name = cstring(name);
                let value = cstring(value);
                pg_sys::set_config_option(
                    name.as_ptr(),
                    value.as_ptr(),
                    pg_sys::GucContext::PGC_USERSET,
                    pg_sys::GucSource::PGC_S_SESSION,
                    pg_sys::GucAction::GUC_ACTION_SAVE,
                    true,
                    pgrx::PgLogLevel::ERROR as i32,
                    false,
                );
            }
            SettingsScope { nest_level: Some(nest_level) }
        }
    }
}

impl Drop for SettingsScope {
    fn drop(&mut self) {
        if let (Some(level), false) = (self.nest_level, std::thread::panicking()) {
            // SAFETY: restores exactly the level we opened.
            unsafe { pg_sys::AtEOXact_GUC(true, level) }
        }
    }
}

/// Settings maintenance runs with: a search_path nothing a user creates can
/// shadow; no JIT, whose compile time (hundreds of milliseconds when
/// estimates are off) dwarfs key-driven statements over a few rows; and
/// GIN index scans that return every match (a writer's
/// `gin_fuzzy_search_limit` would make a rebuild through such an index
/// keep only a sample of the rows).
pub const MAINTENANCE_SETTINGS: &[(&str, &str)] =
    &[("search_path", "pg_catalog, pg_temp"), ("jit", "off"), ("gin_fuzzy_search_limit", "0")];

/// Run as `role` (a TVIEW's owner) for the lifetime of this value.
///
/// Besides the bits SECURITY DEFINER functions use, the switch carries
/// SECURITY_NOFORCE_RLS, as PostgreSQL's foreign-key checks do: the owner
/// is not subject to the row-level security policies of its own tables
/// even under FORCE ROW LEVEL SECURITY, so maintenance writes (and verify
/// compares) every row of `tv_E` whatever policies restrict its readers,
/// and a policy on `tv_E` written for readers cannot make maintenance skip
/// or refuse rows.  Policies of other roles' tables still apply to the
/// owner, as to any role.
pub struct AsRole {
    saved_user: pg_sys::Oid,
    saved_context: i32,
}

impl AsRole {
    pub fn new(role: pg_sys::Oid) -> Self {
        let mut saved_user = pg_sys::InvalidOid;
        let mut saved_context = 0;
        // SAFETY: out-parameters are valid; the context bits are the ones
        // SECURITY DEFINER functions use.
        unsafe {
            pg_sys::GetUserIdAndSecContext(&mut saved_user, &mut saved_context);
            pg_sys::SetUserIdAndSecContext(
                role,
                saved_context
                    | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32
                    | pg_sys::SECURITY_RESTRICTED_OPERATION as i32
                    | pg_sys::SECURITY_NOFORCE_RLS as i32,
            );
        }
        AsRole {
            saved_user,
            saved_context,
        }
    }
}

impl Drop for AsRole {
    fn drop(&mut self) {
        // SAFETY: restores what `new` saved (abort restores it otherwise).
        unsafe { pg_sys::SetUserIdAndSecContext(self.saved_user, self.saved_context) }
    }
}

extern "C-unwind" {
    fn pg_get_querydef(query: *mut pg_sys::Query, pretty: bool) -> *mut c_char;
}

/// SQL text of an analysed query, every relation schema-qualified.
///
/// The deparser scribbles on the tree it is given (it takes locks and fixes
/// up join aliases, allocating in our short-lived context), so it gets a
/// copy: the caller's tree is still used by PostgreSQL afterwards.
///
/// # Safety
/// `query` must point to a valid analysed `Query`.
pub unsafe fn deparse_qualified(query: *mut pg_sys::Query) -> String {
    let _path = SettingsScope::new(crate::definition_settings::DEPARSE);
    let query = pg_sys::copyObjectImpl(query as *const std::ffi::c_void) as *mut pg_sys::Query;
    // SAFETY (errors): an ERROR inside longjmps to the guard of our
    // #[pg_guard] caller; no Rust value here needs dropping on that path
    // except `_path`, which abort restores anyway.
    let text = pg_sys::ffi::pg_guard_ffi_boundary(|| pg_get_querydef(query, false));
    CStr::from_ptr(text).to_string_lossy().into_owned()
}

thread_local! {
    /// How many of pg_tviews' own statements are running (see `own_ddl`).
    static OWN_DDL: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Marks the statements run until dropped as pg_tviews' own, which the
/// DDL guard lets through (also when an ERROR unwinds past it).
pub struct OwnDdl(());

pub fn own_ddl() -> OwnDdl {
    OWN_DDL.with(|d| d.set(d.get() + 1));
    OwnDdl(())
}

impl Drop for OwnDdl {
    fn drop(&mut self) {
        OWN_DDL.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Is a statement of pg_tviews' own running (its DDL on TVIEWs and their
/// triggers)?
pub fn running_own_ddl() -> bool {
    OWN_DDL.with(|d| d.get() > 0)
}

/// Run one of pg_tviews' own statements through SPI; any failure is an
/// ERROR naming it.
pub fn run(sql: &str) {
    let _own = own_ddl();
    if let Err(e) = pgrx::Spi::run(sql) {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}: {sql}"));
    }
}

/// `rel` as SQL text (quoted, schema-qualified where needed); None when it
/// no longer exists.
pub fn relation_text(rel: pg_sys::Oid) -> Option<String> {
    pgrx::Spi::get_one_with_args::<String>(
        "SELECT oid::regclass::text FROM pg_catalog.pg_class WHERE oid = $1",
        &[rel.into()],
    )
    .ok()
    .flatten()
}

/// The columns of `rel`'s primary key, in key order (empty when it has none).
pub fn primary_key_columns(rel: pg_sys::Oid) -> Vec<String> {
    pgrx::Spi::connect(|client| {
        let rows = client.select(
            "SELECT a.attname::text FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
             WHERE i.indrelid = $1 AND i.indisprimary \
             ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum)",
            None,
            &[rel.into()],
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(row.get::<String>(1)?);
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("{e}")))
}

/// Is `sql` exactly one plain SELECT (no trailing second statement)?
pub fn is_single_select(sql: &str) -> bool {
    let text = cstring(sql);
    // SAFETY: raw_parser returns a List of RawStmt or raises a syntax ERROR.
    unsafe {
        let list = pg_sys::raw_parser(text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
        if list.is_null() || (*list).length != 1 {
            return false;
        }
        let raw = (*(*list).elements).ptr_value as *mut pg_sys::RawStmt;
        !raw.is_null() && (*(*raw).stmt).type_ == pg_sys::NodeTag::T_SelectStmt
    }
}

/// A statement prepared once and kept for the life of the backend (or
/// until the cache that owns it is cleared).  Must be used inside an SPI
/// connection.
pub struct KeptPlan(pg_sys::SPIPlanPtr);

impl KeptPlan {
    /// Prepare for a generic plan: the statements are keyed by an array of
    /// keys whose values do not change the best plan (index lookups by key),
    /// and a custom plan per execution would re-plan every write.
    pub fn prepare(sql: &str, arg_types: &[pg_sys::Oid]) -> KeptPlan {
        let text = cstring(sql);
        // SAFETY: valid C string and argument type array of the given length.
        unsafe {
            let plan = pg_sys::SPI_prepare_cursor(
                text.as_ptr(),
                arg_types.len() as i32,
                arg_types.as_ptr() as *mut pg_sys::Oid,
                pg_sys::CURSOR_OPT_GENERIC_PLAN as i32,
            );
            if plan.is_null() {
                raise(
                    PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                    format!("could not prepare maintenance statement: {sql}"),
                );
            }
            pg_sys::SPI_keepplan(plan);
            KeptPlan(plan)
        }
    }

    /// Execute with the given arguments; returns rows processed.  The
    /// result rows stay readable through `first_row_datum` until the next
    /// execution.
    ///
    /// A statement that may write reads with a new snapshot, whatever the
    /// isolation level (READ COMMITTED takes one per statement anyway):
    /// maintenance must see what the writers it waited for committed.
    /// Under REPEATABLE READ and SERIALIZABLE the transaction's snapshot is
    /// the cross-check, as for foreign keys: changing a row that snapshot
    /// cannot see raises a serialization failure (40001) instead of
    /// silently writing over a concurrent writer.
    pub fn execute(&self, args: &[pg_sys::Datum], read_only: bool) -> u64 {
        // SAFETY: reads the transaction's isolation level.
        if !read_only && unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
            // SAFETY: SPI copies the snapshots it is given.
            return unsafe {
                self.execute_with(args, pg_sys::GetLatestSnapshot(), pg_sys::GetTransactionSnapshot())
            };
        }
        // SAFETY: the plan was prepared with exactly args.len() arguments,
        // none of them NULL (null flags pointer NULL means "no nulls").
        let rc = unsafe {
            pg_sys::SPI_execute_plan(self.0, args.as_ptr() as *mut pg_sys::Datum, std::ptr::null(), read_only, 0)
        };
        spi_processed(rc)
    }

    /// Execute reading with `snapshot`, and `crosscheck` (or null) as the
    /// snapshot a row being changed must also be visible to.
    ///
    /// # Safety
    /// Both snapshots must be valid (or `crosscheck` null).
    unsafe fn execute_with(
        &self,
        args: &[pg_sys::Datum],
        snapshot: pg_sys::Snapshot,
        crosscheck: pg_sys::Snapshot,
    ) -> u64 {
        // SAFETY: as in `execute`.
        let rc = pg_sys::SPI_execute_snapshot(
            self.0,
            args.as_ptr() as *mut pg_sys::Datum,
            std::ptr::null(),
            snapshot,
            crosscheck,
            false,
            true,
            0,
        );
        spi_processed(rc)
    }
}

/// Which snapshot a statement reads with.
#[derive(Clone, Copy)]
pub enum Snapshot {
    /// The transaction's (REPEATABLE READ and SERIALIZABLE).
    Transaction,
    /// One taken now: everything committed so far.
    Latest,
}

impl KeptPlan {
    /// Execute with a chosen snapshot (and the command counter advanced, so
    /// this transaction's own writes are seen); results as for `execute`.
    pub fn execute_in(&self, args: &[pg_sys::Datum], snapshot: Snapshot) -> u64 {
        // SAFETY: the snapshot functions return valid snapshots; SPI copies them.
        unsafe {
            let snapshot = match snapshot {
                Snapshot::Transaction => pg_sys::GetTransactionSnapshot(),
                Snapshot::Latest => pg_sys::GetLatestSnapshot(),
            };
            self.execute_with(args, snapshot, std::ptr::null_mut())
        }
    }

    /// Execute a read-only statement seeing exactly `snapshot` (command id
    /// included: no command counter advance); results as for `execute`.
    ///
    /// # Safety
    /// `snapshot` must be valid for the duration of the call.
    pub unsafe fn execute_as_of(&self, args: &[pg_sys::Datum], snapshot: pg_sys::Snapshot) -> u64 {
        // SAFETY: as in `execute`; read_only keeps SPI from advancing the
        // snapshot's command id.
        let rc = pg_sys::SPI_execute_snapshot(
            self.0,
            args.as_ptr() as *mut pg_sys::Datum,
            std::ptr::null(),
            snapshot,
            std::ptr::null_mut(),
            true,
            false,
            0,
        );
        spi_processed(rc)
    }

    /// Bytes held by the plan's cached query trees and generic plan.
    pub fn memory_bytes(&self) -> i64 {
        // SAFETY: walks the plan's own list of CachedPlanSources; their
        // contexts live as long as the kept plan.
        unsafe {
            let list = pg_sys::SPI_plan_get_plan_sources(self.0);
            if list.is_null() {
                return 0;
            }
            let mut bytes = 0;
            for i in 0..(*list).length as usize {
                let source = (*(*list).elements.add(i)).ptr_value as *mut pg_sys::CachedPlanSource;
                if source.is_null() {
                    continue;
                }
                bytes += pg_sys::MemoryContextMemAllocated((*source).context, true);
                if !(*source).gplan.is_null() {
                    bytes += pg_sys::MemoryContextMemAllocated((*(*source).gplan).context, true);
                }
            }
            bytes as i64
        }
    }
}

impl Drop for KeptPlan {
    fn drop(&mut self) {
        // SAFETY: we own the plan; SPI_freeplan needs no connection.
        unsafe {
            pg_sys::SPI_freeplan(self.0);
        }
    }
}

/// Rows processed by the SPI call that returned `rc`; a failure is an ERROR.
fn spi_processed(rc: i32) -> u64 {
    if rc < 0 {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("maintenance statement failed with SPI code {rc}"),
        );
    }
    // SAFETY: set by the SPI call just made.
    unsafe { pg_sys::SPI_processed }
}

/// Column `column` (1-based) of the first row of the last SPI result.
pub fn first_row_datum(column: i32) -> Option<pg_sys::Datum> {
    // SAFETY: SPI_tuptable is the result of the last SPI execution in this
    // connection; we check it has a row.
    unsafe {
        let table = pg_sys::SPI_tuptable;
        if table.is_null() || pg_sys::SPI_processed == 0 {
            return None;
        }
        let mut is_null = false;
        let datum = pg_sys::SPI_getbinval(*(*table).vals, (*table).tupdesc, column, &mut is_null);
        (!is_null).then_some(datum)
    }
}

/// The transaction snapshot made active for the lifetime of this value:
/// SPI needs one outside a statement (at PRE_COMMIT).
pub struct ActiveSnapshot(());

impl ActiveSnapshot {
    pub fn push() -> ActiveSnapshot {
        // SAFETY: balanced by PopActiveSnapshot in drop (abort cleans up on ERROR).
        unsafe { pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot()) };
        ActiveSnapshot(())
    }
}

impl Drop for ActiveSnapshot {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: pops what `push` pushed.
            unsafe { pg_sys::PopActiveSnapshot() };
        }
    }
}

/// Open an SPI connection for the lifetime of this value.
pub struct SpiConnection;

impl SpiConnection {
    pub fn open() -> SpiConnection {
        // SAFETY: balanced by SPI_finish in drop (abort cleans up on ERROR).
        let rc = unsafe { pg_sys::SPI_connect() };
        if rc != pg_sys::SPI_OK_CONNECT as i32 {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, "SPI_connect failed");
        }
        SpiConnection
    }

    /// Make the trigger's transition tables visible to our statements.
    ///
    /// # Safety
    /// `data` must be the TriggerData of the running trigger.
    pub unsafe fn register_trigger_data(&self, data: *const pg_sys::TriggerData) {
        pg_sys::SPI_register_trigger_data(data as *mut pg_sys::TriggerData);
    }

    /// Make `store`, rows of `relation`, visible to our statements as the
    /// relation `name`, as a statement trigger's transition table is;
    /// nothing when `store` is null.
    ///
    /// # Safety
    /// `store` is alive until `unregister_tuplestore` and holds rows of
    /// `relation`'s current row type.
    pub unsafe fn register_tuplestore(&self, name: &str, relation: pg_sys::Oid, store: *mut pg_sys::Tuplestorestate) {
        if store.is_null() {
            return;
        }
        let name = cstring(name);
        let enr = pg_sys::palloc0(std::mem::size_of::<pg_sys::EphemeralNamedRelationData>())
            as *mut pg_sys::EphemeralNamedRelationData;
        (*enr).md.name = pg_sys::pstrdup(name.as_ptr());
        (*enr).md.reliddesc = relation;
        (*enr).md.tupdesc = std::ptr::null_mut();
        (*enr).md.enrtype = pg_sys::EphemeralNameRelationType::ENR_NAMED_TUPLESTORE;
        (*enr).md.enrtuples = pg_sys::tuplestore_tuple_count(store) as f64;
        (*enr).reldata = store as *mut std::ffi::c_void;
        let rc = pg_sys::SPI_register_relation(enr);
        if rc != pg_sys::SPI_OK_REL_REGISTER as i32 {
            raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("SPI_register_relation failed with code {rc}"));
        }
    }

    /// Undo `register_tuplestore` (same `store`, null or not).
    pub fn unregister_tuplestore(&self, name: &str, store: *mut pg_sys::Tuplestorestate) {
        if store.is_null() {
            return;
        }
        let name = cstring(name);
        // SAFETY: a valid C string; an unknown name is only an error code.
        unsafe { pg_sys::SPI_unregister_relation(name.as_ptr()) };
    }
}

impl Drop for SpiConnection {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: we opened it.
            unsafe {
                pg_sys::SPI_finish();
            }
        }
    }
}

/// Does this transaction event end the transaction (commit, abort, or
/// prepare: a prepared transaction's work is out of the session's hands)?
pub fn ends_transaction(event: pg_sys::XactEvent::Type) -> bool {
    matches!(
        event,
        pg_sys::XactEvent::XACT_EVENT_COMMIT
            | pg_sys::XactEvent::XACT_EVENT_ABORT
            | pg_sys::XactEvent::XACT_EVENT_PREPARE
            | pg_sys::XactEvent::XACT_EVENT_PARALLEL_COMMIT
            | pg_sys::XactEvent::XACT_EVENT_PARALLEL_ABORT
    )
}
