#!/usr/bin/env python3
"""run.py - the docs suite: every ```sql block of README.md and docs/*.md is run.

Examples are tests: a reader pastes them, so each file's blocks run in file
order, in one session, in a fresh database holding only `CREATE EXTENSION
pg_tviews`.  The conventions (docs/testing.md, "Examples in the docs"):

- a ```sql block runs in session 1, and fails if it raises an ERROR;
- `<!-- output -->` followed by a ```text block right after a ```sql block
  is what that block prints (psql, aligned, VERBOSITY terse; results first,
  then the messages, ERRORs included): compared, and then an ERROR is
  expected;
- a first line `-- session N` runs the block in connection N; `-- session N,
  waits ...` expects it to block on a lock: the runner goes on once the
  server shows it waiting, and collects its output at the session's next
  block (or at the end of the file);
- a first line `-- not run: REASON` skips the block (the reason is visible).

DOCS_ACCEPT=1 writes what each block printed into its output block where
they differ (then read the diff: the docs say what the code does).

One line per block: ok / FAIL file:line: what / skip; the last line is
"N passed, N failed".  Usage: run.py REPO_ROOT [FILE...]; PGBIN, PGHOST,
PGPORT and PGUSER say which server.
"""
import os
import re
import select
import subprocess
import sys
import tempfile
import time

PSQL = os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), "psql")
TIMEOUT = 60          # seconds a block may run (or wait) before it fails
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
SESSION = re.compile(r"^--\s*session\s+(\d+)\b(.*)$", re.I)
NOT_RUN = re.compile(r"^--\s*not run:\s*(\S.*)$", re.I)
MESSAGE = re.compile(r"^psql:[^\n]*?:(\d+): ")
ERROR = re.compile(r"^(ERROR|FATAL|PANIC):")


class Block:
    def __init__(self, path, line, text):
        self.path, self.line, self.text = path, line, text
        self.expected = None          # the text of its output block, if any
        self.expected_lines = None    # and where it is: (first, end) line indexes
        self.got = None               # what it printed, when that differs
        first = text.split("\n", 1)[0].strip()
        m = SESSION.match(first)
        self.session = int(m.group(1)) if m else 1
        self.waits = bool(m and "wait" in m.group(2).lower())
        m = NOT_RUN.match(first)
        self.not_run = m.group(1) if m else None

    def where(self, offset=1):
        return "%s:%d" % (self.path, self.line + offset)


def parse(path, text):
    """The sql blocks of a Markdown file, with their output blocks; and the
    misplaced markers, as errors."""
    blocks, errors, lines = [], [], text.split("\n")
    i, last_sql, want_output = 0, None, None
    while i < len(lines):
        m = FENCE.match(lines[i])
        if lines[i].strip() == "<!-- output -->":
            if last_sql is None:
                errors.append("%s:%d: <!-- output --> not after a ```sql block" % (path, i + 1))
            want_output = i
            i += 1
            continue
        if not m:
            if lines[i].strip():
                last_sql = None
                if want_output is not None:
                    errors.append("%s:%d: <!-- output --> not followed by a ```text block"
                                  % (path, want_output + 1))
                    want_output = None
            i += 1
            continue
        indent, fence, info, start = len(m.group(1)), m.group(2), m.group(3), i
        i += 1
        body = []
        while i < len(lines) and not (lines[i].strip().startswith(fence)
                                      and lines[i].strip().strip(fence[0]) == ""):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i].lstrip())
            i += 1
        i += 1
        content = "\n".join(body) + "\n"
        if want_output is not None:
            if info == "text" and last_sql is not None:
                last_sql.expected, last_sql.expected_lines = content, (start + 1, i - 1)
            else:
                errors.append("%s:%d: <!-- output --> not followed by a ```text block"
                              % (path, want_output + 1))
            want_output, last_sql = None, None
        elif info == "sql":
            last_sql = Block(path, start + 1, content)
            blocks.append(last_sql)
        else:
            last_sql = None
    if want_output is not None:
        errors.append("%s:%d: <!-- output --> at the end of the file" % (path, want_output + 1))
    return blocks, errors


def admin(db, sql):
    """One statement on DB, unaligned; its output (raises on an error)."""
    return subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


class Session:
    """A psql connection kept open for a file; blocks are fed to it with \\i."""

    def __init__(self, db, work, n):
        self.errpath = os.path.join(work, "session%d.err" % n)
        self.err = open(self.errpath, "w+")
        self.proc = subprocess.Popen([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", db],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err)
        self.buf, self.seq, self.pending = b"", 0, None
        self.send("\\set VERBOSITY terse\n\\pset pager off\n"
                  "SELECT pg_backend_pid() AS docs_pid \\gset\n\\echo :docs_pid\n")
        self.pid = self.collect()[0].strip()

    def send(self, text):
        self.seq += 1
        self.marker = "--docs-block-end-%d--" % self.seq
        self.errpos = self.err.seek(0, os.SEEK_END)
        self.proc.stdin.write((text + "\n\\echo %s\n" % self.marker).encode())
        self.proc.stdin.flush()

    def done(self, timeout):
        """Whether the last block sent has finished, waiting up to TIMEOUT s."""
        end = time.time() + timeout
        while (self.marker + "\n").encode() not in self.buf:
            left = end - time.time()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return False
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("psql exited")
            self.buf += chunk
        return True

    def collect(self):
        """(stdout, stderr) of the last block sent, once it has finished."""
        if not self.done(TIMEOUT):
            raise RuntimeError("still running after %d s" % TIMEOUT)
        out, self.buf = self.buf.split((self.marker + "\n").encode(), 1)
        self.err.flush()
        self.err.seek(self.errpos)
        return out.decode(), self.err.read()


def normalise(text):
    lines = [l.rstrip() for l in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def judge(block, out, err):
    """None when the block passed, else what went wrong."""
    messages, first_error = [], None
    for l in err.split("\n"):
        m = MESSAGE.match(l)
        msg = l[m.end():] if m else l
        messages.append(msg)
        if first_error is None and ERROR.match(msg):
            first_error = "%s: %s" % (block.where(int(m.group(1))) if m else block.where(0), msg)
    if block.expected is None:
        return first_error
    got, messages = normalise(out), normalise("\n".join(messages))
    got, want = got + [""] * bool(got and messages) + messages, normalise(block.expected)
    if got == want:
        return None
    block.got = got
    return ("%s: output differs (expected the block after it)\n    expected:\n%s\n    got:\n%s"
            % (block.where(0), "\n".join("      " + l for l in want),
               "\n".join("      " + l for l in got)))


def run_file(path, root, work, results):
    with open(os.path.join(root, path)) as f:
        blocks, errors = parse(path, f.read())
    for e in errors:
        results.append(("FAIL", e))
    if not blocks:
        return
    try:
        run_blocks(path, blocks, work, results)
    finally:
        if os.environ.get("DOCS_ACCEPT"):
            accept(os.path.join(root, path), blocks)


def accept(path, blocks):
    with open(path) as f:
        lines = f.read().split("\n")
    for b in sorted((b for b in blocks if b.got is not None), key=lambda b: -b.line):
        first, end = b.expected_lines
        lines[first:end] = b.got
    with open(path, "w") as f:
        f.write("\n".join(lines))


def run_blocks(path, blocks, work, results):
    db = "docs_" + re.sub(r"[^a-z0-9]+", "_", path.lower())
    admin("postgres", 'DROP DATABASE IF EXISTS "%s"' % db)
    admin("postgres", 'CREATE DATABASE "%s" TEMPLATE template0' % db)
    admin("postgres", "ALTER DATABASE \"%s\" SET lc_messages TO 'C'" % db)
    roles_before = set(admin("postgres", "SELECT rolname FROM pg_roles").split("\n"))
    admin(db, "CREATE EXTENSION pg_tviews")
    sessions = {}
    try:
        for b in blocks:
            if b.not_run:
                results.append(("skip", "%s: %s" % (b.where(0), b.not_run)))
                continue
            s = sessions.get(b.session)
            if s is None:
                s = sessions[b.session] = Session(db, work, b.session)
            finish(s, results)
            blockfile = os.path.join(work, "%s.%d.sql" % (os.path.basename(path), b.line))
            with open(blockfile, "w") as f:
                f.write(b.text)
            s.send("\\i " + blockfile)
            s.pending = b
            if b.waits:
                wait_for_lock(s, db, results)
            else:
                finish(s, results)
        for s in sessions.values():
            finish(s, results)
    except RuntimeError as e:
        b = next((s.pending for s in sessions.values() if s.pending), None)
        results.append(("FAIL", "%s: %s" % (b.where(0) if b else path, e)))
    finally:
        for s in sessions.values():
            s.proc.kill()
            s.proc.wait()
            s.err.close()
        admin("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
        for role in set(admin("postgres", "SELECT rolname FROM pg_roles").split("\n")) - roles_before:
            admin("postgres", 'DROP OWNED BY "%s"' % role)
            admin("postgres", 'DROP ROLE "%s"' % role)


def finish(s, results):
    """Collect and judge the block still pending in session S, if any."""
    if s.pending is None:
        return
    b, s.pending = s.pending, None
    problem = judge(b, *s.collect())
    results.append(("FAIL", problem) if problem else ("ok", b.where(0)))


def wait_for_lock(s, db, results):
    """Return once S's block waits for a lock; a block that finishes instead fails."""
    end = time.time() + TIMEOUT
    while time.time() < end:
        if s.done(0.02):
            b = s.pending
            finish(s, results)
            results[-1] = ("FAIL", "%s: expected to wait for a lock, finished (%s)"
                           % (b.where(0), results[-1][1]))
            return
        if admin(db, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s" % s.pid) == "Lock":
            return
    raise RuntimeError("did not start waiting within %d s" % TIMEOUT)


def main():
    root = sys.argv[1]
    files = sys.argv[2:] or (["README.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md")))
    results = []
    with tempfile.TemporaryDirectory(prefix="pg_tviews_docs.") as work:
        for path in files:
            run_file(os.path.relpath(os.path.join(root, path), root), root, work, results)
    for status, what in results:
        print("%-4s %s" % (status, what))
    passed = sum(1 for s, _ in results if s == "ok")
    failed = sum(1 for s, _ in results if s == "FAIL")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
