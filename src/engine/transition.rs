//! What a few changed rows tell without a statement.
//!
//! A write of a handful of rows costs little to maintain, but every
//! statement run for it costs its executor start-up, which dominates then:
//! the key query of a TVIEW whose key is a column of the written rows, the
//! edge locks on the written rows' own columns, and the check that an
//! UPDATE changed what a TVIEW reads all read only those rows.  For up to
//! `FEW_ROWS` rows they are read here, off the transition tables; bigger
//! writes run the set-wise statements.

use pgrx::pg_sys;

use pg_tviews_planner::statements::Delta;

use super::lock_hash::{self, Hasher};

/// Up to this many rows per transition table are read here.
const FEW_ROWS: i64 = 16;

/// The transition tables of one write to a source, rows of `desc`.
#[derive(Clone, Copy)]
pub struct Transition {
    old: *mut pg_sys::Tuplestorestate,
    new: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
}

/// One column's values in the changed rows.
pub struct Values {
    /// Distinct by binary image, in the current memory context.
    pub datums: Vec<pg_sys::Datum>,
    /// A changed row had NULL there.
    pub null: bool,
    typid: pg_sys::Oid,
    collation: pg_sys::Oid,
    by_val: bool,
    len: i16,
}

impl Transition {
    /// The write's transition tables, when it changed few enough rows to
    /// be read here.
    ///
    /// # Safety
    /// The stores (each may be null) hold rows of `desc` and stay alive,
    /// unread by anyone else, while the result is used.
    pub unsafe fn few(
        old: *mut pg_sys::Tuplestorestate,
        new: *mut pg_sys::Tuplestorestate,
        desc: pg_sys::TupleDesc,
    ) -> Option<Transition> {
        let rows = |s: *mut pg_sys::Tuplestorestate| if s.is_null() { 0 } else { pg_sys::tuplestore_tuple_count(s) };
        (!desc.is_null() && rows(old) <= FEW_ROWS && rows(new) <= FEW_ROWS).then_some(Transition { old, new, desc })
    }

    fn stores(&self, delta: Delta) -> Vec<*mut pg_sys::Tuplestorestate> {
        let (old, new) = match delta {
            Delta::New => (None, Some(self.new)),
            Delta::Old => (Some(self.old), None),
            Delta::OldAndNew => (Some(self.old), Some(self.new)),
        };
        [old, new].into_iter().flatten().filter(|s| !s.is_null()).collect()
    }

    /// The attribute number of a live column named `name`.
    pub fn attnum(&self, name: &str) -> Option<i32> {
        // SAFETY: `desc` is a valid descriptor (see `few`).
        let desc = unsafe { pgrx::PgTupleDesc::from_pg_unchecked(self.desc) };
        (0..desc.len()).find_map(|i| {
            let attr = desc.get(i)?;
            // SAFETY: attname is a NUL-terminated NameData.
            let attname = unsafe { std::ffi::CStr::from_ptr(attr.attname.data.as_ptr()) };
            (!attr.attisdropped && attname.to_bytes() == name.as_bytes()).then_some(i as i32 + 1)
        })
    }

    /// Did an UPDATE leave the columns `attnums` as they were?  Old and new
    /// rows are compared pairwise in the order they were stored (a row's
    /// old and new versions side by side), by binary image.  Unchanged
    /// pairs mean an unchanged multiset of those columns' values, which is
    /// all a view reading only them can see; a pairing that does not hold
    /// can only say "changed", which is never wrong.
    pub fn unchanged(&self, attnums: &[i32]) -> bool {
        if self.old.is_null() || self.new.is_null() {
            return false;
        }
        // SAFETY: stores of rows of `desc` (see `few`), read through our
        // own slots; the stores' read pointer 0 is ours (statements
        // reading them allocate and rewind their own).
        unsafe {
            if pg_sys::tuplestore_tuple_count(self.old) != pg_sys::tuplestore_tuple_count(self.new) {
                return false;
            }
            let attrs = pgrx::PgTupleDesc::from_pg_unchecked(self.desc);
            let old_slot = Slot::new(self.desc);
            let new_slot = Slot::new(self.desc);
            rewind(self.old);
            rewind(self.new);
            while pg_sys::tuplestore_gettupleslot(self.old, true, false, old_slot.0) {
                if !pg_sys::tuplestore_gettupleslot(self.new, true, false, new_slot.0) {
                    return false;
                }
                for &attnum in attnums {
                    let Some(attr) = attrs.get(attnum as usize - 1) else { return false };
                    let (mut old_null, mut new_null) = (false, false);
                    let a = pg_sys::slot_getattr(old_slot.0, attnum, &mut old_null);
                    let b = pg_sys::slot_getattr(new_slot.0, attnum, &mut new_null);
                    let same = match (old_null, new_null) {
                        (true, true) => true,
                        (false, false) => same_image(a, b, attr.attbyval, attr.attlen),
                        _ => false,
                    };
                    if !same {
                        return false;
                    }
                }
            }
            true
        }
    }

    /// The values of column `attnum` in the rows of `delta`, copied into
    /// the current memory context.
    pub fn values(&self, delta: Delta, attnum: i32) -> Option<Values> {
        // SAFETY: as in `unchanged`.
        unsafe {
            let attrs = pgrx::PgTupleDesc::from_pg_unchecked(self.desc);
            let attr = attrs.get(attnum as usize - 1)?;
            let mut out = Values {
                datums: Vec::new(),
                null: false,
                typid: attr.atttypid,
                collation: attr.attcollation,
                by_val: attr.attbyval,
                len: attr.attlen,
            };
            let slot = Slot::new(self.desc);
            for store in self.stores(delta) {
                rewind(store);
                while pg_sys::tuplestore_gettupleslot(store, true, false, slot.0) {
                    let mut null = false;
                    let value = pg_sys::slot_getattr(slot.0, attnum, &mut null);
                    if null {
                        out.null = true;
                    } else if !out.datums.iter().any(|d| same_image(*d, value, out.by_val, out.len)) {
                        out.datums.push(copied(value, out.by_val, out.len));
                    }
                }
            }
            Some(out)
        }
    }
}

impl Values {
    /// The column's type.
    pub fn typid(&self) -> pg_sys::Oid {
        self.typid
    }

    /// How lock ids are computed from these values; None when not here.
    pub fn hasher(&self) -> Option<Hasher> {
        lock_hash::hasher(self.typid, self.collation)
    }

    /// The lock ids of the values with `seed`, sorted and distinct.
    pub fn lock_ids(&self, hasher: Hasher, seed: i64) -> Vec<i64> {
        // SAFETY: the datums are values of the column's type.
        let mut ids: Vec<i64> = self.datums.iter().map(|d| unsafe { hasher.id(*d, seed) }).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The values as an array of the column's type (None when there are
    /// none), allocated in the current memory context.
    pub fn array(&self) -> Option<pg_sys::Datum> {
        if self.datums.is_empty() {
            return None;
        }
        // SAFETY: the datums are values of `typid`; construct_array copies them.
        unsafe {
            let (mut len, mut by_val, mut align) = (0i16, false, 0 as std::ffi::c_char);
            pg_sys::get_typlenbyvalalign(self.typid, &mut len, &mut by_val, &mut align);
            let mut datums = self.datums.clone();
            let array = pg_sys::construct_array(
                datums.as_mut_ptr(),
                datums.len() as i32,
                self.typid,
                len.into(),
                by_val,
                align,
            );
            Some(pg_sys::Datum::from(array))
        }
    }
}

/// A slot for reading a store, dropped with it.
struct Slot(*mut pg_sys::TupleTableSlot);

impl Slot {
    unsafe fn new(desc: pg_sys::TupleDesc) -> Slot {
        Slot(pg_sys::MakeSingleTupleTableSlot(desc, &pg_sys::TTSOpsMinimalTuple))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // SAFETY: made by `Slot::new`, dropped once.
        unsafe { pg_sys::ExecDropSingleTupleTableSlot(self.0) }
    }
}

unsafe fn rewind(store: *mut pg_sys::Tuplestorestate) {
    pg_sys::tuplestore_select_read_pointer(store, 0);
    pg_sys::tuplestore_rescan(store);
}

unsafe extern "C-unwind" {
    /// utils/datum.h; not in pgrx's bindings.  Both may raise ERROR (a
    /// value that cannot be detoasted, out of memory): called through
    /// `guarded` so that it unwinds as a Rust panic would.
    fn datum_image_eq(value1: pg_sys::Datum, value2: pg_sys::Datum, by_val: bool, len: std::ffi::c_int) -> bool;
    fn datumCopy(value: pg_sys::Datum, by_val: bool, len: std::ffi::c_int) -> pg_sys::Datum;
}

/// `datum_image_eq`, past the FFI boundary safely.
unsafe fn same_image(a: pg_sys::Datum, b: pg_sys::Datum, by_val: bool, len: i16) -> bool {
    pg_sys::ffi::pg_guard_ffi_boundary(|| datum_image_eq(a, b, by_val, len.into()))
}

/// `datumCopy` into the current memory context, past the FFI boundary safely.
unsafe fn copied(value: pg_sys::Datum, by_val: bool, len: i16) -> pg_sys::Datum {
    pg_sys::ffi::pg_guard_ffi_boundary(|| datumCopy(value, by_val, len.into()))
}
