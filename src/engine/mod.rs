//! Maintenance: one statement trigger per (source, event) computes the
//! keys the write may have changed, per TVIEW reading that source, and
//! applies them set-wise.  Writes to a TVIEW that other TVIEWs read fire
//! that TVIEW's own triggers, which is how a change cascades up a stack.

mod apply;
pub mod async_mode;
pub mod cache;
mod early_rebuild;
mod failures;
pub mod frames;
mod keyset;
pub(crate) mod lock_hash;
pub mod locks;
mod manual;
pub mod queue;
mod recorder;
pub mod row_capture;
mod transition;
mod trigger;

pub use apply::full_refresh_as_owner;
pub use manual::cascade_rows;

use std::cell::Cell;

thread_local! {
    /// How many maintenance writes are running in this backend; the guard
    /// trigger on `tv_*` tables lets writes through only when it is > 0.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Marks this backend as writing TVIEWs on behalf of pg_tviews until
/// dropped (also when an ERROR unwinds past it).
pub struct Maintaining(());

pub fn maintaining() -> Maintaining {
    DEPTH.with(|d| d.set(d.get() + 1));
    Maintaining(())
}

impl Drop for Maintaining {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

pub fn is_maintaining() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

thread_local! {
    /// pg_tviews' own triggers do nothing while set (see `quiet`).
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// pg_tviews' triggers (the guard, maintenance) do nothing until dropped
/// (also when an ERROR unwinds past it): for a write run only to be
/// explained and rolled back, whose cascade must not be queued.  Unlike
/// `session_replication_role = replica`, a superuser-only setting, any
/// caller may use it, and other triggers are left alone.
pub struct Quiet(bool);

pub fn quiet() -> Quiet {
    Quiet(QUIET.with(|q| q.replace(true)))
}

impl Drop for Quiet {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(self.0));
    }
}

pub fn is_quiet() -> bool {
    QUIET.with(|q| q.get())
}
