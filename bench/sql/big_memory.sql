-- big_memory.sql - S12 memory: this backend's memory before and after
-- :updates committed single-row updates of big.tb_big (each one maintains
-- tv_big), after a warm-up of 1,000.  VmRSS counts the shared buffers the
-- backend touched, RssAnon only its private memory (the figure for leaks),
-- memory contexts only what PostgreSQL's allocator holds (not Rust's heap).
\set ON_ERROR_STOP on
SET search_path = big, public;

CREATE FUNCTION bench.backend_memory(OUT rss_kb bigint, OUT anon_kb bigint, OUT contexts_kb bigint)
LANGUAGE sql AS $$
SELECT (regexp_match(s, 'VmRSS:\s+(\d+)'))[1]::bigint,
       (regexp_match(s, 'RssAnon:\s+(\d+)'))[1]::bigint,
       (SELECT sum(total_bytes) / 1024 FROM pg_backend_memory_contexts)::bigint
  FROM pg_read_file('/proc/self/status') s
$$;

-- keys spread over the table by a stride prime to the row count
SELECT format('UPDATE tb_big SET v = v + 1 WHERE pk_big = %s', 1 + (g * 7919) % :rows)
  FROM generate_series(1, 1000) g \gexec
CREATE TEMP TABLE mem_before AS SELECT * FROM bench.backend_memory();
\set started `date +%s.%N`
SELECT format('UPDATE tb_big SET v = v + 1 WHERE pk_big = %s', 1 + (g * 7919) % :rows)
  FROM generate_series(1001, 1000 + :updates) g \gexec
\set ended `date +%s.%N`
INSERT INTO bench.runs
SELECT 'S12memory', m.name, 1, m.value, m.unit
  FROM bench.backend_memory() a, mem_before b,
       LATERAL (VALUES ('rss_before', b.rss_kb / 1024.0, 'MB'),
                       ('rss_growth', (a.rss_kb - b.rss_kb) / 1024.0, 'MB'),
                       ('anon_before', b.anon_kb / 1024.0, 'MB'),
                       ('anon_growth', (a.anon_kb - b.anon_kb) / 1024.0, 'MB'),
                       ('contexts_growth', (a.contexts_kb - b.contexts_kb) / 1024.0, 'MB'),
                       ('updates', :updates, 'statements'),
                       ('mean_latency', (:ended - :started) * 1000.0 / :updates, 'ms')) AS m(name, value, unit);
