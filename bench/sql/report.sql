-- report.sql - bench/results/latest.md: the machine, the settings and one
-- table of medians and ratios, from bench.runs and bench.facts.  Run with
-- psql -At by scripts/bench.sh after the scenarios.
--
-- Each comparison pairs the runs of variant a and variant b of the same
-- scenario and repetition (they ran next to each other); the ratio's median,
-- min and max are over those pairs.  'lower' ratios are a / b (latencies),
-- 'higher' ratios are b / a for speed-ups (S7) and a / b for throughput (S8,
-- R1-R3).  Immediate mode's targets are ratios to the oracle (the write +
-- the minimal recompute, bench/sql/oracle.sql); the ratios to plain are
-- reported (their targets belong to the async and replica modes).
\set ON_ERROR_STOP on

CREATE TEMP TABLE cmp (ord int, id text, what text, scenario text, a text, b text,
                       better text, target text, op text, bound float8);
INSERT INTO cmp VALUES
 (10,  'S1',  'UPDATE one post title (tv_post + tv_feed row)', 'S1', 'tv', 'oracle', 'lower', '<= 1.15 x oracle', '<=', 1.15),
 (11,  'S1',  '', 'S1', 'tv', 'hand', 'lower', '< hand', '<', 1.0),
 (12,  'S1',  '', 'S1', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (13,  'S1',  'execution store: log_refreshes = all vs off', 'S1', 'tv_log_all', 'tv', 'lower', 'report', NULL, NULL),
 (14,  'S1',  'audit log: audit = on (default) vs off', 'S1', 'tv', 'tv_audit_off', 'lower', 'report', NULL, NULL),
 (15,  'S1an', 'S1 with autovacuum on and ANALYZE of the sources every second', 'S1an', 'tv', 'oracle', 'lower', 'report', NULL, NULL),
 (20,  'S2',  'UPDATE one user name (~10 + ~30 post documents)', 'S2', 'tv', 'oracle', 'lower', '<= 1.15 x oracle', '<=', 1.15),
 (21,  'S2',  '', 'S2', 'tv', 'hand', 'lower', 'report', NULL, NULL),
 (22,  'S2',  '', 'S2', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (30,  'S3',  'INSERT one comment', 'S3', 'tv', 'oracle', 'lower', '<= 1.15 x oracle', '<=', 1.15),
 (31,  'S3',  '', 'S3', 'tv', 'hand', 'lower', 'report', NULL, NULL),
 (32,  'S3',  '', 'S3', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (40,  'S4',  'DELETE one post (and its 3 comments)', 'S4', 'tv', 'oracle', 'lower', '<= 1.15 x oracle', '<=', 1.15),
 (41,  'S4',  '', 'S4', 'tv', 'hand', 'lower', 'report', NULL, NULL),
 (42,  'S4',  '', 'S4', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (50,  'S5',  'UPDATE 1,000 posts in one statement', 'S5', 'tv', 'oracle', 'lower', '<= 1.15 x oracle', '<=', 1.15),
 (51,  'S5',  '', 'S5', 'tv', 'hand', 'lower', 'report', NULL, NULL),
 (52,  'S5',  '', 'S5', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (60,  'S6',  'UPDATE 50% of posts in one statement', 'S6', 'tv', 'plain+refresh', 'lower', '<= 1.1 x (plain + REFRESH)', '<=', 1.1),
 (61,  'S6',  '', 'S6', 'tv', 'plain', 'lower', 'report', NULL, NULL),
 (62,  'S6',  '', 'S6', 'tv', 'hand', 'lower', 'report', NULL, NULL),
 (70,  'S7',  'one-row maintenance (S1) vs REFRESH MATERIALIZED VIEW', 'S7', 'tv', 'refresh', 'higher', '>= 1000 x faster', '>=', 1000),
 (80,  'S8',  'pgbench 2 clients, single-post updates (tps)', 'S8c2', 'tv', 'oracle', 'higher', '>= 0.85 x oracle tps', '>=', 0.85),
 (81,  'S8',  '', 'S8c2', 'tv', 'hand', 'higher', 'report', NULL, NULL),
 (82,  'S8',  '', 'S8c2', 'tv', 'plain', 'higher', 'report', NULL, NULL),
 (83,  'S8',  'pgbench 4 clients, single-post updates (tps)', 'S8c4', 'tv', 'oracle', 'higher', '>= 0.85 x oracle tps', '>=', 0.85),
 (84,  'S8',  '', 'S8c4', 'tv', 'hand', 'higher', 'report', NULL, NULL),
 (85,  'S8',  '', 'S8c4', 'tv', 'plain', 'higher', 'report', NULL, NULL),
 (86,  'S8an', 'S8 (2 clients) with autovacuum on and ANALYZE of the sources every second', 'S8an', 'tv', 'oracle', 'higher', 'report', NULL, NULL),
 (90,  'S9',  '5-level stack, one base row', 'S9', 'tv', 'single-levels', 'lower', '<= 2.0 x sum of 5 one-level updates', '<=', 2.0),
 (91,  'S9',  '', 'S9', 'tv', 'oracle', 'lower', 'report', NULL, NULL),
 (100, 'S10', '1 table read by 10 TVIEWs, one UPDATE', 'S10', 'tv', 'separate', 'lower', '<= 1.2 x 10 one-TVIEW updates', '<=', 1.2),
 (101, 'S10', '', 'S10', 'tv', 'oracle', 'lower', 'report', NULL, NULL),
 (110, 'S11', 'CREATE TVIEW tv_post', 'S11', 'tv', 'ctas+pk', 'lower', '<= 1.3 x CTAS + PK', '<=', 1.3),
 (120, 'S12', 'CREATE TVIEW on the big table', 'S12create', 'tv', 'ctas+pk', 'lower', 'completes', NULL, NULL),
 (121, 'S12', 'UPDATE 10,000 rows of the big table', 'S12update', 'tv', 'plain', 'lower', 'completes', NULL, NULL),
 (130, 'R1',  'read one post document by key (tps, 2 clients)', 'R1', 'tv', 'view', 'higher', 'report', NULL, NULL),
 (131, 'R2',  'read the ~10 post documents of one user (tps, 2 clients)', 'R2', 'tv', 'view', 'higher', 'report', NULL, NULL),
 (132, 'R3',  'read a page of 50 feed cards by key (tps, 2 clients)', 'R3', 'tv', 'view', 'higher', 'report', NULL, NULL),
 -- docs/performance.md (bench/perf.sh)
 (133, 'R2',  'R2 with its index on tv_post(fk_user) vs index scans off', 'R2', 'tv', 'no_index', 'higher', 'report', NULL, NULL),
 (134, 'R4',  'the ~10 post documents of one author by data @> (GIN jsonb_path_ops vs index scans off; tps, 2 clients)', 'R4', 'indexed', 'no_index', 'higher', 'report', NULL, NULL),
 (135, 'R5',  'one post document by data->>''title'' (expression index vs index scans off; tps, 2 clients)', 'R5', 'indexed', 'no_index', 'higher', 'report', NULL, NULL),
 (140, 'I1',  'S2 (rename one user) without the index on tb_post(fk_user) vs with', 'I1', 'no_index', 'indexed', 'lower', 'report', NULL, NULL),
 (141, 'I2',  'S1 (update one post) without the index on tb_comment(fk_post) vs with', 'I2', 'no_index', 'indexed', 'lower', 'report', NULL, NULL),
 (142, 'W1',  'S1 with the read-side indexes of R2, R4, R5 on tv_post vs without', 'W1', 'read_indexes', 'no_read_indexes', 'lower', 'report', NULL, NULL),
 (150, 'P1',  'UPDATE 100 posts, committed: 100 statements vs one statement', 'P1', 'statements_100', 'one_statement', 'lower', 'report', NULL, NULL),
 (151, 'P1',  '100 statements in deferred mode vs one statement', 'P1', 'statements_100_deferred', 'one_statement', 'lower', 'report', NULL, NULL),
 (152, 'P1',  '100 statements: deferred vs immediate', 'P1', 'statements_100_deferred', 'statements_100', 'lower', 'report', NULL, NULL),
 (160, 'P2',  'one post written by 3 statements of a committed transaction: deferred vs immediate', 'P2', 'deferred', 'immediate', 'lower', 'report', NULL, NULL),
 (161, 'P2',  '', 'P2', 'immediate', 'plain', 'lower', 'report', NULL, NULL);

CREATE TEMP TABLE stats AS
WITH pairs AS (
    SELECT c.ord, ra.rep, ra.value AS av, rb.value AS bv, ra.unit,
           CASE WHEN c.better = 'higher' AND ra.unit = 'ms' THEN rb.value / ra.value
                ELSE ra.value / rb.value END AS ratio
      FROM cmp c
      JOIN bench.runs ra ON ra.scenario = c.scenario AND ra.variant = c.a
      JOIN bench.runs rb ON rb.scenario = c.scenario AND rb.variant = c.b AND rb.rep = ra.rep
), ivm AS (   -- the same view as a TVIEW (variant same) and as a pg_ivm IMMV, on the first row of a scenario
    SELECT c.ord, percentile_cont(0.5) WITHIN GROUP (ORDER BY rs.value) AS same_med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ri.value) AS med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY rs.value / ri.value) AS ratio
      FROM cmp c
      JOIN bench.runs ri ON ri.scenario = c.scenario AND ri.variant = 'ivm'
      JOIN bench.runs rs ON rs.scenario = c.scenario AND rs.variant = 'same' AND rs.rep = ri.rep
     WHERE c.what <> '' AND c.a = 'tv'
     GROUP BY c.ord
)
SELECT p.ord, min(p.unit) AS unit, count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.av) AS a_med, min(p.av) AS a_min, max(p.av) AS a_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.bv) AS b_med, min(p.bv) AS b_min, max(p.bv) AS b_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ratio) AS r_med, min(p.ratio) AS r_min, max(p.ratio) AS r_max,
       min(i.med) AS ivm_med, min(i.same_med) AS same_med, min(i.ratio) AS ivm_ratio
  FROM pairs p LEFT JOIN ivm i USING (ord)
 GROUP BY p.ord;

-- A figure with three significant digits or so.
CREATE FUNCTION pg_temp.num(x float8) RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN x IS NULL THEN '?'
            WHEN abs(x) >= 100 THEN to_char(round(x::numeric, 0), 'FM999999999')
            WHEN abs(x) >= 10 THEN to_char(round(x::numeric, 1), 'FM999990.0')
            WHEN abs(x) >= 1 THEN to_char(round(x::numeric, 2), 'FM999990.00')
            ELSE to_char(round(x::numeric, 3), 'FM999990.000') END
$$;
CREATE FUNCTION pg_temp.spread(med float8, lo float8, hi float8, unit text) RETURNS text LANGUAGE sql AS $$
SELECT pg_temp.num(med) || ' ' || unit || ' [' || pg_temp.num(lo) || '–' || pg_temp.num(hi) || ']'
$$;

SELECT '# pg_tviews benchmark: latest results';
SELECT '';
SELECT 'Written by `make bench` (scripts/bench.sh) on ' || to_char(now(), 'YYYY-MM-DD HH24:MI TZ')
       || '. Method and reading: docs/benchmarks.md. Protocol and targets: ../shared/BENCHMARKS.md.';
SELECT '';
SELECT '## Machine and run';
SELECT '';
SELECT '- ' || name || ': ' || value FROM bench.facts ORDER BY name;
SELECT '- indexes added by the harness in every schema (what maintenance needs to be index-driven): '
       || 'tb_post(fk_user), tb_comment(fk_post), tb_comment(fk_user); S12: tb_big(fk_grp)';
SELECT '';
SELECT '## Results';
SELECT '';
SELECT 'Values are medians over the repetitions, [min–max] in brackets; a ratio is computed per '
       || 'repetition from the two runs made next to each other, then summarised. Latencies are '
       || 'per statement (the write and all its maintenance), in ms; S8 is throughput in tps.';
SELECT '';
SELECT '| id | scenario | pg_tviews | baseline | ratio | target | verdict | same view: TVIEW vs pg_ivm |';
SELECT '|---|---|---|---|---|---|---|---|';
SELECT format('| %s | %s | %s | %s: %s | %s | %s | %s | %s |',
              c.id, c.what,
              pg_temp.spread(s.a_med, s.a_min, s.a_max, s.unit),
              c.b, pg_temp.spread(s.b_med, s.b_min, s.b_max, s.unit),
              CASE WHEN c.better = 'higher' AND s.unit = 'ms' THEN pg_temp.num(s.r_med) || ' x faster'
                   ELSE pg_temp.num(s.r_med) || ' x' END
                  || ' [' || pg_temp.num(s.r_min) || '–' || pg_temp.num(s.r_max) || ']',
              c.target,
              CASE WHEN c.op IS NULL THEN '—'
                   WHEN (c.op = '<=' AND s.r_med <= c.bound) OR (c.op = '<' AND s.r_med < c.bound)
                        OR (c.op = '>=' AND s.r_med >= c.bound) THEN 'met'
                   ELSE '**missed**' END,
              CASE WHEN c.what = '' OR c.scenario NOT IN ('S1', 'S2', 'S5', 'S8c2', 'S8c4') THEN '—'
                   WHEN (SELECT value FROM bench.facts WHERE name = 'pg_ivm') <> 'installed' THEN 'pg_ivm not installed'
                   WHEN s.ivm_med IS NULL THEN '?'
                   ELSE 'TVIEW ' || pg_temp.num(s.same_med) || ' ' || s.unit || ' vs pg_ivm ' || pg_temp.num(s.ivm_med)
                        || ' ' || s.unit || ' (' || pg_temp.num(s.ivm_ratio) || ' x)' END)
  FROM cmp c JOIN stats s USING (ord)
 ORDER BY c.ord;
-- S12 memory: one run, figures recorded by bench/sql/big_memory.sql
SELECT format('| S12 | backend memory over %s single-row updates (after 1,000 warm-up) | private (RssAnon) +%s MB, '
              'RSS +%s MB, memory contexts +%s MB, %s ms per update | RssAnon before: %s MB | — | growth < 50 MB | %s | not applicable |',
              max(value) FILTER (WHERE variant = 'updates'),
              pg_temp.num(max(value) FILTER (WHERE variant = 'anon_growth')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'rss_growth')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'contexts_growth')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'mean_latency')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'anon_before')),
              CASE WHEN max(value) FILTER (WHERE variant = 'anon_growth') < 50 THEN 'met' ELSE '**missed**' END)
  FROM bench.runs WHERE scenario = 'S12memory' HAVING count(*) > 0;
-- S1an / S8an: the pg_tviews clients' maintenance cache misses (pg_tviews_cache_stats)
SELECT format('| %s | maintenance cache misses per 1,000 writes under ANALYZE every second | %s [%s–%s] | — | — | report | — | — |',
              scenario, pg_temp.num(percentile_cont(0.5) WITHIN GROUP (ORDER BY value)),
              pg_temp.num(min(value)), pg_temp.num(max(value)))
  FROM bench.runs WHERE variant = 'misses' GROUP BY scenario ORDER BY scenario;
-- Ibuild: the read-side indexes' build times (bench/perf.sh, before R4, and before each W1 repetition)
SELECT format('| Ibuild | CREATE INDEX on tv_post (%s rows): btree fk_user %s, GIN jsonb_path_ops on data %s, expression data->>''title'' %s | — | — | — | report | — | — |',
              (SELECT count(*) FROM tv.tv_post),
              pg_temp.spread(percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant = 'btree'),
                             min(value) FILTER (WHERE variant = 'btree'), max(value) FILTER (WHERE variant = 'btree'), 'ms'),
              pg_temp.spread(percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant = 'gin'),
                             min(value) FILTER (WHERE variant = 'gin'), max(value) FILTER (WHERE variant = 'gin'), 'ms'),
              pg_temp.spread(percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FILTER (WHERE variant = 'expression'),
                             min(value) FILTER (WHERE variant = 'expression'), max(value) FILTER (WHERE variant = 'expression'), 'ms'))
  FROM bench.runs WHERE scenario = 'Ibuild' HAVING count(*) > 0;
-- M1: one run, figures recorded by bench/sql/plan_memory.sql
SELECT format('| M1 | plan cache memory per entry, after each write of S1-S5 six times (%s plan entries, %s graph entries) | '
              '%s KB in plan contexts (pg_backend_memory_contexts), %s KB of all contexts | estimated_bytes: %s KB per plan, %s KB per graph entry | — | report | — | — |',
              max(value) FILTER (WHERE variant = 'plan entries'),
              max(value) FILTER (WHERE variant = 'graph entries'),
              pg_temp.num(max(value) FILTER (WHERE variant = 'plan contexts per entry')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'all contexts per entry')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'estimated_bytes per entry')),
              pg_temp.num(max(value) FILTER (WHERE variant = 'graph estimated_bytes per entry')))
  FROM bench.runs WHERE scenario = 'M1' HAVING count(*) > 0;
SELECT '';
SELECT 'Baselines: oracle = the same write followed by the minimal statements recomputing exactly the affected '
       || 'rows with the keys known, unchanged rows skipped, in one round trip (a PL/pgSQL function per scenario, '
       || 'bench/sql/oracle.sql, on tables without TVIEW triggers): the limit of synchronous maintenance; '
       || 'view = the same documents computed by the view at read time (R1-R3); '
       || 'plain = the same write on identical tables with no maintenance; hand = hand-written '
       || 'PL/pgSQL statement triggers keeping plain tables equal to the same SELECTs (bench/sql/hand.sql); '
       || 'plain+REFRESH = the plain write then REFRESH MATERIALIZED VIEW of the affected views; '
       || 'single-levels / separate = the same one-row change made under 5 (S9) or 10 (S10) independent '
       || 'one-level TVIEWs, latencies summed; ctas+pk = CREATE TABLE AS of the same SELECT + ADD PRIMARY KEY. '
       || 'Last column: the view post + author with both keys (what pg_ivm can express) as a TVIEW and as a pg_ivm '
       || 'IMMV on their own copies of the data, and the ratio TVIEW / pg_ivm (latency: lower is better for the '
       || 'TVIEW; tps: higher is); pg_ivm is never downloaded by the bench. '
       || 'docs/performance.md (bench/perf.sh): indexed / no_index = the same read with the index and with index scans '
       || 'off (R2, R4, R5), or the same write with the index and after dropping it (I1, I2; W1: the three read-side '
       || 'indexes); P1 and P2 commit, and their figure includes the COMMIT (where deferred maintenance runs).';
