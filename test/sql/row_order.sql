-- row_order: a definition whose values depend on the order rows are read
-- in (an order-sensitive aggregate, LIMIT, DISTINCT ON) is accepted only
-- with a total ORDER BY, proved from unique keys; otherwise refused with
-- 0A000 naming the construct.  The accepted ones are maintained exactly
-- through random writes.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA row_order;
SET search_path = row_order, public;
\set VERBOSITY terse
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text, score float8, day date);
CREATE TABLE post_tag (post_id int, tag_id int, PRIMARY KEY (post_id, tag_id));
CREATE TABLE tb_loose (id int UNIQUE, v text);   -- unique but nullable: not a key
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 6) g;
INSERT INTO tb_post SELECT g, 1 + g % 6, 'post ' || (g % 7), g / 4.0, date '2026-01-01' + g % 3
  FROM generate_series(1, 40) g;
INSERT INTO post_tag SELECT p, t FROM generate_series(1, 40) p, generate_series(1, 3) t WHERE (p + t) % 2 = 0;

-- refused: no ORDER BY, ties, a float sum, LIMIT / DISTINCT ON that can tie
CREATE TABLE tv_r1 AS SELECT u.pk_user AS pk_r1,
    (SELECT jsonb_agg(p.title) FROM tb_post p WHERE p.fk_user = u.pk_user) AS titles FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r2 AS SELECT u.pk_user AS pk_r2,
    (SELECT string_agg(p.title, ',' ORDER BY p.day) FROM tb_post p WHERE p.fk_user = u.pk_user) AS titles FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r3 AS SELECT u.pk_user AS pk_r3,
    (SELECT sum(p.score) FROM tb_post p WHERE p.fk_user = u.pk_user) AS total FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r4 AS SELECT u.pk_user AS pk_r4,
    (SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user ORDER BY p.day DESC LIMIT 1) AS latest FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r5 AS SELECT u.pk_user AS pk_r5,
    (SELECT array_agg(l.v ORDER BY l.id) FROM tb_loose l WHERE l.id > u.pk_user) AS vs FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r6 AS SELECT u.pk_user AS pk_r6,
    (SELECT jsonb_agg(d.title ORDER BY d.title) FROM (SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user) d) AS t
  FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
-- a join inside the aggregate: the joined table's key must be ordered on or fixed
CREATE TABLE tv_r7 AS SELECT u.pk_user AS pk_r7,
    (SELECT jsonb_agg(p.title ORDER BY p.pk_post) FROM tb_post p JOIN post_tag t ON t.post_id = p.pk_post
      WHERE p.fk_user = u.pk_user) AS t FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r8 AS SELECT u.pk_user AS pk_r8,
    ARRAY(SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user) AS titles FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_r9 AS SELECT u.pk_user AS pk_r9,       -- a window function in a select-list subquery
    (SELECT rank() OVER (ORDER BY p.day) FROM tb_post p WHERE p.pk_post = u.pk_user) AS r FROM tb_user u;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS refused_left_nothing FROM pg_tview_meta WHERE schema_name = 'row_order';

-- accepted: every way a key is proved
CREATE TABLE tv_a1 AS SELECT u.pk_user AS pk_a1,       -- the aggregated table's primary key
    (SELECT jsonb_agg(p.title ORDER BY p.day, p.pk_post) FROM tb_post p WHERE p.fk_user = u.pk_user) AS titles
  FROM tb_user u;
CREATE TABLE tv_a2 AS SELECT p.pk_post AS pk_a2,       -- part of the key fixed by the correlation
    (SELECT array_agg(t.tag_id ORDER BY t.tag_id) FROM post_tag t WHERE t.post_id = p.pk_post) AS tags
  FROM tb_post p;
CREATE TABLE tv_a3 AS SELECT u.pk_user AS pk_a3,       -- GROUP BY fixes the preserved side
    jsonb_agg(p.title ORDER BY p.pk_post) FILTER (WHERE p.pk_post IS NOT NULL) AS titles,
    sum(p.score ORDER BY p.pk_post) AS total
  FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user GROUP BY u.pk_user;
CREATE TABLE tv_a4 AS SELECT u.pk_user AS pk_a4,       -- LIMIT with a tie-breaker
    (SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user ORDER BY p.day DESC, p.pk_post DESC LIMIT 1) AS latest
  FROM tb_user u;
CREATE TABLE tv_a5 AS SELECT u.pk_user AS pk_a5,       -- DISTINCT over what is sorted
    (SELECT string_agg(DISTINCT p.title, ',' ORDER BY p.title) FROM tb_post p WHERE p.fk_user = u.pk_user) AS titles
  FROM tb_user u;
CREATE TABLE tv_a6 AS                                   -- a CTE's GROUP BY columns are its key
WITH per_day AS (SELECT p.fk_user, p.day, count(*) AS n FROM tb_post p GROUP BY p.fk_user, p.day)
SELECT u.pk_user AS pk_a6,
    (SELECT jsonb_agg(jsonb_build_object('day', d.day, 'n', d.n) ORDER BY d.day) FROM per_day d
      WHERE d.fk_user = u.pk_user) AS days
  FROM tb_user u;
CREATE TABLE tv_a7 AS SELECT u.pk_user AS pk_a7,       -- a derived table returning its table's key
    (SELECT jsonb_agg(d.title ORDER BY d.title, d.pk_post) FROM (SELECT p.pk_post, p.title FROM tb_post p
      WHERE p.fk_user = u.pk_user) d) AS titles
  FROM tb_user u;
CREATE TABLE tv_a8 AS SELECT u.pk_user AS pk_a8,       -- a joined table fixed through an equality
    (SELECT jsonb_agg(t.tag_id ORDER BY t.tag_id) FROM tb_post p JOIN post_tag t ON t.post_id = p.pk_post
      WHERE p.pk_post = u.pk_user) AS tags
  FROM tb_user u;
CREATE TABLE tv_a9 AS SELECT u.pk_user AS pk_a9,       -- WITH ORDINALITY numbers the rows
    (SELECT jsonb_agg(e.part ORDER BY e.n) FROM regexp_split_to_table(u.name, ' ') WITH ORDINALITY AS e(part, n)) AS parts
  FROM tb_user u;
CREATE TABLE tv_a10 AS SELECT u.pk_user AS pk_a10,     -- ARRAY(SELECT) in key order
    ARRAY(SELECT p.title FROM tb_post p WHERE p.fk_user = u.pk_user ORDER BY p.pk_post) AS titles
  FROM tb_user u;
SELECT string_agg(entity, ' ' ORDER BY entity) AS accepted FROM pg_tview_meta WHERE schema_name = 'row_order';

-- random writes; after each statement every TVIEW equals its view
CREATE FUNCTION drift() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(n) FROM (SELECT count(*) AS n FROM pg_tview_meta m, pg_tviews_verify(m.schema_name || '.' || m.entity)
                         WHERE m.schema_name = 'row_order') x
$$;
SELECT setseed(0.42);
DO $$
DECLARE i int; bad bigint; statements int := 0;
BEGIN
    FOR i IN 1..120 LOOP
        CASE floor(random() * 6)::int
        WHEN 0 THEN INSERT INTO tb_post VALUES (100 + i, 1 + floor(random() * 6)::int, 'post ' || floor(random() * 7)::int,
                                                random() * 10, date '2026-01-01' + floor(random() * 3)::int);
        WHEN 1 THEN UPDATE tb_post SET fk_user = 1 + floor(random() * 6)::int WHERE pk_post = 1 + floor(random() * 40)::int;
        WHEN 2 THEN UPDATE tb_post SET title = 'post ' || floor(random() * 7)::int, day = day + 1,
                                       score = score + random() WHERE pk_post % 5 = floor(random() * 5)::int;
        WHEN 3 THEN DELETE FROM tb_post WHERE pk_post = 1 + floor(random() * 140)::int;
        WHEN 4 THEN INSERT INTO post_tag VALUES (1 + floor(random() * 40)::int, 1 + floor(random() * 5)::int)
                    ON CONFLICT DO NOTHING;
        ELSE DELETE FROM post_tag WHERE post_id = 1 + floor(random() * 40)::int;
        END CASE;
        statements := statements + 1;
        bad := drift();
        IF bad <> 0 THEN RAISE EXCEPTION 'statement %: % rows differ from the views', i, bad; END IF;
    END LOOP;
    RAISE NOTICE '% statements, every TVIEW equal to its view after each', statements;
END $$;

RESET search_path;
DROP SCHEMA row_order CASCADE;
