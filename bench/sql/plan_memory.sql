-- plan_memory.sql - M1: what one entry of pg_tviews' plan cache holds.  A
-- fresh connection on the tv schema runs each write of S1-S5 six times
-- (rolled back; the maintenance plans are generic, prepared at first use),
-- then compares the backend's memory contexts with before: the contexts of
-- cached plans (CachedPlanSource, CachedPlanQuery, CachedPlan) except the
-- foreign keys' own (their queries read "FROM ONLY"), and all contexts.
-- pg_tviews_cache_stats gives the entries and its own estimate.  Run by
-- scripts/bench.sh with :ncomments.
\set ON_ERROR_STOP on
SET search_path = tv, public;

CREATE FUNCTION pg_temp.plan_bytes() RETURNS bigint LANGUAGE sql AS $$
SELECT coalesce(sum(total_bytes), 0)::bigint FROM pg_backend_memory_contexts
 WHERE name IN ('CachedPlanSource', 'CachedPlanQuery', 'CachedPlan') AND coalesce(ident, '') NOT LIKE '%FROM ONLY%'
$$;
CREATE FUNCTION pg_temp.all_bytes() RETURNS bigint LANGUAGE sql AS $$
SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts
$$;
-- load the library and its catalog caches first, so "before" holds them
SELECT count(*) FROM pg_tviews_cache_stats \g /dev/null
SELECT pg_temp.plan_bytes() AS plans0, pg_temp.all_bytes() AS all0 \gset
SELECT s FROM generate_series(1, 6) g,
       unnest(ARRAY[
           'BEGIN; UPDATE tb_post SET title = md5(random()::text) WHERE pk_post = ' || (g * 7) || '; ROLLBACK',
           'BEGIN; UPDATE tb_user SET name = md5(random()::text) WHERE pk_user = ' || (g * 7) || '; ROLLBACK',
           'BEGIN; INSERT INTO tb_comment VALUES (' || (:ncomments + 1) || ', ' || (g * 7) || ', 1, ''x''); ROLLBACK',
           'BEGIN; DELETE FROM tb_post WHERE pk_post = ' || (g * 7) || '; ROLLBACK',
           'BEGIN; UPDATE tb_post SET title = md5(random()::text) WHERE pk_post BETWEEN ' || (g * 1000)
               || ' AND ' || (g * 1000 + 999) || '; ROLLBACK']) s \gexec
SELECT pg_temp.plan_bytes() AS plans1, pg_temp.all_bytes() AS all1 \gset
INSERT INTO bench.runs
SELECT 'M1', m.variant, 1, m.value, m.unit
  FROM (SELECT entries, estimated_bytes FROM pg_tviews_cache_stats WHERE cache_name = 'statement plans') p,
       (SELECT entries, estimated_bytes FROM pg_tviews_cache_stats WHERE cache_name = 'dependency graph') d,
       LATERAL (VALUES ('plan entries', p.entries, 'entries'),
                       ('plan contexts per entry', (:plans1 - :plans0) / 1024.0 / p.entries, 'KB'),
                       ('all contexts per entry', (:all1 - :all0) / 1024.0 / p.entries, 'KB'),
                       ('estimated_bytes per entry', p.estimated_bytes / 1024.0 / p.entries, 'KB'),
                       ('graph entries', d.entries, 'entries'),
                       ('graph estimated_bytes per entry', d.estimated_bytes / 1024.0 / d.entries, 'KB')) AS m(variant, value, unit);
