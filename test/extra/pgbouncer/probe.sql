-- pgbouncer.sh: checks run inside transactions that pgbouncer (transaction
-- pooling) hands to whatever server connection is free.  Each raises an
-- error, which aborts the pgbench client, when a previous transaction on that
-- server connection left state behind.

-- nothing of an earlier transaction is pending or in force: refresh_mode is
-- not deferred (SET LOCAL must end with its transaction) and, where the queue
-- view exists, this session has no queued maintenance
CREATE FUNCTION pgb_assert_clean() RETURNS void LANGUAGE plpgsql AS $$
DECLARE pending bigint := 0;
BEGIN
    IF current_setting('pg_tviews.refresh_mode', true) = 'deferred' THEN
        RAISE EXCEPTION 'leak: pg_tviews.refresh_mode = deferred at the start of a transaction';
    END IF;
    IF to_regclass('pg_tviews_queue_realtime') IS NOT NULL THEN
        EXECUTE 'SELECT count(*) FROM pg_tviews_queue_realtime' INTO pending;
        IF pending > 0 THEN
            RAISE EXCEPTION 'leak: % queued entries at the start of a transaction', pending;
        END IF;
    END IF;
END $$;

-- in immediate mode the write is in tv_user within the writing transaction
CREATE FUNCTION pgb_assert_user(u int, want text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE got text;
BEGIN
    SELECT data->>'name' INTO got FROM tv_user WHERE pk_user = u;
    IF got IS DISTINCT FROM want THEN
        RAISE EXCEPTION 'tv_user % has name %, expected % (maintenance did not run immediately)', u, got, want;
    END IF;
END $$;
