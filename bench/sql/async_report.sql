-- async_report.sql - the async section of bench/results/latest.md, from
-- bench.runs (scenarios S1async, S2async, S8c2async, S8c4async, S13, S13keys),
-- appended by scripts/bench.sh after the main report.  Ratios are medians
-- over the repetitions' pairs (the runs made next to each other).
\set ON_ERROR_STOP on
CREATE TEMP TABLE acmp (ord int, id text, what text, scenario text, a text, b text, higher boolean, target text, bound float8);
INSERT INTO acmp VALUES
 (1, 'S1', 'UPDATE one post title, committed: async vs plain', 'S1async', 'async', 'plain', false, '<= 1.5 x plain', 1.5),
 (2, 'S1', 'immediate vs plain, same committed writes', 'S1async', 'tv', 'plain', false, 'report', NULL),
 (3, 'S2', 'UPDATE one user name, committed: async vs plain', 'S2async', 'async', 'plain', false, '<= 1.5 x plain', 1.5),
 (4, 'S2', 'immediate vs plain, same committed writes', 'S2async', 'tv', 'plain', false, 'report', NULL),
 (5, 'S8', 'pgbench 2 clients, async vs plain (tps)', 'S8c2async', 'async', 'plain', true, '>= 0.6 x plain tps', 0.6),
 (6, 'S8', 'pgbench 4 clients, async vs plain (tps)', 'S8c4async', 'async', 'plain', true, '>= 0.6 x plain tps', 0.6);
SELECT '';
SELECT '## Async mode (docs/async.md)';
SELECT '';
SELECT '| id | comparison | a (median) | b (median) | ratio median (min-max) | target | met |';
SELECT '|---|---|---|---|---|---|---|';
WITH pairs AS (
    SELECT c.ord, ra.value AS av, rb.value AS bv, ra.unit, ra.value / rb.value AS ratio
      FROM acmp c
      JOIN bench.runs ra ON ra.scenario = c.scenario AND ra.variant = c.a
      JOIN bench.runs rb ON rb.scenario = c.scenario AND rb.variant = c.b AND rb.rep = ra.rep
), s AS (
    SELECT ord, min(unit) AS unit,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY av) AS a_med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY bv) AS b_med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ratio) AS r_med, min(ratio) AS r_min, max(ratio) AS r_max
      FROM pairs GROUP BY ord
)
SELECT format('| %s | %s | %s %s | %s %s | %s (%s-%s) | %s | %s |', c.id, c.what,
              round(s.a_med::numeric, 3), s.unit, round(s.b_med::numeric, 3), s.unit,
              round(s.r_med::numeric, 2), round(s.r_min::numeric, 2), round(s.r_max::numeric, 2), c.target,
              CASE WHEN c.bound IS NULL THEN '-'
                   WHEN c.higher AND s.r_med >= c.bound THEN 'yes'
                   WHEN NOT c.higher AND s.r_med <= c.bound THEN 'yes' ELSE 'no' END)
  FROM acmp c JOIN s USING (ord) ORDER BY c.ord;
SELECT '';
SELECT '| lag (commit to reflected, by pg_tviews_wait polling) | p50 | p99 |';
SELECT '|---|---|---|';
SELECT format('| %s | %s ms | %s ms |', v,
              round(max(value) FILTER (WHERE variant = v || ' p50')::numeric, 2),
              round(max(value) FILTER (WHERE variant = v || ' p99')::numeric, 2))
  FROM bench.runs, LATERAL (SELECT split_part(variant, ' p', 1) AS v) x
 WHERE scenario = 'S13' GROUP BY v ORDER BY v;
SELECT '';
SELECT '| worker under S8 load (async clients) | keys applied per second (median) | entries queued when the run ended (median) | drain after the run (median) |';
SELECT '|---|---|---|---|';
SELECT format('| %s | %s | %s | %s ms |', split_part(variant, ' ', 1),
              round((percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant LIKE '% keys/s'))::numeric, 0),
              round((percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant LIKE '% backlog'))::numeric, 0),
              round((percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant LIKE '% drain'))::numeric, 1))
  FROM bench.runs WHERE scenario = 'S13keys' GROUP BY split_part(variant, ' ', 1) ORDER BY 1;
