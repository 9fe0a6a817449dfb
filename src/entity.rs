//! Entity arguments: the one reading of the `entity` every function takes
//! (`pg_tviews_create`, `_drop`, `_refresh`, `_verify`, ...), so that they
//! all mean the same TVIEW by the same text.
//!
//! An argument is `entity` or `schema.entity`.  A part starting with a
//! double quote is a quoted identifier (a `"` inside doubled, nothing after
//! the closing quote but the dot); any other part is taken exactly as
//! written up to the dot (no case folding: the entity as
//! `pg_tview_meta.entity` shows it).  So a part containing a dot, or
//! starting with a double quote, must be quoted.
//! Without a schema the TVIEW is `tv_<entity>` found through the
//! search_path (created in `current_schema()`).  Anything else (an empty
//! part, a third part, an unclosed quote) is refused with 22023, and a
//! `tv_<entity>` longer than PostgreSQL's 63-byte names with 42622.

use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;

use crate::error::raise_with;
use crate::sql_text::{ident, qualified};

/// PostgreSQL's identifier limit (NAMEDATALEN - 1).
pub const MAX_NAME_BYTES: usize = 63;

/// A parsed entity argument.
#[derive(Debug, PartialEq, Eq)]
pub struct EntityName {
    pub schema: Option<String>,
    pub entity: String,
}

impl EntityName {
    /// `tv_<entity>`.
    pub fn table_name(&self) -> String {
        format!("tv_{}", self.entity)
    }

    /// Is `tv_<entity>` (and so `pk_`/`v_<entity>`) a name PostgreSQL can
    /// hold without truncating it?
    pub fn fits(&self) -> bool {
        self.table_name().len() <= MAX_NAME_BYTES
    }

    /// The table, if it exists: a longer name would be truncated by the
    /// lookup and could find another table, so it names none.
    pub fn table_oid(&self) -> Option<pg_sys::Oid> {
        if !self.fits() {
            return None;
        }
        let table = match &self.schema {
            Some(s) => qualified(s, &self.table_name()),
            None => ident(&self.table_name()),
        };
        Spi::get_one_with_args::<pg_sys::Oid>("SELECT pg_catalog.to_regclass($1)::oid", &[table.as_str().into()])
            .ok()
            .flatten()
    }

    /// 42622 unless the names derived from the entity fit.
    pub fn check_length(&self) {
        if !self.fits() {
            raise_with(
                PgSqlErrorCode::ERRCODE_NAME_TOO_LONG,
                format!("invalid TVIEW entity name \"{}\"", self.entity),
                Some(format!(
                    "tv_<entity> must be at most {MAX_NAME_BYTES} bytes; it is {} bytes.",
                    self.table_name().len()
                )),
                None,
            );
        }
    }
}

/// Read an entity argument (see the module comment); 22023 when it is not
/// one.
pub fn parse(arg: &str) -> EntityName {
    match split(arg) {
        Some(mut parts) if parts.len() == 1 => EntityName { schema: None, entity: parts.remove(0) },
        Some(mut parts) if parts.len() == 2 => {
            let entity = parts.remove(1);
            EntityName { schema: Some(parts.remove(0)), entity }
        }
        _ => raise_with(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("invalid TVIEW entity argument \"{arg}\""),
            Some("An entity argument is entity or schema.entity.".into()),
            Some("Write a part containing a dot, or starting with a double quote, in double quotes, doubling the quotes inside.".into()),
        ),
    }
}

/// The parts of `arg`, or None if it is malformed.
fn split(arg: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = arg.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
            if !matches!(chars.peek(), None | Some('.')) {
                return None; // text after a closing quote
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                part.push(c);
                chars.next();
            }
        }
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        match chars.next() {
            None => return (parts.len() <= 2).then_some(parts),
            Some(_) => continue, // the dot
        }
    }
}

/// How to write the argument naming a TVIEW (for hints): `schema.entity`,
/// each part quoted when the grammar needs it.
pub fn spelled(schema: &str, entity: &str) -> String {
    let part = |p: &str| {
        if p.contains('.') || p.starts_with('"') {
            format!("\"{}\"", p.replace('"', "\"\""))
        } else {
            p.to_string()
        }
    };
    format!("{}.{}", part(schema), part(entity))
}
