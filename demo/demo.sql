-- demo.sql - pg_tviews in two minutes: a blog whose posts are served as one
-- JSONB document each (post + author + comments), kept fresh by every
-- INSERT, UPDATE and DELETE.  Everything lives in schema tviews_demo,
-- which is dropped at the end, so it is safe on an existing server.

\set QUIET on
\pset footer off
CREATE EXTENSION IF NOT EXISTS pg_tviews;
DROP SCHEMA IF EXISTS tviews_demo CASCADE;
CREATE SCHEMA tviews_demo;
SET search_path = tviews_demo, public;
\set QUIET off

\echo
\echo '== 1. Base tables take the writes'
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY,
                      fk_user int NOT NULL REFERENCES tb_user,
                      title text NOT NULL);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY,
                         fk_post int NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                         fk_user int NOT NULL REFERENCES tb_user,
                         body text NOT NULL);
INSERT INTO tb_user VALUES (1, 'Ada'), (2, 'Brian');
INSERT INTO tb_post VALUES (10, 1, 'Hello, world'), (11, 2, 'Statement triggers');
INSERT INTO tb_comment VALUES (100, 10, 2, 'Nice!'), (101, 11, 1, 'Set-wise is the way');

\echo
\echo '== 2. One CREATE TABLE ... AS makes a TVIEW: tv_post, defined by view v_post'
CREATE TABLE tv_post AS
SELECT p.pk_post,
       jsonb_build_object(
           'title',    p.title,
           'author',   jsonb_build_object('name', u.name),
           'comments', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                   'body', c.body,
                                   'by',   (SELECT cu.name FROM tb_user cu WHERE cu.pk_user = c.fk_user))
                               ORDER BY c.pk_comment), '[]')
                          FROM tb_comment c WHERE c.fk_post = p.pk_post)
       ) AS data
  FROM tb_post p
  JOIN tb_user u ON u.pk_user = p.fk_user;

SELECT entity, key_column, dependencies FROM pg_tview_meta WHERE schema_name = 'tviews_demo';
SELECT pk_post, data FROM tv_post ORDER BY pk_post;

\echo
\echo '== 3. UPDATE a user: both documents that mention Ada change (author and comment)'
UPDATE tb_user SET name = 'Ada Lovelace' WHERE pk_user = 1;
SELECT pk_post, data FROM tv_post ORDER BY pk_post;

\echo
\echo '== 4. INSERT a comment: it appears inside its post document'
INSERT INTO tb_comment VALUES (102, 10, 1, 'Thanks!');
SELECT pk_post, data -> 'comments' AS comments FROM tv_post WHERE pk_post = 10;

\echo
\echo '== 5. DELETE a post: its document goes (its comments cascade away too)'
DELETE FROM tb_post WHERE pk_post = 11;
SELECT pk_post, data ->> 'title' AS title FROM tv_post ORDER BY pk_post;

\echo
\echo '== 6. Always equal to the view: pg_tviews_verify lists differences (none)'
SELECT count(*) AS differences FROM pg_tviews_verify('post');

\echo
\echo '== 7. The read table is not written directly'
\set ON_ERROR_STOP off
INSERT INTO tv_post VALUES (99, '{}');
\set ON_ERROR_STOP on

\echo
\echo '== 8. Clean up: DROP TABLE drops the TVIEW, its view and its triggers'
DROP TABLE tv_post;
SELECT count(*) AS tviews_left FROM pg_tview_meta WHERE schema_name = 'tviews_demo';
\set QUIET on
DROP SCHEMA tviews_demo CASCADE;
\set QUIET off
\echo '== done'
