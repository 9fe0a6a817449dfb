-- Random write generator, checker and PL/pgSQL driver of the shape fuzz test.
-- Same approach as test/extra/consistency/driver.sql, for this schema.

-- cons_pick(table) and cons_rint(lo, hi) come from ../consistency/driver.sql,
-- loaded first; so does cons_make_checkers (cons_diff_<entity>() per created TVIEW).

-- an id or, with probability p, NULL (as SQL text)
CREATE FUNCTION fz_pick_or_null(tbl text, p float8) RETURNS text LANGUAGE sql AS
$$ SELECT CASE WHEN random() < p THEN 'NULL' ELSE cons_pick(tbl)::text END $$;

-- One random write statement, as self-contained SQL text.
CREATE FUNCTION fz_gen() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    k float8 := random() * 100;
BEGIN
    -- refill tables emptied by deletes and TRUNCATE
    IF (SELECT count(*) FROM companies) < 3 THEN
        RETURN format($s$INSERT INTO companies SELECT nextval('companies_id_seq'), 'refill ' || g, 'FR', g * 10.5, jsonb_build_object('tier', g %% 3) FROM generate_series(1, 4) g$s$);
    END IF;
    IF (SELECT count(*) FROM users) < 10 THEN
        RETURN format($s$INSERT INTO users (company_id, name, score) SELECT %s, 'refill ' || g, g * 13 %% 100 FROM generate_series(1, 8) g$s$, cons_pick('companies'));
    END IF;
    IF (SELECT count(*) FROM categories) < 4 THEN
        RETURN $s$INSERT INTO categories (name) SELECT 'refill cat ' || g FROM generate_series(1, 4) g$s$;
    END IF;
    IF (SELECT count(*) FROM posts) < 20 THEN
        RETURN format($s$INSERT INTO posts (user_id, category_id, title, views, published, price) SELECT %s, %s, 'refill post ' || g, g * 7, g %% 2 = 0, g * 1.25 FROM generate_series(1, 10) g$s$, cons_pick('users'), cons_pick('categories'));
    END IF;
    IF (SELECT count(*) FROM comments) < 30 THEN
        RETURN format($s$INSERT INTO comments (post_id, user_id, body, rating) SELECT %s, %s, 'refill comment ' || g, g %% 6 FROM generate_series(1, 15) g$s$, cons_pick('posts'), cons_pick('users'));
    END IF;
    IF (SELECT count(*) FROM tags) < 3 THEN
        -- names unique (the new id): a TVIEW may be keyed by the name
        RETURN $s$INSERT INTO tags (id, name) SELECT n, 'refill tag ' || n FROM (SELECT nextval('tags_id_seq') AS n FROM generate_series(1, 5)) s$s$;
    END IF;

    RETURN CASE
    -- companies
    WHEN k < 2 THEN format($s$INSERT INTO companies VALUES (nextval('companies_id_seq'), 'company n%s', %s, %s, %s)$s$,
        cons_rint(1, 99999), CASE WHEN random() < 0.2 THEN 'NULL' ELSE quote_literal((ARRAY['FR','DE','US','XX'])[cons_rint(1, 4)]) END,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE (cons_rint(0, 999999) / 100.0)::text END,
        CASE WHEN random() < 0.3 THEN 'NULL' ELSE format('jsonb_build_object(%L, %s)', 'tier', cons_rint(0, 3)) END)
    WHEN k < 5 THEN format($s$UPDATE companies SET name = 'company r%s' WHERE id = %s$s$, cons_rint(1, 99999), cons_pick('companies'))
    WHEN k < 7 THEN format($s$UPDATE companies SET budget = %s, meta = %s WHERE id = %s$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE (cons_rint(0, 999999) / 100.0)::text END,
        CASE WHEN random() < 0.3 THEN 'NULL' WHEN random() < 0.5 THEN 'meta || ''{"x": 1}''' ELSE format('jsonb_build_object(%L, %s)', 'tier', cons_rint(0, 3)) END,
        cons_pick('companies'))
    WHEN k < 8 THEN format($s$UPDATE companies SET country = %s WHERE id %% 3 = %s$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE quote_literal((ARRAY['FR','DE','US','XX'])[cons_rint(1, 4)]) END, cons_rint(0, 2))
    WHEN k < 9 THEN format($s$UPDATE companies SET id = nextval('companies_id_seq') WHERE id = %s$s$, cons_pick('companies'))
    WHEN k < 10 THEN format($s$DELETE FROM companies WHERE id = %s$s$, cons_pick('companies'))
    -- users
    WHEN k < 12 THEN format($s$INSERT INTO users (company_id, manager_id, name, score, active) VALUES (%s, %s, 'user n%s', %s, %L)$s$,
        fz_pick_or_null('companies', 0.15), fz_pick_or_null('users', 0.3), cons_rint(1, 99999), cons_rint(0, 120), random() < 0.8)
    WHEN k < 13 THEN format($s$INSERT INTO users (company_id, name, score) SELECT %s, 'bulk ' || g || '.%s', (g * 17) %% 110 FROM generate_series(1, %s) g$s$,
        cons_pick('companies'), cons_rint(1, 99999), cons_rint(2, 4))
    WHEN k < 16 THEN format($s$UPDATE users SET name = 'renamed %s' WHERE id = %s$s$, cons_rint(1, 99999), cons_pick('users'))
    WHEN k < 18 THEN format($s$UPDATE users SET score = %s, active = %L WHERE id = %s$s$, cons_rint(0, 120), random() < 0.7, cons_pick('users'))
    WHEN k < 21 THEN format($s$UPDATE users SET company_id = %s WHERE id = %s$s$, fz_pick_or_null('companies', 0.2), cons_pick('users'))
    WHEN k < 23 THEN format($s$UPDATE users SET manager_id = %s WHERE id = %s$s$, fz_pick_or_null('users', 0.25), cons_pick('users'))
    WHEN k < 24 THEN format($s$UPDATE users SET score = score + %s, active = NOT active WHERE id %% 5 = %s$s$, cons_rint(-15, 15), cons_rint(0, 4))
    WHEN k < 25 THEN format($s$UPDATE users SET id = nextval('users_id_seq') WHERE id = %s$s$, cons_pick('users'))
    WHEN k < 26 THEN format($s$DELETE FROM users WHERE id = %s$s$, cons_pick('users'))
    WHEN k < 26.5 THEN format($s$DELETE FROM users WHERE id IN (%s, %s)$s$, cons_pick('users'), cons_pick('users'))
    -- categories
    WHEN k < 27.5 THEN format($s$INSERT INTO categories (parent_id, name) VALUES (%s, 'cat n%s')$s$, fz_pick_or_null('categories', 0.3), cons_rint(1, 99999))
    WHEN k < 29 THEN format($s$UPDATE categories SET name = 'cat r%s' WHERE id = %s$s$, cons_rint(1, 99999), cons_pick('categories'))
    WHEN k < 30 THEN format($s$UPDATE categories SET parent_id = %s WHERE id = %s$s$, fz_pick_or_null('categories', 0.3), cons_pick('categories'))
    WHEN k < 30.5 THEN format($s$UPDATE categories SET id = id + 1000 WHERE id = %s$s$, cons_pick('categories'))
    WHEN k < 31 THEN format($s$DELETE FROM categories WHERE id = %s$s$, cons_pick('categories'))
    -- posts
    WHEN k < 34 THEN format($s$INSERT INTO posts (user_id, category_id, title, views, published, price, extra) VALUES (%s, %s, 'post n%s', %s, %s, %s, %s)$s$,
        cons_pick('users'), fz_pick_or_null('categories', 0.15), cons_rint(1, 99999), cons_rint(0, 40),
        CASE WHEN random() < 0.1 THEN 'NULL' ELSE (random() < 0.6)::text END,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE (cons_rint(0, 9999) / 100.0)::text END,
        CASE WHEN random() < 0.3 THEN 'NULL' ELSE format('jsonb_build_object(%L, %s)', 'k', cons_rint(0, 4)) END)
    WHEN k < 35 THEN format($s$INSERT INTO posts (user_id, category_id, title, views, published) SELECT %s, %s, 'bulk post ' || g || '.%s', g * 9, g %% 2 = 1 FROM generate_series(1, %s) g$s$,
        cons_pick('users'), cons_pick('categories'), cons_rint(1, 99999), cons_rint(2, 4))
    WHEN k < 38 THEN format($s$UPDATE posts SET title = 'title %s', views = views + %s WHERE id = %s$s$, cons_rint(1, 99999), cons_rint(-5, 20), cons_pick('posts'))
    WHEN k < 39 THEN format($s$UPDATE posts SET published = %s, price = %s, extra = %s WHERE id = %s$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE 'NOT coalesce(published, false)' END,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE 'coalesce(price, 0) + 0.5' END,
        CASE WHEN random() < 0.3 THEN 'NULL' ELSE format('jsonb_build_object(%L, %s)', 'k', cons_rint(0, 4)) END, cons_pick('posts'))
    WHEN k < 42 THEN format($s$UPDATE posts SET user_id = %s WHERE id = %s$s$, cons_pick('users'), cons_pick('posts'))
    WHEN k < 43.5 THEN format($s$UPDATE posts SET category_id = %s WHERE user_id = %s$s$, fz_pick_or_null('categories', 0.2), cons_pick('users'))
    WHEN k < 44.5 THEN format($s$UPDATE posts SET category_id = %s WHERE id = %s$s$, CASE WHEN random() < 0.3 THEN '999' ELSE cons_pick('categories')::text END, cons_pick('posts'))
    WHEN k < 45.5 THEN format($s$UPDATE posts SET id = nextval('posts_id_seq') WHERE id = %s$s$, cons_pick('posts'))
    WHEN k < 47 THEN format($s$DELETE FROM posts WHERE id = %s$s$, cons_pick('posts'))
    WHEN k < 47.5 THEN format($s$DELETE FROM posts WHERE user_id = %s AND views < %s$s$, cons_pick('users'), cons_rint(5, 40))
    WHEN k < 48.5 THEN format($s$UPDATE posts p SET published = NOT p.published, views = p.views + 1 FROM users u WHERE u.id = p.user_id AND u.company_id = %s$s$, cons_pick('companies'))
    -- comments
    WHEN k < 53 THEN format($s$INSERT INTO comments (post_id, user_id, body, rating) VALUES (%s, %s, 'comment n%s', %s)$s$,
        cons_pick('posts'), fz_pick_or_null('users', 0.1), cons_rint(1, 99999), CASE WHEN random() < 0.1 THEN 'NULL' ELSE cons_rint(0, 5)::text END)
    WHEN k < 54 THEN format($s$INSERT INTO comments (post_id, user_id, body, rating) SELECT %s, %s, 'bulk comment ' || g, g %% 6 FROM generate_series(1, %s) g$s$,
        cons_pick('posts'), cons_pick('users'), cons_rint(2, 5))
    WHEN k < 57 THEN format($s$UPDATE comments SET rating = %s, body = 'edited %s' WHERE id = %s$s$,
        CASE WHEN random() < 0.1 THEN 'NULL' ELSE cons_rint(0, 5)::text END, cons_rint(1, 99999), cons_pick('comments'))
    WHEN k < 60 THEN format($s$UPDATE comments SET post_id = %s WHERE id = %s$s$, cons_pick('posts'), cons_pick('comments'))
    WHEN k < 61.5 THEN format($s$UPDATE comments SET user_id = %s WHERE post_id = %s$s$, fz_pick_or_null('users', 0.2), cons_pick('posts'))
    WHEN k < 62 THEN format($s$UPDATE comments SET id = nextval('comments_id_seq') WHERE id = %s$s$, cons_pick('comments'))
    WHEN k < 64 THEN format($s$DELETE FROM comments WHERE id = %s$s$, cons_pick('comments'))
    WHEN k < 65 THEN format($s$DELETE FROM comments WHERE post_id = %s$s$, cons_pick('posts'))
    -- tags and post_tags
    WHEN k < 68 THEN format($s$INSERT INTO post_tags VALUES (%s, %s) ON CONFLICT DO NOTHING$s$, cons_pick('posts'), cons_pick('tags'))
    WHEN k < 69 THEN format($s$INSERT INTO post_tags SELECT %s, t.id FROM tags t WHERE t.id %% 3 = %s ON CONFLICT DO NOTHING$s$, cons_pick('posts'), cons_rint(0, 2))
    WHEN k < 70.5 THEN format($s$DELETE FROM post_tags WHERE post_id = %s$s$, cons_pick('posts'))
    WHEN k < 71 THEN format($s$DELETE FROM post_tags WHERE tag_id = %s$s$, cons_pick('tags'))
    WHEN k < 72 THEN format($s$UPDATE post_tags SET tag_id = %s WHERE post_id = %s AND tag_id <> %1$s AND NOT EXISTS (SELECT 1 FROM post_tags x WHERE x.post_id = post_tags.post_id AND x.tag_id = %1$s)$s$, cons_pick('tags'), cons_pick('posts'))
    -- 'tag 1'..'tag 30' often takes another tag's name: a TVIEW keyed by the name
    -- must then refuse the write (23505); in deferred mode, where that error
    -- would come at the driver's own COMMIT, the new name is unique (its id)
    WHEN k < 73.5 THEN format(CASE WHEN current_setting('fz.mode', true) = 'deferred'
                                   THEN $s$UPDATE tags SET name = 'tag d' || id || '.%s' WHERE id = %s$s$
                                   ELSE $s$UPDATE tags SET name = 'tag %s' WHERE id = %s$s$ END,
        cons_rint(1, 30), cons_pick('tags'))
    WHEN k < 74 THEN format($s$INSERT INTO tags (name) VALUES ('tag n%s')$s$, cons_rint(1, 99999))
    WHEN k < 74.5 THEN format($s$DELETE FROM tags WHERE id = %s$s$, cons_pick('tags'))
    -- writable CTEs touching two tables
    WHEN k < 75.5 THEN format($s$WITH a AS (UPDATE users SET name = 'cte %s' WHERE id = %s RETURNING id) UPDATE posts SET title = 'cte title %s' WHERE user_id IN (SELECT id FROM a)$s$,
        cons_rint(1, 99999), cons_pick('users'), cons_rint(1, 99999))
    WHEN k < 76.5 THEN format($s$WITH d AS (DELETE FROM comments WHERE id = %s RETURNING post_id) UPDATE posts SET views = views + 1 WHERE id IN (SELECT post_id FROM d)$s$, cons_pick('comments'))
    WHEN k < 77 THEN format($s$WITH u AS (UPDATE users SET company_id = NULL WHERE company_id = %1$s RETURNING id) DELETE FROM companies WHERE id = %1$s $s$, cons_pick('companies'))
    WHEN k < 77.5 THEN format($s$WITH c AS (DELETE FROM comments WHERE post_id = %1$s RETURNING id) UPDATE posts SET user_id = %2$s WHERE id = %1$s $s$, cons_pick('posts'), cons_pick('users'))
    WHEN k < 78 THEN format($s$WITH p AS (INSERT INTO posts (user_id, category_id, title, views) VALUES (%s, %s, 'cte post %s', 3) RETURNING id, user_id) INSERT INTO comments (post_id, user_id, body, rating) SELECT id, user_id, 'first comment', 5 FROM p$s$,
        cons_pick('users'), cons_pick('categories'), cons_rint(1, 99999))
    WHEN k < 78.5 THEN format($s$WITH t AS (INSERT INTO tags (name) VALUES ('cte tag %s') RETURNING id) INSERT INTO post_tags SELECT %s, id FROM t$s$, cons_rint(1, 99999), cons_pick('posts'))
    -- ON CONFLICT and MERGE
    WHEN k < 79.5 THEN format($s$INSERT INTO companies VALUES (%s, 'upsert %s', 'DE', 1.5, NULL) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, budget = companies.budget + 1$s$,
        CASE WHEN random() < 0.6 THEN cons_pick('companies') ELSE nextval('companies_id_seq')::int END, cons_rint(1, 99999))
    WHEN k < 80 THEN format($s$MERGE INTO users u USING (VALUES (%s, 'merged %s')) AS s(id, name) ON u.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, score = u.score + 1 WHEN NOT MATCHED THEN INSERT (name) VALUES (s.name)$s$,
        CASE WHEN random() < 0.7 THEN cons_pick('users') ELSE 0 END, cons_rint(1, 99999))
    -- statements that fail on purpose (constraint errors roll the statement back)
    WHEN k < 81 THEN format($s$INSERT INTO posts (user_id, title) VALUES (%s, 'orphan')$s$, 999999)
    WHEN k < 81.5 THEN format($s$UPDATE comments SET post_id = 999999 WHERE user_id = %s$s$, cons_pick('users'))
    -- rare TRUNCATE of tables no foreign key points to
    WHEN k < 82 THEN (ARRAY['TRUNCATE post_tags', 'TRUNCATE tags', 'TRUNCATE categories', 'TRUNCATE comments'])[cons_rint(1, 4)]
    -- more single-row traffic on the hot tables
    WHEN k < 88 THEN format($s$UPDATE posts SET views = views + %s WHERE id = %s$s$, cons_rint(-3, 9), cons_pick('posts'))
    WHEN k < 92 THEN format($s$UPDATE comments SET rating = %s WHERE id = %s$s$, CASE WHEN random() < 0.1 THEN 'NULL' ELSE cons_rint(0, 5)::text END, cons_pick('comments'))
    WHEN k < 96 THEN format($s$INSERT INTO comments (post_id, user_id, body, rating) VALUES (%s, %s, 'reply %s', %s)$s$,
        cons_pick('posts'), cons_pick('users'), cons_rint(1, 99999), cons_rint(0, 5))
    -- the partitioned table and the inheritance pair (no TVIEW may read them):
    -- through the parent, and straight to a partition or child
    WHEN k < 96.5 THEN format($s$INSERT INTO events VALUES (%s, %s, 'view') ON CONFLICT DO NOTHING$s$, cons_rint(1, 2000), cons_pick('posts'))
    WHEN k < 97 THEN format($s$UPDATE events_low SET kind = 'like' WHERE id = %s$s$, cons_rint(1, 999))
    WHEN k < 97.5 THEN format($s$INSERT INTO notes_archive VALUES (%s, %s, 'archived')$s$, 1000 + cons_rint(1, 99999), cons_pick('posts'))
    WHEN k < 98 THEN format($s$DELETE FROM notes WHERE id = %s$s$, cons_rint(1, 40))
    ELSE format($s$UPDATE users SET score = score - 1 WHERE company_id = %s$s$, cons_pick('companies'))
    END;
END $$;

-- Compare every created TVIEW with its view.  Each mismatch is one WARNING line
-- FUZZ-MISMATCH; the TVIEW is then rebuilt so later statements are tested on
-- their own.  Returns the number of mismatching TVIEWs.
CREATE FUNCTION fz_check(p_stmt int, p_sql text, p_when text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    n bigint;
    rows text;
    problems int := 0;
BEGIN
    FOR e IN SELECT entity FROM cons_tviews WHERE created ORDER BY ord LOOP
        EXECUTE format('SELECT n, rows FROM %I()', 'cons_diff_' || e.entity) INTO n, rows;
        IF n > 0 THEN
            RAISE WARNING 'FUZZ-MISMATCH entity=% stmt=% when=% mode=% | sql: % | % differing rows: %',
                e.entity, p_stmt, p_when, current_setting('fz.mode', true),
                regexp_replace(coalesce(p_sql, '?'), '\s+', ' ', 'g'), n, rows;
            problems := problems + 1;
            BEGIN
                PERFORM pg_tviews_refresh(e.entity);
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'FUZZ-REFRESH entity=% pg_tviews_refresh failed: % (%)', e.entity, SQLERRM, SQLSTATE;
            END;
        END IF;
    END LOOP;
    RETURN problems;
END $$;

-- Execute one statement.  Constraint violations of base tables are expected (the
-- statement is rolled back); anything else, and any error naming a tv_ table, is
-- reported as FUZZ-ERROR.  Returns 1 when the statement failed.
CREATE FUNCTION fz_exec(p_stmt int, p_sql text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    tbl text;
    msg text;
    ctx text;
BEGIN
    RAISE NOTICE 'FUZZ-STMT %: %', p_stmt, p_sql;
    EXECUTE p_sql;
    RETURN 0;
EXCEPTION
    WHEN unique_violation THEN
        -- a write giving two rows of a "duplicable key" TVIEW's view one key: the
        -- 23505 pg_tviews raises is expected (fz_check then compares it with its view)
        GET STACKED DIAGNOSTICS tbl = TABLE_NAME, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
        IF EXISTS (SELECT 1 FROM cons_tviews c WHERE c.created AND c.shape LIKE '%duplicable key%'
                    AND msg LIKE 'duplicate key value violates the key of TVIEW %.tv\_' || c.entity) THEN
            RAISE NOTICE 'FUZZ-DUPLICATE stmt=% | %', p_stmt, msg;
        ELSIF tbl LIKE 'tv\_%' OR msg LIKE '%tv\_%' OR ctx LIKE '%tv\_%' THEN
            RAISE WARNING 'FUZZ-ERROR stmt=% | sql: % | error: % (%)', p_stmt, p_sql, SQLERRM, SQLSTATE;
        END IF;
        RETURN 1;
    WHEN integrity_constraint_violation THEN
        GET STACKED DIAGNOSTICS tbl = TABLE_NAME, msg = MESSAGE_TEXT, ctx = PG_EXCEPTION_CONTEXT;
        IF tbl LIKE 'tv\_%' OR msg LIKE '%tv\_%' OR ctx LIKE '%tv\_%' THEN
            RAISE WARNING 'FUZZ-ERROR stmt=% | sql: % | error: % (%)', p_stmt, p_sql, SQLERRM, SQLSTATE;
        END IF;
        RETURN 1;
    WHEN OTHERS THEN
        RAISE WARNING 'FUZZ-ERROR stmt=% | sql: % | error: % (%)', p_stmt, p_sql, SQLERRM, SQLSTATE;
        RETURN 1;
END $$;

-- The driver: p_n random statements with a check after each.  A transaction ends
-- every 1-30 statements (COMMIT, 1 in 10 ROLLBACK by raising in a block); each
-- transaction picks a maintenance mode: default, full_refresh_threshold = 0 (set-wise),
-- = 1, or deferred (checked after COMMIT only).  About 8% of the statements run in
-- groups of 1-3 inside a BEGIN ... EXCEPTION block that raises on purpose (a
-- subtransaction rolled back), checked after the rollback.
CREATE PROCEDURE fz_run(p_seed float8, p_n int) LANGUAGE plpgsql AS $$
DECLARE
    i int := 0;
    j int;
    s text;
    failed int := 0;
    groups int := 0;
    txn_left int := 0;
    mode text := 'immediate';
    m float8;
    deferred boolean := false;
    checks int := 0;
BEGIN
    PERFORM setseed(p_seed);
    WHILE i < p_n LOOP
        IF txn_left <= 0 THEN
            txn_left := cons_rint(1, 30);
            m := random();
            mode := CASE WHEN m < 0.7 THEN 'immediate' WHEN m < 0.8 THEN 'threshold=0'
                         WHEN m < 0.9 THEN 'threshold=1' ELSE 'deferred' END;
            deferred := mode = 'deferred';
            PERFORM set_config('fz.mode', mode, true);
            IF mode = 'threshold=0' THEN
                PERFORM set_config('pg_tviews.full_refresh_threshold', '0', true);
            ELSIF mode = 'threshold=1' THEN
                PERFORM set_config('pg_tviews.full_refresh_threshold', '1', true);
            ELSIF deferred THEN
                PERFORM set_config('pg_tviews.refresh_mode', 'deferred', true);
            END IF;
        END IF;
        IF random() < 0.08 THEN
            groups := groups + 1;
            BEGIN
                FOR j IN 1..cons_rint(1, 3) LOOP
                    i := i + 1;
                    s := fz_gen();
                    failed := failed + fz_exec(i, s);
                    IF NOT deferred THEN PERFORM fz_check(i, s, 'after statement'); checks := checks + 1; END IF;
                END LOOP;
                RAISE EXCEPTION 'fz: roll back on purpose';
            EXCEPTION WHEN raise_exception THEN
                NULL;
            END;
            IF NOT deferred THEN PERFORM fz_check(i, s, 'after the rolled-back subtransaction'); checks := checks + 1; END IF;
        ELSE
            i := i + 1;
            s := fz_gen();
            failed := failed + fz_exec(i, s);
            IF NOT deferred THEN PERFORM fz_check(i, s, 'after statement'); checks := checks + 1; END IF;
        END IF;
        txn_left := txn_left - 1;
        IF txn_left <= 0 OR i >= p_n THEN
            IF random() < 0.1 THEN
                ROLLBACK;
                PERFORM fz_check(i, s, 'after ROLLBACK (' || mode || ')');
            ELSE
                COMMIT;
                PERFORM fz_check(i, s, 'after COMMIT (' || mode || ')');
            END IF;
            checks := checks + 1;
            COMMIT;
        END IF;
    END LOOP;
    RAISE NOTICE 'FUZZ-STATS statements=% failed_as_expected_or_reported=% rolled_back_groups=% checks=%',
        i, failed, groups, checks;
END $$;
