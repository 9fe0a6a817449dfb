-- concurrency.sh fixture: a small blog with few rows, so that concurrent
-- clients keep writing the same users, posts and comments.  No foreign keys:
-- their row locks would serialize some writers before pg_tviews sees them.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL, title text NOT NULL);
CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL, body text NOT NULL);
CREATE INDEX ON tb_post (fk_user);
CREATE INDEX ON tb_comment (fk_post);
INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, :nusers) g;
INSERT INTO tb_post SELECT g, 1 + g % :nusers, 'post ' || g FROM generate_series(1, :nposts) g;
INSERT INTO tb_comment SELECT g, 1 + g % :nposts, 'comment ' || g FROM generate_series(1, :ncomments) g;

-- a user with the number of its posts (aggregate over the child table)
CREATE TABLE tv_user AS
SELECT u.pk_user,
       jsonb_build_object('name', u.name,
                          'posts', (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user)) AS data
  FROM tb_user u;

-- a post with its author's name (join) and its comments (jsonb_agg)
CREATE TABLE tv_post AS
SELECT p.pk_post, p.fk_user,
       jsonb_build_object(
           'title', p.title,
           'author', u.name,
           'comments', COALESCE((SELECT jsonb_agg(c.body ORDER BY c.pk_comment)
                                   FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
  FROM tb_post p
  JOIN tb_user u ON u.pk_user = p.fk_user;

-- stacked: an author with the documents of its posts, read from tv_post
CREATE TABLE tv_author AS
SELECT u.pk_user AS pk_author,
       jsonb_build_object(
           'name', u.name,
           'posts', COALESCE((SELECT jsonb_agg(tp.data ORDER BY tp.pk_post)
                                FROM tv_post tp WHERE tp.fk_user = u.pk_user), '[]'::jsonb)) AS data
  FROM tb_user u;
