//! The SQL statements the engine prepares for one TVIEW.
//!
//! Every name arrives unquoted and is quoted here; every value is a
//! parameter.  `$1` is always the array of keys to refresh.

use crate::{quote_ident, DELTA_RELATION};

/// What the source's statement trigger can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delta {
    /// INSERT: the new rows.
    New,
    /// DELETE: the old rows.
    Old,
    /// UPDATE: old and new versions.
    OldAndNew,
}

/// Transition table names used by the maintenance triggers.
pub const OLD_TABLE: &str = "pg_tviews_old";
pub const NEW_TABLE: &str = "pg_tviews_new";

/// The names a TVIEW's statements are built from, unquoted.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub schema: &'a str,
    pub table: &'a str,
    pub view: &'a str,
    pub key: &'a str,
    /// Every column of the table, in order.
    pub columns: &'a [String],
}

impl Target<'_> {
    fn table_sql(&self) -> String {
        crate::quote_qualified(self.schema, self.table)
    }
    fn view_sql(&self) -> String {
        crate::quote_qualified(self.schema, self.view)
    }
}

/// `WITH pg_tviews_delta AS (...)`: the rows the statement changed.
fn delta_cte(delta: Delta) -> String {
    let rows = match delta {
        Delta::New => format!("SELECT * FROM {NEW_TABLE}"),
        Delta::Old => format!("SELECT * FROM {OLD_TABLE}"),
        Delta::OldAndNew => {
            format!("SELECT * FROM {OLD_TABLE} UNION ALL SELECT * FROM {NEW_TABLE}")
        }
    };
    format!("WITH {DELTA_RELATION} AS ({rows})")
}

/// One row: the distinct non-null keys as an array (NULL when none), their
/// number, the table's row estimate (for the full-refresh threshold), and
/// the sorted ids of the key locks (`key_lock_seed` hashed with each key).
/// For an UPDATE, when the columns the TVIEW reads are known, a one-time
/// check skips all the work if none of them changed: the view depends
/// only on the multiset of those columns' values.
pub fn key_statement(
    key_query: &str,
    delta: Delta,
    table_oid: u32,
    read_columns: Option<&[String]>,
    key_lock_seed: i64,
) -> String {
    let changed = match (delta, read_columns) {
        (Delta::OldAndNew, Some(columns)) => {
            let list = if columns.is_empty() {
                "1".to_string()
            } else {
                columns
                    .iter()
                    .map(|c| format!("{}::text", quote_ident(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                " AND EXISTS (SELECT {list} FROM {OLD_TABLE} EXCEPT ALL SELECT {list} FROM {NEW_TABLE})"
            )
        }
        _ => String::new(),
    };
    keys_select(&delta_cte(delta), key_query, table_oid, &changed, key_lock_seed)
}

/// The key statement (same columns as `key_statement`) for rows named by
/// hand: the current rows of `source` whose column `key` is in `$1`.
pub fn key_statement_for_rows(key_query: &str, source_schema: &str, source_name: &str, key: &str, table_oid: u32) -> String {
    let cte = format!(
        "WITH {DELTA_RELATION} AS (SELECT * FROM {} AS s WHERE s.{} = ANY ($1))",
        crate::quote_qualified(source_schema, source_name),
        quote_ident(key)
    );
    keys_select(&cte, key_query, table_oid, "", 0)
}

fn keys_select(cte: &str, key_query: &str, table_oid: u32, changed: &str, key_lock_seed: i64) -> String {
    format!(
        "{cte} \
         SELECT ks, pg_catalog.cardinality(ks), \
                (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = {table_oid}::pg_catalog.oid), \
                (SELECT pg_catalog.array_agg(h ORDER BY h) FROM (SELECT DISTINCT \
                        pg_catalog.hashtextextended(k::text, {key_lock_seed}::int8) AS h \
                        FROM pg_catalog.unnest(ks) AS k) AS pg_tviews_h) \
         FROM (SELECT pg_catalog.array_agg(DISTINCT k) AS ks \
               FROM ({key_query}) AS pg_tviews_keys(k) WHERE k IS NOT NULL{changed}) AS pg_tviews_agg"
    )
}

/// A column of the written relation whose values a write locks.
#[derive(Debug, Clone)]
pub struct EdgeLock<'a> {
    pub column: &'a str,
    /// Hashed with each value: one id space per (TVIEW, edge).
    pub seed: i64,
    pub exclusive: bool,
}

/// One row: the sorted ids of the exclusive and of the shared edge locks
/// the changed rows need (each NULL when none).
pub fn edge_lock_statement(delta: Delta, locks: &[EdgeLock]) -> String {
    let ids: Vec<String> = locks
        .iter()
        .map(|l| {
            let column = quote_ident(l.column);
            format!(
                "SELECT pg_catalog.hashtextextended(d.{column}::text, {}::int8) AS id, {} AS exclusive \
                 FROM {DELTA_RELATION} AS d WHERE d.{column} IS NOT NULL",
                l.seed, l.exclusive
            )
        })
        .collect();
    format!(
        "{} SELECT pg_catalog.array_agg(DISTINCT l.id ORDER BY l.id) FILTER (WHERE l.exclusive), \
                pg_catalog.array_agg(DISTINCT l.id ORDER BY l.id) FILTER (WHERE NOT l.exclusive) \
         FROM ({}) AS l",
        delta_cte(delta),
        ids.join(" UNION ALL ")
    )
}

/// The key query run against the whole source, used at CREATE to check
/// that it is valid SQL with the right column.
pub fn key_check_statement(key_query: &str, source_schema: &str, source_name: &str) -> String {
    format!(
        "WITH {DELTA_RELATION} AS (SELECT * FROM {}) SELECT k FROM ({key_query}) AS pg_tviews_keys(k) LIMIT 0",
        crate::quote_qualified(source_schema, source_name)
    )
}

/// Delete every row the view no longer produces (full refresh).
pub fn delete_vanished(t: &Target) -> String {
    let key = quote_ident(t.key);
    format!(
        "DELETE FROM {} AS t WHERE NOT EXISTS (SELECT 1 FROM {} AS s WHERE s.{key} = t.{key})",
        t.table_sql(),
        t.view_sql(),
    )
}

/// Insert or update every row that differs from the view (full refresh);
/// identical rows are not written.  Returns one row: (inserted, updated).
pub fn upsert_changed(t: &Target) -> String {
    let key = quote_ident(t.key);
    let (alias, action) = on_conflict(t);
    format!(
        "WITH written AS (INSERT INTO {} AS {alias} SELECT s.* FROM {} AS s \
         ON CONFLICT ({key}) {action} RETURNING ({alias}.xmax = 0) AS inserted) \
         SELECT pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted) FROM written",
        t.table_sql(),
        t.view_sql(),
    )
}

/// Refresh the rows among the keys `$1` in one statement: the view is
/// computed once for them, rows it no longer has are deleted, rows that
/// differ are upserted.  Returns one row: (deleted, inserted, updated).
pub fn refresh_keyed(t: &Target) -> String {
    let key = quote_ident(t.key);
    let (alias, action) = on_conflict(t);
    let table = t.table_sql();
    format!(
        "WITH fresh AS MATERIALIZED (SELECT s.* FROM {view} AS s WHERE s.{key} = ANY ($1)), \
              deleted AS (DELETE FROM {table} AS d WHERE d.{key} = ANY ($1) \
                            AND NOT EXISTS (SELECT 1 FROM fresh AS f WHERE f.{key} = d.{key}) RETURNING 1), \
              written AS (INSERT INTO {table} AS {alias} SELECT * FROM fresh \
                            ON CONFLICT ({key}) {action} RETURNING ({alias}.xmax = 0) AS inserted) \
         SELECT (SELECT pg_catalog.count(*) FROM deleted), \
                pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted) FROM written",
        view = t.view_sql(),
    )
}

/// The alias of the table and the ON CONFLICT action of an upsert that
/// writes only rows that differ.
///
/// Rows are compared by their binary images (`*<>`, as REFRESH MATERIALIZED
/// VIEW CONCURRENTLY does): exact where equality is not (1.0 and 1.00 are
/// equal numerics but print differently), defined for types without
/// equality (json, point), and much cheaper than printing both rows.  A
/// bare table name there means the whole row unless a column has that
/// name, so the alias is one no column has; a column named `excluded`
/// would shadow the proposed row too, and then rows are compared as text.
fn on_conflict(t: &Target) -> (String, String) {
    let others: Vec<String> = t
        .columns
        .iter()
        .filter(|c| c.as_str() != t.key)
        .map(|c| quote_ident(c))
        .collect();
    let is_column = |name: &str| t.columns.iter().any(|c| c == name);
    let alias = (0..)
        .map(|i| if i == 0 { "t".to_string() } else { format!("t{i}") })
        .find(|a| !is_column(a))
        .unwrap_or_default();
    if others.is_empty() {
        return (alias, "DO NOTHING".to_string());
    }
    let sets: Vec<String> = others.iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
    let differs = if is_column("excluded") {
        let old: Vec<String> = others.iter().map(|c| format!("{alias}.{c}")).collect();
        let new: Vec<String> = others.iter().map(|c| format!("EXCLUDED.{c}")).collect();
        format!("ROW({})::text IS DISTINCT FROM ROW({})::text", old.join(", "), new.join(", "))
    } else {
        format!("{alias} OPERATOR(pg_catalog.*<>) EXCLUDED")
    };
    let action = format!("DO UPDATE SET {} WHERE {differs}", sets.join(", "));
    (alias, action)
}

/// One text value summarising the view's rows among the keys `$1` (all
/// rows when not keyed), to compare what two snapshots see.
pub fn probe(t: &Target, keyed: bool) -> String {
    let key = quote_ident(t.key);
    let filter = if keyed { format!(" WHERE s.{key} = ANY ($1)") } else { String::new() };
    format!(
        "SELECT pg_catalog.md5(pg_catalog.string_agg(ROW(s.*)::text, ',' ORDER BY s.{key})) FROM {} AS s{filter}",
        t.view_sql()
    )
}

/// Rows where the table and the view differ: (key as text, problem).
pub fn verify(t: &Target) -> String {
    let key = quote_ident(t.key);
    format!(
        "SELECT COALESCE(t.{key}, v.{key})::text AS pk, \
                CASE WHEN t.{key} IS NULL THEN 'missing' \
                     WHEN v.{key} IS NULL THEN 'extra' \
                     ELSE 'different' END AS problem \
         FROM {} AS t FULL JOIN {} AS v ON v.{key} = t.{key} \
         WHERE t.{key} IS NULL OR v.{key} IS NULL OR ROW(t.*)::text IS DISTINCT FROM ROW(v.*)::text \
         ORDER BY 1",
        t.table_sql(),
        t.view_sql()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(columns: &[String]) -> Target<'_> {
        Target {
            schema: "app",
            table: "tv_Post",
            view: "v_Post",
            key: "pk_post",
            columns,
        }
    }

    #[test]
    fn names_are_quoted_and_keys_are_a_parameter() {
        let cols = vec!["pk_post".to_string(), "data".to_string(), "Title x".to_string()];
        let sql = refresh_keyed(&target(&cols));
        assert!(sql.contains(r#"SELECT s.* FROM app."v_Post" AS s WHERE s.pk_post = ANY ($1)"#), "{sql}");
        assert!(sql.contains(r#""Title x" = EXCLUDED."Title x""#), "{sql}");
        assert!(sql.contains("WHERE t OPERATOR(pg_catalog.*<>) EXCLUDED"), "{sql}");
    }

    #[test]
    fn upsert_alias_never_names_a_column() {
        let cols = vec!["pk_post".to_string(), "t".to_string(), "t1".to_string()];
        let sql = upsert_changed(&target(&cols));
        assert!(sql.contains("AS t2 SELECT") && sql.contains("WHERE t2 OPERATOR(pg_catalog.*<>) EXCLUDED"), "{sql}");
        let cols = vec!["pk_post".to_string(), "excluded".to_string()];
        let sql = refresh_keyed(&target(&cols));
        assert!(sql.contains("WHERE ROW(t.excluded)::text IS DISTINCT FROM ROW(EXCLUDED.excluded)::text"), "{sql}");
    }

    #[test]
    fn keyed_refresh_computes_the_view_once() {
        let cols = vec!["pk_post".to_string(), "data".to_string()];
        let sql = refresh_keyed(&target(&cols));
        assert_eq!(sql.matches(r#"app."v_Post""#).count(), 1, "{sql}");
        assert!(sql.contains(r#"DELETE FROM app."tv_Post" AS d WHERE d.pk_post = ANY ($1)"#), "{sql}");
        assert!(sql.contains("NOT EXISTS (SELECT 1 FROM fresh AS f WHERE f.pk_post = d.pk_post)"), "{sql}");
        assert!(sql.contains(r#"INSERT INTO app."tv_Post" AS t SELECT * FROM fresh"#), "{sql}");
        assert!(sql.contains("ON CONFLICT (pk_post) DO UPDATE SET data = EXCLUDED.data WHERE t OPERATOR(pg_catalog.*<>) EXCLUDED"), "{sql}");
    }

    #[test]
    fn key_only_table_does_nothing_on_conflict() {
        let cols = vec!["pk_post".to_string()];
        assert!(upsert_changed(&target(&cols)).contains("ON CONFLICT (pk_post) DO NOTHING"));
    }

    #[test]
    fn full_refresh_statements_have_no_parameter() {
        let cols = vec!["pk_post".to_string(), "data".to_string()];
        assert!(!delete_vanished(&target(&cols)).contains("$1"));
        assert!(!upsert_changed(&target(&cols)).contains("$1"));
    }

    #[test]
    fn verify_compares_whole_rows_even_when_a_column_is_named_like_an_alias() {
        let cols = vec!["pk_post".to_string(), "v".to_string(), "t".to_string()];
        let sql = verify(&target(&cols));
        assert!(sql.contains("ROW(t.*)::text IS DISTINCT FROM ROW(v.*)::text"), "{sql}");
    }

    #[test]
    fn update_delta_reads_both_transition_tables() {
        let sql = key_statement("SELECT 1", Delta::OldAndNew, 42, None, 7);
        assert!(sql.contains("pg_tviews_old UNION ALL SELECT * FROM pg_tviews_new"));
        assert!(sql.contains("42::pg_catalog.oid"));
        assert!(!sql.contains("EXCEPT ALL"));
    }

    #[test]
    fn update_of_unread_columns_is_gated() {
        let cols = vec!["title".to_string(), "Fk User".to_string()];
        let sql = key_statement("SELECT 1", Delta::OldAndNew, 1, Some(&cols), 7);
        assert!(sql.contains(r#"EXISTS (SELECT title::text, "Fk User"::text FROM pg_tviews_old EXCEPT ALL SELECT title::text, "Fk User"::text FROM pg_tviews_new)"#), "{sql}");
        assert!(!key_statement("SELECT 1", Delta::New, 1, Some(&cols), 7).contains("EXCEPT"));
    }

    #[test]
    fn edge_locks_hash_each_column_of_the_changed_rows() {
        let locks = [
            EdgeLock { column: "fk_user", seed: -5, exclusive: false },
            EdgeLock { column: "Pk Post", seed: 9, exclusive: true },
        ];
        let sql = edge_lock_statement(Delta::New, &locks);
        assert!(sql.starts_with("WITH pg_tviews_delta AS (SELECT * FROM pg_tviews_new)"), "{sql}");
        assert!(sql.contains("hashtextextended(d.fk_user::text, -5::int8) AS id, false AS exclusive"), "{sql}");
        assert!(sql.contains(r#"hashtextextended(d."Pk Post"::text, 9::int8) AS id, true AS exclusive"#), "{sql}");
        assert!(sql.contains(r#"WHERE d."Pk Post" IS NOT NULL"#), "{sql}");
    }
}
