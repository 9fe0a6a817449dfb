#!/usr/bin/env bash
# replica.sh - TVIEWs on a logical-replication subscriber, maintained from the
# apply worker's writes through row-level capture (docs/replication.md).
#
# Two throw-away clusters of its own (wal_level = logical, unix socket and
# localhost only, both stopped at exit by their data directories): the
# publisher publishes base tables; the TVIEWs exist on the subscriber only.
# Random writes on the publisher (INSERT, UPDATE of values, keys and parents,
# DELETE, TRUNCATE, multi-row statements, transactions of many statements, a
# rolled-back one); after each batch, wait (polling with a deadline) until the
# subscriber has applied everything the publisher wrote, then compare every
# TVIEW with its view there.  Also: TVIEWs created before and after the
# subscription, CREATE TVIEW while the subscription streams, ALTER
# SUBSCRIPTION ... REFRESH PUBLICATION adding a table (its initial copy is
# maintained once), a subscriber restart while writes stream, the health check
# and the audit log.  Needs PG_CONFIG/PGBIN with pg_tviews installed.
# Last line: "N passed, N failed".
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=checks.sh
. "$HERE/checks.sh"
# shellcheck source=../../scripts/cluster.sh
. "$HERE/../../scripts/cluster.sh"

PUB_DIR="$(mktemp -d /tmp/pg_tviews_pub.XXXXXX)"
SUB_DIR="$(mktemp -d /tmp/pg_tviews_sub.XXXXXX)"
WRITER_PID=""
cleanup() {
    [ -z "$WRITER_PID" ] || kill "$WRITER_PID" 2>/dev/null
    cluster_stop "$PUB_DIR"
    cluster_stop "$SUB_DIR"
}
trap cleanup EXIT

LOGICAL="wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
max_logical_replication_workers = 6
max_sync_workers_per_subscription = 2
wal_receiver_status_interval = 1s
synchronous_commit = on"
CLUSTER_CONF="$LOGICAL" cluster_start "$PUB_DIR" || { echo "0 passed, 1 failed"; exit 1; }
PUB_PORT="$PGPORT"
CLUSTER_CONF="$LOGICAL" cluster_start "$SUB_DIR" || { echo "0 passed, 1 failed"; exit 1; }
SUB_PORT="$PGPORT"

pub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$PUB_PORT" -U postgres -d app "$@"; }
sub() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h /tmp -p "$SUB_PORT" -U postgres -d app "$@"; }
"$PGBIN/createdb" -h /tmp -p "$PUB_PORT" -U postgres app
"$PGBIN/createdb" -h /tmp -p "$SUB_PORT" -U postgres app

SCHEMA="
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, team int NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text NOT NULL);
CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, fk_post int, label text NOT NULL);"
pub -c "$SCHEMA"
sub -c "$SCHEMA"

# The random writes: n statements in one transaction, keys in small ranges so
# that they meet (parents changed under children, keys moved onto free ones).
WRITES="$(cat <<'SQL'
CREATE FUNCTION writes(seed float8, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r float8; k int; j int;
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1 .. n LOOP
        r := random(); k := 1 + floor(random() * 40)::int; j := 1 + floor(random() * 120)::int;
        IF r < 0.10 THEN
            INSERT INTO tb_user VALUES (k, 'user ' || k, k % 4) ON CONFLICT DO NOTHING;
        ELSIF r < 0.18 THEN
            UPDATE tb_user SET name = name || '+', team = (team + 1) % 4 WHERE pk_user = k;
        ELSIF r < 0.22 THEN
            j := k + 40 * (1 + floor(random() * 3)::int);
            UPDATE tb_user SET pk_user = j WHERE pk_user = k AND NOT EXISTS (SELECT FROM tb_user WHERE pk_user = j);
        ELSIF r < 0.26 THEN
            DELETE FROM tb_user WHERE pk_user = k;
        ELSIF r < 0.40 THEN
            INSERT INTO tb_post VALUES (j, k, 'post ' || j, 0) ON CONFLICT (pk_post) DO UPDATE SET title = EXCLUDED.title || '!';
        ELSIF r < 0.50 THEN
            UPDATE tb_post SET fk_user = k WHERE pk_post = j;
        ELSIF r < 0.55 THEN
            UPDATE tb_post SET pk_post = j + 120 WHERE pk_post = j AND NOT EXISTS (SELECT FROM tb_post WHERE pk_post = j + 120);
        ELSIF r < 0.60 THEN
            UPDATE tb_post SET score = score + 1 WHERE pk_post % 7 = k % 7;
        ELSIF r < 0.65 THEN
            DELETE FROM tb_post WHERE pk_post = j;
        ELSIF r < 0.80 THEN
            INSERT INTO tb_comment VALUES (k * 10 + j % 10, j, 'comment ' || k) ON CONFLICT (pk_comment)
                DO UPDATE SET body = EXCLUDED.body || '?', fk_post = EXCLUDED.fk_post;
        ELSIF r < 0.85 THEN
            UPDATE tb_comment SET fk_post = j WHERE pk_comment % 13 = k % 13;
        ELSIF r < 0.90 THEN
            DELETE FROM tb_comment WHERE pk_comment % 17 = k % 17;
        ELSE
            INSERT INTO tb_tag VALUES (k * 7 + j % 7, j, 'tag ' || k) ON CONFLICT (pk_tag) DO UPDATE SET fk_post = EXCLUDED.fk_post;
        END IF;
    END LOOP;
END $$;
SQL
)"
pub -c "$WRITES"
pub -c "SELECT writes(0.1, 400)" >/dev/null

# Has the subscriber applied all the publisher wrote?  Polls until the
# subscription's replay position reaches the publisher's WAL position now,
# and every table has finished its initial copy; 90 s deadline.
wait_applied() {
    local lsn deadline=$((SECONDS + 90))
    lsn="$(pub -c "SELECT pg_current_wal_lsn()")"
    until [ "$(sub -c "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")" = 0 ] &&
          [ "$(pub -c "SELECT coalesce(bool_and(replay_lsn >= '$lsn'), false) FROM pg_stat_replication
                        WHERE application_name = 'sub'")" = t ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "subscriber did not apply up to $lsn in time"; cluster_log "$SUB_DIR" 20; return 1
        fi
        sleep 0.1
    done
}

# DDL on the subscriber while the apply worker writes: taking its locks, it
# may deadlock with an apply transaction writing several of its sources
# (40P01, the CREATE or the apply transaction rolls back); retried.
sub_ddl() { # sql
    local out i
    for i in 1 2 3 4 5; do
        out="$(sub -c "$1" 2>&1)" && return 0
        case "$out" in *"deadlock detected"*) continue ;; esac
        echo "$out"; return 1
    done
    echo "$out"; return 1
}

# Every TVIEW on the subscriber equals its view.
verify_all() { # label
    local t out
    for t in $(sub -c "SELECT entity FROM pg_tview_meta ORDER BY entity"); do
        out="$(sub -c "SELECT count(*) FROM pg_tviews_verify('$t')" 2>&1)"
        check "$1: tv_$t equals its view" 0 "$out"
    done
}

# TVIEWs created on the (empty) subscriber before the subscription: a join,
# nested jsonb_agg subqueries, GROUP BY the key, and a stacked TVIEW.
sub <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pg_tviews;
CREATE TABLE tv_post AS
SELECT p.pk_post, jsonb_build_object('title', p.title, 'score', p.score,
                                     'author', jsonb_build_object('id', u.pk_user, 'name', u.name)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
CREATE TABLE tv_user AS
SELECT u.pk_user, jsonb_build_object('name', u.name, 'team', u.team,
       'posts', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', p.pk_post, 'title', p.title,
                 'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment)
                                         FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb))
                 ORDER BY p.pk_post) FROM tb_post p WHERE p.fk_user = u.pk_user), '[]'::jsonb)) AS data
  FROM tb_user u;
CREATE TABLE tv_post_stats AS
SELECT p.pk_post AS pk_post_stats, count(c.pk_comment) AS n_comments, max(c.body) AS last_body
  FROM tb_post p LEFT JOIN tb_comment c ON c.fk_post = p.pk_post GROUP BY p.pk_post;
CREATE TABLE tv_feed AS
SELECT t.pk_post AS pk_feed, jsonb_build_object('post', t.data, 'comments', s.n_comments) AS data
  FROM tv_post t JOIN tv_post_stats s ON s.pk_post_stats = t.pk_post;
ALTER DATABASE app SET pg_tviews.log_refreshes = 'all';
SQL

check "before any subscription, sources are in capture mode statement" "0" \
    "$(sub -c "SELECT count(*) FROM pg_trigger WHERE tgname = 'pg_tviews_row'")"

pub -c "CREATE PUBLICATION pub FOR TABLE tb_user, tb_post, tb_comment"
sub -c "CREATE SUBSCRIPTION sub CONNECTION 'host=/tmp port=$PUB_PORT user=postgres dbname=app' PUBLICATION pub"
check "CREATE SUBSCRIPTION put row capture (replica) on the 3 subscribed sources" "tb_comment:R tb_post:R tb_user:R" \
    "$(sub -c "SELECT string_agg(tgrelid::regclass || ':' || tgenabled::text, ' ' ORDER BY tgrelid::regclass::text) FROM pg_trigger WHERE tgname = 'pg_tviews_row'")"
check "the audit log records the automatic capture changes" "3" \
    "$(sub -c "SELECT count(*) FROM pg_tview_audit_log WHERE operation = 'CAPTURE' AND (details->>'automatic')::bool AND details->>'mode' = 'replica'")"
wait_applied && verify_all "initial copy"
check "initial copy: tv_user holds every user" "$(pub -c "SELECT count(*) FROM tb_user")" "$(sub -c "SELECT count(*) FROM tv_user")"
check "initial copy: each copy maintained once per TVIEW" "0" \
    "$(sub -c "SELECT count(*) FROM (SELECT entity, transaction_id FROM pg_tview_refresh_log
                                      GROUP BY 1, 2 HAVING count(*) > 1) d")"

# Batches: transactions of many statements, single statements, a rollback,
# TRUNCATE, and the writes of several sessions.
for round in 1 2 3; do
    pub -c "SELECT writes($round * 0.01, 150)" >/dev/null
    pub -c "BEGIN; SELECT writes($round * 0.02, 40); SELECT writes($round * 0.03, 40); COMMIT;" >/dev/null
    for s in 1 2 3 4 5; do pub -c "SELECT writes($round * 0.1 + $s * 0.001, 3)" >/dev/null; done
    pub -c "BEGIN; SELECT writes(0.5, 100); ROLLBACK;" >/dev/null
    wait_applied && verify_all "round $round"
done
pub -c "BEGIN; TRUNCATE tb_comment; INSERT INTO tb_comment SELECT g, g % 50, 'again ' || g FROM generate_series(1, 60) g; COMMIT;"
pub -c "TRUNCATE tb_post"
wait_applied && verify_all "after TRUNCATE"
pub -c "SELECT writes(0.77, 200)" >/dev/null
wait_applied && verify_all "after TRUNCATE and writes"

# One replicated single-row UPDATE: one maintenance run per TVIEW it reaches.
marker="$(sub -c "SELECT coalesce(max(refresh_id), 0) FROM pg_tview_refresh_log")"
pub -c "UPDATE tb_user SET name = name || '#' WHERE pk_user = (SELECT min(pk_user) FROM tb_user WHERE EXISTS (SELECT FROM tb_post WHERE fk_user = pk_user))"
wait_applied
check "one replicated UPDATE maintains each TVIEW it reaches once" "feed:1 post:1 user:1" \
    "$(sub -c "SELECT string_agg(entity || ':' || n, ' ' ORDER BY entity) FROM (SELECT entity, count(*) AS n
                FROM pg_tview_refresh_log WHERE refresh_id > $marker GROUP BY 1) s")"

# A TVIEW created after the subscription, and one created while writes stream.
sub -c "CREATE TABLE tv_comment AS SELECT c.pk_comment, c.body, p.title FROM tb_comment c LEFT JOIN tb_post p ON p.pk_post = c.fk_post"
pub -c "SELECT writes(0.31, 100)" >/dev/null
wait_applied && verify_all "TVIEW created after the subscription"
( for s in $(seq 1 40); do pub -c "SELECT writes(0.4 + $s * 0.001, 10)" >/dev/null || exit 1; done ) &
WRITER_PID=$!
sub_ddl "CREATE TABLE tv_team AS SELECT u.pk_user AS pk_team, u.team, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS n_posts FROM tb_user u"
check "CREATE TVIEW while streaming" 0 "$?"
sub_ddl "SELECT pg_tviews_drop('comment')" >/dev/null
check "DROP TVIEW while streaming" 0 "$?"
sub_ddl "CREATE TABLE tv_comment AS SELECT c.pk_comment, c.body, p.title FROM tb_comment c LEFT JOIN tb_post p ON p.pk_post = c.fk_post"
check "CREATE TVIEW again while streaming" 0 "$?"
wait "$WRITER_PID"; check "writer during CREATE/DROP TVIEW" 0 "$?"; WRITER_PID=""
wait_applied && verify_all "CREATE/DROP TVIEW while streaming"

# A table joins the publication: its TVIEW exists first, REFRESH PUBLICATION
# gives it capture before its initial copy.
sub -c "CREATE TABLE tv_tag AS SELECT t.pk_tag, t.label, p.title FROM tb_tag t JOIN tb_post p ON p.pk_post = t.fk_post"
check "tb_tag is in mode statement while no subscription writes it" "base table" \
    "$(sub -c "SELECT dependency_type FROM pg_tviews_show_cascade_path('tag') WHERE depends_on = 'tb_tag'")"
pub -c "ALTER PUBLICATION pub ADD TABLE tb_tag"
sub -c "ALTER SUBSCRIPTION sub REFRESH PUBLICATION"
check "REFRESH PUBLICATION put row capture on tb_tag" "R" \
    "$(sub -c "SELECT tgenabled FROM pg_trigger WHERE tgname = 'pg_tviews_row' AND tgrelid = 'tb_tag'::regclass")"
check "show_cascade_path shows the capture mode" "base table, capture replica (subscription)" \
    "$(sub -c "SELECT dependency_type FROM pg_tviews_show_cascade_path('tag') WHERE depends_on = 'tb_tag'")"
wait_applied && verify_all "REFRESH PUBLICATION"
check "tv_tag holds the copied rows" "$(pub -c "SELECT count(*) FROM tb_tag t JOIN tb_post p ON p.pk_post = t.fk_post")" \
    "$(sub -c "SELECT count(*) FROM tv_tag")"
pub -c "SELECT writes(0.61, 200)" >/dev/null
wait_applied && verify_all "writes after REFRESH PUBLICATION"

# Local writes on the subscriber still use the statement triggers, once.
sub -c "INSERT INTO tb_tag VALUES (100000, 1, 'local')"
verify_all "local write on the subscriber"
sub -c "DELETE FROM tb_tag WHERE pk_tag = 100000"

# Subscriber restart while writes stream.
( for s in $(seq 1 30); do pub -c "SELECT writes(0.9 + $s * 0.001, 10)" >/dev/null || exit 1; done ) &
WRITER_PID=$!
(cd "$SUB_DIR" && as_postgres "$PGBIN/pg_ctl" -D "$SUB_DIR/data" -m fast -w -t 60 restart -l "$SUB_DIR/server.log" >/dev/null)
check "subscriber restarted" 0 "$?"
wait "$WRITER_PID"; check "writer during restart" 0 "$?"; WRITER_PID=""
wait_applied && verify_all "subscriber restart"

# Operations: the health check sees capture and the subscription.
check "health check: capture in place for the 4 subscribed sources" "4" \
    "$(sub -c "SELECT count(*) FROM pg_tviews_health_check() WHERE component LIKE 'capture of %' AND status = 'ok'")"
check "health check: the subscription's apply worker reported" "ok" \
    "$(sub -c "SELECT status FROM pg_tviews_health_check() WHERE component = 'subscription sub'")"
check "health check: nothing wrong" "" \
    "$(sub -c "SELECT string_agg(component || ': ' || message, '; ') FROM pg_tviews_health_check()
                WHERE status = 'error' OR (status = 'warning' AND severity IN ('high', 'critical'))")"
check "set_capture 'statement' on a subscribed table is refused" "NOTICE:  55000" \
    "$(sub -c "DO \$\$ BEGIN PERFORM pg_tviews_set_capture('tb_post', 'statement');
               EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$" 2>&1)"
sub -c "SELECT pg_tviews_set_capture('tb_post', 'row')" >/dev/null
pub -c "SELECT writes(0.71, 150)" >/dev/null
wait_applied && verify_all "tb_post in capture mode row"

# The subscription goes away (failover: this node becomes writable): local
# writes are maintained by the statement triggers again.
sub -c "DROP SUBSCRIPTION sub"
check "after DROP SUBSCRIPTION only the explicit mode keeps row capture" "tb_post:A" \
    "$(sub -c "SELECT string_agg(tgrelid::regclass || ':' || tgenabled::text, ' ' ORDER BY tgrelid::regclass::text) FROM pg_trigger WHERE tgname = 'pg_tviews_row'")"
sub -c "$WRITES"
sub -c "SELECT writes(0.81, 200)" >/dev/null
verify_all "local writes after DROP SUBSCRIPTION"

echo "$passed passed, $failed failed"
