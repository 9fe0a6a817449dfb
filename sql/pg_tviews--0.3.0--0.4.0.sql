-- pg_tviews 0.3.0 -> 0.4.0.  Each change to the install scripts (sql/*.sql
-- and the functions' SQL) has its counterpart here, in the order of the
-- sections.
\echo Use "ALTER EXTENSION pg_tviews UPDATE TO '0.4.0'" to load this file. \quit
