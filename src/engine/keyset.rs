//! The keys queued for one TVIEW over a transaction, in
//! TopTransactionContext.
//!
//! A deferred transaction of n statements hands the queue n key arrays.
//! Merging each into the keys so far (distinct, by SQL) would cost O(n) per
//! statement, O(n²) over the transaction.  Instead the arrays are kept as
//! received and compacted into one array of distinct keys only once they
//! hold more than twice as many keys as the last compaction left: the work
//! is amortised O(log n) per key, and memory stays proportional to the
//! distinct keys.

use pgrx::pg_sys;
use pgrx::{FromDatum, PgMemoryContexts};

use crate::catalog::Tview;
use crate::pg::first_row_datum;

use super::cache;

/// Keys the arrays may hold beyond twice the distinct keys before they are
/// compacted.
const SLACK: i64 = 1024;

pub struct KeySet {
    /// Key arrays (varlena datums) in TopTransactionContext.
    arrays: Vec<pg_sys::Datum>,
    /// Keys in `arrays`, repeats included.
    len: i64,
    /// Keys the last compaction left.
    distinct: i64,
}

impl KeySet {
    /// A set holding a copy of `keys` (`count` keys, distinct).
    pub fn new(keys: pg_sys::Datum, count: i64) -> KeySet {
        KeySet { arrays: vec![keep(keys)], len: count, distinct: count }
    }

    /// Keys held, repeats included.
    pub fn len(&self) -> i64 {
        self.len
    }

    /// Add a copy of `keys` (`count` keys); compact when due.  Inside an
    /// SPI connection.
    pub fn add(&mut self, tview: &Tview, keys: pg_sys::Datum, count: i64) {
        // The same rows written again (a loop updating one row): nothing new.
        // SAFETY: both are detoasted key arrays (`keep` copies detoast).
        if self.arrays.last().is_some_and(|last| unsafe { same_bytes(*last, keys) }) {
            return;
        }
        self.arrays.push(keep(keys));
        self.len += count;
        self.compact_when_due(tview);
    }

    /// Take in another set's keys.
    pub fn absorb(&mut self, tview: &Tview, other: KeySet) {
        self.arrays.extend(other.arrays);
        self.len += other.len;
        self.compact_when_due(tview);
    }

    fn compact_when_due(&mut self, tview: &Tview) {
        if self.len > 2 * self.distinct + SLACK {
            self.compact(tview);
        }
    }

    /// The distinct keys as one array (in TopTransactionContext) and their
    /// number.  Inside an SPI connection.
    pub fn distinct(&mut self, tview: &Tview) -> (pg_sys::Datum, i64) {
        if self.arrays.len() > 1 || self.len != self.distinct {
            self.compact(tview);
        }
        (self.arrays[0], self.distinct)
    }

    /// Replace the arrays by one array of their distinct keys.
    fn compact(&mut self, tview: &Tview) {
        // SAFETY: every array is a valid, non-empty key array of the TVIEW's
        // key type, kept in TopTransactionContext until freed below.
        unsafe {
            let all = concatenate(&self.arrays);
            let empty = pg_sys::Datum::from(pg_sys::construct_empty_array(element_type(self.arrays[0])));
            let Some((merged, count)) = merge(tview, all, empty) else {
                return;
            };
            let merged = keep(merged);
            for array in self.arrays.drain(..) {
                pg_sys::pfree(array.cast_mut_ptr());
            }
            self.arrays.push(merged);
            self.len = count;
            self.distinct = count;
        }
    }
}

/// The distinct keys of two key arrays of the TVIEW's key type (valid
/// until the next SPI statement) and their number; None when both are
/// empty.  Inside an SPI connection.
pub fn merge(tview: &Tview, a: pg_sys::Datum, b: pg_sys::Datum) -> Option<(pg_sys::Datum, i64)> {
    cache::writer_for(tview).merge_keys.execute(&[a, b], true);
    let keys = first_row_datum(1)?;
    // SAFETY: column 2 is an int4.
    let count = first_row_datum(2).and_then(|d| unsafe { i32::from_datum(d, false) }).unwrap_or(0);
    Some((keys, i64::from(count)))
}

/// Copy a key array into TopTransactionContext, where it outlives the SPI
/// connection that produced it.
fn keep(keys: pg_sys::Datum) -> pg_sys::Datum {
    // SAFETY: key arrays are varlena datums.
    unsafe {
        let copy = PgMemoryContexts::TopTransactionContext
            .switch_to(|_| pg_sys::pg_detoast_datum_copy(keys.cast_mut_ptr::<pg_sys::varlena>()));
        pg_sys::Datum::from(copy)
    }
}

/// Are two varlena datums byte for byte the same?
///
/// # Safety
/// `kept` is a detoasted varlena; `other` any varlena datum.
unsafe fn same_bytes(kept: pg_sys::Datum, other: pg_sys::Datum) -> bool {
    let other = pg_sys::pg_detoast_datum(other.cast_mut_ptr());
    if pgrx::varlena::varsize_any(kept.cast_mut_ptr()) != pgrx::varlena::varsize_any(other) {
        return false;
    }
    let len = pgrx::varlena::varsize_any(other);
    std::slice::from_raw_parts(kept.cast_mut_ptr::<u8>(), len) == std::slice::from_raw_parts(other.cast::<u8>(), len)
}

/// # Safety
/// `array` is a detoasted array datum.
unsafe fn element_type(array: pg_sys::Datum) -> pg_sys::Oid {
    (*array.cast_mut_ptr::<pg_sys::ArrayType>()).elemtype
}

/// One array holding the elements of all `arrays` (one element type), in
/// the current memory context; the elements it points to stay in `arrays`.
///
/// # Safety
/// `arrays` are non-empty, detoasted arrays of one element type.
unsafe fn concatenate(arrays: &[pg_sys::Datum]) -> pg_sys::Datum {
    let elemtype = element_type(arrays[0]);
    let (mut typlen, mut byval, mut align) = (0i16, false, 0 as std::ffi::c_char);
    pg_sys::get_typlenbyvalalign(elemtype, &mut typlen, &mut byval, &mut align);
    let mut elements: Vec<pg_sys::Datum> = Vec::new();
    for array in arrays {
        let (mut values, mut nulls, mut n) = (std::ptr::null_mut(), std::ptr::null_mut(), 0);
        pg_sys::deconstruct_array(array.cast_mut_ptr(), elemtype, typlen.into(), byval, align, &mut values, &mut nulls, &mut n);
        for i in 0..n as usize {
            if !*nulls.add(i) {
                elements.push(*values.add(i));
            }
        }
    }
    let result = pg_sys::construct_array(elements.as_mut_ptr(), elements.len() as i32, elemtype, typlen.into(), byval, align);
    pg_sys::Datum::from(result)
}
