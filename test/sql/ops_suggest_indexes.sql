-- ops_suggest_indexes: indexes that make maintenance index-driven, found
-- from the key queries and join columns (never from column names), minus
-- those an existing index serves.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA si;
SET search_path = si, public;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, fk_user int, body text);
CREATE TABLE tv_post AS
SELECT p.pk_post,
       jsonb_build_object('title', p.title, 'author', u.name,
         'comments', (SELECT COALESCE(jsonb_agg(jsonb_build_object('body', c.body,
                                'by', (SELECT a.name FROM tb_user a WHERE a.pk_user = c.fk_user))
                              ORDER BY c.pk_comment), '[]')
                        FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
  FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
-- tb_post.fk_user: a write to tb_user finds its posts through it;
-- tb_comment.fk_post: recomputing a post reads its comments through it;
-- tb_comment.fk_user: a write to tb_user finds the comments it wrote.
SELECT * FROM pg_tviews_suggest_indexes('post') ORDER BY 1;
-- a partial index, or one where the column comes second, does not serve
CREATE INDEX ON tb_post (fk_user) WHERE title IS NOT NULL;
CREATE INDEX ON tb_comment (pk_comment, fk_post);
SELECT index_suggestion FROM pg_tviews_suggest_indexes('post') ORDER BY 1;
-- a btree (or hash) index led by the column does
CREATE INDEX ON tb_post (fk_user, title);
CREATE INDEX ON tb_comment USING hash (fk_post);
CREATE INDEX ON tb_comment (fk_user);
SELECT * FROM pg_tviews_suggest_indexes('post');
-- names mean nothing: fk_owner is never compared, so it needs no index;
-- the self-join compares group_id, so it does
CREATE TABLE tb_member (pk_member int PRIMARY KEY, fk_owner int, group_id int, name text);
CREATE TABLE tv_member AS
SELECT m.pk_member, m.fk_owner, o.name AS peer
  FROM tb_member m JOIN tb_member o ON o.group_id = m.group_id AND o.pk_member <> m.pk_member;
SELECT * FROM pg_tviews_suggest_indexes('member');
-- odd names are quoted, and the statements run
CREATE TABLE "Tb Order" ("Pk" int PRIMARY KEY, "Customer Ref" int);
CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, name text);
CREATE TABLE tv_order AS
SELECT o."Pk" AS pk_order, c.name
  FROM "Tb Order" o JOIN tb_customer c ON c.pk_customer = o."Customer Ref";
SELECT * FROM pg_tviews_suggest_indexes('order');
DO $$
DECLARE s text;
BEGIN
    FOR s IN SELECT index_suggestion FROM pg_tviews_suggest_indexes('order') LOOP
        EXECUTE s;
    END LOOP;
END $$;
SELECT count(*) AS left_to_suggest FROM pg_tviews_suggest_indexes('order');
-- errors
SELECT * FROM pg_tviews_suggest_indexes('nosuch');
SET client_min_messages = warning;
DROP SCHEMA si CASCADE;
RESET client_min_messages;
