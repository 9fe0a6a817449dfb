//! Lock ids computed from values in Rust, equal to what the maintenance
//! statements compute in SQL: `hashtextextended(v::text, seed)`.
//!
//! Writers of one TVIEW must agree on every lock id whichever way they
//! found it (a single-row write reads it off its rows here, a bulk write
//! or a reach lock gets it from a statement), and so must a backend that
//! still runs the previous library: so the id is defined by the SQL
//! expression, and this is that expression evaluated by hand.  `v::text`
//! is the cast the parser picks (`find_coercion_pathway`, after looking
//! through domains): binary (varchar), a cast function (bpchar, name,
//! inet, bool), or the type's output function; hashing text under a
//! deterministic collation hashes its bytes.  Anything else (a cast
//! function with more arguments or of the user's, a nondeterministic
//! collation) is not handled here: `hasher` says None and the caller runs
//! the statement.

use pgrx::pg_sys;

unsafe extern "C-unwind" {
    /// common/hashfn.h: what `hash_any_extended` (a macro) calls; never raises.
    fn hash_bytes_extended(k: *const u8, keylen: std::ffi::c_int, seed: u64) -> u64;
}

/// How one type's values become the text that is hashed.
#[derive(Clone, Copy)]
enum ToText {
    /// The datum is a text varlena already.
    Binary,
    /// A one-argument cast function.
    Function(pg_sys::Oid),
    /// The type's output function.
    Output(pg_sys::Oid),
}

/// Hashes values of one column type to lock ids.
#[derive(Clone, Copy)]
pub struct Hasher {
    to_text: ToText,
}

/// The hasher for values of `typid` with collation `collation` (0 when the
/// type has none), or None when this module cannot reproduce the SQL id.
pub fn hasher(typid: pg_sys::Oid, collation: pg_sys::Oid) -> Option<Hasher> {
    // SAFETY: catalog lookups by oid; they raise ERROR for an unknown type,
    // which cannot be: the type is a live column's.
    unsafe {
        let base = pg_sys::getBaseType(typid);
        let collatable = pg_sys::type_is_collatable(base);
        if collatable && collation != pg_sys::InvalidOid && !pg_sys::get_collation_isdeterministic(collation) {
            return None;
        }
        let mut function = pg_sys::InvalidOid;
        let path = pg_sys::find_coercion_pathway(
            pg_sys::TEXTOID,
            base,
            pg_sys::CoercionContext::COERCION_EXPLICIT,
            &mut function,
        );
        let to_text = match path {
            pg_sys::CoercionPathType::COERCION_PATH_RELABELTYPE => ToText::Binary,
            // Built-in casts to text ignore the collation they are called
            // with; a user's cast function might not.
            pg_sys::CoercionPathType::COERCION_PATH_FUNC
                if function.to_u32() < pg_sys::FirstNormalObjectId && pg_sys::get_func_nargs(function) == 1 =>
            {
                ToText::Function(function)
            }
            pg_sys::CoercionPathType::COERCION_PATH_COERCEVIAIO => {
                let mut output = pg_sys::InvalidOid;
                let mut varlena = false;
                pg_sys::getTypeOutputInfo(base, &mut output, &mut varlena);
                ToText::Output(output)
            }
            _ => return None,
        };
        Some(Hasher { to_text })
    }
}

impl Hasher {
    /// The lock id of a non-null `value` with `seed`.
    ///
    /// # Safety
    /// `value` is a valid datum of the hasher's type.
    pub unsafe fn id(&self, value: pg_sys::Datum, seed: i64) -> i64 {
        let hashed = match self.to_text {
            ToText::Binary => hash_text(value, seed),
            ToText::Function(f) => hash_text(pg_sys::OidFunctionCall1Coll(f, pg_sys::InvalidOid, value), seed),
            ToText::Output(f) => {
                let text = pg_sys::OidOutputFunctionCall(f, value);
                let bytes = std::ffi::CStr::from_ptr(text).to_bytes();
                let id = hash_bytes_extended(bytes.as_ptr(), bytes.len() as std::ffi::c_int, seed as u64);
                pg_sys::pfree(text.cast());
                id
            }
        };
        hashed as i64
    }
}

/// `hash_any_extended` of a text datum's bytes, as `hashtextextended`
/// computes it under a deterministic collation.
unsafe fn hash_text(value: pg_sys::Datum, seed: i64) -> u64 {
    let text = pg_sys::pg_detoast_datum_packed(value.cast_mut_ptr());
    let data = pgrx::varlena::vardata_any(text) as *const u8;
    let len = pgrx::varlena::varsize_any_exhdr(text);
    hash_bytes_extended(data, len as std::ffi::c_int, seed as u64)
}
