-- text: LIKE, ILIKE and case. Compared with PostgreSQL 15 by tests/pg_semantics.rs.

SELECT 'abc' LIKE 'ABC', 'abc' ILIKE 'ABC', 'abc' LIKE 'a%', 'abc' NOT LIKE 'A%';
SELECT 'a_c' LIKE 'a\_c', 'abc' LIKE 'a\_c', 'a%c' LIKE 'a\%c', 'a\c' LIKE 'a\\c';
SELECT 'abc' LIKE 'a!_c' ESCAPE '!', 'a_c' LIKE 'a!_c' ESCAPE '!';
SELECT 'Hello World' ILIKE '%WORLD', 'Hello World' NOT ILIKE 'hello%';
SELECT 'abc' LIKE NULL, NULL LIKE 'a%', NULL ILIKE 'a';
SELECT lower('ABC def'), upper('abc DEF');

CREATE TABLE text_t (id int PRIMARY KEY, name text, code varchar(10));
INSERT INTO text_t VALUES (1, 'Alice', 'A_1'), (2, 'alice', 'A-1'), (3, 'ALICE', 'b_2'), (4, 'Bob', NULL);
SELECT id FROM text_t WHERE name LIKE 'A%' ORDER BY id;
SELECT id FROM text_t WHERE name LIKE 'a%' ORDER BY id;
SELECT id FROM text_t WHERE name ILIKE 'a%' ORDER BY id;
SELECT id FROM text_t WHERE name NOT ILIKE 'alice' ORDER BY id;
SELECT id FROM text_t WHERE code LIKE 'A\_%' ORDER BY id;
SELECT id FROM text_t WHERE code LIKE '%\_%' ORDER BY id;
SELECT id FROM text_t WHERE name = 'alice';
SELECT id, name FROM text_t ORDER BY name, id;
SELECT id, code FROM text_t ORDER BY code, id;
SELECT id, code FROM text_t ORDER BY code DESC, id;
SELECT id, code FROM text_t ORDER BY code NULLS FIRST, id;
SELECT count(*) FROM text_t WHERE lower(name) = 'alice';
DROP TABLE text_t;
