-- Random write generator, checker and PL/pgSQL driver of the consistency test.

-- An existing id of table tbl, chosen at random (deterministic given the data and
-- the random() state); 999999 when the table is empty (the statement then does
-- nothing or fails on a foreign key, which is fine).
CREATE FUNCTION cons_pick(tbl text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
    r int;
BEGIN
    EXECUTE format('SELECT count(*) FROM %I', tbl) INTO n;
    IF n = 0 THEN
        PERFORM random();
        RETURN 999999;
    END IF;
    EXECUTE format('SELECT id FROM %I ORDER BY id OFFSET $1 LIMIT 1', tbl)
        INTO r USING floor(random() * n)::int;
    RETURN r;
END $$;

CREATE FUNCTION cons_rint(lo int, hi int) RETURNS int LANGUAGE sql AS
$$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

-- One random write statement, as self-contained SQL text.
CREATE FUNCTION cons_gen() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    k float8 := random() * 100;
BEGIN
    -- refill small tables emptied by TRUNCATE
    IF NOT EXISTS (SELECT 1 FROM levels) AND random() < 0.5 THEN
        RETURN $s$INSERT INTO levels (band, label) VALUES (int4range(0, 20), 'bronze'), (int4range(20, 50), 'silver'), (int4range(50, 80), 'gold'), (int4range(80, 1000), 'platinum')$s$;
    END IF;
    IF (SELECT count(*) FROM tags) < 3 AND random() < 0.5 THEN
        RETURN format($s$INSERT INTO tags (name) SELECT 'tag ' || g || '.%s' FROM generate_series(1, 5) g$s$, cons_rint(1, 99999));
    END IF;
    IF (SELECT count(*) FROM users) < 10 THEN
        RETURN format($s$INSERT INTO users (company_id, name, score) SELECT %s, 'refill ' || g, g * 13 %% 100 FROM generate_series(1, 8) g$s$, cons_pick('companies'));
    END IF;
    IF (SELECT count(*) FROM posts) < 20 THEN
        RETURN format($s$INSERT INTO posts (user_id, category_id, title, views, published) SELECT %s, %s, 'refill post ' || g, g * 7, g %% 2 = 0 FROM generate_series(1, 10) g$s$, cons_pick('users'), cons_pick('categories'));
    END IF;

    RETURN CASE
    -- users
    WHEN k < 3 THEN format($s$INSERT INTO users (company_id, manager_id, name, email, score, active) VALUES (%s, %s, 'user n%s', NULL, %s, %L)$s$,
        CASE WHEN random() < 0.15 THEN 'NULL' ELSE cons_pick('companies')::text END,
        CASE WHEN random() < 0.3 THEN 'NULL' ELSE cons_pick('users')::text END,
        cons_rint(1, 99999), cons_rint(0, 120), random() < 0.8)
    WHEN k < 5 THEN format($s$INSERT INTO users (company_id, name, score) SELECT %s, 'bulk ' || g || '.%s', (g * 17) %% 110 FROM generate_series(1, %s) g$s$,
        cons_pick('companies'), cons_rint(1, 99999), cons_rint(2, 4))
    WHEN k < 9 THEN format($s$UPDATE users SET name = 'renamed %s' WHERE id = %s$s$, cons_rint(1, 99999), cons_pick('users'))
    WHEN k < 12 THEN format($s$UPDATE users SET score = %s WHERE id = %s$s$, cons_rint(0, 120), cons_pick('users'))
    WHEN k < 15 THEN format($s$UPDATE users SET company_id = %s WHERE id = %s$s$,
        CASE WHEN random() < 0.15 THEN 'NULL' ELSE cons_pick('companies')::text END, cons_pick('users'))
    WHEN k < 17 THEN format($s$UPDATE users SET manager_id = %s WHERE id = %s$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE cons_pick('users')::text END, cons_pick('users'))
    WHEN k < 19 THEN format($s$UPDATE users SET score = score + %s, active = NOT active WHERE id %% 5 = %s$s$, cons_rint(-15, 15), cons_rint(0, 4))
    WHEN k < 21 THEN format($s$UPDATE users SET id = nextval('users_id_seq') WHERE id = %s$s$, cons_pick('users'))
    WHEN k < 23 THEN format($s$DELETE FROM users WHERE id = %s$s$, cons_pick('users'))
    WHEN k < 24 THEN format($s$DELETE FROM users WHERE id IN (%s, %s)$s$, cons_pick('users'), cons_pick('users'))
    -- posts
    WHEN k < 28 THEN format($s$INSERT INTO posts (user_id, category_id, title, views, published) VALUES (%s, %s, 'post n%s', %s, %L)$s$,
        cons_pick('users'), CASE WHEN random() < 0.15 THEN 'NULL' ELSE cons_pick('categories')::text END,
        cons_rint(1, 99999), cons_rint(0, 40), random() < 0.6)
    WHEN k < 30 THEN format($s$INSERT INTO posts (user_id, category_id, title, views, published) SELECT %s, %s, 'bulk post ' || g || '.%s', g * 9, g %% 2 = 1 FROM generate_series(1, %s) g$s$,
        cons_pick('users'), cons_pick('categories'), cons_rint(1, 99999), cons_rint(2, 4))
    WHEN k < 34 THEN format($s$UPDATE posts SET title = 'title %s', views = views + %s WHERE id = %s$s$, cons_rint(1, 99999), cons_rint(-5, 20), cons_pick('posts'))
    WHEN k < 36 THEN format($s$UPDATE posts SET published = NOT published WHERE id = %s$s$, cons_pick('posts'))
    WHEN k < 39 THEN format($s$UPDATE posts SET user_id = %s WHERE id = %s$s$, cons_pick('users'), cons_pick('posts'))
    WHEN k < 41 THEN format($s$UPDATE posts SET category_id = %s WHERE user_id = %s$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE cons_pick('categories')::text END, cons_pick('users'))
    WHEN k < 43 THEN format($s$UPDATE posts SET id = nextval('posts_id_seq') WHERE id = %s$s$, cons_pick('posts'))
    WHEN k < 45 THEN format($s$DELETE FROM posts WHERE id = %s$s$, cons_pick('posts'))
    WHEN k < 46 THEN format($s$DELETE FROM posts WHERE user_id = %s AND views < %s$s$, cons_pick('users'), cons_rint(5, 40))
    WHEN k < 47 THEN format($s$UPDATE posts p SET published = NOT p.published, views = p.views + 1 FROM users u WHERE u.id = p.user_id AND u.company_id = %s$s$, cons_pick('companies'))
    -- comments
    WHEN k < 53 THEN format($s$INSERT INTO comments (post_id, user_id, body, rating) VALUES (%s, %s, 'comment n%s', %s)$s$,
        cons_pick('posts'), cons_pick('users'), cons_rint(1, 99999),
        CASE WHEN random() < 0.1 THEN 'NULL' ELSE cons_rint(0, 5)::text END)
    WHEN k < 57 THEN format($s$UPDATE comments SET rating = %s, body = 'edited %s' WHERE id = %s$s$,
        CASE WHEN random() < 0.1 THEN 'NULL' ELSE cons_rint(0, 5)::text END, cons_rint(1, 99999), cons_pick('comments'))
    WHEN k < 60 THEN format($s$UPDATE comments SET post_id = %s WHERE id = %s$s$, cons_pick('posts'), cons_pick('comments'))
    WHEN k < 61 THEN format($s$UPDATE comments SET user_id = %s WHERE post_id = %s$s$, cons_pick('users'), cons_pick('posts'))
    WHEN k < 63 THEN format($s$DELETE FROM comments WHERE id = %s$s$, cons_pick('comments'))
    WHEN k < 64 THEN format($s$DELETE FROM comments WHERE post_id = %s$s$, cons_pick('posts'))
    WHEN k < 65 THEN format($s$WITH d AS (DELETE FROM comments WHERE id = %s RETURNING post_id) UPDATE posts SET views = views + 1 WHERE id IN (SELECT post_id FROM d)$s$, cons_pick('comments'))
    -- tags
    WHEN k < 69 THEN format($s$INSERT INTO post_tags VALUES (%s, %s) ON CONFLICT DO NOTHING$s$, cons_pick('posts'), cons_pick('tags'))
    WHEN k < 71 THEN format($s$DELETE FROM post_tags WHERE post_id = %s$s$, cons_pick('posts'))
    WHEN k < 72 THEN format($s$DELETE FROM post_tags WHERE tag_id = %s$s$, cons_pick('tags'))
    WHEN k < 74 THEN format($s$UPDATE tags SET name = 'tag %s' WHERE id = %s$s$, cons_rint(1, 30), cons_pick('tags'))
    WHEN k < 75 THEN format($s$DELETE FROM tags WHERE id = %s$s$, cons_pick('tags'))
    -- companies
    WHEN k < 78 THEN format($s$INSERT INTO companies VALUES (%s, 'company u%s', '%s') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country$s$,
        CASE WHEN random() < 0.6 THEN cons_pick('companies') ELSE nextval('companies_id_seq')::int END,
        cons_rint(1, 99999), (ARRAY['FR','DE','US','XX'])[cons_rint(1, 4)])
    WHEN k < 79 THEN format($s$MERGE INTO companies c USING (VALUES (%s, 'merged %s')) AS s(id, name) ON c.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 'US')$s$,
        CASE WHEN random() < 0.6 THEN cons_pick('companies') ELSE nextval('companies_id_seq')::int END, cons_rint(1, 99999))
    WHEN k < 80 THEN format($s$DELETE FROM companies WHERE id = %s$s$, cons_pick('companies'))
    -- categories
    WHEN k < 82 THEN format($s$UPDATE categories SET name = 'cat r%s' WHERE id = %s$s$, cons_rint(1, 99999), cons_pick('categories'))
    WHEN k < 83 THEN format($s$UPDATE categories SET parent_id = %s WHERE id = %s$s$,
        CASE WHEN random() < 0.3 THEN 'NULL' ELSE cons_pick('categories')::text END, cons_pick('categories'))
    WHEN k < 84 THEN format($s$INSERT INTO categories (parent_id, name) VALUES (%s, 'cat n%s')$s$, cons_pick('categories'), cons_rint(1, 99999))
    WHEN k < 85 THEN format($s$DELETE FROM categories WHERE id = %s$s$, cons_pick('categories'))
    -- levels (non-equi join): label changes, band changes (may violate the exclusion constraint)
    WHEN k < 87 THEN format($s$UPDATE levels SET label = 'level %s' WHERE id = %s$s$, cons_rint(1, 99), cons_pick('levels'))
    WHEN k < 88 THEN format($s$UPDATE levels SET band = int4range(lower(band) + %s, upper(band) + %s) WHERE id = %s$s$, cons_rint(-5, 5), cons_rint(-5, 5), cons_pick('levels'))
    -- archived posts (UNION ALL, NOT IN)
    WHEN k < 90 THEN format($s$INSERT INTO archived_posts (user_id, title) VALUES (%s, 'archived n%s')$s$,
        CASE WHEN random() < 0.2 THEN 'NULL' ELSE cons_pick('users')::text END, cons_rint(1, 99999))
    WHEN k < 91 THEN format($s$UPDATE archived_posts SET user_id = %s, title = 'archived r%s' WHERE id = %s$s$, cons_pick('users'), cons_rint(1, 99999), cons_pick('archived_posts'))
    WHEN k < 92 THEN format($s$DELETE FROM archived_posts WHERE id = %s$s$, cons_pick('archived_posts'))
    WHEN k < 93 THEN format($s$WITH moved AS (DELETE FROM posts WHERE id = %s RETURNING user_id, title) INSERT INTO archived_posts (user_id, title) SELECT user_id, title FROM moved$s$, cons_pick('posts'))
    -- statements that fail on purpose (constraint errors roll back the statement)
    WHEN k < 95 THEN format($s$INSERT INTO posts (user_id, title) VALUES (%s, 'orphan')$s$, 999999)
    WHEN k < 96 THEN format($s$UPDATE comments SET post_id = 999999 WHERE user_id = %s$s$, cons_pick('users'))
    WHEN k < 97 THEN format($s$INSERT INTO companies VALUES (%s, 'duplicate', 'FR')$s$, cons_pick('companies'))
    -- rare: TRUNCATE of small tables
    WHEN k < 98 THEN CASE WHEN random() < 0.5 THEN 'TRUNCATE levels' ELSE 'TRUNCATE tags CASCADE' END
    WHEN k < 98.5 THEN CASE WHEN random() < 0.5 THEN 'TRUNCATE archived_posts'
        ELSE format($s$COPY comments (post_id, user_id, body, rating) FROM PROGRAM 'printf "%s\t%s\tcopied 1\t3\n%s\t%s\tcopied 2\t\\\\N\n"'$s$,
                    cons_pick('posts'), cons_pick('users'), cons_pick('posts'), cons_pick('users')) END
    WHEN k < 98.75 THEN format($s$WITH a AS (UPDATE users SET name = 'cte %s' WHERE id = %s RETURNING id) UPDATE posts SET title = 'cte title %s' WHERE user_id IN (SELECT id FROM a)$s$,
        cons_rint(1, 99999), cons_pick('users'), cons_rint(1, 99999))
    -- two sources whose old rows alone joined, changed by one statement
    WHEN k < 99 THEN CASE WHEN random() < 0.5
        THEN format($s$WITH u AS (UPDATE users SET company_id = NULL WHERE company_id = %1$s RETURNING id) DELETE FROM companies WHERE id = %1$s $s$, cons_pick('companies'))
        ELSE format($s$WITH c AS (DELETE FROM comments WHERE post_id = %1$s RETURNING id) UPDATE posts SET user_id = %2$s WHERE id = %1$s $s$, cons_pick('posts'), cons_pick('users')) END
    WHEN k < 99.5 THEN format($s$INSERT INTO companies VALUES (%s, 'upsert a', 'FR'), (%s, 'upsert b', 'XX'), (%s, 'upsert c', 'DE') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name || ' again', country = EXCLUDED.country$s$,
        cons_pick('companies'), nextval('companies_id_seq'), cons_pick('companies') + 1000)
    ELSE CASE WHEN random() < 0.5 THEN 'TRUNCATE archived_posts' ELSE format($s$UPDATE users SET score = score - 1 WHERE company_id = %s$s$, cons_pick('companies')) END
    END;
END $$;

-- For each created TVIEW a function cons_diff_<entity>() with static SQL (plan kept
-- for the session): the rows of tv_<entity> and v_<entity> that differ, as a
-- multiset, in both directions.
CREATE FUNCTION cons_make_checkers() RETURNS int LANGUAGE plpgsql AS $mk$
DECLARE
    e record;
    k int := 0;
BEGIN
    FOR e IN SELECT entity FROM cons_tviews WHERE created ORDER BY ord LOOP
        EXECUTE format($f$
            CREATE OR REPLACE FUNCTION %1$I(OUT n bigint, OUT rows text) LANGUAGE plpgsql AS $b$
            BEGIN
                WITH t AS MATERIALIZED (SELECT * FROM %2$I),
                     v AS MATERIALIZED (SELECT * FROM %3$I)
                SELECT count(*), left(string_agg(x, ' | ' ORDER BY x), 900) INTO n, rows FROM (
                    SELECT 'tv-only ' || d::text AS x FROM (TABLE t EXCEPT ALL TABLE v) d
                    UNION ALL
                    SELECT 'v-only ' || d::text FROM (TABLE v EXCEPT ALL TABLE t) d) z;
            END $b$$f$,
            'cons_diff_' || e.entity, 'tv_' || e.entity, 'v_' || e.entity);
        k := k + 1;
    END LOOP;
    RETURN k;
END $mk$;

-- Compare every created TVIEW with its view (multiset, both directions, EXCEPT ALL)
-- and cross-check pg_tviews_verify.  Each problem is reported as one WARNING line
-- starting with CONSISTENCY-MISMATCH / CONSISTENCY-VERIFY; a mismatching TVIEW is then
-- rebuilt with pg_tviews_refresh so later statements are tested independently.
-- Returns the number of problems found.
CREATE FUNCTION cons_check(p_phase text, p_stmt int, p_sql text, p_when text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    e record;
    n bigint;
    rows text;
    nv bigint;
    problems int := 0;
    ctx text;
BEGIN
    ctx := format('seed=%s phase=%s stmt=%s when=%s | sql: %s',
                  current_setting('cons.seed', true), p_phase, p_stmt, p_when,
                  regexp_replace(coalesce(p_sql, '?'), '\s+', ' ', 'g'));
    FOR e IN SELECT entity FROM cons_tviews WHERE created ORDER BY ord LOOP
        EXECUTE format('SELECT n, rows FROM %I()', 'cons_diff_' || e.entity) INTO n, rows;
        -- pg_tviews_verify is cross-checked on every 4th check and on every mismatch
        CONTINUE WHEN n = 0 AND p_stmt % 4 <> 0;
        BEGIN
            SELECT count(*) INTO nv FROM pg_tviews_verify(e.entity);
        EXCEPTION WHEN OTHERS THEN
            nv := -1;
            RAISE WARNING 'CONSISTENCY-VERIFY entity=% pg_tviews_verify failed: % (%) %',
                e.entity, SQLERRM, SQLSTATE, ctx;
            problems := problems + 1;
        END;
        IF nv >= 0 AND (nv > 0) <> (n > 0) THEN
            RAISE WARNING 'CONSISTENCY-VERIFY entity=% pg_tviews_verify returned % rows, EXCEPT ALL found % differing rows %',
                e.entity, nv, n, ctx;
            problems := problems + 1;
        END IF;
        IF n > 0 THEN
            RAISE WARNING 'CONSISTENCY-MISMATCH entity=% % | % differing rows: %', e.entity, ctx, n, rows;
            problems := problems + 1;
            BEGIN
                PERFORM pg_tviews_refresh(e.entity);
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'CONSISTENCY-REFRESH entity=% pg_tviews_refresh failed: % (%)', e.entity, SQLERRM, SQLSTATE;
            END;
        END IF;
    END LOOP;
    RETURN problems;
END $$;

-- Execute one generated statement (constraint errors are expected and roll the
-- statement back; any other error is reported as CONSISTENCY-ERROR), then check.
-- Returns 1 when the statement failed with an expected error, else 0.
CREATE FUNCTION cons_exec(p_phase text, p_stmt int, p_sql text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    failed int := 0;
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION
        WHEN integrity_constraint_violation THEN failed := 1;
        WHEN OTHERS THEN
            failed := 1;
            RAISE WARNING 'CONSISTENCY-ERROR seed=% phase=% stmt=% | sql: % | error: % (%)',
                current_setting('cons.seed', true), p_phase, p_stmt, p_sql, SQLERRM, SQLSTATE;
    END;
    PERFORM cons_check(p_phase, p_stmt, p_sql, 'after statement');
    RETURN failed;
END $$;

-- The PL/pgSQL driver: p_n random statements; about 8% of them run in groups of 1-3
-- inside a BEGIN ... EXCEPTION block that raises on purpose (aborted subtransaction);
-- COMMIT every p_commit_every statements.
CREATE PROCEDURE cons_run(p_seed float8, p_n int, p_commit_every int) LANGUAGE plpgsql AS $$
DECLARE
    i int := 0;
    j int;
    s text;
    failed int := 0;
    groups int := 0;
BEGIN
    PERFORM set_config('cons.seed', p_seed::text, false);
    PERFORM setseed(p_seed);
    WHILE i < p_n LOOP
        IF random() < 0.08 THEN
            groups := groups + 1;
            BEGIN
                FOR j IN 1..cons_rint(1, 3) LOOP
                    i := i + 1;
                    s := cons_gen();
                    failed := failed + cons_exec('plpgsql-subxact', i, s);
                END LOOP;
                RAISE EXCEPTION 'cons: roll back on purpose';
            EXCEPTION WHEN raise_exception THEN
                NULL;
            END;
            PERFORM cons_check('plpgsql-subxact', i, s, 'after the aborted subtransaction');
        ELSE
            i := i + 1;
            s := cons_gen();
            failed := failed + cons_exec('plpgsql', i, s);
        END IF;
        IF i % p_commit_every = 0 THEN
            COMMIT;
        END IF;
    END LOOP;
    COMMIT;
    RAISE NOTICE 'CONSISTENCY-STATS phase=plpgsql statements=% failed_as_expected=% rolled_back_groups=%',
        i, failed, groups;
END $$;

-- psql phase: the next statement, remembered for the checks that follow it.
CREATE FUNCTION cons_next(p_stmt int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    s text := cons_gen();
BEGIN
    PERFORM set_config('cons.stmt', s, false);
    PERFORM set_config('cons.stmt_no', p_stmt::text, false);
    RAISE NOTICE 'CONSISTENCY-STMT %: %', p_stmt, s;
    RETURN s;
END $$;

CREATE FUNCTION cons_check_psql(p_when text) RETURNS int LANGUAGE sql AS $$
    SELECT cons_check('psql', coalesce(current_setting('cons.stmt_no', true), '0')::int,
                      current_setting('cons.stmt', true), p_when)
$$;
