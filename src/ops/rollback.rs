//! Running something for real and then undoing it: EXPLAIN ANALYZE of a
//! write executes the write, so `pg_tviews_analyze_cascade` runs it in a
//! subtransaction that is always rolled back.  The caller's transaction
//! sees nothing of it (rows, locks taken inside are released, settings
//! made inside are restored).

use std::panic::AssertUnwindSafe;

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::PgTryBuilder;

/// Run `f` inside a subtransaction, then roll the subtransaction back.
/// What `f` returns must not point into memory of the subtransaction
/// (owned Rust values are fine).  Should `f` raise an ERROR, the
/// subtransaction is rolled back before the error goes on up: left open,
/// it would leave the session "in an aborted transaction block" even
/// outside any BEGIN.
pub fn rolled_back<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: the same sequence PL/pgSQL uses around an exception block:
    // starting and ending the subtransaction switch memory context and
    // resource owner, which we put back each time.
    let (context, owner) = unsafe {
        let saved = (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(saved.0);
        // Plain numbers: the error handlers must be unwind-safe.
        (saved.0 as usize, saved.1 as usize)
    };
    let end = move || unsafe {
        pg_sys::RollbackAndReleaseCurrentSubTransaction();
        pg_sys::MemoryContextSwitchTo(context as pg_sys::MemoryContext);
        pg_sys::CurrentResourceOwner = owner as pg_sys::ResourceOwner;
    };
    let on_error = move |e: CaughtError| -> R {
        end();
        e.rethrow()
    };
    let result = PgTryBuilder::new(AssertUnwindSafe(f))
        .catch_others(on_error)
        .catch_rust_panic(on_error)
        .execute();
    end();
    result
}
