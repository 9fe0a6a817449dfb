//! The SQL statements the engine prepares for one TVIEW.
//!
//! Every name arrives unquoted and is quoted here; every value is a
//! parameter.  `$1` is always the array of keys to refresh.

use crate::locks::Hop;
use crate::{quote_ident, ALSO_OLD_RELATION, DELTA_RELATION};

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

/// `, pg_tviews_also_old AS (...)`: the rows of `source` (quoted,
/// qualified) the write changed or removed (none for an INSERT or rows
/// named by hand); see `ALSO_OLD_RELATION`.
fn also_old_cte(delta: Option<Delta>, source: &str) -> String {
    let rows = match delta {
        Some(Delta::Old | Delta::OldAndNew) => format!("SELECT * FROM {OLD_TABLE}"),
        _ => format!("SELECT * FROM {source} WHERE false"),
    };
    format!(", {ALSO_OLD_RELATION} AS ({rows})")
}

/// One row: the distinct non-null keys as an array (NULL when none), their
/// number, the table's row estimate (for the full-refresh threshold), the
/// sorted ids of the key locks (`key_lock_seed` hashed with each key), and
/// whether the key query found a NULL key (the view may then have a row
/// without a key, which the caller checks).
/// For an UPDATE, when the columns the TVIEW reads are known, a one-time
/// check skips all the work if none of them changed (see `update_gate`).
pub fn key_statement(
    key_query: &str,
    delta: Delta,
    source: &str,
    table_oid: u32,
    gate: Option<UpdateGate>,
    key_lock_seed: i64,
) -> String {
    let changed = match (delta, gate) {
        (Delta::OldAndNew, Some(gate)) => format!(" AND {}", update_gate(&gate)),
        _ => String::new(),
    };
    let ctes = format!("{}{}", delta_cte(delta), also_old_cte(Some(delta), source));
    keys_select(&ctes, key_query, table_oid, &changed, key_lock_seed)
}

/// What an UPDATE must have changed for a TVIEW to care, unquoted.
#[derive(Debug, Clone, Copy)]
pub struct UpdateGate<'a> {
    /// The columns of the source the view reads.
    pub read: &'a [String],
    /// The source's primary key; empty when it has none.
    pub primary_key: &'a [String],
}

/// True when an UPDATE changed what the view reads.  The view depends only
/// on the multiset of the read columns' values, so an update that leaves it
/// alone is skipped.  With a primary key, old and new rows are paired by it
/// and compared by binary image (exact, and no printing of jsonb documents);
/// a row without a partner (its key changed) counts as a change.  Without
/// one, the multisets are compared as text.
fn update_gate(gate: &UpdateGate) -> String {
    let columns = |alias: &str| -> Vec<String> { gate.read.iter().map(|c| format!("{alias}.{}", quote_ident(c))).collect() };
    match gate.primary_key {
        key @ [first, ..] => {
            let pairs: Vec<String> = key.iter().map(|k| format!("o.{0} = n.{0}", quote_ident(k))).collect();
            let unpaired = format!("o.{0} IS NULL OR n.{0} IS NULL", quote_ident(first));
            let differs = if gate.read.is_empty() {
                String::new()
            } else {
                format!(
                    " OR ROW({})::record OPERATOR(pg_catalog.*<>) ROW({})::record",
                    columns("o").join(", "),
                    columns("n").join(", ")
                )
            };
            format!(
                "EXISTS (SELECT 1 FROM {OLD_TABLE} AS o FULL JOIN {NEW_TABLE} AS n ON {} WHERE {unpaired}{differs})",
                pairs.join(" AND ")
            )
        }
        [] => {
            let list = if gate.read.is_empty() {
                "1".to_string()
            } else {
                gate.read.iter().map(|c| format!("{}::text", quote_ident(c))).collect::<Vec<_>>().join(", ")
            };
            format!("EXISTS (SELECT {list} FROM {OLD_TABLE} EXCEPT ALL SELECT {list} FROM {NEW_TABLE})")
        }
    }
}

/// The key statement (same columns as `key_statement`) for rows named by
/// hand: the current rows of `source` whose column `key` is in `$1`.
pub fn key_statement_for_rows(key_query: &str, source_schema: &str, source_name: &str, key: &str, table_oid: u32) -> String {
    let source = crate::quote_qualified(source_schema, source_name);
    let cte = format!(
        "WITH {DELTA_RELATION} AS (SELECT * FROM {source} AS s WHERE s.{} = ANY ($1)){}",
        quote_ident(key),
        also_old_cte(None, &source)
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
                        FROM pg_catalog.unnest(ks) AS k) AS pg_tviews_h), \
                COALESCE(nulls, false) \
         FROM (SELECT pg_catalog.array_agg(DISTINCT k) FILTER (WHERE k IS NOT NULL) AS ks, \
                      pg_catalog.bool_or(k IS NULL) AS nulls \
               FROM ({key_query}) AS pg_tviews_keys(k) WHERE true{changed}) AS pg_tviews_agg"
    )
}

/// A column of the written relation whose values a write locks, or, with
/// `through`, the values reached from it through other relations (a reach
/// lock, see `locks`).
#[derive(Debug, Clone)]
pub struct EdgeLock<'a> {
    pub column: &'a str,
    /// Relations joined in turn: the first on the written column, each
    /// next one on the previous hop's next column; the last hop's next
    /// column is what is locked.
    pub through: &'a [Hop],
    /// Hashed with each value: one id space per (TVIEW, edge).
    pub seed: i64,
    pub exclusive: bool,
}

/// One row: the sorted ids of the exclusive and of the shared edge locks
/// the changed rows need (each NULL when none).  The relations read
/// through are read with the statement's snapshot: run it after the locks
/// that keep their rows from changing under it (the previous level's).
pub fn edge_lock_statement(delta: Delta, locks: &[EdgeLock]) -> String {
    let ids: Vec<String> = locks
        .iter()
        .map(|l| {
            let mut value = format!("d.{}", quote_ident(l.column));
            let mut joins = String::new();
            for (i, hop) in l.through.iter().enumerate() {
                let alias = format!("h{i}");
                joins.push_str(&format!(
                    " JOIN {} AS {alias} ON {alias}.{} = {value}",
                    crate::quote_qualified(&hop.relation.schema, &hop.relation.name),
                    quote_ident(&hop.join_column)
                ));
                value = format!("{alias}.{}", quote_ident(&hop.next_column));
            }
            format!(
                "SELECT pg_catalog.hashtextextended({value}::text, {}::int8) AS id, {} AS exclusive \
                 FROM {DELTA_RELATION} AS d{joins} WHERE {value} IS NOT NULL",
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
    let source = crate::quote_qualified(source_schema, source_name);
    format!(
        "WITH {DELTA_RELATION} AS (SELECT * FROM {source}){} SELECT k FROM ({key_query}) AS pg_tviews_keys(k) LIMIT 0",
        also_old_cte(None, &source)
    )
}

/// Refresh the rows among the keys `$1` in one statement: the view is
/// computed once for them, rows it no longer has are deleted, rows that
/// differ are upserted.  The keys the view no longer has are found first,
/// among the fresh rows, so the table is searched only for those (usually
/// none) rather than for every key.  Returns one row: (deleted, inserted, updated,
/// duplicate); see `duplicate_cte` for the last.
pub fn refresh_keyed(t: &Target) -> String {
    let key = quote_ident(t.key);
    let table = t.table_sql();
    format!(
        "WITH fresh AS MATERIALIZED (SELECT s.* FROM {view} AS s WHERE s.{key} = ANY ($1)), {dup}, \
              deleted AS (DELETE FROM {table} AS d WHERE d.{key} = ANY (ARRAY(SELECT g.k \
                            FROM pg_catalog.unnest($1) AS g(k) \
                            WHERE NOT EXISTS (SELECT 1 FROM fresh AS f WHERE f.{key} = g.k))) {unique} RETURNING 1), \
              written AS (INSERT INTO {table} AS t SELECT * FROM fresh WHERE true {unique} \
                            ON CONFLICT ({key}) {action} RETURNING (t.xmax = 0) AS inserted) \
         SELECT (SELECT pg_catalog.count(*) FROM deleted), \
                pg_catalog.count(*) FILTER (WHERE inserted), pg_catalog.count(*) FILTER (WHERE NOT inserted), \
                (SELECT k FROM {DUPLICATE_CTE}) FROM written",
        view = t.view_sql(),
        dup = duplicate_cte(t),
        unique = UNIQUE_GUARD,
        action = on_conflict(t),
    )
}

/// The CTE naming the first key the fresh rows hold more than once.
const DUPLICATE_CTE: &str = "pg_tviews_duplicate";

/// ` AND NOT EXISTS (<a duplicate key>)`: a write step runs only when
/// the fresh rows have unique keys.
const UNIQUE_GUARD: &str = "AND NOT EXISTS (SELECT 1 FROM pg_tviews_duplicate)";

/// `pg_tviews_duplicate AS (...)`: one key (as text) that more than one
/// fresh row has, if any.  The table's primary key would not catch every
/// such key (an upsert's ON CONFLICT and an UPDATE ... FROM fold them into
/// one row), so the writing statement checks them itself: with a
/// duplicate it writes nothing and returns the key, and the caller raises
/// 23505 as a unique index would.
fn duplicate_cte(t: &Target) -> String {
    let key = quote_ident(t.key);
    format!(
        "{DUPLICATE_CTE} AS (SELECT f.{key}::text AS k FROM fresh AS f GROUP BY f.{key} \
         HAVING pg_catalog.count(*) > 1 LIMIT 1)"
    )
}

/// Rebuild the whole table in one statement: the view is computed once
/// and joined by key (one hash or merge full join) to the table, which
/// leaves the rows that differ: fresh rows without a stored one, stored
/// rows without a fresh one, and pairs whose binary images differ.  Only
/// those are written (delete, update, insert by key); identical rows are
/// not, so they cascade no further.  Returns one row: (deleted, inserted,
/// updated, duplicate), as `refresh_keyed`.
pub fn refresh_all(t: &Target) -> String {
    let key = quote_ident(t.key);
    let table = t.table_sql();
    let stored = quote_ident(&stored_key_name(t));
    let sets = set_list(t, "x");
    let updated = if sets.is_empty() {
        "SELECT 1 WHERE false".to_string()
    } else {
        format!(
            "UPDATE {table} AS t SET {sets} FROM pg_tviews_diff AS x \
             WHERE t.{key} = x.{stored} AND x.{key} IS NOT NULL {UNIQUE_GUARD} RETURNING 1"
        )
    };
    let columns: Vec<String> = t.columns.iter().map(|c| format!("x.{}", quote_ident(c))).collect();
    format!(
        "WITH fresh AS MATERIALIZED (SELECT s.* FROM {view} AS s), {dup}, \
              pg_tviews_diff AS MATERIALIZED (SELECT f.*, t.{key} AS {stored} \
                            FROM fresh AS f FULL JOIN {table} AS t ON t.{key} = f.{key} \
                            WHERE t.{key} IS NULL OR f.{key} IS NULL OR t.* OPERATOR(pg_catalog.*<>) f.*), \
              deleted AS (DELETE FROM {table} AS d USING pg_tviews_diff AS x \
                            WHERE d.{key} = x.{stored} AND x.{key} IS NULL {UNIQUE_GUARD} RETURNING 1), \
              updated AS ({updated}), \
              inserted AS (INSERT INTO {table} SELECT {columns} FROM pg_tviews_diff AS x \
                             WHERE x.{stored} IS NULL {UNIQUE_GUARD} RETURNING 1) \
         SELECT (SELECT pg_catalog.count(*) FROM deleted), (SELECT pg_catalog.count(*) FROM inserted), \
                (SELECT pg_catalog.count(*) FROM updated), (SELECT k FROM {DUPLICATE_CTE})",
        view = t.view_sql(),
        dup = duplicate_cte(t),
        columns = columns.join(", "),
    )
}

/// The name under which `refresh_all`'s diff carries the stored row's key
/// beside the fresh row's columns: one no column of the table has.
fn stored_key_name(t: &Target) -> String {
    let mut name = "pg_tviews_stored_key".to_string();
    while t.columns.contains(&name) {
        name.push('_');
    }
    name
}

/// `SELECT <the update gate>`: whether an UPDATE changed what the view
/// reads of the source (see `update_gate`), on its own, for a caller that
/// decides without the key statement.
pub fn gate_statement(gate: UpdateGate) -> String {
    format!("SELECT {}", update_gate(&gate))
}

/// `c = <from>.c, ...` for every column but the key.
fn set_list(t: &Target, from: &str) -> String {
    t.columns
        .iter()
        .filter(|c| c.as_str() != t.key)
        .map(|c| format!("{0} = {from}.{0}", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The ON CONFLICT action of an upsert that writes only rows that differ.
///
/// Rows are compared by their binary images (`*<>`, as REFRESH MATERIALIZED
/// VIEW CONCURRENTLY does): exact where equality is not (1.0 and 1.00 are
/// equal numerics but print differently), defined for types without
/// equality (json, point), and much cheaper than printing both rows.
/// `t.*` and `EXCLUDED.*` are whole rows even if a column is named `t` or
/// `excluded`.
fn on_conflict(t: &Target) -> String {
    let sets = set_list(t, "EXCLUDED");
    if sets.is_empty() {
        return "DO NOTHING".to_string();
    }
    format!("DO UPDATE SET {sets} WHERE t.* OPERATOR(pg_catalog.*<>) EXCLUDED.*")
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
        assert!(sql.contains("WHERE t.* OPERATOR(pg_catalog.*<>) EXCLUDED.*"), "{sql}");
    }

    #[test]
    fn keyed_refresh_computes_the_view_once() {
        let cols = vec!["pk_post".to_string(), "data".to_string()];
        let sql = refresh_keyed(&target(&cols));
        assert_eq!(sql.matches(r#"app."v_Post""#).count(), 1, "{sql}");
        assert!(sql.contains(r#"DELETE FROM app."tv_Post" AS d WHERE d.pk_post = ANY (ARRAY(SELECT g.k FROM pg_catalog.unnest($1) AS g(k)"#), "{sql}");
        assert!(sql.contains("WHERE NOT EXISTS (SELECT 1 FROM fresh AS f WHERE f.pk_post = g.k)))"), "{sql}");
        assert!(sql.contains(r#"INSERT INTO app."tv_Post" AS t SELECT * FROM fresh"#), "{sql}");
        assert!(sql.contains("ON CONFLICT (pk_post) DO UPDATE SET data = EXCLUDED.data WHERE"), "{sql}");
    }

    #[test]
    fn full_refresh_computes_the_view_once_and_has_no_parameter() {
        let cols = vec!["pk_post".to_string(), "data".to_string(), "t".to_string()];
        let sql = refresh_all(&target(&cols));
        assert!(!sql.contains("$1"), "{sql}");
        assert_eq!(sql.matches(r#"app."v_Post""#).count(), 1, "{sql}");
        assert!(sql.contains(r#"FROM fresh AS f FULL JOIN app."tv_Post" AS t ON t.pk_post = f.pk_post"#), "{sql}");
        assert!(sql.contains("WHERE t.pk_post IS NULL OR f.pk_post IS NULL OR t.* OPERATOR(pg_catalog.*<>) f.*"), "{sql}");
        assert!(sql.contains("SET data = x.data, t = x.t FROM pg_tviews_diff AS x"), "{sql}");
        assert!(sql.contains(r#"INSERT INTO app."tv_Post" SELECT x.pk_post, x.data, x.t FROM pg_tviews_diff AS x WHERE x.pg_tviews_stored_key IS NULL"#), "{sql}");
    }

    #[test]
    fn full_refresh_names_the_stored_key_apart_from_every_column() {
        let cols = vec!["pk_post".to_string(), "pg_tviews_stored_key".to_string()];
        let sql = refresh_all(&target(&cols));
        assert!(sql.contains("t.pk_post AS pg_tviews_stored_key_ FROM"), "{sql}");
        assert!(sql.contains("d.pk_post = x.pg_tviews_stored_key_ AND x.pk_post IS NULL"), "{sql}");
    }

    #[test]
    fn key_only_table_writes_no_update() {
        let cols = vec!["pk_post".to_string()];
        assert!(refresh_keyed(&target(&cols)).contains("ON CONFLICT (pk_post) DO NOTHING"));
        let sql = refresh_all(&target(&cols));
        assert!(sql.contains("updated AS (SELECT 1 WHERE false)") && !sql.contains("UPDATE "), "{sql}");
    }

    #[test]
    fn verify_compares_whole_rows_even_when_a_column_is_named_like_an_alias() {
        let cols = vec!["pk_post".to_string(), "v".to_string(), "t".to_string()];
        let sql = verify(&target(&cols));
        assert!(sql.contains("ROW(t.*)::text IS DISTINCT FROM ROW(v.*)::text"), "{sql}");
    }

    #[test]
    fn update_delta_reads_both_transition_tables() {
        let sql = key_statement("SELECT 1", Delta::OldAndNew, "s.t", 42, None, 7);
        assert!(sql.contains("pg_tviews_old UNION ALL SELECT * FROM pg_tviews_new"));
        assert!(sql.contains("42::pg_catalog.oid"));
        assert!(!sql.contains("EXCEPT ALL"));
    }

    #[test]
    fn update_of_unread_columns_is_gated() {
        let cols = vec!["title".to_string(), "Fk User".to_string()];
        let gate = UpdateGate { read: &cols, primary_key: &[] };
        let sql = key_statement("SELECT 1", Delta::OldAndNew, "s.t", 1, Some(gate), 7);
        assert!(sql.contains(r#"EXISTS (SELECT title::text, "Fk User"::text FROM pg_tviews_old EXCEPT ALL SELECT title::text, "Fk User"::text FROM pg_tviews_new)"#), "{sql}");
        assert!(!key_statement("SELECT 1", Delta::New, "s.t", 1, Some(gate), 7).contains("EXCEPT"));
    }

    #[test]
    fn update_gate_pairs_rows_by_primary_key() {
        let cols = vec!["title".to_string(), "Fk User".to_string()];
        let key = vec!["Id".to_string(), "rev".to_string()];
        let gate = UpdateGate { read: &cols, primary_key: &key };
        let sql = key_statement("SELECT 1", Delta::OldAndNew, "s.t", 1, Some(gate), 7);
        assert!(sql.contains(r#"FROM pg_tviews_old AS o FULL JOIN pg_tviews_new AS n ON o."Id" = n."Id" AND o.rev = n.rev"#), "{sql}");
        assert!(sql.contains(r#"WHERE o."Id" IS NULL OR n."Id" IS NULL OR ROW(o.title, o."Fk User")::record OPERATOR(pg_catalog.*<>) ROW(n.title, n."Fk User")::record)"#), "{sql}");
        let none: Vec<String> = Vec::new();
        let gate = UpdateGate { read: &none, primary_key: &key };
        let sql = key_statement("SELECT 1", Delta::OldAndNew, "s.t", 1, Some(gate), 7);
        assert!(sql.contains(r#"WHERE o."Id" IS NULL OR n."Id" IS NULL)"#), "{sql}");
    }

    #[test]
    fn edge_locks_hash_each_column_of_the_changed_rows() {
        let locks = [
            EdgeLock { column: "fk_user", through: &[], seed: -5, exclusive: false },
            EdgeLock { column: "Pk Post", through: &[], seed: 9, exclusive: true },
        ];
        let sql = edge_lock_statement(Delta::New, &locks);
        assert!(sql.starts_with("WITH pg_tviews_delta AS (SELECT * FROM pg_tviews_new)"), "{sql}");
        assert!(sql.contains("hashtextextended(d.fk_user::text, -5::int8) AS id, false AS exclusive"), "{sql}");
        assert!(sql.contains(r#"hashtextextended(d."Pk Post"::text, 9::int8) AS id, true AS exclusive"#), "{sql}");
        assert!(sql.contains(r#"WHERE d."Pk Post" IS NOT NULL"#), "{sql}");
    }

    #[test]
    fn reach_locks_join_through_each_hop() {
        let rel = |name: &str| crate::RelationName { schema: "s".into(), name: name.into() };
        let through = [
            Hop { relation: rel("tb_user"), join_column: "pk_user".into(), next_column: "fk_company".into() },
            Hop { relation: rel("Tb Company"), join_column: "pk_company".into(), next_column: "fk_country".into() },
        ];
        let locks = [EdgeLock { column: "fk_user", through: &through, seed: 3, exclusive: false }];
        let sql = edge_lock_statement(Delta::OldAndNew, &locks);
        assert!(
            sql.contains(
                r#"FROM pg_tviews_delta AS d JOIN s.tb_user AS h0 ON h0.pk_user = d.fk_user JOIN s."Tb Company" AS h1 ON h1.pk_company = h0.fk_company WHERE h1.fk_country IS NOT NULL"#
            ),
            "{sql}"
        );
        assert!(sql.contains("hashtextextended(h1.fk_country::text, 3::int8) AS id, false AS exclusive"), "{sql}");
    }
}
