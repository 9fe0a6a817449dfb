-- async.sql - helpers of the async section of scripts/bench.sh (docs/async.md).

-- bench.async_lag(n, variant): n committed single-post updates in async mode,
-- each followed by pg_tviews_wait(); the time from the COMMIT to
-- pg_tviews_wait() returning is one lag sample (it polls every 1-20 ms, so
-- a sample is an upper bound).  Records the median and the p99 in bench.runs
-- (scenario S13, variants '<variant> p50' and '<variant> p99', ms).
CREATE OR REPLACE PROCEDURE bench.async_lag(n int, variant text) LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    lags float8[] := '{}';
    nposts int := (SELECT max(pk_post) FROM tv.tb_post);
BEGIN
    SET pg_tviews.refresh_mode = async;
    FOR i IN 1 .. n LOOP
        UPDATE tv.tb_post SET title = md5(random()::text) WHERE pk_post = 1 + (random() * (nposts - 1))::int;
        COMMIT;
        t := clock_timestamp();
        IF NOT pg_tviews_wait('30 s') THEN
            RAISE EXCEPTION 'pg_tviews_wait timed out';
        END IF;
        lags := lags || (extract(epoch FROM clock_timestamp() - t) * 1000)::float8;
        COMMIT;
    END LOOP;
    INSERT INTO bench.runs
    SELECT 'S13', variant || ' ' || q.name, 1, q.value, 'ms'
      FROM (SELECT 'p50' AS name, percentile_cont(0.5) WITHIN GROUP (ORDER BY l) AS value FROM unnest(lags) l
            UNION ALL
            SELECT 'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY l) FROM unnest(lags) l) q;
    COMMIT;
END $$;
