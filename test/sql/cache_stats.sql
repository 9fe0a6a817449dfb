-- cache_stats: pg_tviews_cache_stats reports this backend's caches, and
-- pg_tviews.prepared_stmt_cache_size bounds the plans (least recently used go first)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA cache_stats;
SET search_path = cache_stats, public;

-- twelve sources, one TVIEW each: a write of more rows than are read off the
-- transition tables (16) prepares one key statement and the TVIEW's five
-- writing statements, 72 plans in all against a bound of 50
DO $$
BEGIN
    FOR i IN 1..12 LOOP
        EXECUTE format('CREATE TABLE tb_c%s (id int PRIMARY KEY, v text)', i);
        EXECUTE format('CREATE TABLE tv_c%s AS SELECT t.id AS pk_c%s, t.v FROM tb_c%s t', i, i, i);
    END LOOP;
END $$;
-- a new session: a CREATE that saw another transaction commit meanwhile (autovacuum's
-- ANALYZE will do) rebuilds its TVIEW, and that rebuild fills this backend's caches
\c
SET search_path = cache_stats, public;
SELECT cache_name, entries, capacity, hits, misses FROM pg_tviews_cache_stats ORDER BY 1;
SET pg_tviews.prepared_stmt_cache_size = 50;
DO $$
BEGIN
    FOR i IN 1..12 LOOP
        EXECUTE format('INSERT INTO tb_c%s SELECT g, %L FROM generate_series(1, 20) g', i, 'one');
    END LOOP;
END $$;
SELECT cache_name, entries <= capacity AS bounded, capacity, estimated_bytes > 0 AS measured
  FROM pg_tviews_cache_stats ORDER BY 1;
CREATE TEMP TABLE before AS SELECT cache_name, hits, misses FROM pg_tviews_cache_stats;
-- the most recent source is still cached: a hit; the first one was given back: a miss
INSERT INTO tb_c12 SELECT g, 'two' FROM generate_series(21, 40) g;
INSERT INTO tb_c1 SELECT g, 'two' FROM generate_series(21, 40) g;
SELECT s.cache_name, s.hits - b.hits AS new_hits, s.misses - b.misses AS new_misses
  FROM pg_tviews_cache_stats s JOIN before b USING (cache_name) ORDER BY 1;
SELECT count(*) AS rows_maintained FROM tv_c1 UNION ALL SELECT count(*) FROM tv_c12;
-- any role may look
SELECT has_table_privilege('public', 'pg_tviews_cache_stats', 'SELECT') AS public_can_read;

RESET pg_tviews.prepared_stmt_cache_size;
DO $$
BEGIN
    FOR i IN 1..12 LOOP
        EXECUTE format('DROP TABLE tv_c%s', i);
    END LOOP;
END $$;
SET client_min_messages = warning;
DROP SCHEMA cache_stats CASCADE;
RESET client_min_messages;
