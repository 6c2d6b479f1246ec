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

-- String functions.
SELECT left('hello', 2), left('hello', -2), right('hello', 2), right('hello', -4), left(NULL, 1);
SELECT repeat('ab', 3), repeat('x', 0), lpad('7', 3, '0'), rpad('abcd', 2), lpad('x', 5, 'ab'), rpad('x', 3);
SELECT reverse('abc'), split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), split_part('a', ',', 5);
SELECT split_part('a', ',', 0);
SELECT starts_with('abc', 'ab'), initcap('hELLO wORLD-x'), strpos('hello', 'l'), strpos('hello', 'z');
SELECT translate('12345', '143', 'ax'), btrim('xxaxx', 'x'), btrim('  a  '), chr(65), ascii('A');
SELECT true::text, false::text, (1 < 2)::text, (NULL::boolean)::text, 'x' || true::text;
-- differs: the SHOW command tag carries a row count ("SHOW 1"; PostgreSQL's is "SHOW")
SHOW bytea_output;
-- differs: bytea is always sent in hex; bytea_output = escape is refused (0A000)
SET bytea_output = 'escape';

-- Regular expressions.
SELECT 'abc' ~ 'b', 'abc' ~* 'B', 'abc' !~ 'b', 'abc' !~* 'B';
SELECT regexp_replace('foobarbaz', 'b..', 'X'), regexp_replace('foobarbaz', 'b..', 'X', 'g');
SELECT regexp_replace('foobarbaz', 'b(..)', 'X\1Y', 'g'), regexp_replace('A1 b2', '[a-z]', '<\&>', 'gi');
SELECT regexp_count('ABCABCAXYaxy', 'A.'), regexp_count('ABCABCAXYaxy', 'A.', 2);
SELECT regexp_instr('ABCDEFGHI', 'D.F'), regexp_instr('aXbX', 'X', 1, 2), regexp_instr('abc', 'z');
SELECT regexp_substr('ABCDEFcd', 'c.'), regexp_substr('ABCDEF', 'z'), regexp_substr('a1b22c333', '[0-9]+', 1, 3);
SELECT regexp_like('Hello', 'hel', 'i'), regexp_like('Hello', 'hel');
SELECT regexp_replace('a', '(', 'b');
