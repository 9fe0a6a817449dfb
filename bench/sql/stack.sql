-- stack.sql - objects of S9 (a 5-level stack) and S10 (one table read by
-- ten TVIEWs), each with its baseline of single-level TVIEWs on separate
-- tables.  :nusers (10,000 x SCALE) rows per table.  Included by setup.sql.

-- A small table of one variant: same seeded rows everywhere.
CREATE FUNCTION bench.make_small(s text, t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I.%I (pk int PRIMARY KEY, v int NOT NULL, label text NOT NULL)', s, t);
    EXECUTE format('INSERT INTO %I.%I SELECT g, g %% 97, md5(g::text) FROM generate_series(1, $1) g', s, t)
      USING current_setting('bench.small_rows')::int;
END $$;

-- The one-level document every single-level TVIEW holds.
CREATE FUNCTION bench.leaf_sql(s text, t text, key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format('SELECT x.pk AS %I, jsonb_build_object(%L, x.v, %L, x.label) AS data FROM %I.%I x',
              key, 'v', 'label', s, t)
$$;

-- The document of the n-th TVIEW reading fan.t (each TVIEW its own shape).
CREATE FUNCTION bench.fan_sql(t text, key text, n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format('SELECT x.pk AS %I, jsonb_build_object(%L, %s, %L, x.v, %L, x.label) AS data FROM %I.%I x',
              key, 'n', n, 'v', 'label', 'fan', t)
$$;

SELECT set_config('bench.small_rows', :'nusers', false);

-- S9: tb_s0 <- tv_l1 <- tv_l2 <- ... <- tv_l5, each level wrapping the one below;
-- baseline: five independent one-level TVIEWs tv_a1..tv_a5 on tb_a1..tb_a5.
CREATE SCHEMA stack;
SET search_path = stack, public;
SELECT bench.make_small('stack', 'tb_s0');
SELECT pg_tviews_create('l1', bench.leaf_sql('stack', 'tb_s0', 'pk_l1'));
SELECT format('SELECT pg_tviews_create(%L, %L)', 'l' || i,
              format('SELECT y.%I AS %I, jsonb_build_object(%L, %s, %L, y.data) AS data FROM %I.%I y',
                     'pk_l' || (i - 1), 'pk_l' || i, 'level', i, 'below', 'stack', 'tv_l' || (i - 1)))
  FROM generate_series(2, 5) i \gexec
SELECT bench.make_small('stack', 'tb_a' || i) FROM generate_series(1, 5) i;
SELECT format('SELECT pg_tviews_create(%L, %L)', 'a' || i, bench.leaf_sql('stack', 'tb_a' || i, 'pk_a' || i))
  FROM generate_series(1, 5) i \gexec

-- S10: tb_f read by tv_f1..tv_f10; baseline: tb_g1..tb_g10 with one TVIEW each.
CREATE SCHEMA fan;
SET search_path = fan, public;
SELECT bench.make_small('fan', 'tb_f');
SELECT format('SELECT pg_tviews_create(%L, %L)', 'f' || i, bench.fan_sql('tb_f', 'pk_f' || i, i))
  FROM generate_series(1, 10) i \gexec
SELECT bench.make_small('fan', 'tb_g' || i) FROM generate_series(1, 10) i;
SELECT format('SELECT pg_tviews_create(%L, %L)', 'g' || i, bench.fan_sql('tb_g' || i, 'pk_g' || i, i))
  FROM generate_series(1, 10) i \gexec
RESET search_path;
