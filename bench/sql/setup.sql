-- setup.sql - the benchmark data set and every variant that is measured on it.
--
-- Run by scripts/bench.sh with psql variables :nusers, :nposts, :ncomments
-- (10k, 100k, 300k times the SCALE knob) and :with_ivm (true when the pg_ivm
-- extension is available).  Every variant
-- gets its own schema holding an identical copy of the seeded base data, so
-- a write in one schema never disturbs the figures of another:
--   plain  base tables only: the same write with no maintenance at all
--   tv     base tables + TVIEWs tv_user, tv_post, tv_feed (tv_feed reads tv_post)
--   hand   base tables + hand-written PL/pgSQL statement triggers keeping
--          h_user, h_post, h_feed equal to the same SELECTs (bench/sql/hand.sql)
--   mv     materialized views over the plain tables (the REFRESH baseline)
--   oracle base tables + plain tables recomputed by one function per
--          scenario: the write and the minimal recompute (bench/sql/oracle.sql;
--          ostack and ofan for S9 and S10)
--   ivm    base tables + a pg_ivm IMMV, only when pg_ivm is available, and
--   same   base tables + a TVIEW with the IMMV's definition (the fair pg_ivm
--          comparison: the same view on the same data)
-- Identifiers are always built with format('%I').

\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_tviews;

CREATE SCHEMA bench;

-- One row per measured run: a latency in ms or a throughput in tps.
CREATE TABLE bench.runs (
    scenario text NOT NULL,
    variant  text NOT NULL,
    rep      int  NOT NULL,
    value    double precision NOT NULL,
    unit     text NOT NULL
);
-- Facts printed with the report (setting, value).
CREATE TABLE bench.facts (name text PRIMARY KEY, value text NOT NULL);

-- The seeded source data, generated once and copied into each schema.
-- Deterministic: keys are dense, foreign keys are arithmetic, and the only
-- random column (a comment's author) comes from a seeded generator.
CREATE TABLE bench.src_user AS
SELECT g AS pk_user, 'user ' || g AS name, 'user' || g || '@example.com' AS email
  FROM generate_series(1, :nusers) g;
CREATE TABLE bench.src_post AS
SELECT g AS pk_post,
       1 + (g - 1) % :nusers AS fk_user,        -- 10 posts per user
       md5(g::text) AS title,
       repeat(md5('body' || g), 3) AS body
  FROM generate_series(1, :nposts) g;
SELECT setseed(0.42);
CREATE TABLE bench.src_comment AS
SELECT g AS pk_comment,
       1 + (g - 1) % :nposts AS fk_post,       -- 3 comments per post
       1 + floor(random() * :nusers)::int AS fk_user,
       md5('comment' || g) AS body
  FROM generate_series(1, :ncomments) g
 ORDER BY g;

-- Base tables of one variant: keys, foreign keys (comments go with their
-- post), and the indexes a DBA adds so that maintenance finds affected rows
-- through an index: tb_post(fk_user), tb_comment(fk_post), tb_comment(fk_user).
-- Every schema gets the same indexes, so the plain baseline pays for them too.
CREATE FUNCTION bench.make_base(s text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('CREATE TABLE %I.tb_user (pk_user int PRIMARY KEY, name text NOT NULL, email text NOT NULL)', s);
    EXECUTE format('CREATE TABLE %I.tb_post (pk_post int PRIMARY KEY, '
                   'fk_user int NOT NULL REFERENCES %I.tb_user, title text NOT NULL, body text NOT NULL)', s, s);
    EXECUTE format('CREATE TABLE %I.tb_comment (pk_comment int PRIMARY KEY, '
                   'fk_post int NOT NULL REFERENCES %I.tb_post ON DELETE CASCADE, '
                   'fk_user int NOT NULL REFERENCES %I.tb_user, body text NOT NULL)', s, s, s);
    EXECUTE format('INSERT INTO %I.tb_user SELECT * FROM bench.src_user', s);
    EXECUTE format('INSERT INTO %I.tb_post SELECT * FROM bench.src_post', s);
    EXECUTE format('INSERT INTO %I.tb_comment SELECT * FROM bench.src_comment', s);
    EXECUTE format('CREATE INDEX ON %I.tb_post (fk_user)', s);
    EXECUTE format('CREATE INDEX ON %I.tb_comment (fk_post)', s);
    EXECUTE format('CREATE INDEX ON %I.tb_comment (fk_user)', s);
END $$;

-- The three defining SELECTs, written once for every variant: `s` is the
-- schema of the base tables, `post_rel` the (qualified) relation the feed
-- reads: the TVIEW tv_post, the hand-maintained h_post or the matview.
CREATE FUNCTION bench.user_sql(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
SELECT u.pk_user,
       jsonb_build_object('name', u.name, 'email', u.email,
                          'posts', (SELECT count(*) FROM %1$I.tb_post p WHERE p.fk_user = u.pk_user)) AS data
  FROM %1$I.tb_user u$q$, s)
$$;

CREATE FUNCTION bench.post_sql(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
SELECT p.pk_post, p.fk_user,
       jsonb_build_object(
           'title', p.title,
           'body', p.body,
           'author', jsonb_build_object('id', u.pk_user, 'name', u.name),
           'comments', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                            'id', c.pk_comment, 'body', c.body,
                                            'author', jsonb_build_object('id', cu.pk_user, 'name', cu.name))
                                        ORDER BY c.pk_comment)
                                   FROM %1$I.tb_comment c
                                   JOIN %1$I.tb_user cu ON cu.pk_user = c.fk_user
                                  WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
  FROM %1$I.tb_post p
  JOIN %1$I.tb_user u ON u.pk_user = p.fk_user$q$, s)
$$;

-- A feed card per post, read from the post documents (a stacked TVIEW).
CREATE FUNCTION bench.feed_sql(post_rel text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
SELECT tp.pk_post AS pk_feed, tp.fk_user,
       jsonb_build_object('title', tp.data ->> 'title',
                          'author', tp.data -> 'author' ->> 'name',
                          'comments', jsonb_array_length(tp.data -> 'comments')) AS data
  FROM %s tp$q$, post_rel)
$$;

SELECT bench.make_base('plain');
SELECT bench.make_base('tv');
SELECT bench.make_base('hand');

-- tv: the TVIEWs, created by pg_tviews_create in the current schema.
SET search_path = tv, public;
SELECT pg_tviews_create('user', bench.user_sql('tv'));
SELECT pg_tviews_create('post', bench.post_sql('tv'));
SELECT pg_tviews_create('feed', bench.feed_sql(format('%I.%I', 'tv', 'tv_post')));
RESET search_path;

-- mv: the equivalent materialized views, over the plain tables, so that
-- "plain write + REFRESH" is a write followed by the refresh it needs.
CREATE SCHEMA mv;
SELECT format('CREATE MATERIALIZED VIEW %I.%I AS %s', 'mv', 'mv_user', bench.user_sql('plain')) \gexec
SELECT format('CREATE MATERIALIZED VIEW %I.%I AS %s', 'mv', 'mv_post', bench.post_sql('plain')) \gexec
SELECT format('CREATE MATERIALIZED VIEW %I.%I AS %s', 'mv', 'mv_feed',
              bench.feed_sql(format('%I.%I', 'mv', 'mv_post'))) \gexec

-- Plain tables <p>_user, <p>_post, <p>_feed of schema s holding the rows of
-- views v_user, v_post, v_feed of the same SELECTs (the feed read from
-- <p>_post): what the hand-written triggers and the oracle keep up to date.
CREATE FUNCTION bench.make_documents(s text, p text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE VIEW %I.v_user AS %s', s, bench.user_sql(s));
    EXECUTE format('CREATE VIEW %I.v_post AS %s', s, bench.post_sql(s));
    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM %I.v_user', s, p || '_user', s);
    EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (pk_user)', s, p || '_user');
    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM %I.v_post', s, p || '_post', s);
    EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (pk_post)', s, p || '_post');
    EXECUTE format('CREATE VIEW %I.v_feed AS %s', s, bench.feed_sql(format('%I.%I', s, p || '_post')));
    EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM %I.v_feed', s, p || '_feed', s);
    EXECUTE format('ALTER TABLE %I.%I ADD PRIMARY KEY (pk_feed)', s, p || '_feed');
END $$;

\ir hand.sql
\ir stack.sql

\ir oracle.sql

-- R3's baseline: the feed cards computed at read time from the post view
-- (tv.v_feed would read the maintained tv_post).
SELECT format('CREATE VIEW %I.%I AS %s', 'tv', 'r_feed', bench.feed_sql(format('%I.%I', 'tv', 'v_post'))) \gexec

-- pg_ivm, when the machine has it, compared fairly: the same view (post +
-- author, what an IMMV can express) with every base key in its target list,
-- so that pg_ivm can create the unique index it maintains through (it says
-- so in a NOTICE when it cannot), as an IMMV in schema ivm and as a TVIEW
-- in schema same, each over its own copy of the base tables.
CREATE FUNCTION bench.ivm_sql(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format('SELECT p.pk_post, p.title, u.pk_user, u.name FROM %1$I.tb_post p JOIN %1$I.tb_user u ON u.pk_user = p.fk_user', s)
$$;
SELECT bench.make_base('ivm') WHERE :with_ivm;
SELECT bench.make_base('same') WHERE :with_ivm;
SELECT 'CREATE EXTENSION IF NOT EXISTS pg_ivm' WHERE :with_ivm \gexec
SET search_path = public, pgivm;   -- pg_ivm 1.10+ keeps its functions in schema pgivm
SELECT format('SELECT create_immv(%L, %L)', 'ivm.ivm_post', bench.ivm_sql('ivm')) WHERE :with_ivm \gexec
SET search_path = same, public;
SELECT format('SELECT pg_tviews_create(%L, %L)', 'post', bench.ivm_sql('same')) WHERE :with_ivm \gexec
RESET search_path;
SELECT $d$DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_index WHERE indrelid = 'ivm.ivm_post'::regclass AND indisunique) THEN
        RAISE EXCEPTION 'pg_ivm created no unique index on ivm.ivm_post: the comparison would not be fair';
    END IF;
END $$$d$ WHERE :with_ivm \gexec

-- Facts about the data set for the report.
INSERT INTO bench.facts
SELECT 'rows', format('tb_user %s, tb_post %s, tb_comment %s; tv_post %s, tv_feed %s, tv_user %s',
                      (SELECT count(*) FROM tv.tb_user), (SELECT count(*) FROM tv.tb_post),
                      (SELECT count(*) FROM tv.tb_comment), (SELECT count(*) FROM tv.tv_post),
                      (SELECT count(*) FROM tv.tv_feed), (SELECT count(*) FROM tv.tv_user));
INSERT INTO bench.facts
SELECT 'tv_post size', pg_size_pretty(pg_total_relation_size('tv.tv_post'));

-- Every variant holds the same rows (checked once, not timed).
DO $$
BEGIN
    IF EXISTS (SELECT * FROM tv.tv_post EXCEPT SELECT * FROM hand.h_post)
       OR EXISTS (SELECT * FROM tv.tv_feed EXCEPT SELECT * FROM hand.h_feed)
       OR EXISTS (SELECT * FROM tv.tv_user EXCEPT SELECT * FROM mv.mv_user)
       OR EXISTS (SELECT * FROM tv.tv_post EXCEPT SELECT * FROM mv.mv_post)
       OR EXISTS (SELECT * FROM tv.tv_post EXCEPT SELECT * FROM oracle.o_post)
       OR EXISTS (SELECT * FROM tv.tv_feed EXCEPT SELECT * FROM oracle.o_feed)
       OR EXISTS (SELECT * FROM tv.tv_user EXCEPT SELECT * FROM oracle.o_user) THEN
        RAISE EXCEPTION 'variants differ after setup';
    END IF;
END $$;
