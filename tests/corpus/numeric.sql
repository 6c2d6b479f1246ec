-- numeric: exact decimals, PostgreSQL's scales, rounding and errors. Compared with PostgreSQL 15 by
-- tests/pg_semantics.rs, through the simple protocol (text) and the extended protocol (binary).

-- Literals keep every digit and their scale.
SELECT 12345678901234567890::numeric;
SELECT 12345678901234567890;
SELECT 1.50, -1.50, 0.000, -0.0;
SELECT 123456789012345678901234567890.123456789012345678901234567890;
SELECT 1e3, 1.5e-3, -2.5E+2;
SELECT 1::numeric(10,2), 1.005::numeric(10,2), -1.005::numeric(10,2);
SELECT 123.456::numeric(5,2);
SELECT 999.995::numeric(5,2);
SELECT 12345::numeric(3);
SELECT '  7.10  '::numeric, 'NaN'::numeric, 'Infinity'::numeric, '-inf'::numeric;
SELECT 'abc'::numeric;
SELECT '1e1000000'::numeric;
SELECT CAST('0.1' AS decimal(4,3));
SELECT NUMERIC '2.50';

-- Arithmetic is exact and keeps PostgreSQL's result scales.
SELECT 0.1 + 0.2, 0.1 + 0.2 = 0.3;
SELECT 1.50 + 2, 1.5 * 1.50, 1 - 1.000;
SELECT 12345678901234567890.123456789 + 1.5000;
SELECT 12345678901234567890.5 * 2;
SELECT 99999999999999999999 * 99999999999999999999;
SELECT 1.6 / 2, 1::numeric / 3, 10::numeric / 4, 2::numeric / 3;
SELECT 1000000::numeric / 7, 1::numeric / 7000000, 0.00001 / 3;
SELECT 123456789::numeric / 0.001;
SELECT -7.5 % 2, 7.5 % -2, 10.0 % 3;
SELECT 1.5 / 0;
SELECT 1.5 % 0.0;
SELECT -(1.50), -(-2.5), - 0.0;
SELECT 2 * 3, 7 / 2, 7 % 3, -7 / 2;
SELECT 9223372036854775807 + 1;
SELECT -9223372036854775807 - 2;
SELECT 9223372036854775807 * 2;
SELECT 1 / 0;
SELECT 2.5::float8 * 2, 0.1::float8 + 0.2::float8;

-- Comparisons are numeric, whatever the scale.
SELECT 1.0 = 1.00, 1.10 > 1.09, 2.5 < 10, 100 > 99.99;
SELECT 0.1 + 0.2 > 0.3, 3 * 1.10 = 3.3;
SELECT 1.5 BETWEEN 1 AND 2, 2.5 BETWEEN 1 AND 2, 2.5 NOT BETWEEN 1 AND 2;
SELECT 'NaN'::numeric > 1e100, 'Infinity'::numeric > 1e100, '-Infinity'::numeric < -1e100;

-- Rounding functions.
SELECT round(2.5), round(-2.5), round(1.005, 2), round(1234.5678, -2), round(1.5, 3);
SELECT trunc(1.999, 2), trunc(-1.999, 1), trunc(1.999);
SELECT ceil(1.2), ceil(-1.2), floor(1.8), floor(-1.2), ceiling(0.5);
SELECT abs(-1.50), abs(2), abs(-3.5::float8);
SELECT round(2.5::float8), round(3.5::float8), round(-2.5::float8);

-- Columns: numeric(p,s) stores rounded to its scale and refuses what does not fit.
CREATE TABLE num_t (id int PRIMARY KEY, price numeric(10,2), big numeric, ratio numeric(5,4));
INSERT INTO num_t VALUES (1, 1.5, 12345678901234567890.123456789, 0.5);
INSERT INTO num_t VALUES (2, 2.345, 0.1, 0.12345);
INSERT INTO num_t VALUES (3, '10', '1e3', -0.99995);
INSERT INTO num_t VALUES (4, NULL, NULL, NULL);
INSERT INTO num_t VALUES (5, 123456789.999, 0, 0);
INSERT INTO num_t VALUES (5, 123456789.994, 0, 0);
INSERT INTO num_t VALUES (6, 1, 1, 10);
INSERT INTO num_t VALUES (7, 'abc', 1, 1);
SELECT * FROM num_t ORDER BY id;
UPDATE num_t SET price = price * 1.1 WHERE id <= 3;
SELECT id, price FROM num_t ORDER BY id;
UPDATE num_t SET ratio = ratio + 100 WHERE id = 1;
SELECT price + big, price * ratio, big / 3 FROM num_t WHERE id = 1;
SELECT id FROM num_t WHERE price = 1.65;
SELECT id FROM num_t WHERE price = 11;
SELECT id FROM num_t WHERE price > 2 ORDER BY id;
SELECT id FROM num_t WHERE big = 1000;
SELECT id FROM num_t WHERE price * 2 > 5 ORDER BY id;
SELECT id FROM num_t WHERE 5 < price * 2 ORDER BY id;
SELECT id, big FROM num_t ORDER BY big, id;
SELECT id, big FROM num_t ORDER BY big DESC NULLS LAST, id;
SELECT id, price * 3 AS triple FROM num_t ORDER BY triple, id;
SELECT id FROM num_t ORDER BY price * -1, id;

-- Aggregates are exact.
SELECT sum(price), avg(price), min(price), max(price), count(price) FROM num_t;
SELECT sum(big), avg(big), min(big), max(big) FROM num_t;
SELECT sum(ratio), avg(ratio) FROM num_t;
SELECT sum(id), avg(id) FROM num_t;
SELECT max(price * 2), min(price * 2) FROM num_t;
SELECT sum(price) FROM num_t WHERE id > 100;
SELECT id, sum(price) OVER (ORDER BY id) FROM num_t ORDER BY id;
SELECT avg(x) FROM (VALUES (1.5), (2.25), (3)) AS v(x);
SELECT sum(x) FROM (VALUES (0.1), (0.2), (0.3)) AS v(x);
SELECT avg(x) FROM (VALUES (1), (2), (4)) AS v(x);

-- Equal values with other scales are one key.
CREATE TABLE num_u (k numeric PRIMARY KEY, v text);
INSERT INTO num_u VALUES (1.0, 'a');
INSERT INTO num_u VALUES (1.00, 'b');
INSERT INTO num_u VALUES (10, 'c'), (9.5, 'd'), (-1, 'e'), (100000000000000000000.5, 'f');
SELECT k, v FROM num_u ORDER BY k;
SELECT v FROM num_u WHERE k = 1;
SELECT v FROM num_u WHERE k IN (9.50, 10.0) ORDER BY v;
SELECT count(*) FROM num_u WHERE k BETWEEN 0 AND 100;
SELECT k FROM num_u WHERE k > 9.99 ORDER BY k DESC;
SELECT DISTINCT k FROM num_u WHERE k < 2 ORDER BY k;
DELETE FROM num_u WHERE k = 1.000;
SELECT count(*) FROM num_u;

-- Defaults and constraints on numeric columns.
CREATE TABLE num_d (id int PRIMARY KEY, amount numeric(8,3) DEFAULT 1.5 CHECK (amount >= 0));
INSERT INTO num_d (id) VALUES (1);
INSERT INTO num_d VALUES (2, 2);
INSERT INTO num_d VALUES (3, -0.001);
SELECT * FROM num_d ORDER BY id;

-- Casts between numeric and other types.
SELECT 1.5::float8, 12345678901234567890.5::float8, (1::numeric / 3)::float8;
SELECT 0.1::float8::numeric, 1e20::float8::numeric, 2.5::real::numeric;
SELECT 42::numeric, 42::bigint::numeric, (-7)::numeric(5,1);
SELECT 1.5::text, 1.50::numeric(10,3)::text;

DROP TABLE num_t;
DROP TABLE num_u;
DROP TABLE num_d;
