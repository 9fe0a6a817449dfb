"""Seeded generator of TVIEW definitions for test/extra/shape_fuzz.sh.

A small grammar over the schema of schema.sql: a root relation (a base table or
an earlier accepted generated TVIEW) whose id is the key pk_<entity>; 0-3 joins
(INNER/LEFT on foreign-key columns, self joins, a second occurrence of a table,
an aggregating derived table, LATERAL ... LIMIT); select-list columns,
expressions, COALESCE, nested jsonb_build_object, correlated scalar subqueries
(count / max / sum / jsonb_agg / array_agg / ARRAY(SELECT ...), nested up to two
levels); WHERE with simple predicates, EXISTS / NOT EXISTS / IN / NOT IN; GROUP
BY the key with aggregates (FILTER too); a derived-table or CTE wrapper; UNION ALL
of two branches with disjoint text keys; a row per pair of an outer join keyed by
both sides (outer_pair).  Every aggregate that builds an ordered
value orders by a unique column, so the value is deterministic.

Deterministic for a given seed and the list of accepted earlier TVIEWs.
"""

import random

INT, BIGINT, TEXT, NUM, BOOL, JSONB, INTARR, TEXTARR = (
    "int", "bigint", "text", "numeric", "bool", "jsonb", "int[]", "text[]")

# table -> (columns {name: type}, foreign-key-like references {column: table})
TABLES = {
    "companies": ({"id": INT, "name": TEXT, "country": TEXT, "budget": NUM, "meta": JSONB}, {}),
    "users": ({"id": INT, "company_id": INT, "manager_id": INT, "name": TEXT, "score": INT,
               "active": BOOL}, {"company_id": "companies", "manager_id": "users"}),
    "categories": ({"id": INT, "parent_id": INT, "name": TEXT}, {"parent_id": "categories"}),
    "posts": ({"id": INT, "user_id": INT, "category_id": INT, "title": TEXT, "views": INT,
               "published": BOOL, "price": NUM, "extra": JSONB},
              {"user_id": "users", "category_id": "categories"}),
    "comments": ({"id": INT, "post_id": INT, "user_id": INT, "body": TEXT, "rating": INT},
                 {"post_id": "posts", "user_id": "users"}),
    "tags": ({"id": INT, "name": TEXT}, {}),
    "post_tags": ({"post_id": INT, "tag_id": INT}, {"post_id": "posts", "tag_id": "tags"}),
}
# refused because of what a source is or what is read of it (docs/limits.md)
# values that depend on the order rows are read in (docs/limits.md)
ORDER_REFUSALS = ["unordered aggregate", "tied aggregate order", "tied limit order", "unordered ARRAY"]
SOURCE_REFUSALS = ["partitioned table", "partition", "inheritance parent", "inheritance child",
                   "tablesample", "system column"]
ROOTS = ["companies", "users", "users", "categories", "posts", "posts", "posts",
         "comments", "comments", "tags"]
SHORT = {"companies": "co", "users": "u", "categories": "cat", "posts": "p",
         "comments": "c", "tags": "t", "post_tags": "pt"}


def children(table):
    """(child table, column) pairs whose column refers to table."""
    out = []
    for t, (_, refs) in TABLES.items():
        for col, target in refs.items():
            if target == table:
                out.append((t, col))
    return out


def unique_col(table):
    return "id" if "id" in TABLES[table][0] else "tag_id"


def order_key(table, alias):
    """An ORDER BY that is total over the rows of table: its key (pg_tviews
    refuses an order-sensitive aggregate or LIMIT whose order can tie)."""
    return f"{alias}.id" if "id" in TABLES[table][0] else f"{alias}.post_id, {alias}.tag_id"


class Rel:
    """A relation in scope: alias, the base table it stands for (its id column is
    idcol), its columns, and whether it may be NULL-extended."""

    def __init__(self, alias, table, cols, idcol="id", refs=None, name=None):
        self.alias, self.table, self.cols, self.idcol = alias, table, cols, idcol
        self.refs = TABLES[table][1] if refs is None and table in TABLES else (refs or {})
        self.name = name or table


class Gen:
    def __init__(self, seed, stackable):
        self.r = random.Random(seed)
        # stackable: list of (entity, base table, {column: type}) of accepted TVIEWs
        # whose key is that base table's id
        self.stackable = stackable
        self.n_alias = 0
        self.tags = []

    def p(self, prob):
        return self.r.random() < prob

    def alias(self, table):
        self.n_alias += 1
        return f"{SHORT.get(table, 'x')}{self.n_alias}"

    def tag(self, t):
        if t not in self.tags:
            self.tags.append(t)

    # ---- values -------------------------------------------------------------
    def literal(self, rel, col):
        typ = rel.cols[col]
        if typ in (INT, BIGINT):
            return str(self.r.randint(0, 60))
        if typ == NUM:
            return str(self.r.randint(0, 5000)) + ".5"
        if typ == TEXT:
            return "'" + self.r.choice(["FR", "DE", "m", "t", "user 1", "post 3"]) + "'"
        return "NULL"

    def predicate(self, rel):
        """A simple predicate on one column of rel."""
        cols = [c for c, t in rel.cols.items() if t in (INT, BIGINT, NUM, TEXT, BOOL, JSONB)]
        col = self.r.choice(cols)
        typ, ref = rel.cols[col], f"{rel.alias}.{col}"
        k = self.r.random()
        if k < 0.15:
            return f"{ref} IS {'NOT ' if self.p(0.6) else ''}NULL"
        if typ == BOOL:
            return self.r.choice([ref, f"NOT {ref}", f"{ref} IS TRUE", f"coalesce({ref}, false)"])
        if typ == JSONB:
            return self.r.choice([f"{ref} ? 'k'", f"({ref} ->> 'tier')::int > 0",
                                  f"{ref} @> '{{\"flag\": true}}'", f"{ref} ->> 'k' = '2'"])
        if typ == TEXT:
            return self.r.choice([f"{ref} <> {self.literal(rel, col)}", f"{ref} > {self.literal(rel, col)}",
                                  f"{ref} LIKE '%1%'", f"{ref} IN ('FR', 'US', 'tag 3')"])
        op = self.r.choice([">", "<", ">=", "<>", "="])
        if typ in (INT, BIGINT) and col.endswith("id") and self.p(0.5):
            return f"{ref} % {self.r.randint(2, 4)} {self.r.choice(['=', '<>'])} 0"
        return f"{ref} {op} {self.literal(rel, col)}"

    def column(self, rel, typ=None):
        cols = [c for c, t in rel.cols.items() if typ is None or t == typ]
        if not cols:
            return None
        c = self.r.choice(cols)
        return f"{rel.alias}.{c}", rel.cols[c]

    def expr(self, scope, depth):
        """A select-list expression over scope: (sql, type)."""
        k = self.r.random()
        if depth < 2 and k < 0.30:
            return self.subquery(scope, depth)
        if depth < 3 and k < 0.42:
            return self.jsonb_object(scope, depth)
        rel = self.r.choice(scope)
        sql, typ = self.column(rel)
        k = self.r.random()
        if k < 0.55:
            return sql, typ
        if typ == TEXT:
            return self.r.choice([(f"upper({sql})", TEXT), (f"COALESCE({sql}, '-')", TEXT),
                                  (f"{sql} || '!'", TEXT), (f"length({sql})", INT)])
        if typ in (INT, BIGINT):
            return self.r.choice([(f"COALESCE({sql}, -1)", typ), (f"{sql} * 2 + 1", typ),
                                  (f"{sql} > 20", BOOL)])
        if typ == NUM:
            return self.r.choice([(f"COALESCE({sql}, 0)", NUM), (f"round({sql} / 3, 2)", NUM)])
        if typ == JSONB:
            return self.r.choice([(f"{sql} -> 'k'", JSONB), (f"COALESCE({sql}, '{{}}')", JSONB),
                                  (f"{sql} ->> 'tier'", TEXT)])
        if typ == BOOL:
            return f"COALESCE({sql}, false)", BOOL
        return sql, typ

    def jsonb_object(self, scope, depth):
        self.tag("jsonb_build_object")
        parts = []
        for i in range(self.r.randint(1, 3)):
            e, _ = self.expr(scope, depth + 1)
            parts.append(f"'f{i}', {e}")
        return f"jsonb_build_object({', '.join(parts)})", JSONB

    def subquery(self, scope, depth):
        """A scalar subquery correlated to a relation of scope (its children, or the
        table it refers to)."""
        rel = self.r.choice(scope)
        kids = children(rel.table) if rel.table in TABLES and rel.idcol else []
        if rel.refs and (not kids or self.p(0.25)):
            col = self.r.choice(sorted(rel.refs))
            target = rel.refs[col]
            a = self.alias(target)
            inner = Rel(a, target, TABLES[target][0])
            e, typ = self.expr([inner], depth + 1) if self.p(0.5) else self.column(inner)
            self.tag("to-one scalar subquery")
            return f"(SELECT {e} FROM {target} {a} WHERE {a}.id = {rel.alias}.{col})", typ
        if not kids:
            return self.column(rel)
        child, fk = self.r.choice(kids)
        a = self.alias(child)
        inner = Rel(a, child, TABLES[child][0])
        where = f"{a}.{fk} = {rel.alias}.{rel.idcol}"
        if self.p(0.3):
            where += f" AND {self.predicate(inner)}"
        u = f"{a}.{unique_col(child)}"
        k = self.r.random()
        if k < 0.25:
            self.tag("count subquery")
            return f"(SELECT count(*) FROM {child} {a} WHERE {where})", BIGINT
        if k < 0.40:
            sql, typ = self.column(inner)
            if typ in (JSONB, BOOL):
                sql, typ = u, INT
            fn = self.r.choice(["max", "min"] + (["sum"] if typ in (INT, NUM) else []))
            rtyp = BIGINT if (fn == "sum" and typ == INT) else typ
            self.tag("max/min/sum subquery")
            return f"(SELECT {fn}({sql}) FROM {child} {a} WHERE {where})", rtyp
        if k < 0.75:
            self.tag("jsonb_agg subquery" + (" (nested)" if depth > 0 else ""))
            e, _ = self.jsonb_object([inner], depth + 1) if self.p(0.7) else self.expr([inner], depth + 1)
            q = f"(SELECT jsonb_agg({e} ORDER BY {order_key(child, a)}) FROM {child} {a} WHERE {where})"
            if self.p(0.6):
                self.tag("COALESCE")
                q = f"COALESCE({q}, '[]'::jsonb)"
            return q, JSONB
        if k < 0.9:
            self.tag("ARRAY(SELECT)")
            sql, typ = self.column(inner, TEXT) or (u, INT)
            return f"ARRAY(SELECT {sql} FROM {child} {a} WHERE {where} ORDER BY {order_key(child, a)})", \
                TEXTARR if typ == TEXT else INTARR
        self.tag("array_agg subquery")
        return f"(SELECT array_agg({u} ORDER BY {order_key(child, a)}) FROM {child} {a} WHERE {where})", INTARR

    def exists(self, scope):
        rel = self.r.choice(scope)
        kids = children(rel.table) if rel.table in TABLES else []
        k = self.r.random()
        if rel.refs and (k < 0.25 or not kids):
            col = self.r.choice(sorted(rel.refs))
            target = rel.refs[col]
            a = self.alias(target)
            inner = Rel(a, target, TABLES[target][0])
            self.tag("IN subquery")
            neg = "NOT " if self.p(0.3) else ""
            if neg:
                return (f"{rel.alias}.{col} NOT IN (SELECT {a}.id FROM {target} {a} "
                        f"WHERE {self.predicate(inner)})")
            return f"{rel.alias}.{col} IN (SELECT {a}.id FROM {target} {a} WHERE {self.predicate(inner)})"
        if not kids:
            return self.predicate(rel)
        child, fk = self.r.choice(kids)
        a = self.alias(child)
        inner = Rel(a, child, TABLES[child][0])
        cond = f"{a}.{fk} = {rel.alias}.{rel.idcol}"
        if self.p(0.6):
            cond += f" AND {self.predicate(inner)}"
        if self.p(0.2):
            self.tag("NOT IN subquery")
            return (f"{rel.alias}.{rel.idcol} NOT IN (SELECT {a}.{fk} FROM {child} {a} "
                    f"WHERE {a}.{fk} IS NOT NULL AND {self.predicate(inner)})")
        neg = self.p(0.35)
        self.tag("NOT EXISTS" if neg else "EXISTS")
        return f"{'NOT ' if neg else ''}EXISTS (SELECT 1 FROM {child} {a} WHERE {cond})"

    # ---- one SELECT ---------------------------------------------------------
    def core(self, entity, key_expr=None, want_types=None, allow_group=True, root=None, allow_where=True):
        """One SELECT with the key column pk_<entity>.  key_expr(alias) builds the key
        (UNION ALL branches); want_types forces the types of the other columns."""
        from_sql, scope, joins = None, [], []
        if root is None and self.stackable and self.p(0.25):
            ent, base, cols = self.r.choice(self.stackable)
            a = self.alias(base)
            rel = Rel(a, base, cols, idcol=f"pk_{ent}", refs={}, name=f"tv_{ent}")
            self.tag("stacked (root)")
        else:
            base = root or self.r.choice(ROOTS)
            a = self.alias(base)
            rel = Rel(a, base, TABLES[base][0])
        from_sql = f"{rel.name} {a}"
        scope.append(rel)
        root_rel = rel
        self.root_table = rel.table
        group = allow_group and want_types is None and self.p(0.15) and children(rel.table)
        # to-one joins
        for _ in range(self.r.choice([0, 0, 1, 1, 1, 2, 2, 3])):
            cand = [(s, c) for s in scope for c in sorted(s.refs)]
            if not cand:
                break
            src, col = self.r.choice(cand)
            target = src.refs[col]
            kind = "LEFT JOIN" if self.p(0.55) else "JOIN"
            stack = [s for s in self.stackable if s[1] == target]
            if stack and self.p(0.3):
                ent, _, cols = self.r.choice(stack)
                a = self.alias(target)
                jr = Rel(a, target, cols, idcol=f"pk_{ent}", refs={}, name=f"tv_{ent}")
                on = f"{a}.pk_{ent} = {src.alias}.{col}"
                self.tag("stacked (joined)")
            else:
                a = self.alias(target)
                jr = Rel(a, target, TABLES[target][0])
                on = f"{a}.id = {src.alias}.{col}"
                if self.p(0.15):
                    on += f" AND {self.predicate(jr)}"
            if target == src.table:
                self.tag("self join")
            if any(s.table == target for s in scope):
                self.tag("table twice")
            self.tag("left join" if kind.startswith("LEFT") else "inner join")
            joins.append(f"{kind} {jr.name} {a} ON {on}")
            scope.append(jr)
        # an aggregating derived table or a LATERAL subquery keyed by the root
        extra_scope = []
        kids = children(root_rel.table)
        if kids and not group and self.p(0.15):
            child, fk = self.r.choice(kids)
            a, d = self.alias(child), self.alias("d")
            if self.p(0.5):
                self.tag("derived table (aggregate)")
                joins.append(f"LEFT JOIN (SELECT {a}.{fk}, count(*) AS n, max({a}.{unique_col(child)}) AS top "
                             f"FROM {child} {a} GROUP BY {a}.{fk}) {d} ON {d}.{fk} = {root_rel.alias}.{root_rel.idcol}")
                extra_scope.append(Rel(d, "derived", {"n": BIGINT, "top": INT}, idcol=None, refs={}))
            else:
                self.tag("LATERAL LIMIT")
                u = unique_col(child)
                joins.append(f"LEFT JOIN LATERAL (SELECT {a}.{u} AS last_id FROM {child} {a} "
                             f"WHERE {a}.{fk} = {root_rel.alias}.{root_rel.idcol} "
                             f"ORDER BY {a}.{u} DESC, {order_key(child, a)} LIMIT 1) {d} ON true")
                extra_scope.append(Rel(d, "lateral", {"last_id": INT}, idcol=None, refs={}))
        gchild = None
        if group:
            child, fk = self.r.choice(children(root_rel.table))
            a = self.alias(child)
            gchild = Rel(a, child, TABLES[child][0])
            joins.append(f"LEFT JOIN {child} {a} ON {a}.{fk} = {root_rel.alias}.{root_rel.idcol}")
            self.tag("GROUP BY key")
        # select list
        key = key_expr(root_rel) if key_expr else f"{root_rel.alias}.{root_rel.idcol}"
        items, types = [f"{key} AS pk_{entity}"], []
        n_items = len(want_types) if want_types is not None else self.r.randint(1, 5)
        all_scope = scope + extra_scope
        for i in range(n_items):
            if gchild is not None and self.p(0.5):
                e, typ = self.aggregate(gchild)
            elif want_types is not None:
                e, typ = self.typed(all_scope, want_types[i])
            else:
                e, typ = self.expr(all_scope, 0)
            items.append(f"{e} AS {self.colname(typ, i)}")
            types.append(typ)
        # where
        where = []
        for _ in range(self.r.choice([0, 0, 1, 1, 2]) if allow_where else 0):
            if self.p(0.45):
                where.append(self.exists(scope))
            else:
                where.append(self.predicate(self.r.choice(scope)))
                self.tag("WHERE")
        sql = "SELECT " + ",\n       ".join(items) + f"\nFROM {from_sql}"
        for j in joins:
            sql += "\n" + j
        if where:
            sql += "\nWHERE " + "\n  AND ".join(where)
        if gchild is not None:
            # the key plus the ids of the to-one joined tables (their columns are
            # then functionally dependent), and the derived/lateral columns
            gb = [f"{root_rel.alias}.{root_rel.idcol}"]
            for s in scope[1:] + extra_scope:
                gb += [f"{s.alias}.{c}" for c in s.cols] if s.name.startswith("tv_") or s.idcol is None \
                    else [f"{s.alias}.id"]
            if root_rel.name.startswith("tv_"):
                gb += [f"{root_rel.alias}.{c}" for c in root_rel.cols if c != root_rel.idcol]
            sql += "\nGROUP BY " + ", ".join(gb)
        return sql, types

    def aggregate(self, g):
        u = f"{g.alias}.{unique_col(g.table)}"
        k = self.r.random()
        if k < 0.3:
            return f"count({u})", BIGINT
        if k < 0.45:
            num = [c for c, t in g.cols.items() if t in (INT, NUM) and c != "id"]
            if num:
                c = self.r.choice(num)
                return f"sum({g.alias}.{c})", BIGINT if g.cols[c] == INT else NUM
            return f"count(*)", BIGINT
        if k < 0.6:
            self.tag("FILTER")
            return f"count(*) FILTER (WHERE {self.predicate(g)})", BIGINT
        if k < 0.8:
            e, _ = self.jsonb_object([g], 1)
            return (f"COALESCE(jsonb_agg({e} ORDER BY {order_key(g.table, g.alias)}) FILTER (WHERE {u} IS NOT NULL), "
                    f"'[]')", JSONB)
        return f"max({u})", INT

    def typed(self, scope, typ):
        """An expression of exactly type typ (UNION ALL branches must agree)."""
        for _ in range(8):
            e, t = self.expr(scope, 0)
            if t == typ:
                return e, t
            if typ == BIGINT and t == INT:
                return f"({e})::bigint", typ
            if typ == TEXT and t in (INT, BIGINT, NUM, BOOL):
                return f"({e})::text", typ
        return f"NULL::{typ}", typ

    def colname(self, typ, i):
        base = {INT: "num", BIGINT: "cnt", TEXT: "txt", NUM: "amount", BOOL: "flag",
                JSONB: "doc", INTARR: "ids", TEXTARR: "names"}.get(typ, "col")
        return f"{base}_{i + 1}"

    # ---- a whole definition -------------------------------------------------
    def definition(self, entity):
        k = self.r.random()
        if k < 0.07:
            return self.refusable(entity)
        if 0.27 <= k < 0.31:
            return self.duplicable_key(entity)
        if 0.31 <= k < 0.36:
            return self.refusable(entity, kinds=SOURCE_REFUSALS)
        if k < 0.15:
            sql = self.outer_pair(entity)
        elif k < 0.27:
            self.tag("UNION ALL")
            n = self.r.randint(1, 4)
            roots = [self.r.choice(ROOTS), self.r.choice(ROOTS)]
            # branch 1 free, branch 2 with the same column types
            a, types = self.core_union_branch(entity, "a", roots[0], None, n)
            b, _ = self.core_union_branch(entity, "b", roots[1], types, n)
            sql = f"{a}\nUNION ALL\n{b}"
            self.root_table = None
        else:
            sql, _ = self.core(entity)
        k = self.r.random()
        if k < 0.1:
            self.tag("derived-table wrapper")
            w = f"SELECT d.*\nFROM (\n{sql}\n) d"
            if self.p(0.5):
                w += f"\nWHERE d.pk_{entity} IS NOT NULL"
            sql = w
        elif k < 0.2:
            self.tag("CTE wrapper")
            sql = f"WITH base AS (\n{sql}\n)\nSELECT b.*\nFROM base b"
        return sql

    def outer_pair(self, entity):
        """A row per (root, child) pair of an outer join (LEFT, RIGHT or FULL), maybe
        chained to the child's referenced table: the key reads both sides
        (COALESCEd), so a write to either side adds or removes NULL-extended rows.
        About 1 in 8 keys read only a side the join NULL-extends: refused."""
        roots = [t for t in ROOTS if children(t)]
        base = self.r.choice(roots)
        child, fk = self.r.choice(children(base))
        ra, ca = self.alias(base), self.alias(child)
        root, kid = Rel(ra, base, TABLES[base][0]), Rel(ca, child, TABLES[child][0])
        kind = self.r.choice(["LEFT", "LEFT", "RIGHT", "FULL"])
        on = f"{ca}.{fk} = {ra}.id"
        if self.p(0.25):
            on += f" AND {self.predicate(kid)}"
            self.tag("outer join ON with a predicate")
        joins = [f"{kind} JOIN {child} {ca} ON {on}"]
        scope = [root, kid]
        # a child without an id (post_tags) is one row per value of all its columns
        kid_key = f"{ca}.id::text" if "id" in kid.cols else " || '/' || ".join(f"{ca}.{c}" for c in kid.cols)
        key = f"coalesce({ra}.id::text, '-') || ':' || coalesce({kid_key}, '-')"
        refs = sorted(c for c in kid.refs if kid.refs[c] != base)
        if refs and self.p(0.4):
            col = self.r.choice(refs)
            target = kid.refs[col]
            xa = self.alias(target)
            kind2 = self.r.choice(["LEFT", "LEFT", "FULL"])
            joins.append(f"{kind2} JOIN {target} {xa} ON {xa}.id = {ca}.{col}")
            scope.append(Rel(xa, target, TABLES[target][0]))
            key += f" || ':' || coalesce({xa}.id::text, '-')"
            self.tag(f"outer join chain {kind.lower()}/{kind2.lower()}")
        self.tag(f"{kind.lower()} join, key from both sides")
        if self.p(0.12):
            # only the side the join NULL-extends: refused (0A000)
            key = f"{ca}.{unique_col(child)}" if kind == "LEFT" else f"{ra}.id"
            self.tags = ["refusable: key from the nullable side"] + self.tags
        items = [f"{key} AS pk_{entity}"]
        for i in range(self.r.randint(1, 4)):
            e, typ = self.expr(scope, 1)
            items.append(f"{e} AS {self.colname(typ, i)}")
        sql = "SELECT " + ",\n       ".join(items) + f"\nFROM {base} {ra}\n" + "\n".join(joins)
        if self.p(0.3):
            sql += f"\nWHERE {self.predicate(self.r.choice(scope))}"
            self.tag("WHERE over an outer join")
        self.root_table = None
        return sql

    def duplicable_key(self, entity):
        """A key unique in the seed data that writes can duplicate (tag names: the
        driver renames tags to 'tag 1'..'tag 30', except in deferred mode): such a
        write must fail with 23505 naming the TVIEW, which stays equal to its view."""
        self.tag("duplicable key")
        # no WHERE: with one, two tags could share a name while one is filtered
        # out, and a deferred write letting it in would fail the driver's COMMIT
        sql, _ = self.core(entity, key_expr=lambda r: f"{r.alias}.name", allow_group=False, root="tags",
                           allow_where=False)
        self.root_table = None   # the key is not the table's id: not stackable
        return sql

    def refusable(self, entity, kinds=None):
        """A definition pg_tviews documents as refused (docs/limits.md): it must be
        refused cleanly, or, if accepted, be maintained correctly."""
        sql, _ = self.core(entity, allow_group=False, root=self.r.choice(ROOTS))
        a = sql.split("\nFROM ", 1)[1].split()[1]      # the root's alias
        kind = self.r.choice(kinds or ["limit", "window", "now", "random", "distinct on",
                                       "whole aggregate", "recursive", "plain view",
                                       "group without key", "offset"] + ORDER_REFUSALS + SOURCE_REFUSALS)
        self.tags = [f"refusable: {kind}"] + self.tags
        if kind == "limit":
            return f"{sql}\nORDER BY 1\nLIMIT {self.r.randint(3, 30)}"
        if kind == "offset":
            return f"{sql}\nORDER BY 1\nOFFSET 2"
        if kind == "window":
            return sql.replace("\nFROM ", f",\n       row_number() OVER (ORDER BY {a}.id) AS rn\nFROM ", 1)
        if kind in ORDER_REFUSALS:
            root = sql.split("\nFROM ", 1)[1].split()[0]
            kids = children(root)
            if not kids:   # no child table: rows of a table function, which has no key
                sub = f"(SELECT array_agg(g.g) FROM generate_series(1, {a}.id % 4) AS g(g))"
            else:
                child, fk = self.r.choice(kids)
                u = unique_col(child)
                rows = f"FROM {child} x WHERE x.{fk} = {a}.id"
                sub = {"unordered aggregate": f"(SELECT jsonb_agg(x.{u}) {rows})",
                       "tied aggregate order": f"(SELECT jsonb_agg(x.{u} ORDER BY x.{fk}) {rows})",
                       "tied limit order": f"(SELECT x.{u} {rows} ORDER BY x.{fk} LIMIT 1)",
                       "unordered ARRAY": f"ARRAY(SELECT x.{u} {rows})"}[kind]
            return sql.replace("\nFROM ", f",\n       {sub} AS ordered\nFROM ", 1)
        if kind == "now":
            return sql.replace("\nFROM ", ",\n       now() AS ts\nFROM ", 1)
        if kind == "random":
            return sql.replace("\nFROM ", ",\n       random() > 2 AS never\nFROM ", 1)
        if kind == "distinct on":
            return sql.replace("SELECT ", f"SELECT DISTINCT ON ({a}.id) ", 1)
        if kind == "whole aggregate":
            return (f"SELECT max({a}.id) AS pk_{entity}, count(*) AS n\n"
                    f"FROM {sql.split(chr(10) + 'FROM ', 1)[1]}")
        if kind == "recursive":
            return (f"WITH RECURSIVE r(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM r WHERE id < 5)\n"
                    f"{sql.replace(chr(10) + 'FROM ', ',' + chr(10) + '       (SELECT max(id) FROM r) AS depth' + chr(10) + 'FROM ', 1)}")
        reads = {"partitioned table": "events", "partition": "events_low",
                 "inheritance parent": "notes", "inheritance child": "notes_archive"}
        if kind in reads:
            return sql.replace("\nFROM ", f",\n       (SELECT count(*) FROM {reads[kind]} x WHERE x.post_id = {a}.id) "
                                           f"AS n_read\nFROM ", 1)
        if kind == "tablesample":
            root = sql.split("\nFROM ", 1)[1].split()[0]
            return sql.replace(f"\nFROM {root} {a}", f"\nFROM {root} {a} TABLESAMPLE bernoulli (50) REPEATABLE (7)", 1)
        if kind == "system column":
            return sql.replace("\nFROM ", f",\n       {a}.xmin::text AS row_version\nFROM ", 1)
        if kind == "plain view":
            return sql.replace("\nFROM ", f",\n       (SELECT count(*) FROM fz_plain_view) AS n_view\nFROM ", 1)
        # group without key: group by a non-key column of the root's table
        return (f"SELECT min({a}.id) AS pk_{entity}, count(*) AS n\n"
                f"FROM {sql.split(chr(10) + 'FROM ', 1)[1]}\nGROUP BY {a}.id % 3")

    def core_union_branch(self, entity, prefix, root, types, n):
        if types is None:
            types = []
            for _ in range(n):
                types.append(self.r.choice([TEXT, BIGINT, JSONB, INT, NUM]))
        sql, t = self.core(entity, key_expr=lambda r: f"'{prefix}' || {r.alias}.{r.idcol}",
                           want_types=types, allow_group=False, root=root)
        return sql, t


def generate(seed, entity, stackable):
    """(definition, shape tags, base table whose id is the key or None)."""
    g = Gen(seed, stackable)
    sql = g.definition(entity)
    return sql, g.tags, g.root_table
