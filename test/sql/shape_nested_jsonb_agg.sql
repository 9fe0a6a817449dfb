-- shape: nested jsonb_agg two levels deep (company -> users -> posts)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_nested_jsonb_agg;
SET search_path = shape_nested_jsonb_agg, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''company'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_company AS
SELECT c.id AS pk_company,
       jsonb_build_object(
           'name', c.name,
           'users', coalesce((
               SELECT jsonb_agg(jsonb_build_object(
                          'name', u.name,
                          'posts', coalesce((SELECT jsonb_agg(p.title ORDER BY p.id)
                                               FROM tb_post p WHERE p.fk_user = u.id), '[]'::jsonb))
                      ORDER BY u.id)
                 FROM tb_user u WHERE u.fk_company = c.id), '[]'::jsonb)) AS data
  FROM tb_company c;

:check;
SELECT pk_company, data FROM tv_company ORDER BY pk_company;

\set show 'SELECT pk_company, data FROM tv_company ORDER BY pk_company;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT pk_company, data FROM tv_company ORDER BY pk_company;

(SELECT * FROM tv_company EXCEPT SELECT * FROM v_company)
UNION ALL
(SELECT * FROM v_company EXCEPT SELECT * FROM tv_company);
DROP TABLE tv_company;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_nested_jsonb_agg';
SET client_min_messages = warning;
DROP SCHEMA shape_nested_jsonb_agg CASCADE;
RESET client_min_messages;
