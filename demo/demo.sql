-- demo.sql - placeholder walk-through of pg_tviews (to be replaced by the real demo).
\echo '== pg_tviews demo: (re)create the extension'
DROP EXTENSION IF EXISTS pg_tviews CASCADE;
CREATE EXTENSION pg_tviews;
\echo '== the installed version'
SELECT pg_tviews_version();
\echo '== done'
