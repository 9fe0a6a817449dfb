-- shape: GROUP BY the key with aggregates (incl. FILTER)
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA shape_group_by;
SET search_path = shape_group_by, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''user_stats'', ''author'')'

CREATE TABLE tb_company (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_user (id int PRIMARY KEY, fk_company int, name text NOT NULL, email text);
CREATE TABLE tb_post (id int PRIMARY KEY, fk_user int, title text NOT NULL, score int NOT NULL DEFAULT 0);
INSERT INTO tb_company VALUES (1, 'Acme'), (2, 'Globex'), (3, 'Initech');
INSERT INTO tb_user VALUES (1, 1, 'alice', 'alice@example.com'), (2, 1, 'bob', NULL),
                           (3, 2, 'carol', 'carol@example.com'), (4, NULL, 'dave', NULL);
INSERT INTO tb_post VALUES (1, 1, 'hello', 3), (2, 1, 'again', 7), (3, 2, 'bob post', 5),
                           (4, 3, 'carol one', 9), (5, 3, 'carol two', 1);

CREATE TABLE tv_user_stats AS
SELECT u.id AS pk_user_stats, u.name,
       count(p.id) AS posts,
       coalesce(sum(p.score), 0) AS total_score,
       count(*) FILTER (WHERE p.score >= 5) AS good_posts,
       max(p.title) AS last_title
  FROM tb_user u
  LEFT JOIN tb_post p ON p.fk_user = u.id
 GROUP BY u.id, u.name;

CREATE TABLE tv_author AS
SELECT p.fk_user AS pk_author, count(*) AS posts, sum(p.score) AS total_score,
       array_agg(p.id ORDER BY p.id) AS post_ids,
       jsonb_agg(p.title ORDER BY p.id) FILTER (WHERE p.score > 3) AS good_titles
  FROM tb_post p
 WHERE p.fk_user IS NOT NULL
 GROUP BY p.fk_user;

:check;
SELECT * FROM tv_user_stats ORDER BY 1;
SELECT * FROM tv_author ORDER BY 1;

\set show 'SELECT * FROM tv_user_stats ORDER BY 1; SELECT * FROM tv_author ORDER BY 1;'
\i :abs_srcdir/sql/include/user_post_writes.sql
SELECT * FROM tv_user_stats ORDER BY 1;
SELECT * FROM tv_author ORDER BY 1;

(SELECT * FROM tv_author EXCEPT SELECT * FROM v_author)
UNION ALL
(SELECT * FROM v_author EXCEPT SELECT * FROM tv_author);
DROP TABLE tv_author;
DROP TABLE tv_user_stats;

-- GROUP BY the primary key inside a derived table, selecting other columns
-- of that table (functionally dependent on the key)
CREATE TABLE tv_grouped AS
SELECT d.* FROM (SELECT u.id AS pk_grouped, u.name, count(p.id) AS posts
                   FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.id GROUP BY u.id) d;
UPDATE tb_user SET name = name || '!' WHERE id = (SELECT min(id) FROM tb_user);
INSERT INTO tb_post (id, fk_user, title) SELECT max(id) + 1, min(fk_user), 'grouped' FROM tb_post;
DELETE FROM tb_post WHERE id = (SELECT min(id) FROM tb_post);
SELECT * FROM tv_check('grouped');
DROP TABLE tv_grouped;
SELECT count(*) AS meta_rows FROM pg_tview_meta WHERE schema_name = 'shape_group_by';
SET client_min_messages = warning;
DROP SCHEMA shape_group_by CASCADE;
RESET client_min_messages;
