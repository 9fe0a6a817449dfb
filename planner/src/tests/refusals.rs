//! Refusals: every construct the planner cannot maintain (docs/limits.md
//! and `errors.rs`), in several syntactic positions, with the right error
//! kind and a message that names the construct.

use crate::{plan, ErrorKind};

/// The error of a view that must be refused.
fn refusal(sql: &str, key: &str) -> (ErrorKind, String) {
    match plan(sql, key) {
        Ok(p) => panic!("expected a refusal of {sql}, got {p:?}"),
        Err(e) => {
            assert_eq!(e.to_string(), e.message);
            (e.kind, e.message)
        }
    }
}

use ErrorKind::{KeyColumn, NonDeterministic, Syntax, Unsupported};

/// (what, key, view, kind, words the message must contain)
const REFUSED: &[(&str, &str, &str, ErrorKind, &str)] = &[
    // window functions
    ("rank at top", "pk_x", "SELECT t.pk AS pk_x, rank() OVER (ORDER BY t.v) AS r FROM s.t t", Unsupported, "window function in the top-level SELECT"),
    ("row_number partitioned", "pk_x", "SELECT t.pk AS pk_x, row_number() OVER (PARTITION BY t.g ORDER BY t.v) AS n FROM s.t t", Unsupported, "window function in the top-level SELECT"),
    ("sum over inside an expression", "pk_x", "SELECT t.pk AS pk_x, (t.v - sum(t.v) OVER ()) AS d FROM s.t t", Unsupported, "window function in the top-level SELECT"),
    ("named window", "pk_x", "SELECT t.pk AS pk_x, count(*) OVER w AS n FROM s.t t WINDOW w AS (PARTITION BY t.g)", Unsupported, "window function in the top-level SELECT"),
    ("window in jsonb_build_object", "pk_x", "SELECT t.pk AS pk_x, jsonb_build_object('r', rank() OVER (ORDER BY t.v)) AS d FROM s.t t", Unsupported, "window function in the top-level SELECT"),
    ("window, joined source", "pk_x", "SELECT t.pk AS pk_x, lag(u.v) OVER (ORDER BY u.v) AS prev FROM (s.t t JOIN s.u u ON ((u.fk = t.pk)))", Unsupported, "window function in the top-level SELECT"),
    ("window in union branch 2", "pk_x", "SELECT t.pk AS pk_x, 0 AS r FROM s.t t UNION ALL SELECT u.pk, rank() OVER (ORDER BY u.v) AS rank FROM s.u u", Unsupported, "window function in the top-level SELECT"),
    ("window in derived", "pk_x", "SELECT d.pk AS pk_x FROM ( SELECT t.pk, row_number() OVER () AS n FROM s.t t) d", Unsupported, "window function in a derived table"),
    ("window in CTE", "pk_x", "WITH c AS ( SELECT t.pk, rank() OVER (ORDER BY t.v) AS r FROM s.t t) SELECT c.pk AS pk_x, c.r FROM c", Unsupported, "window function in a derived table or CTE"),
    ("window in joined derived", "pk_x", "SELECT t.pk AS pk_x, d.r FROM (s.t t JOIN ( SELECT u.fk, rank() OVER (ORDER BY u.v) AS r FROM s.u u) d ON ((d.fk = t.pk)))", Unsupported, "window function in a derived table"),
    ("window in derived inside a subquery", "pk_x", "SELECT t.pk AS pk_x, ( SELECT max(d.r) AS max FROM ( SELECT u.fk, rank() OVER (ORDER BY u.v) AS r FROM s.u u) d WHERE (d.fk = t.pk)) AS m FROM s.t t", Unsupported, "window function in a derived table"),
    // LIMIT / OFFSET / FETCH
    ("LIMIT at top", "pk_x", "SELECT t.pk AS pk_x FROM s.t t ORDER BY t.pk LIMIT 10", Unsupported, "LIMIT, OFFSET or FETCH in the defining query"),
    ("OFFSET at top", "pk_x", "SELECT t.pk AS pk_x FROM s.t t OFFSET 5", Unsupported, "LIMIT, OFFSET or FETCH in the defining query"),
    ("FETCH at top", "pk_x", "SELECT t.pk AS pk_x FROM s.t t FETCH FIRST 3 ROWS ONLY", Unsupported, "LIMIT, OFFSET or FETCH in the defining query"),
    ("LIMIT after a union", "pk_x", "SELECT t.pk AS pk_x FROM s.t t UNION ALL SELECT u.pk FROM s.u u LIMIT 3", Unsupported, "LIMIT, OFFSET or FETCH in the defining query"),
    ("LIMIT at top with lateral", "pk_x", "SELECT t.pk AS pk_x, l.v FROM (s.t t LEFT JOIN LATERAL ( SELECT u.v FROM s.u u WHERE (u.fk = t.pk) LIMIT 1) l ON (true)) LIMIT 5", Unsupported, "LIMIT, OFFSET or FETCH in the defining query"),
    ("LIMIT in derived", "pk_x", "SELECT d.pk AS pk_x FROM ( SELECT t.pk FROM s.t t ORDER BY t.v LIMIT 3) d", Unsupported, "LIMIT, OFFSET or DISTINCT ON in a derived table or CTE that is not LATERAL"),
    ("OFFSET in derived", "pk_x", "SELECT d.pk AS pk_x FROM ( SELECT t.pk FROM s.t t ORDER BY t.v OFFSET 3) d", Unsupported, "not LATERAL"),
    ("LIMIT in CTE", "pk_x", "WITH top3 AS ( SELECT t.pk FROM s.t t ORDER BY t.v DESC LIMIT 3) SELECT top3.pk AS pk_x FROM top3", Unsupported, "not LATERAL"),
    ("LIMIT in joined derived", "pk_x", "SELECT t.pk AS pk_x, d.v FROM (s.t t JOIN ( SELECT u.fk, u.v FROM s.u u ORDER BY u.v LIMIT 3) d ON ((d.fk = t.pk)))", Unsupported, "not LATERAL"),
    ("LIMIT in derived inside IN", "pk_x", "SELECT t.pk AS pk_x FROM s.t t WHERE (t.g IN ( SELECT d.g FROM ( SELECT u.g FROM s.u u ORDER BY u.v LIMIT 3) d))", Unsupported, "not LATERAL"),
    // TABLESAMPLE, as pg_get_viewdef prints it
    ("TABLESAMPLE system", "pk_x", "SELECT t.pk AS pk_x FROM s.t t TABLESAMPLE system ((50)::real)", Unsupported, "TABLESAMPLE"),
    ("TABLESAMPLE repeatable", "pk_x", "SELECT t.pk AS pk_x FROM s.t t TABLESAMPLE bernoulli ((10)::real) REPEATABLE ((1)::double precision)", Unsupported, "TABLESAMPLE"),
    ("TABLESAMPLE beside a column named tablesample", "pk_x", "SELECT t.pk AS pk_x FROM s.t t TABLESAMPLE system ((50)::real) WHERE (t.\"tablesample\" = 1)", Unsupported, "TABLESAMPLE"),
    ("TABLESAMPLE in a joined derived table", "pk_x", "SELECT t.pk AS pk_x, d.v FROM (s.t t JOIN ( SELECT u.fk, u.v FROM s.u u TABLESAMPLE system ((1)::real)) d ON ((d.fk = t.pk)))", Unsupported, "TABLESAMPLE"),
    // ONLY (inheritance), but not FETCH ... ROWS ONLY
    ("ONLY a table", "pk_x", "SELECT t.pk AS pk_x FROM ONLY s.t t", Unsupported, "ONLY (a table read without its inheritance children)"),
    ("ONLY in a join", "pk_x", "SELECT t.pk AS pk_x FROM (s.t t JOIN ONLY s.u u ON ((u.fk = t.pk)))", Unsupported, "ONLY"),
    // WITH RECURSIVE
    ("recursive CTE at top", "pk_x", "WITH RECURSIVE r AS ( SELECT t.pk FROM s.t t UNION ALL SELECT r.pk FROM r) SELECT r.pk AS pk_x FROM r", Unsupported, "WITH RECURSIVE"),
    ("recursive CTE in IN", "pk_x", "SELECT t.pk AS pk_x FROM s.t t WHERE (t.g IN ( WITH RECURSIVE r AS ( SELECT 1 AS n UNION ALL SELECT (r.n + 1) FROM r WHERE (r.n < 3)) SELECT r.n FROM r))", Unsupported, "WITH RECURSIVE"),
    ("recursive CTE in select list", "pk_x", "SELECT t.pk AS pk_x, ( WITH RECURSIVE r AS ( SELECT u.pk, u.parent FROM s.u u WHERE (u.pk = t.fk) UNION ALL SELECT u.pk, u.parent FROM (s.u u JOIN r ON ((u.pk = r.parent)))) SELECT count(*) FROM r) AS depth FROM s.t t", Unsupported, "WITH RECURSIVE"),
    ("recursive CTE in derived", "pk_x", "SELECT d.pk AS pk_x FROM ( WITH RECURSIVE r AS ( SELECT t.pk FROM s.t t UNION ALL SELECT r.pk FROM r) SELECT r.pk FROM r) d", Unsupported, "WITH RECURSIVE"),
    // DISTINCT ON
    ("DISTINCT ON at top", "pk_x", "SELECT DISTINCT ON (t.g) t.pk AS pk_x FROM s.t t", Unsupported, "DISTINCT ON in the top-level SELECT"),
    ("DISTINCT ON the key", "pk_x", "SELECT DISTINCT ON (t.pk) t.pk AS pk_x, t.v FROM s.t t ORDER BY t.pk, t.v", Unsupported, "DISTINCT ON"),
    ("DISTINCT ON in union branch 2", "pk_x", "SELECT t.pk AS pk_x FROM s.t t UNION ALL SELECT DISTINCT ON (u.g) u.pk FROM s.u u", Unsupported, "DISTINCT ON"),
    // grouping
    ("GROUP BY without the key", "pk_x", "SELECT min(t.pk) AS pk_x, t.name FROM s.t t GROUP BY t.name", Unsupported, "GROUP BY that does not include the key column"),
    ("GROUP BY another expression", "pk_x", "SELECT (t.g + 0) AS pk_x, count(*) AS n FROM s.t t GROUP BY t.g", Unsupported, "GROUP BY that does not include the key column"),
    ("GROUP BY without the key, joined", "pk_x", "SELECT t.pk AS pk_x, count(*) AS n FROM (s.t t JOIN s.u u ON ((u.fk = t.pk))) GROUP BY u.g, t.pk2", Unsupported, "GROUP BY"),
    ("GROUP BY in union branch 2", "pk_x", "SELECT t.pk AS pk_x, 1 AS n FROM s.t t UNION ALL SELECT max(u.pk), count(*) FROM s.u u GROUP BY u.g", Unsupported, "GROUP BY"),
    ("count over the whole query", "pk_x", "SELECT 1 AS pk_x, count(*) AS n FROM s.t t", Unsupported, "aggregate over the whole query without GROUP BY"),
    ("jsonb_agg over the whole query", "pk_x", "SELECT 1 AS pk_x, jsonb_agg(t.v) AS vs FROM s.t t", Unsupported, "without GROUP BY"),
    ("HAVING without GROUP BY", "pk_x", "SELECT t.pk AS pk_x, 1 AS one FROM s.t t HAVING (count(*) > 1)", Unsupported, "without GROUP BY"),
    ("filtered aggregate over the whole query", "pk_x", "SELECT 0 AS pk_x, count(*) FILTER (WHERE t.ok) AS n FROM s.t t", Unsupported, "without GROUP BY"),
    ("percentile over the whole query", "pk_x", "SELECT 0 AS pk_x, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.v) AS med FROM s.t t", Unsupported, "without GROUP BY"),
    // the key column
    ("no such output column", "pk_x", "SELECT t.id, t.name FROM s.t t", KeyColumn, "no output column named pk_x"),
    ("key names are case-sensitive", "PK_X", "SELECT t.pk AS pk_x FROM s.t t", KeyColumn, "no output column named PK_X"),
    ("key only in branch 2", "pk_x", "SELECT t.pk AS id FROM s.t t UNION ALL SELECT u.pk AS pk_x FROM s.u u", KeyColumn, "no output column named pk_x"),
    ("composite key", "pk_a, pk_b", "SELECT t.a AS pk_a, t.b AS pk_b FROM s.t t", KeyColumn, "no output column named pk_a, pk_b"),
    ("empty key name", "", "SELECT t.pk AS pk_x FROM s.t t", KeyColumn, "no output column named"),
    ("branch 2 is a star", "pk_x", "SELECT a.id AS pk_x FROM s.ta a UNION ALL SELECT * FROM s.tb", KeyColumn, "no key column at the key's position"),
    ("key computed by a subquery", "pk_x", "SELECT ( SELECT max(x.id) AS max FROM s.tx x) AS pk_x, t.v FROM s.t t", Unsupported, "key column computed by a subquery"),
    ("key computed by a correlated subquery", "pk_x", "SELECT ( SELECT x.id FROM s.tx x WHERE (x.t = t.pk)) AS pk_x, t.v FROM s.t t", Unsupported, "key column computed by a subquery"),
    ("key is an aggregate of a derived table", "pk_x", "SELECT d.n AS pk_x FROM ( SELECT t.g, count(*) AS n FROM s.t t GROUP BY t.g) d", Unsupported, "key column computed by an aggregate"),
    ("key from a limited lateral", "pk_x", "SELECT l.id AS pk_x FROM (s.tu u CROSS JOIN LATERAL ( SELECT p.id FROM s.tp p WHERE (p.u = u.id) LIMIT 1) l)", Unsupported, "a LIMIT"),
    ("key from a derived table's subquery", "pk_x", "SELECT d.k AS pk_x FROM ( SELECT ( SELECT max(x.id) AS max FROM s.tx x WHERE (x.t = t.pk)) AS k FROM s.t t) d", Unsupported, "key column computed by"),
    // what the query reads
    ("a constant", "pk_x", "SELECT 1 AS pk_x", Unsupported, "a query that reads no table"),
    ("a set-returning function", "pk_x", "SELECT g.i AS pk_x FROM generate_series(1, 10) g(i)", Unsupported, "reads no table"),
    ("VALUES in FROM", "pk_x", "SELECT v.i AS pk_x FROM ( VALUES (1), (2)) v(i)", Unsupported, "reads no table"),
    ("a table function over a subquery", "pk_x", "SELECT t.id AS pk_x, e.value FROM s.t t, LATERAL jsonb_array_elements(( SELECT x.j FROM s.tx x WHERE (x.id = t.id))) e(value)", Unsupported, "a table function or other FROM item that reads a table"),
    ("star in a derived table", "pk_x", "SELECT d.pk_x FROM ( SELECT * FROM s.t) d", Unsupported, "* in a derived table"),
    ("an unqualified relation", "pk_x", "SELECT t.id AS pk_x FROM t", Unsupported, "the relation reference t"),
    ("a four-part name", "pk_x", "SELECT t.id AS pk_x FROM x.db.s.t t", Unsupported, "the relation reference x.db.s.t"),
    ("two CTEs of one name", "pk_x", "WITH c AS ( SELECT a.id FROM s.ta a) SELECT c.id AS pk_x, ( WITH c AS ( SELECT b.id FROM s.tb b) SELECT count(*) AS count FROM c) AS n FROM c", Unsupported, "two different CTEs named c"),
    ("a derived table without alias", "pk_x", "SELECT u.pk AS pk_x FROM (s.tu u JOIN ( SELECT p.fk_user, count(*) AS n FROM s.tp p GROUP BY p.fk_user) ON (true))", Unsupported, "a derived table without an alias"),
    ("VALUES as the query", "pk_x", "VALUES (1)", Unsupported, "a defining query that is not a SELECT"),
    // not one SELECT
    ("DELETE", "pk_x", "DELETE FROM s.t", Syntax, "single SELECT"),
    ("INSERT", "pk_x", "INSERT INTO s.t VALUES (1)", Syntax, "single SELECT"),
    ("UPDATE", "pk_x", "UPDATE s.t SET v = 1", Syntax, "single SELECT"),
    ("CREATE VIEW", "pk_x", "CREATE VIEW s.v AS SELECT 1 AS pk_x", Syntax, "single SELECT"),
    ("two statements", "pk_x", "SELECT 1 AS pk_x; SELECT 2 AS pk_x", Syntax, "single SELECT"),
    ("nothing", "pk_x", "", Syntax, "single SELECT"),
    ("a typo", "pk_x", "SELEC t.pk FROM s.t t", Syntax, "could not analyse the defining query"),
    ("an unterminated string", "pk_x", "SELECT t.pk AS pk_x, 'x FROM s.t t", Syntax, "could not analyse"),
    ("an unbalanced parenthesis", "pk_x", "SELECT t.pk AS pk_x FROM (s.t t", Syntax, "could not analyse"),
];

#[test]
fn unsupported_constructs_are_refused_naming_them() {
    for (what, key, sql, kind, words) in REFUSED {
        let (got_kind, message) = refusal(sql, key);
        assert_eq!(got_kind, *kind, "{what}: {message}");
        assert!(message.contains(words), "{what}: {message:?} should name {words:?}");
        if *kind == Unsupported {
            assert!(message.ends_with("cannot be maintained incrementally"), "{what}: {message}");
        }
    }
    assert_eq!(REFUSED.len(), 73, "refused shapes");
}

/// A table read more often than the planner's bound is refused by name,
/// however many times: the count of its occurrences must not overflow the
/// bit set of old and current ones (a debug build panicked from 33 on).
#[test]
fn a_table_read_many_times_is_refused_at_any_count() {
    for n in [7, 32, 33, 64, 65, 200] {
        let joins: String = (1..n).map(|i| format!(" JOIN s.t t{i} ON t{i}.pk = t{}.pk", i - 1)).collect();
        let sql = format!("SELECT t0.pk AS pk_x FROM s.t t0{joins}");
        let (kind, message) = refusal(&sql, "pk_x");
        assert_eq!(kind, Unsupported, "{n}: {message}");
        assert!(message.contains("a table read more than 6 times (s.t)"), "{n}: {message}");
    }
}

#[test]
fn a_quoted_name_tablesample_is_not_the_clause() {
    let sql = "SELECT t.pk AS pk_x, t.\"tablesample\" FROM s.t t";
    assert!(plan(sql, "pk_x").is_ok(), "{:?}", plan(sql, "pk_x").err());
}

/// Functions whose value depends on time, chance or the session: (the
/// name the message gives, how `pg_get_viewdef` prints a call).
const NON_DETERMINISTIC: &[(&str, &str)] = &[
    ("now", "now()"),
    ("now", "NOW()"),
    ("now", "pg_catalog.now()"),
    ("current_timestamp", "CURRENT_TIMESTAMP"),
    ("current_timestamp", "CURRENT_TIMESTAMP(3)"),
    ("current_date", "CURRENT_DATE"),
    ("current_time", "CURRENT_TIME"),
    ("localtime", "LOCALTIME"),
    ("localtimestamp", "LOCALTIMESTAMP"),
    ("clock_timestamp", "clock_timestamp()"),
    ("statement_timestamp", "statement_timestamp()"),
    ("transaction_timestamp", "transaction_timestamp()"),
    ("timeofday", "timeofday()"),
    ("random", "random()"),
    ("random_normal", "random_normal(0, 1)"),
    ("setseed", "setseed((0.5)::double precision)"),
    ("nextval", "nextval('s.seq'::regclass)"),
    ("currval", "currval('s.seq'::regclass)"),
    ("lastval", "lastval()"),
    ("gen_random_uuid", "gen_random_uuid()"),
    ("uuid_generate_v1", "public.uuid_generate_v1()"),
    ("uuid_generate_v1mc", "uuid_generate_v1mc()"),
    ("uuid_generate_v4", "uuid_generate_v4()"),
    ("txid_current", "txid_current()"),
    ("pg_current_xact_id", "pg_current_xact_id()"),
    ("current_user", "CURRENT_USER"),
    ("session_user", "SESSION_USER"),
    ("user", "USER"),
];

/// Where such a call `{f}` can stand: every clause, nested queries, CTEs,
/// derived tables, the other branch of a UNION ALL.
const POSITIONS: &[&str] = &[
    "SELECT t.pk AS pk_x, {f} AS e FROM s.t t",
    "SELECT t.pk AS pk_x, jsonb_build_object('at', {f}, 'v', t.v) AS data FROM s.t t",
    "SELECT t.pk AS pk_x FROM s.t t WHERE (({f})::text IS NOT NULL)",
    "SELECT t.pk AS pk_x FROM (s.t t JOIN s.u u ON (((u.fk = t.pk) AND (({f})::text <> ''::text))))",
    "SELECT t.pk AS pk_x, count(*) AS n FROM s.t t GROUP BY t.pk HAVING (max(({f})::text) IS NOT NULL)",
    "SELECT t.pk AS pk_x, ( SELECT jsonb_agg(u.v ORDER BY ({f})::text) AS jsonb_agg FROM s.u u WHERE (u.fk = t.pk)) AS vs FROM s.t t",
    "SELECT t.pk AS pk_x FROM s.t t WHERE (EXISTS ( SELECT 1 FROM s.u u WHERE ((u.fk = t.pk) AND (({f})::text IS NOT NULL))))",
    "SELECT d.pk AS pk_x, d.e FROM ( SELECT t.pk, {f} AS e FROM s.t t) d",
    "WITH c AS ( SELECT t.pk, {f} AS e FROM s.t t) SELECT c.pk AS pk_x, c.e FROM c",
    "SELECT t.pk AS pk_x, l.e FROM (s.t t LEFT JOIN LATERAL ( SELECT {f} AS e FROM s.u u WHERE (u.fk = t.pk)) l ON (true))",
    "SELECT t.pk AS pk_x FROM s.t t UNION ALL SELECT u.pk FROM s.u u WHERE (({f})::text IS NOT NULL)",
];

#[test]
fn time_chance_and_session_functions_are_refused_everywhere() {
    let mut cases = 0;
    for (name, call) in NON_DETERMINISTIC {
        for position in POSITIONS {
            let sql = position.replace("{f}", call);
            let (kind, message) = refusal(&sql, "pk_x");
            assert_eq!(kind, NonDeterministic, "{sql}: {message}");
            assert_eq!(message, format!("function {name}() is not allowed in a TVIEW"), "{sql}");
            let hint = plan(&sql, "pk_x").unwrap_err().hint.unwrap_or_default();
            assert!(hint.contains("time") && hint.contains("chance"), "{hint}");
            cases += 1;
        }
    }
    assert_eq!(cases, NON_DETERMINISTIC.len() * POSITIONS.len());
    assert_eq!(cases, 308, "refused calls");
}

/// Names that only look like those functions are not refused.
const LOOK_ALIKES: &[&str] = &[
    "SELECT t.pk AS pk_x, t.now FROM s.t t",
    "SELECT t.pk AS pk_x, t.random AS r FROM s.t t",
    "SELECT t.pk AS pk_x, 'now()'::text AS s FROM s.t t",
    "SELECT t.pk AS pk_x, t.created_at AS at FROM s.t t WHERE (t.random_seed > 0)",
    "SELECT t.pk AS pk_x, s.nextval_of(t.pk) AS n FROM s.t t",
    "SELECT t.pk AS pk_x, ('2024-01-01'::date + t.days) AS due FROM s.t t",
    "SELECT t.pk AS pk_x, t.\"user\" AS owner FROM s.t t",
];

#[test]
fn look_alikes_of_refused_functions_are_accepted() {
    for sql in LOOK_ALIKES {
        plan(sql, "pk_x").unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    assert_eq!(LOOK_ALIKES.len(), 7, "accepted look-alikes");
}
