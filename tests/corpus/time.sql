-- time: what raftsql has of PostgreSQL's date/time semantics so far. Compared with PostgreSQL 15 by
-- tests/pg_semantics.rs (the oracle runs with TimeZone UTC, as raftsql does).

-- CURRENT_TIMESTAMP is now(), fraction included, the same within one statement.
SELECT CURRENT_TIMESTAMP = now(), CURRENT_TIMESTAMP::text LIKE '%.%', LOCALTIMESTAMP = now()::timestamp;
