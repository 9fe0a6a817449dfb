-- shape: LATERAL subqueries with ORDER BY ... LIMIT
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_lateral;
SET search_path = shape_lateral, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user'', ''user_top2'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user AS
SELECT u.id AS pk_user, u.name, best.title AS best_title, best.score AS best_score
  FROM tb_user u
  LEFT JOIN LATERAL (SELECT p.title, p.score FROM tb_post p
                      WHERE p.fk_user = u.id
                      ORDER BY p.score DESC, p.id
                      LIMIT 1) best ON true;

CREATE TABLE tv_user_top2 AS
SELECT u.id AS pk_user_top2,
       jsonb_agg(t.title ORDER BY t.score DESC, t.id) AS top_titles
  FROM tb_user u,
       LATERAL (SELECT p.id, p.title, p.score FROM tb_post p
                 WHERE p.fk_user = u.id ORDER BY p.score DESC, p.id LIMIT 2) t
 GROUP BY u.id;

:check;
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_user_top2 ORDER BY 1;

\set show 'SELECT * FROM tv_user ORDER BY 1; SELECT * FROM tv_user_top2 ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_user ORDER BY 1;
SELECT * FROM tv_user_top2 ORDER BY 1;

(SELECT * FROM tv_user_top2 EXCEPT SELECT * FROM v_user_top2)
UNION ALL
(SELECT * FROM v_user_top2 EXCEPT SELECT * FROM tv_user_top2);
DROP TABLE tv_user_top2;
DROP TABLE tv_user;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_lateral';
SET client_min_messages = warning;
DROP SCHEMA shape_lateral CASCADE;
RESET client_min_messages;
