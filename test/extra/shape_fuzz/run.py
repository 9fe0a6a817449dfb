"""Driver of test/extra/shape_fuzz.sh (see there for what it does and its knobs)."""

import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.environ.get("SHAPE_FUZZ_SEED", "2")
VIEWS = os.environ.get("SHAPE_FUZZ_VIEWS", "40")
STATEMENTS = os.environ.get("SHAPE_FUZZ_STATEMENTS", "3000")
DB = os.environ.get("SHAPE_FUZZ_DB", "pg_tviews_shape_fuzz")
START = time.time()
WORK = tempfile.mkdtemp(prefix="pg_tviews_shape_fuzz.")
LOG = os.path.join(WORK, "full.log")
ERR_RE = re.compile(r"ERROR:  ([0-9A-Z]{5}): (.*)")
LOST_RE = re.compile(r"server closed the connection|connection to server was lost|"
                     r"terminating connection because of crash|FATAL")


def say(msg):
    print(msg, flush=True)


def log(text):
    with open(LOG, "a") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def psql(sql, db=DB, verbose=True, at=False):
    """Run sql through psql (stop at the first error); (returncode, output)."""
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db]
    if at:
        args += ["-A", "-t"]
    pre = "\\set VERBOSITY verbose\n" if verbose else ""
    p = subprocess.run(args, input=pre + sql, capture_output=True, text=True)
    out = p.stdout + p.stderr
    log(f"-- psql rc={p.returncode}\n{sql}\n{out}")
    return p.returncode, out


def query(sql):
    rc, out = psql(sql, verbose=False, at=True)
    if rc != 0:
        raise RuntimeError(f"query failed: {sql}: {out.strip()}")
    return out.strip()


def wait_ready():
    for _ in range(600):
        if subprocess.run(["pg_isready", "-q", "-d", DB]).returncode == 0:
            return
        time.sleep(0.1)


def finish(passed, failed, details):
    if details:
        say("")
        say(f"failures (rerun with SHAPE_FUZZ_SEED={SEED} SHAPE_FUZZ_VIEWS={VIEWS} "
            f"SHAPE_FUZZ_STATEMENTS={STATEMENTS}):")
        for d in details:
            say(f"- {d}")
    say("")
    say(f"shape_fuzz: total {int(time.time() - START)}s")
    say(f"{passed} passed, {failed} failed")
    if os.environ.get("SHAPE_FUZZ_LOG"):
        subprocess.run(["cp", LOG, os.environ["SHAPE_FUZZ_LOG"]])
    if not os.environ.get("SHAPE_FUZZ_KEEP_DB"):
        psql(f'DROP DATABASE IF EXISTS "{DB}"', db="postgres", verbose=False)
    subprocess.run(["rm", "-rf", WORK])
    sys.exit(0 if failed == 0 else 1)


def fatal(msg):
    say(f"shape_fuzz: {msg}")
    finish(0, 1, [msg])


def main():
    try:
        seed = int(SEED)
        n_views, n_stmts = int(VIEWS), int(STATEMENTS)
    except ValueError:
        fatal("SHAPE_FUZZ_SEED, SHAPE_FUZZ_VIEWS and SHAPE_FUZZ_STATEMENTS must be integers")
    pg_seed = (seed % 999983) / 999983.0
    say(f"shape_fuzz: seed={seed} views={n_views} statements={n_stmts} database={DB}")
    os.environ["PGOPTIONS"] = os.environ.get("PGOPTIONS", "") + " -c lock_timeout=60s"

    rc, out = psql(f'SET client_min_messages = warning;\nDROP DATABASE IF EXISTS "{DB}";\n'
                   f'CREATE DATABASE "{DB}" TEMPLATE template0;', db="postgres")
    if rc != 0:
        fatal(f"cannot create database {DB}: {out.strip()}")
    for f in ("schema.sql", "../consistency/driver.sql", "driver.sql"):
        with open(os.path.join(HERE, f)) as fh:
            rc, out = psql(fh.read(), verbose=False)
        if rc != 0:
            fatal(f"loading {f} failed: {out.strip()[-500:]}")

    # 1. generate and create the TVIEWs, one at a time (later ones may read earlier ones)
    invalid, accepted = [], []
    refused = collections.defaultdict(list)   # sqlstate -> [(entity, message, sql)]
    crashes, internal, leftovers, created_unequal, foreign = [], [], [], [], []
    stackable = []
    defs = {}
    for i in range(n_views):
        entity = f"g{i + 1:03d}"
        sql, tags, root = gen.generate(f"{seed}:{i}", entity, stackable)
        shape = ", ".join(tags) or "plain"
        defs[entity] = (shape, sql)
        rc, out = psql(f"BEGIN;\nCREATE VIEW fz_probe AS\n{sql};\nROLLBACK;")
        if rc != 0:
            invalid.append((entity, (ERR_RE.search(out) or re.search(r"ERROR.*", out)).group(0)
                            if re.search(r"ERROR.*", out) else out.strip()[:200], sql))
            if LOST_RE.search(out):
                crashes.append(f"{entity}: the server died on CREATE VIEW (!): {out.strip()[:300]}")
                wait_ready()
            continue
        rc, out = psql(f"CREATE TABLE tv_{entity} AS\n{sql};")
        if rc != 0:
            m = ERR_RE.search(out)
            if LOST_RE.search(out) or not m:
                crashes.append(f"tv_{entity} ({shape}): CREATE lost the connection: "
                               f"{out.strip()[:400]}\n  definition:\n{indent(sql)}")
                wait_ready()
                continue
            state, msg = m.group(1), m.group(2)
            loc = re.search(r"LOCATION:  (.*)", out)
            loc = loc.group(1) if loc else "?"
            if state.startswith("XX"):
                internal.append(f"tv_{entity} ({shape}): CREATE failed with {state}: {msg} ({loc})\n"
                                f"  definition:\n{indent(sql)}")
            elif ".rs:" not in loc:
                # PostgreSQL accepted the view, but rejected a query pg_tviews built from it
                foreign.append(f"tv_{entity} ({shape}): a valid view refused with {state} raised at "
                               f"{loc}, not by pg_tviews' checks: {msg}\n  definition:\n{indent(sql)}")
            else:
                refused[state].append((entity, msg, sql))
            left = query(f"SELECT concat_ws(' ', CASE WHEN to_regclass('tv_{entity}') IS NOT NULL THEN 'table' END, "
                         f"CASE WHEN to_regclass('v_{entity}') IS NOT NULL THEN 'view' END, "
                         f"CASE WHEN EXISTS (SELECT 1 FROM pg_tview_meta WHERE entity = '{entity}') THEN 'metadata' END)")
            if left:
                leftovers.append(f"tv_{entity}: refused ({state}) but left behind: {left}")
            continue
        n = query(f"SELECT count(*) FROM ((TABLE tv_{entity} EXCEPT ALL TABLE v_{entity}) UNION ALL "
                  f"(TABLE v_{entity} EXCEPT ALL TABLE tv_{entity})) z")
        if n != "0":
            created_unequal.append(entity)
        rows = query(f"SELECT count(*) FROM tv_{entity}")
        accepted.append(entity)
        query(f"INSERT INTO cons_tviews VALUES ({i + 1}, '{entity}', {lit(shape)}, {lit(sql)}, true) RETURNING 1")
        log(f"-- accepted tv_{entity} ({rows} rows): {shape}")
        if root is not None:
            cols = query(f"SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), '|' ORDER BY attnum) "
                         f"FROM pg_attribute WHERE attrelid = 'v_{entity}'::regclass AND attnum > 0 "
                         f"AND NOT attisdropped")
            stackable.append((entity, root, {c.split(":", 1)[0]: pg_type(c.split(":", 1)[1])
                                             for c in cols.split("|")}))
    n_refused = sum(len(v) for v in refused.values())
    say(f"shape_fuzz: generated {n_views} definitions: {len(invalid)} rejected by PostgreSQL itself "
        f"(skipped), {len(accepted)} accepted, {n_refused} refused by pg_tviews, "
        f"{len(crashes) + len(internal)} crashed or internal errors, {len(foreign)} refused by PostgreSQL "
        f"on a query pg_tviews built ({int(time.time() - START)}s)")
    for state in sorted(refused):
        say(f"shape_fuzz: refused {state}: {len(refused[state])}")
        for entity, msg, _ in refused[state][:3]:
            say(f"    tv_{entity} ({defs[entity][0]}): {msg[:300]}")
    if os.environ.get("SHAPE_FUZZ_VERBOSE"):
        for entity, msg, sql in invalid:
            say(f"invalid {entity}: {msg}\n{indent(sql)}")
        for state in sorted(refused):
            for entity, msg, sql in refused[state]:
                say(f"refused {state} {entity}: {msg}\n{indent(sql)}")

    # 2. random writes, every TVIEW checked after every statement
    details = []
    stats = ""
    if accepted:
        query("SELECT cons_make_checkers()")
        t = time.time()
        rc, out = psql(f"CALL fz_run({pg_seed}, {n_stmts})", verbose=False)
        say(f"shape_fuzz: {n_stmts} random writes with {len(accepted)} TVIEWs checked after each "
            f"took {int(time.time() - t)}s")
        m = re.search(r"FUZZ-STATS (.*)", out)
        stats = m.group(1) if m else ""
        if stats:
            say(f"shape_fuzz: {stats}")
        if rc != 0 or LOST_RE.search(out):
            last = re.findall(r"FUZZ-STMT \d+: .*", out)
            details.append(f"the write driver aborted (exit {rc}): "
                           f"{' '.join(l for l in out.splitlines() if 'ERROR' in l or 'FATAL' in l or 'server' in l)[:800]}"
                           f"; last statement: {last[-1] if last else '?'}")
            wait_ready()
    else:
        out = ""

    # 3. results
    passed = failed = 0
    mism = collections.defaultdict(list)
    for line in re.findall(r"FUZZ-MISMATCH entity=(\S+) (.*)", out):
        mism[line[0]].append(line[1])
    say("")
    say(f"{'':4} {'TVIEW':10} {'mismatch':8} shape")
    for entity in accepted:
        bad = len(mism[entity]) + (entity in created_unequal)
        status = "FAIL" if bad else "ok"
        if bad:
            failed += 1
            shape, sql = defs[entity]
            first = "at CREATE" if entity in created_unequal else mism[entity][0][:2500]
            details.append(f"tv_{entity} (seed={SEED}): {bad} mismatching checks; first: {first}\n"
                           f"  definition:\n{indent(sql)}")
        else:
            passed += 1
        say(f"{status:4} tv_{entity:8} {bad:<8} {defs[entity][0]}")
    for name, probs in (("CREATE never crashes nor fails with an internal error", crashes + internal),
                        ("a refused CREATE leaves nothing behind", leftovers),
                        ("a valid view is refused only by pg_tviews' own checks", foreign)):
        if probs:
            failed += 1
            details += probs
            say(f"FAIL {name} ({len(probs)} times not)")
        else:
            passed += 1
            say(f"ok   {name}")
    # such writes are checked like any other (fz_check after each); an unexpected
    # 23505 is a FUZZ-ERROR
    say(f"shape_fuzz: {len(re.findall(r'FUZZ-DUPLICATE ', out))} writes duplicating a TVIEW's key "
        f"refused with 23505")
    errs = re.findall(r"FUZZ-(?:ERROR|REFRESH) .*", out)
    if errs or any(d.startswith("the write driver") for d in details):
        failed += 1
        say(f"FAIL writes fail only on constraint violations of base tables; driver completed "
            f"({len(errs)} unexpected errors)")
        details += [e[:1000] for e in errs[:5]]
    else:
        passed += 1
        say("ok   writes fail only on constraint violations of base tables; driver completed")
    finish(passed, failed, details)


def indent(sql):
    return "\n".join("    " + line for line in sql.splitlines())


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def pg_type(t):
    if t.startswith("numeric"):
        return gen.NUM
    return {"integer": gen.INT, "bigint": gen.BIGINT, "text": gen.TEXT, "boolean": gen.BOOL,
            "jsonb": gen.JSONB, "integer[]": gen.INTARR, "text[]": gen.TEXTARR}.get(t, "other")


if __name__ == "__main__":
    main()
