-- ops_cascade_path: what is refreshed, in which order, when a TVIEW's
-- sources change; stacked TVIEWs and a diamond.
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA cp;
SET search_path = cp, public;
CREATE TABLE tb_company (pk_company int PRIMARY KEY, name text);
CREATE TABLE tb_user (pk_user int PRIMARY KEY, fk_company int, name text);
CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text);
CREATE TABLE tv_company AS SELECT pk_company, name FROM tb_company;
CREATE TABLE tv_user AS
SELECT u.pk_user, u.name, c.name AS company
  FROM tb_user u LEFT JOIN tv_company c ON c.pk_company = u.fk_company;
CREATE TABLE tv_post AS
SELECT p.pk_post, p.title, u.name AS author
  FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user;
-- reads tv_post and tv_user: written once, after both
CREATE TABLE tv_feed AS
SELECT u.pk_user AS pk_feed, u.name,
       (SELECT count(*) FROM tv_post p WHERE p.author = u.name) AS posts
  FROM tv_user u;
SELECT * FROM pg_tviews_show_cascade_path('company');
SELECT * FROM pg_tviews_show_cascade_path('user');
SELECT * FROM pg_tviews_show_cascade_path('post');
SELECT * FROM pg_tviews_show_cascade_path('cp.feed');
-- the order shown is the order maintenance writes them (a TVIEW whose
-- rows come out unchanged stops the cascade: renaming the company
-- changes tv_user but no column tv_post reads)
SET pg_tviews.log_refreshes = 'all';
INSERT INTO tb_company VALUES (1, 'Acme');
INSERT INTO tb_user VALUES (1, 1, 'Ada');
INSERT INTO tb_post VALUES (1, 1, 'Hello');
UPDATE tb_company SET name = 'Acme Inc.';
SELECT entity, operation FROM pg_tview_refresh_log
 WHERE entity IN ('company', 'user', 'post', 'feed')
   AND transaction_id = (SELECT max(transaction_id) FROM pg_tview_refresh_log WHERE entity = 'company')
 ORDER BY refresh_id;
UPDATE tb_user SET name = 'Ada L.';
SELECT entity, operation FROM pg_tview_refresh_log
 WHERE entity IN ('company', 'user', 'post', 'feed')
   AND transaction_id = (SELECT max(transaction_id) FROM pg_tview_refresh_log WHERE entity = 'user')
 ORDER BY refresh_id;
RESET pg_tviews.log_refreshes;
-- errors
SELECT * FROM pg_tviews_show_cascade_path('nosuch');
SET client_min_messages = warning;
DROP SCHEMA cp CASCADE;
RESET client_min_messages;
