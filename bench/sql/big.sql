-- big.sql - the S12 stress data: :rows rows in big.tb_big (one group of 1,000
-- each) and an identical plain copy in bigp; the TVIEW big.tv_big is created
-- by the timed run itself (scripts/bench.sh), from bench.big_sql.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE FUNCTION bench.make_big(s text, n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SCHEMA %I', s);
    EXECUTE format('CREATE TABLE %I.tb_grp (pk_grp int PRIMARY KEY, name text NOT NULL)', s);
    EXECUTE format('CREATE TABLE %I.tb_big (pk_big int PRIMARY KEY, '
                   'fk_grp int NOT NULL REFERENCES %I.tb_grp, v int NOT NULL, label text NOT NULL)', s, s);
    EXECUTE format('INSERT INTO %I.tb_grp SELECT g, %L || g FROM generate_series(1, 1000) g', s, 'group ');
    EXECUTE format('INSERT INTO %I.tb_big SELECT g, 1 + g %% 1000, g %% 101, md5(g::text) '
                   'FROM generate_series(1, $1) g', s) USING n;
    EXECUTE format('CREATE INDEX ON %I.tb_big (fk_grp)', s);
END $$;

CREATE FUNCTION bench.big_sql(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
SELECT b.pk_big, b.fk_grp,
       jsonb_build_object('v', b.v, 'label', b.label, 'group', g.name) AS data
  FROM %1$I.tb_big b
  JOIN %1$I.tb_grp g ON g.pk_grp = b.fk_grp$q$, s)
$$;

SELECT bench.make_big('big', :rows);
SELECT bench.make_big('bigp', :rows);
VACUUM (ANALYZE) big.tb_big, big.tb_grp, bigp.tb_big, bigp.tb_grp;
