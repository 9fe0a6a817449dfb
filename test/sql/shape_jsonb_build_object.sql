-- shape: jsonb_build_object documents (nested objects, arrays, nulls)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_jsonb_build_object;
SET search_path = shape_jsonb_build_object, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''post'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_post AS
SELECT p.id AS pk_post,
       p.fk_user,
       jsonb_build_object(
           'id', p.id,
           'title', p.title,
           'stats', jsonb_build_object('score', p.score, 'hot', p.score > 5),
           'author', CASE WHEN u.id IS NULL THEN NULL
                          ELSE jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email,
                                                  'company', jsonb_build_object('id', c.id, 'name', c.name))
                     END,
           'tags', jsonb_build_array(lower(p.title), length(p.title))) AS data,
       jsonb_strip_nulls(jsonb_build_object('email', u.email, 'company', c.name)) AS contact
  FROM tb_post p
  LEFT JOIN tb_user u ON u.id = p.fk_user
  LEFT JOIN tb_company c ON c.id = u.fk_company;

:check;
SELECT pk_post, data, contact FROM tv_post ORDER BY 1;

\set show 'SELECT pk_post, data, contact FROM tv_post ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT pk_post, data, contact FROM tv_post ORDER BY 1;

(SELECT * FROM tv_post EXCEPT SELECT * FROM v_post)
UNION ALL
(SELECT * FROM v_post EXCEPT SELECT * FROM tv_post);
DROP TABLE tv_post;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_jsonb_build_object';
SET client_min_messages = warning;
DROP SCHEMA shape_jsonb_build_object CASCADE;
RESET client_min_messages;
