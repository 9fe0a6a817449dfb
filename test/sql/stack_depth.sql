-- stack_depth: deep definitions never crash the server (a stack overflow
-- in a backend is a SIGSEGV that ends every session of the cluster).  Each
-- definition is either created and maintained, or refused with 54001
-- (statement too complex), whether PostgreSQL or pg_tviews refuses it.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA deep;
SET search_path = deep, public;
CREATE TABLE deep.tb_a (id int PRIMARY KEY, v int);
CREATE TABLE deep.tb_b (id int PRIMARY KEY, w int);
INSERT INTO deep.tb_a SELECT i, i FROM generate_series(1, 20) i;
INSERT INTO deep.tb_b SELECT i, i * 10 FROM generate_series(1, 20) i;

-- try(name, select): 'created', or the SQLSTATE it was refused with
CREATE FUNCTION deep.try(entity text, sel text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_tviews_create(entity, sel);
    RETURN 'created';
EXCEPTION WHEN OTHERS THEN
    RETURN 'refused ' || SQLSTATE;
END $$;

-- 10,000 OR terms, in the join (so in the key queries) and the WHERE
SELECT deep.try('or_list',
  'SELECT a.id AS pk_or_list, a.v, b.w FROM deep.tb_a a JOIN deep.tb_b b ON b.id = a.id AND ('
  || (SELECT string_agg(format('b.w = %s', i * 10), ' OR ') FROM generate_series(1, 10000) i)
  || ') WHERE ' || (SELECT string_agg(format('a.v = %s', i), ' OR ') FROM generate_series(1, 10000) i));
UPDATE deep.tb_b SET w = 30 WHERE id = 2;
UPDATE deep.tb_a SET v = 10001 WHERE id = 4;
INSERT INTO deep.tb_a VALUES (21, 21);
INSERT INTO deep.tb_b VALUES (21, 210);
SELECT count(*) AS rows, sum(pk_or_list) AS keys FROM deep.tv_or_list;
SELECT count(*) AS problems FROM pg_tviews_verify('or_list');
-- 10,000 AND terms
SELECT deep.try('and_list',
  'SELECT a.id AS pk_and_list, a.v FROM deep.tb_a a WHERE '
  || (SELECT string_agg(format('a.v <> %s', i + 100), ' AND ') FROM generate_series(1, 10000) i));
UPDATE deep.tb_a SET v = 5000 WHERE id = 5;
SELECT count(*) AS problems FROM pg_tviews_verify('and_list');

-- 2,000 nested parentheses that the deparser keeps: 1 + (1 + (...))
SELECT deep.try('parens',
  'SELECT a.id AS pk_parens, ' || repeat('(1 + ', 2000) || 'a.v' || repeat(')', 2000) || ' AS s FROM deep.tb_a a');
-- 2,000 nested parentheses around one condition (the deparser drops them)
SELECT deep.try('parens_where',
  'SELECT a.id AS pk_parens_where, a.v FROM deep.tb_a a WHERE ' || repeat('(', 2000) || 'a.v > 3' || repeat(')', 2000));
UPDATE deep.tb_a SET v = 1 WHERE id = 6;
SELECT count(*) AS problems FROM pg_tviews_verify('parens_where');
-- 500 nested scalar subqueries
SELECT deep.try('subqueries',
  'SELECT a.id AS pk_subqueries, ' || repeat('(SELECT ', 500) || 'a.v' || repeat(')', 500) || ' AS s FROM deep.tb_a a');
-- 10,000 terms of a sum, and a long chain of casts
SELECT deep.try('sum',
  'SELECT a.id AS pk_sum, a.v + ' || (SELECT string_agg(i::text, ' + ') FROM generate_series(1, 10000) i) || ' AS s FROM deep.tb_a a');
SELECT deep.try('casts',
  'SELECT a.id AS pk_casts, a.v' || repeat('::text::int', 3000) || ' AS s FROM deep.tb_a a');
-- 300 UNION ALL branches
SELECT deep.try('unions',
  (SELECT string_agg(format('SELECT a.id * 1000 + %s AS pk_unions FROM deep.tb_a a', i), ' UNION ALL ') FROM generate_series(1, 300) i));

-- the server is still up, and this session with it
SELECT entity FROM pg_tview_meta WHERE schema_name = 'deep' ORDER BY 1;
SELECT 1 AS alive;
DROP SCHEMA deep CASCADE;
