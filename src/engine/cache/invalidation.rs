//! Which relations the maintenance cache depends on changed.
//!
//! The relcache callback only queues the relations it hears about (ANALYZE,
//! VACUUM and autovacuum send invalidations too, see `fingerprint`);
//! `changed` later compares their fingerprints with those taken when the
//! entries depending on them were built.  A fingerprint is taken BEFORE the
//! catalog is read for an entry (`take_missing`), so a change committed
//! while the entry is built shows as a changed fingerprint once its
//! invalidation arrives, at the latest when the next transaction starts.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use pgrx::pg_sys;
use pgrx::prelude::*;

use super::fingerprint;

thread_local! {
    /// The fingerprint of every relation a cached entry depends on.
    static KNOWN: RefCell<HashMap<pg_sys::Oid, Option<String>>> = RefCell::new(HashMap::new());
    /// Known relations invalidated since they were last checked.
    static PENDING: RefCell<HashSet<pg_sys::Oid>> = RefCell::new(HashSet::new());
    /// Every known relation is to be checked (a full reset).
    static PENDING_ALL: Cell<bool> = const { Cell::new(false) };
}

/// Have all of `relations` a fingerprint?
pub fn all_known(relations: &[pg_sys::Oid]) -> bool {
    KNOWN.with(|k| {
        let k = k.borrow();
        relations.iter().all(|r| k.contains_key(r))
    })
}

/// Take the fingerprints of those of `relations` that have none yet; one
/// already taken stays: it is older than the entries built since, and a
/// change since is pending.
pub fn take_missing(relations: &[pg_sys::Oid]) {
    let missing: Vec<pg_sys::Oid> = KNOWN.with(|k| {
        let k = k.borrow();
        relations.iter().copied().filter(|r| !k.contains_key(r)).collect()
    });
    let now = fingerprint::of(&missing);
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        for r in missing {
            k.entry(r).or_insert_with(|| now.get(&r).cloned().flatten());
        }
    });
}

/// Keep the fingerprints of `relations` only (the others have no entry
/// depending on them any more).
pub fn retain(relations: &HashSet<pg_sys::Oid>) {
    KNOWN.with(|k| k.borrow_mut().retain(|r, _| relations.contains(r)));
}

/// Forget the fingerprints of these relations.
pub fn forget(relations: &[pg_sys::Oid]) {
    KNOWN.with(|k| {
        let mut k = k.borrow_mut();
        for r in relations {
            k.remove(r);
        }
    });
}

pub fn clear() {
    KNOWN.with(|k| k.borrow_mut().clear());
    PENDING.with(|p| p.borrow_mut().clear());
    PENDING_ALL.with(|a| a.set(false));
}

pub fn any_pending() -> bool {
    PENDING_ALL.with(Cell::get) || PENDING.with(|p| !p.borrow().is_empty())
}

/// The pending relations whose fingerprint changed (or that are gone); they
/// and the unchanged ones are no longer pending.  Runs a catalog query when
/// something is pending.
pub fn changed() -> Vec<pg_sys::Oid> {
    let all = PENDING_ALL.with(|a| a.replace(false));
    let queued: Vec<pg_sys::Oid> = PENDING.with(|p| p.borrow_mut().drain().collect());
    let mut pending: Vec<pg_sys::Oid> = KNOWN.with(|k| {
        let k = k.borrow();
        if all {
            k.keys().copied().collect()
        } else {
            queued.into_iter().filter(|r| k.contains_key(r)).collect()
        }
    });
    if pending.is_empty() {
        return pending;
    }
    pending.sort_unstable_by_key(|r| r.to_u32());
    let now = fingerprint::of(&pending);
    KNOWN.with(|k| {
        let k = k.borrow();
        pending.retain(|r| k.get(r).cloned().flatten() != now.get(r).cloned().flatten());
    });
    pending
}

/// Check these again later (they changed, and their entries could not be
/// dropped yet).
pub fn requeue(relations: &[pg_sys::Oid]) {
    PENDING.with(|p| p.borrow_mut().extend(relations.iter().copied()));
}

#[pg_guard]
unsafe extern "C-unwind" fn on_relcache_invalidation(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    if relid == pg_sys::InvalidOid {
        PENDING_ALL.with(|a| a.set(true));
        return;
    }
    // A borrow in progress (the callback ran while the cache was being
    // updated): check everything rather than miss this one.
    let known = KNOWN.with(|k| k.try_borrow().map(|k| k.contains_key(&relid)).unwrap_or(true));
    if known {
        let queued = PENDING.with(|p| p.try_borrow_mut().map(|mut p| p.insert(relid)).is_ok());
        if !queued {
            PENDING_ALL.with(|a| a.set(true));
        }
    }
}

pub fn register_callback() {
    // SAFETY: registered once per backend from _PG_init.
    unsafe { pg_sys::CacheRegisterRelcacheCallback(Some(on_relcache_invalidation), pg_sys::Datum::from(0)) };
}
