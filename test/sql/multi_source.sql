-- one statement changing two sources of a TVIEW: a writable CTE, a function
-- called by a write, a cascade meeting a direct source; the TVIEW row that only
-- the two old rows produced must go too
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA multi_source;
SET search_path = multi_source, public;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/tv_check.sql

\set check 'SELECT * FROM tv_check(''post'', ''user_card'')'

CREATE TABLE companies (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id int PRIMARY KEY, company_id int, name text NOT NULL);
CREATE TABLE posts (id int PRIMARY KEY, user_id int, title text NOT NULL);
CREATE TABLE badges (user_id int PRIMARY KEY, label text NOT NULL);
INSERT INTO companies VALUES (1, 'acme'), (2, 'globex'), (3, 'initech');
INSERT INTO users VALUES (1, 1, 'ann'), (2, 2, 'bob'), (3, 3, 'cid');
INSERT INTO posts VALUES (1, 1, 'p1'), (2, 2, 'p2'), (3, 3, 'p3'), (4, 1, 'p4');
INSERT INTO badges VALUES (1, 'gold'), (2, 'silver'), (3, 'bronze');

-- a post exists only while its author has a company (inner joins)
CREATE TABLE tv_post AS
SELECT p.id AS pk_post, p.user_id,
       jsonb_build_object('title', p.title, 'author', u.name, 'company', c.name) AS data
  FROM posts p
  JOIN users u ON u.id = p.user_id
  JOIN companies c ON c.id = u.company_id;

-- a second level: a user's card exists while she has a badge and a post
CREATE TABLE tv_user_card AS
SELECT u.id AS pk_user_card,
       jsonb_build_object('badge', b.label, 'posts', jsonb_agg(tp.data ORDER BY tp.pk_post)) AS data
  FROM users u
  JOIN badges b ON b.user_id = u.id
  JOIN tv_post tp ON tp.user_id = u.id
 GROUP BY u.id, b.label;

:check;

-- writable CTE: the author loses her company and the company goes, in one
-- statement; each trigger alone joins its old row with the other's new one
WITH moved AS (UPDATE users SET company_id = NULL WHERE id = 1)
DELETE FROM companies WHERE id = 1;
SELECT pk_post FROM tv_post ORDER BY 1;
:check;

-- the same, the CTE changing the other table first
WITH gone AS (DELETE FROM companies WHERE id = 2)
UPDATE users SET company_id = NULL WHERE id = 2;
SELECT pk_post FROM tv_post ORDER BY 1;
:check;

-- insertions on both sides in one statement
WITH c AS (INSERT INTO companies VALUES (1, 'acme again'))
UPDATE users SET company_id = 1 WHERE id IN (1, 2);
SELECT pk_post, data->>'company' AS company FROM tv_post ORDER BY 1;
:check;

-- a function called in RETURNING, after the outer UPDATE changed its row,
-- writes the other source while the outer UPDATE is still open
CREATE FUNCTION drop_company(company int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM companies WHERE id = company;
    RETURN 'dropped';
END $$;
UPDATE users SET company_id = NULL WHERE id = 3 RETURNING drop_company(3);
SELECT pk_post FROM tv_post ORDER BY 1;
:check;

-- a cascade (tv_post loses the posts of company 3's users) meeting a direct
-- source (badges) of tv_user_card in one statement, in both orders
INSERT INTO companies VALUES (3, 'initech');
UPDATE users SET company_id = 3 WHERE id IN (1, 3);
SELECT pk_user_card FROM tv_user_card ORDER BY 1;
:check;
WITH c AS (DELETE FROM companies WHERE id = 3)
DELETE FROM badges WHERE user_id IN (1, 3);
SELECT pk_user_card FROM tv_user_card ORDER BY 1;
:check;
INSERT INTO companies VALUES (3, 'initech');
INSERT INTO badges VALUES (1, 'gold'), (3, 'bronze');
SELECT pk_user_card FROM tv_user_card ORDER BY 1;
WITH b AS (DELETE FROM badges WHERE user_id IN (1, 3))
DELETE FROM companies WHERE id = 3;
SELECT pk_user_card FROM tv_user_card ORDER BY 1;
:check;

-- deferred mode: the keys are found at the end of each statement in the same way
INSERT INTO companies VALUES (3, 'initech');
INSERT INTO badges VALUES (1, 'gold'), (3, 'bronze');
UPDATE users SET company_id = 3 WHERE id IN (1, 3);
:check;
BEGIN;
SET LOCAL pg_tviews.refresh_mode = deferred;
WITH moved AS (UPDATE users SET company_id = NULL WHERE id = 1)
DELETE FROM companies WHERE id = 3;
COMMIT;
SELECT pk_post FROM tv_post ORDER BY 1;
:check;

-- a new session whose first statement loads the library while it changes two
-- sources: its start was not seen, so the TVIEW is rebuilt
INSERT INTO companies VALUES (3, 'initech'), (4, 'umbrella');
UPDATE users SET company_id = 3;
:check;
\c
SET search_path = multi_source, public;
SELECT coalesce(max(refresh_id), 0) AS last_log FROM pg_tview_refresh_log \gset
SET pg_tviews.log_refreshes = 'all';
WITH moved AS (UPDATE users SET company_id = 4 WHERE id = 2)
DELETE FROM companies WHERE id = 3;
SELECT pk_post, data->>'company' AS company FROM tv_post ORDER BY 1;
SELECT entity, operation, mode FROM pg_tview_refresh_log WHERE refresh_id > :last_log ORDER BY refresh_id;
SET pg_tviews.log_refreshes = 'off';
:check;

DROP SCHEMA multi_source CASCADE;
