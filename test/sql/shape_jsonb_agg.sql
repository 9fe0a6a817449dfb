-- shape: jsonb_agg subquery (user document with an ordered array of posts)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_jsonb_agg;
SET search_path = shape_jsonb_agg, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
SELECT u.id AS pk_user,
       jsonb_build_object(
           'name', u.name,
           'posts', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'score', p.score)
                                               ORDER BY p.score DESC, p.id)
                                FROM tb_post p WHERE p.fk_user = u.id), '[]'::jsonb)) AS data
  FROM tb_user u;

:check;
SELECT pk_user, data FROM tv_user ORDER BY pk_user;

\set show 'SELECT pk_user, data FROM tv_user ORDER BY pk_user;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT pk_user, data FROM tv_user ORDER BY pk_user;

(SELECT * FROM tv_user EXCEPT SELECT * FROM v_user)
UNION ALL
(SELECT * FROM v_user EXCEPT SELECT * FROM tv_user);
DROP TABLE tv_user;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_jsonb_agg';
SET client_min_messages = warning;
DROP SCHEMA shape_jsonb_agg CASCADE;
RESET client_min_messages;
