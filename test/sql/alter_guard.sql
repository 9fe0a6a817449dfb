-- alter_guard: DDL on a TVIEW's own table or view, or on a source, that
-- would leave the TVIEW unmaintainable is refused by the DDL guard (42809
-- for a TVIEW's table and view, 0A000 for a source), undoing the command;
-- harmless DDL passes, and renaming a source or its columns is followed.
-- After all of it the TVIEW is still maintained and equal to its view.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA guarded;
CREATE SCHEMA elsewhere;
SET search_path = guarded, public;
\set VERBOSITY terse
CREATE TABLE s (id int PRIMARY KEY, v int, w int);
INSERT INTO s SELECT g, g, g FROM generate_series(1, 5) g;
CREATE TABLE tv_a AS SELECT s.id AS pk_a, s.v FROM s s;
-- shape(): the TVIEW's columns, primary key and maintenance triggers
CREATE FUNCTION shape() RETURNS text LANGUAGE sql AS $$
    SELECT (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
              FROM pg_attribute WHERE attrelid = 'guarded.tv_a'::regclass AND attnum > 0 AND NOT attisdropped)
        || ' | pk ' || (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'guarded.tv_a'::regclass AND contype = 'p')
        || ' | ' || (SELECT string_agg(tgname || ':' || tgenabled::text, ' ' ORDER BY tgname) FROM pg_trigger
                      WHERE tgrelid IN ('guarded.tv_a'::regclass, 'guarded.s'::regclass) AND tgname LIKE 'pg\_tviews\_%')
$$;
SELECT shape();

-- the TVIEW's table
ALTER TABLE tv_a ADD COLUMN z int;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a DROP COLUMN v;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a RENAME COLUMN v TO vv;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a ALTER COLUMN v TYPE bigint;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a DROP CONSTRAINT tv_a_pkey;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a RENAME TO tv_b;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a SET SCHEMA elsewhere;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a SET UNLOGGED;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a DISABLE TRIGGER ALL;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a DISABLE TRIGGER pg_tviews_guard;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER pg_tviews_guard ON tv_a;
\echo :LAST_ERROR_SQLSTATE
CREATE RULE r AS ON INSERT TO tv_a DO INSTEAD NOTHING;
\echo :LAST_ERROR_SQLSTATE
CREATE FUNCTION zero_v() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.v := 0; RETURN NEW; END$$;
CREATE TRIGGER t_before BEFORE INSERT OR UPDATE ON tv_a FOR EACH ROW EXECUTE FUNCTION zero_v();
\echo :LAST_ERROR_SQLSTATE
-- an identity column that refuses the key values maintenance inserts
ALTER TABLE tv_a ALTER COLUMN pk_a ADD GENERATED ALWAYS AS IDENTITY;
\echo :LAST_ERROR_SQLSTATE
-- constraints that would refuse rows its view returns, or deletes it makes
ALTER TABLE tv_a ALTER COLUMN v SET NOT NULL;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a ADD CONSTRAINT v_small CHECK (v < 100);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a ADD UNIQUE (v);
\echo :LAST_ERROR_SQLSTATE
CREATE UNIQUE INDEX tv_a_v_unique ON tv_a (v);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE tv_a ADD FOREIGN KEY (v) REFERENCES s (id);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE referencing (a int REFERENCES tv_a);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE referencing (a int);
ALTER TABLE referencing ADD FOREIGN KEY (a) REFERENCES tv_a;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE referencing;
-- the TVIEW's view
ALTER VIEW v_a RENAME TO v_b;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE v_a RENAME COLUMN v TO vv;
\echo :LAST_ERROR_SQLSTATE
ALTER VIEW v_a SET SCHEMA elsewhere;
\echo :LAST_ERROR_SQLSTATE
CREATE OR REPLACE VIEW v_a AS SELECT s.id AS pk_a, s.w AS v FROM s s;
\echo :LAST_ERROR_SQLSTATE
CREATE OR REPLACE VIEW v_a AS SELECT s.id AS pk_a, s.v, s.w FROM s s;
\echo :LAST_ERROR_SQLSTATE
CREATE RULE r AS ON UPDATE TO v_a DO INSTEAD NOTHING;
\echo :LAST_ERROR_SQLSTATE
-- a source: its maintenance triggers, and what it is
ALTER TABLE s DISABLE TRIGGER ALL;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE s DISABLE TRIGGER USER;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE s DISABLE TRIGGER pg_tviews_ins;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE s ENABLE REPLICA TRIGGER pg_tviews_upd;
\echo :LAST_ERROR_SQLSTATE
ALTER TRIGGER pg_tviews_del ON s RENAME TO my_del;
\echo :LAST_ERROR_SQLSTATE
DROP TRIGGER pg_tviews_trunc ON s;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE s SET UNLOGGED;
\echo :LAST_ERROR_SQLSTATE
-- nothing of that happened
SELECT shape();
SELECT relname, relpersistence FROM pg_class WHERE oid IN ('tv_a'::regclass, 's'::regclass) ORDER BY 1;
SELECT count(*) AS rules FROM pg_rewrite WHERE ev_class IN ('tv_a'::regclass, 'v_a'::regclass) AND rulename <> '_RETURN';
SELECT count(*) AS constraints FROM pg_constraint WHERE 'tv_a'::regclass IN (conrelid, confrelid) AND contype <> 'p';
SELECT count(*) AS unique_indexes FROM pg_index WHERE indrelid = 'tv_a'::regclass AND indisunique AND NOT indisprimary;
SELECT pg_get_viewdef('v_a'::regclass);

-- harmless DDL passes
CREATE INDEX tv_a_v ON tv_a (v);
ALTER TABLE tv_a ALTER COLUMN v SET STATISTICS 200;
ALTER TABLE tv_a SET (fillfactor = 90);
ALTER TABLE tv_a ENABLE ROW LEVEL SECURITY;
ALTER TABLE tv_a FORCE ROW LEVEL SECURITY;
ALTER TABLE tv_a NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tv_a DISABLE ROW LEVEL SECURITY;
ALTER VIEW v_a SET (security_barrier = true);
COMMENT ON TABLE tv_a IS 'read model';
CREATE FUNCTION note_change() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;
CREATE TRIGGER t_after AFTER INSERT OR UPDATE ON tv_a FOR EACH STATEMENT EXECUTE FUNCTION note_change();
ALTER TABLE tv_a DISABLE TRIGGER t_after;
DROP TRIGGER t_after ON tv_a;
ALTER TABLE s ADD COLUMN extra int;
ALTER TABLE s DROP COLUMN extra;
ALTER TABLE s DISABLE TRIGGER pg_tviews_ins, ENABLE TRIGGER pg_tviews_ins;
-- renaming a source and its columns: the view follows, and so does maintenance
ALTER TABLE s RENAME COLUMN v TO v2;
ALTER TABLE s RENAME TO s2;
ALTER TABLE s2 SET SCHEMA elsewhere;
INSERT INTO elsewhere.s2 VALUES (6, 6, 6);
UPDATE elsewhere.s2 SET v2 = 60 WHERE id = 6;
DELETE FROM elsewhere.s2 WHERE id = 1;
SELECT * FROM tv_a ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('guarded.a');
-- pg_tviews' own DDL is not refused
SELECT pg_tviews_reinstall_triggers() > 0 AS reinstalled;
SELECT shape();
-- a dropped TVIEW is no longer guarded: its view and table are gone with it
DROP TABLE tv_a;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'pg\_tviews\_%'
   AND tgrelid = 'elsewhere.s2'::regclass;
ALTER TABLE elsewhere.s2 SET UNLOGGED;

-- conversion refuses what the guard refuses on a TVIEW's table
CREATE TABLE guarded.s3 (id int PRIMARY KEY, v int);
INSERT INTO guarded.s3 VALUES (1, 10), (2, 20);
CREATE TABLE guarded.tv_c (pk_c int PRIMARY KEY, v int NOT NULL CHECK (v > 0));
CREATE VIEW guarded.v_c AS SELECT s.id AS pk_c, s.v FROM guarded.s3 s;
SELECT pg_tviews_convert_table('guarded.tv_c');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE guarded.tv_c ALTER COLUMN v DROP NOT NULL;
SELECT pg_tviews_convert_table('guarded.tv_c');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE guarded.tv_c DROP CONSTRAINT tv_c_v_check;
SELECT pg_tviews_convert_table('guarded.tv_c');
SELECT count(*) AS problems FROM pg_tviews_verify('guarded.c');

DROP SCHEMA guarded CASCADE;
DROP SCHEMA elsewhere CASCADE;
