-- cascade: pg_tviews_cascade(source, keys) catches TVIEWs up with rows written while
-- maintenance was off, transitively, and returns the rows it wrote
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA cascade;
SET search_path = cascade, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql
\set check 'SELECT * FROM tv_check(''post'', ''feed'')'

CREATE TABLE tb_user (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tb_post (id bigint PRIMARY KEY, fk_user int, title text NOT NULL);
INSERT INTO tb_user VALUES (1, 'alice'), (2, 'bob');
INSERT INTO tb_post VALUES (1, 1, 'hello'), (2, 2, 'world'), (3, 2, 'again');
CREATE TABLE tv_post AS
SELECT p.id AS pk_post, p.title, u.name AS author FROM tb_post p JOIN tb_user u ON u.id = p.fk_user;
CREATE TABLE tv_feed AS
SELECT t.pk_post AS pk_feed, t.title || ' by ' || t.author AS line FROM tv_post t;

-- writes with maintenance off leave the TVIEWs behind
SET pg_tviews.enabled = off;
UPDATE tb_post SET title = 'HELLO' WHERE id = 1;
UPDATE tb_user SET name = 'robert' WHERE id = 2;
INSERT INTO tb_post VALUES (4, 1, 'new');
RESET pg_tviews.enabled;
:check;
-- name the changed rows: post 1 and 4 by key (int keys for a bigint column), then user 2
SELECT pg_tviews_cascade('tb_post', ARRAY[1, 4]) AS rows_written;
SELECT pg_tviews_cascade('cascade.tb_user'::regclass, ARRAY[2]) AS rows_written;
SELECT * FROM tv_feed ORDER BY pk_feed;
:check;
-- nothing left to do: nothing written
SELECT pg_tviews_cascade('tb_post', ARRAY[1, 2, 3, 4]) AS rows_written;
-- a table no TVIEW reads, and a source without a single-column primary key
CREATE TABLE tb_other (id int PRIMARY KEY);
SELECT pg_tviews_cascade('tb_other', ARRAY[1]) AS rows_written;
CREATE TABLE tb_nokey (a int, b text);
CREATE TABLE tv_nokey AS SELECT n.a AS pk_nokey, n.b FROM tb_nokey n;
SELECT pg_tviews_cascade('tb_nokey', ARRAY[1]);

DROP TABLE tv_nokey, tv_feed, tv_post;
SET client_min_messages = warning;
DROP SCHEMA cascade CASCADE;
RESET client_min_messages;
