-- refresh_verify: drift while maintenance is off, verify finds it, refresh fixes it
CREATE EXTENSION IF NOT EXISTS pg_tviews;
CREATE SCHEMA rv;
SET search_path = rv, public;
CREATE TABLE tb_r (id int PRIMARY KEY, val text);
INSERT INTO tb_r SELECT g, 'v' || g FROM generate_series(1, 5) g;
CREATE TABLE tv_r AS SELECT id AS pk_r, val FROM tb_r;
SELECT * FROM pg_tviews_verify('r');
SELECT pg_tviews_refresh('r') AS rows_written;   -- already equal: nothing to write
SET pg_tviews.enabled = off;
INSERT INTO tb_r VALUES (6, 'new');               -- missing from tv_r
UPDATE tb_r SET val = 'changed' WHERE id = 2;       -- different
DELETE FROM tb_r WHERE id = 5;                    -- extra in tv_r
SELECT * FROM tv_r ORDER BY 1;
SELECT * FROM pg_tviews_verify('r') ORDER BY pk;
SELECT count(*) AS problems FROM pg_tviews_verify('r');
SET pg_tviews.enabled = on;
SELECT pg_tviews_refresh('r') AS rows_written;
SELECT * FROM pg_tviews_verify('r');
SELECT * FROM tv_r ORDER BY 1;
SELECT operation, entity FROM pg_tview_audit_log WHERE entity = 'r' ORDER BY log_id;
-- maintenance goes on after the refresh
UPDATE tb_r SET val = upper(val);
SELECT * FROM pg_tviews_verify('r');
DROP TABLE tv_r;
-- a TVIEW with a column named v
CREATE TABLE tb_v (id int PRIMARY KEY, v int);
INSERT INTO tb_v VALUES (1, 1);
CREATE TABLE tv_v AS SELECT id AS pk_v, v FROM tb_v;
SELECT * FROM pg_tviews_verify('v');
DROP TABLE tv_v;
SET client_min_messages = warning;
DROP SCHEMA rv CASCADE;
RESET client_min_messages;
