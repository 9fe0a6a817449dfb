-- hand.sql - the "hand" baseline: what a developer writes without pg_tviews.
-- Plain tables h_user, h_post, h_feed hold the same rows as the views
-- v_user, v_post, v_feed (the same SELECTs as the TVIEWs), kept up to date
-- by statement-level PL/pgSQL triggers with transition tables: each trigger
-- collects the affected keys and re-derives exactly those rows from the view.
-- It is what a careful developer writes, not a straw man: set-wise, indexed,
-- safe under concurrent writers, and it skips the user documents when a post
-- update cannot change them.  It does not compare rows before writing them.  Included by setup.sql after the hand base tables
-- exist.

SELECT bench.make_documents('hand', 'h');

-- Re-derive these users' rows: remove those the view no longer has, upsert
-- the others (an upsert, not delete + insert: two sessions refreshing the
-- same key concurrently must not collide on the primary key).
CREATE FUNCTION hand.refresh_users(keys int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM hand.h_user h WHERE h.pk_user = ANY (keys)
       AND NOT EXISTS (SELECT FROM hand.v_user v WHERE v.pk_user = h.pk_user);
    INSERT INTO hand.h_user SELECT * FROM hand.v_user WHERE pk_user = ANY (keys)
        ON CONFLICT (pk_user) DO UPDATE SET data = EXCLUDED.data;
END $$;

-- The same for posts, then for the feed cards read from them.
CREATE FUNCTION hand.refresh_posts(keys int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF keys IS NULL THEN RETURN; END IF;
    DELETE FROM hand.h_post h WHERE h.pk_post = ANY (keys)
       AND NOT EXISTS (SELECT FROM hand.v_post v WHERE v.pk_post = h.pk_post);
    INSERT INTO hand.h_post SELECT * FROM hand.v_post WHERE pk_post = ANY (keys)
        ON CONFLICT (pk_post) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data;
    DELETE FROM hand.h_feed h WHERE h.pk_feed = ANY (keys)
       AND NOT EXISTS (SELECT FROM hand.v_feed v WHERE v.pk_feed = h.pk_feed);
    INSERT INTO hand.h_feed SELECT * FROM hand.v_feed WHERE pk_feed = ANY (keys)
        ON CONFLICT (pk_feed) DO UPDATE SET fk_user = EXCLUDED.fk_user, data = EXCLUDED.data;
END $$;

-- One function per table serves INSERT, UPDATE and DELETE: each branch
-- names only the transition tables its event has (PL/pgSQL plans a
-- statement when it first runs it).
CREATE FUNCTION hand.on_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    users int[];
    posts int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(pk_user) INTO users FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(pk_user) INTO users FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT k) INTO users
          FROM (SELECT pk_user FROM old_rows UNION ALL SELECT pk_user FROM new_rows) d(k);
    END IF;
    -- a user appears in the posts it wrote and in those it commented on
    SELECT array_agg(DISTINCT k) INTO posts
      FROM (SELECT p.pk_post FROM hand.tb_post p WHERE p.fk_user = ANY (users)
            UNION ALL
            SELECT c.fk_post FROM hand.tb_comment c WHERE c.fk_user = ANY (users)) d(k);
    PERFORM hand.refresh_users(users);
    PERFORM hand.refresh_posts(posts);
    RETURN NULL;
END $$;

CREATE FUNCTION hand.on_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    users int[];
    posts int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(pk_post), array_agg(DISTINCT fk_user) INTO posts, users FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(pk_post), array_agg(DISTINCT fk_user) INTO posts, users FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT pk) INTO posts
          FROM (SELECT pk_post FROM old_rows UNION ALL SELECT pk_post FROM new_rows) d(pk);
        -- a user's post count changes only when a post changes hands
        SELECT array_agg(DISTINCT fk) INTO users
          FROM ((SELECT pk_post, fk_user FROM old_rows EXCEPT SELECT pk_post, fk_user FROM new_rows)
                UNION ALL
                (SELECT pk_post, fk_user FROM new_rows EXCEPT SELECT pk_post, fk_user FROM old_rows)) d(pk, fk);
    END IF;
    PERFORM hand.refresh_posts(posts);
    PERFORM hand.refresh_users(users);   -- post counts
    RETURN NULL;
END $$;

CREATE FUNCTION hand.on_comment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    posts int[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT fk_post) INTO posts FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT fk_post) INTO posts FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT k) INTO posts
          FROM (SELECT fk_post FROM old_rows UNION ALL SELECT fk_post FROM new_rows) d(k);
    END IF;
    PERFORM hand.refresh_posts(posts);
    RETURN NULL;
END $$;

-- Three statement triggers per table (a trigger with transition tables
-- serves one event); TRUNCATE is not benchmarked.
SELECT format('CREATE TRIGGER %I AFTER %s ON %I.%I REFERENCING %s TABLE AS %I '
              'FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
              'h_' || t || '_' || lower(ev), ev, 'hand', 'tb_' || t,
              CASE ev WHEN 'INSERT' THEN 'NEW' ELSE 'OLD' END,
              CASE ev WHEN 'INSERT' THEN 'new_rows' ELSE 'old_rows' END,
              'hand', 'on_' || t)
  FROM unnest(ARRAY['user', 'post', 'comment']) t,
       unnest(ARRAY['INSERT', 'DELETE']) ev \gexec
SELECT format('CREATE TRIGGER %I AFTER UPDATE ON %I.%I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
              'FOR EACH STATEMENT EXECUTE FUNCTION %I.%I()',
              'h_' || t || '_update', 'hand', 'tb_' || t, 'hand', 'on_' || t)
  FROM unnest(ARRAY['user', 'post', 'comment']) t \gexec
