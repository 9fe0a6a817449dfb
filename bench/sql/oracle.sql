-- oracle.sql - the "oracle" baseline: the physical limit of synchronous
-- maintenance.  Each scenario's write, followed by the minimal statements
-- that recompute exactly the rows it affects, with the keys known in
-- advance (no key queries, no locks, no triggers), skipping rows that come
-- out unchanged, and sent as ONE round trip: one PL/pgSQL function per
-- scenario (its static statements are prepared once per connection and
-- reuse their plans, as pg_tviews' kept plans do).  The tables have no
-- TVIEW triggers: schema `oracle` holds a copy of the base data and plain
-- tables o_user, o_post, o_feed equal to views v_user, v_post, v_feed (the
-- same SELECTs as the TVIEWs); ostack and ofan hold the same for S9 and
-- S10.  Every recompute is
--   INSERT INTO o_x AS t SELECT * FROM v_x WHERE key <known keys>
--   ON CONFLICT (key) DO UPDATE SET ... WHERE (t.*) IS DISTINCT FROM (EXCLUDED.*)
-- and a stacked level (the feed card of a post, S9's next level) is
-- recomputed only for the rows the level below actually changed (RETURNING
-- or FOUND), as pg_tviews cascades only changed rows.  Statements are
-- written out in each function rather than shared through nested calls,
-- which would add their own cost to the limit.  Included by setup.sql
-- after make_base, make_documents and stack.sql.

SELECT bench.make_base('oracle');
SELECT bench.make_documents('oracle', 'o');

-- S1 and S8: one post's title; its document, then its feed card if the
-- document changed.  The user's post count cannot change.
CREATE FUNCTION oracle.s1(k int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE oracle.tb_post SET title = md5(random()::text) WHERE pk_post = k;
    INSERT INTO oracle.o_post AS t SELECT * FROM oracle.v_post WHERE pk_post = k
        ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
        WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data);
    IF FOUND THEN
        INSERT INTO oracle.o_feed AS t SELECT * FROM oracle.v_feed WHERE pk_feed = k
            ON CONFLICT (pk_feed) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
            WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data);
    END IF;
END $$;

-- The feed cards of the posts whose documents changed.
CREATE FUNCTION oracle.feed_of(keys int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    INSERT INTO oracle.o_feed AS t SELECT * FROM oracle.v_feed WHERE pk_feed = ANY (keys)
        ON CONFLICT (pk_feed) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
        WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data);
END $$;

-- S2: rename a user: their document, the posts they wrote (author) and
-- commented on (comment author), then the feed cards of the posts that
-- changed.
CREATE FUNCTION oracle.s2(k int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    posts int[];
    changed int[];
BEGIN
    UPDATE oracle.tb_user SET name = md5(random()::text) WHERE pk_user = k;
    INSERT INTO oracle.o_user AS t SELECT * FROM oracle.v_user WHERE pk_user = k
        ON CONFLICT (pk_user) DO UPDATE SET data = EXCLUDED.data
        WHERE t.data IS DISTINCT FROM EXCLUDED.data;
    SELECT array_agg(DISTINCT pk) INTO posts
      FROM (SELECT pk_post FROM oracle.tb_post WHERE fk_user = k
            UNION ALL
            SELECT fk_post FROM oracle.tb_comment WHERE fk_user = k) d(pk);
    WITH w AS (
        INSERT INTO oracle.o_post AS t SELECT * FROM oracle.v_post WHERE pk_post = ANY (posts)
            ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
            WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data)
        RETURNING t.pk_post)
    SELECT array_agg(pk_post) INTO changed FROM w;
    PERFORM oracle.feed_of(changed);
END $$;

-- S3: a new comment on post p: that post's document and feed card.
CREATE FUNCTION oracle.s3(id int, p int, a int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oracle.tb_comment VALUES (id, p, a, md5(random()::text));
    INSERT INTO oracle.o_post AS t SELECT * FROM oracle.v_post WHERE pk_post = p
        ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
        WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data);
    IF FOUND THEN
        INSERT INTO oracle.o_feed AS t SELECT * FROM oracle.v_feed WHERE pk_feed = p
            ON CONFLICT (pk_feed) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
            WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data);
    END IF;
END $$;

-- S4: delete a post (its comments go by cascade and appear in no other
-- document): its document and card are gone, its author's post count
-- changes.
CREATE FUNCTION oracle.s4(k int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    author int;
BEGIN
    DELETE FROM oracle.tb_post WHERE pk_post = k RETURNING fk_user INTO author;
    DELETE FROM oracle.o_post WHERE pk_post = k;
    DELETE FROM oracle.o_feed WHERE pk_feed = k;
    INSERT INTO oracle.o_user AS t SELECT * FROM oracle.v_user WHERE pk_user = author
        ON CONFLICT (pk_user) DO UPDATE SET data = EXCLUDED.data
        WHERE t.data IS DISTINCT FROM EXCLUDED.data;
END $$;

-- S5: 1,000 consecutive posts: their documents, then the changed cards.
CREATE FUNCTION oracle.s5(lo int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed int[];
BEGIN
    UPDATE oracle.tb_post SET title = md5(random()::text) WHERE pk_post BETWEEN lo AND lo + 999;
    WITH w AS (
        INSERT INTO oracle.o_post AS t SELECT * FROM oracle.v_post WHERE pk_post BETWEEN lo AND lo + 999
            ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data
            WHERE (t.fk_user, t.data) IS DISTINCT FROM (EXCLUDED.fk_user, EXCLUDED.data)
        RETURNING t.pk_post)
    SELECT array_agg(pk_post) INTO changed FROM w;
    PERFORM oracle.feed_of(changed);
END $$;

-- S9: the 5-level stack of stack.sql on plain tables: level i is a table
-- o_li equal to view v_li reading o_l(i-1); the function recomputes level
-- after level while the level below changed.
CREATE SCHEMA ostack;
SELECT bench.make_small('ostack', 'tb_s0');
SELECT format('CREATE VIEW %I.%I AS %s', 'ostack', 'v_l1', bench.leaf_sql('ostack', 'tb_s0', 'pk_l1')) \gexec
CREATE TABLE ostack.o_l1 AS SELECT * FROM ostack.v_l1;
ALTER TABLE ostack.o_l1 ADD PRIMARY KEY (pk_l1);
SELECT format('CREATE VIEW %I.%I AS SELECT y.%I AS %I, jsonb_build_object(%L, %s, %L, y.data) AS data FROM %I.%I y; '
              'CREATE TABLE %I.%I AS SELECT * FROM %I.%I; ALTER TABLE %I.%I ADD PRIMARY KEY (%I)',
              'ostack', 'v_l' || i, 'pk_l' || (i - 1), 'pk_l' || i, 'level', i, 'below', 'ostack', 'o_l' || (i - 1),
              'ostack', 'o_l' || i, 'ostack', 'v_l' || i, 'ostack', 'o_l' || i, 'pk_l' || i)
  FROM generate_series(2, 5) i \gexec
SELECT format($f$CREATE FUNCTION ostack.s9(k int) RETURNS void LANGUAGE plpgsql AS $b$
BEGIN
    UPDATE ostack.tb_s0 SET v = v + 1 WHERE pk = k;
%s
END $b$$f$,
    string_agg(format($s$    INSERT INTO ostack.%1$I AS t SELECT * FROM ostack.%2$I WHERE %3$I = k
        ON CONFLICT (%3$I) DO UPDATE SET data = EXCLUDED.data WHERE t.data IS DISTINCT FROM EXCLUDED.data;
    IF NOT FOUND THEN RETURN; END IF;$s$, 'o_l' || i, 'v_l' || i, 'pk_l' || i), E'\n' ORDER BY i))
  FROM generate_series(1, 5) i \gexec

-- S10: one table read by ten documents (stack.sql's fan) on plain tables.
CREATE SCHEMA ofan;
SELECT bench.make_small('ofan', 'tb_f');
SELECT format('CREATE VIEW %I.%I AS %s; CREATE TABLE %I.%I AS SELECT * FROM %I.%I; '
              'ALTER TABLE %I.%I ADD PRIMARY KEY (%I)',
              'ofan', 'v_f' || i, replace(bench.fan_sql('tb_f', 'pk_f' || i, i), 'FROM fan.', 'FROM ofan.'),
              'ofan', 'o_f' || i, 'ofan', 'v_f' || i, 'ofan', 'o_f' || i, 'pk_f' || i)
  FROM generate_series(1, 10) i \gexec
SELECT format($f$CREATE FUNCTION ofan.s10(k int) RETURNS void LANGUAGE plpgsql AS $b$
BEGIN
    UPDATE ofan.tb_f SET v = v + 1 WHERE pk = k;
%s
END $b$$f$,
    string_agg(format($s$    INSERT INTO ofan.%1$I AS t SELECT * FROM ofan.%2$I WHERE %3$I = k
        ON CONFLICT (%3$I) DO UPDATE SET data = EXCLUDED.data WHERE t.data IS DISTINCT FROM EXCLUDED.data;$s$,
                   'o_f' || i, 'v_f' || i, 'pk_f' || i), E'\n' ORDER BY i))
  FROM generate_series(1, 10) i \gexec
