-- partitions: partitioned tables, partitions and inheritance are refused
-- as sources (0A000) at CREATE, by every way of creating a TVIEW, leaving
-- nothing behind; DDL that would put a source or a TVIEW table into a
-- partition or inheritance tree later is refused too, and the TVIEW stays
-- maintained.  Why: docs/limits.md (statement triggers fire only for the
-- table a write names).
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA parts;
SET search_path = parts, public;
\set VERBOSITY terse
CREATE FUNCTION leftovers(e text) RETURNS TABLE (has_view boolean, has_table boolean, meta_rows bigint, triggers bigint)
LANGUAGE sql AS $$
    SELECT to_regclass('parts.v_' || e) IS NOT NULL, to_regclass('parts.tv_' || e) IS NOT NULL,
           (SELECT count(*) FROM pg_tview_meta WHERE entity = e),
           (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'parts' AND t.tgname LIKE 'pg\_tviews\_%')
$$;
CREATE TABLE tbp (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
CREATE TABLE tbp_1 PARTITION OF tbp FOR VALUES FROM (0) TO (100);
CREATE TABLE tbp_2 PARTITION OF tbp FOR VALUES FROM (100) TO (200);
INSERT INTO tbp VALUES (1, 'a'), (150, 'b');
CREATE TABLE inh_parent (id int PRIMARY KEY, v text);
CREATE TABLE inh_child () INHERITS (inh_parent);
INSERT INTO inh_parent VALUES (1, 'p');
INSERT INTO inh_child VALUES (2, 'c');

-- a partitioned table
CREATE TABLE tv_p AS SELECT p.id AS pk_p, p.v FROM tbp p;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('p');
-- one partition
CREATE TABLE tv_p AS SELECT p.id AS pk_p, p.v FROM tbp_1 p;
\echo :LAST_ERROR_SQLSTATE
-- a partition read in a subquery
CREATE TABLE tb_x (id int PRIMARY KEY);
INSERT INTO tb_x VALUES (1);
CREATE TABLE tv_p AS SELECT x.id AS pk_p, (SELECT count(*) FROM tbp_2 q WHERE q.id > x.id) AS n FROM tb_x x;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('p');
-- an inheritance parent and child
CREATE TABLE tv_i AS SELECT i.id AS pk_i, i.v FROM inh_parent i;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_i AS SELECT i.id AS pk_i, i.v FROM ONLY inh_parent i;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_i AS SELECT x.id AS pk_i FROM tb_x x WHERE EXISTS (SELECT 1 FROM ONLY inh_parent i WHERE i.id = x.id);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tv_i AS SELECT i.id AS pk_i, i.v FROM inh_child i;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('i');
-- pg_tviews_create and pg_tviews_convert_table refuse them the same way
SELECT pg_tviews_create('p', 'SELECT p.id AS pk_p, p.v FROM parts.tbp p');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM leftovers('p');
CREATE VIEW v_c AS SELECT i.id AS pk_c, i.v FROM inh_child i;
CREATE TABLE tv_c (pk_c int, v text);
SELECT pg_tviews_convert_table('tv_c');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE entity = 'c';
DROP TABLE tv_c;
DROP VIEW v_c;
-- a TVIEW table cannot be made a partition table either
CREATE TABLE tv_q (pk_q int, v text) PARTITION BY RANGE (pk_q);
CREATE VIEW v_q AS SELECT p.id AS pk_q, p.v FROM tb_x x JOIN tbp_1 p ON p.id = x.id;
SELECT pg_tviews_convert_table('tv_q');
\echo :LAST_ERROR_SQLSTATE
DROP VIEW v_q;
DROP TABLE tv_q;

-- later DDL: a TVIEW over a plain table, which is then pulled into a tree
CREATE TABLE tb_s (id int PRIMARY KEY, v text);
INSERT INTO tb_s VALUES (1, 'one'), (2, 'two');
CREATE TABLE tv_s AS SELECT s.id AS pk_s, s.v FROM tb_s s;
-- attached as a partition
CREATE TABLE tbq (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
ALTER TABLE tbq ATTACH PARTITION tb_s FOR VALUES FROM (0) TO (1000);
\echo :LAST_ERROR_SQLSTATE
-- given a child
CREATE TABLE tb_s_child () INHERITS (tb_s);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE other (id int NOT NULL, v text);
ALTER TABLE other INHERIT tb_s;
\echo :LAST_ERROR_SQLSTATE
-- made a child
CREATE TABLE tb_s_parent (id int, v text);
ALTER TABLE tb_s INHERIT tb_s_parent;
\echo :LAST_ERROR_SQLSTATE
-- the TVIEW's own table, made a child or a partition
CREATE TABLE tv_parent (pk_s int NOT NULL, v text);
ALTER TABLE tv_s INHERIT tv_parent;
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE tvq (pk_s int PRIMARY KEY, v text) PARTITION BY RANGE (pk_s);
ALTER TABLE tvq ATTACH PARTITION tv_s FOR VALUES FROM (0) TO (1000);
\echo :LAST_ERROR_SQLSTATE
-- none of it happened, and the TVIEW is still maintained
SELECT count(*) AS inheritance_rows FROM pg_inherits
 WHERE inhrelid IN ('tb_s'::regclass, 'tv_s'::regclass) OR inhparent IN ('tb_s'::regclass, 'tv_s'::regclass);
SELECT relispartition FROM pg_class WHERE oid = 'tb_s'::regclass;
INSERT INTO tb_s VALUES (3, 'three');
UPDATE tb_s SET v = 'ONE' WHERE id = 1;
SELECT * FROM tv_s ORDER BY 1;
SELECT count(*) AS problems FROM pg_tviews_verify('parts.s');
-- unrelated trees are not affected
CREATE TABLE free_parent (id int);
CREATE TABLE free_child () INHERITS (free_parent);
ALTER TABLE other INHERIT free_parent;

DROP SCHEMA parts CASCADE;
