-- DDL that migrations use: ALTER TABLE (constraints, defaults, NOT NULL, types, IF [NOT] EXISTS), DEFAULT in
-- VALUES, CREATE OR REPLACE VIEW, CREATE SCHEMA public. Compared with PostgreSQL 15 by tests/pg_semantics.rs
-- (errors by SQLSTATE).

CREATE TABLE ddl_p (id int PRIMARY KEY, name text);
CREATE TABLE ddl_c (id int PRIMARY KEY, p_id int, qty int DEFAULT 1, note varchar(10));
INSERT INTO ddl_p VALUES (1, 'a'), (2, 'b');
INSERT INTO ddl_c VALUES (10, 1, 5, 'x'), (11, 2, 0, NULL);

-- Foreign keys added afterwards, as Django adds them; existing rows are checked.
ALTER TABLE ddl_c ADD CONSTRAINT ddl_c_p_fk FOREIGN KEY (p_id) REFERENCES ddl_p (id) DEFERRABLE INITIALLY DEFERRED;
INSERT INTO ddl_c VALUES (12, 99, 1, NULL);
INSERT INTO ddl_c VALUES (12, 2, 1, NULL);
ALTER TABLE ddl_c DROP CONSTRAINT ddl_c_p_fk;
INSERT INTO ddl_c VALUES (13, 99, 1, NULL);
ALTER TABLE ddl_c ADD CONSTRAINT ddl_c_p_fk FOREIGN KEY (p_id) REFERENCES ddl_p (id);
DELETE FROM ddl_c WHERE id = 13;
ALTER TABLE ddl_c ADD FOREIGN KEY (p_id) REFERENCES ddl_p (id) ON DELETE CASCADE;
DELETE FROM ddl_p WHERE id = 2;
SELECT id, p_id FROM ddl_c ORDER BY id;

-- Checks.
ALTER TABLE ddl_c ADD CONSTRAINT qty_pos CHECK (qty > 0);
ALTER TABLE ddl_c ADD CONSTRAINT qty_nonneg CHECK (qty >= 0);
INSERT INTO ddl_c VALUES (14, 1, -1, NULL);
ALTER TABLE ddl_c DROP CONSTRAINT qty_nonneg;
ALTER TABLE ddl_c DROP CONSTRAINT qty_nonneg;
ALTER TABLE ddl_c DROP CONSTRAINT IF EXISTS qty_nonneg;
INSERT INTO ddl_c VALUES (14, 1, -1, NULL);

-- Defaults and NOT NULL.
ALTER TABLE ddl_c ALTER COLUMN note SET DEFAULT 'none';
ALTER TABLE ddl_c ALTER COLUMN qty DROP DEFAULT;
INSERT INTO ddl_c (id, p_id) VALUES (15, 1);
SELECT id, qty, note FROM ddl_c ORDER BY id;
ALTER TABLE ddl_c ALTER COLUMN qty SET NOT NULL;
UPDATE ddl_c SET qty = 0 WHERE qty IS NULL;
ALTER TABLE ddl_c ALTER COLUMN qty SET NOT NULL;
INSERT INTO ddl_c (id, p_id) VALUES (16, 1);
ALTER TABLE ddl_c ALTER COLUMN qty DROP NOT NULL;
INSERT INTO ddl_c (id, p_id) VALUES (16, 1);
ALTER TABLE ddl_c ALTER COLUMN id DROP NOT NULL;
ALTER TABLE ddl_c ALTER COLUMN nope SET NOT NULL;

-- Types.
ALTER TABLE ddl_c ALTER COLUMN note TYPE varchar(20);
ALTER TABLE ddl_c ALTER COLUMN qty TYPE numeric(10,2);
SELECT id, qty FROM ddl_c ORDER BY id;
ALTER TABLE ddl_c ALTER COLUMN qty TYPE bigint USING qty::bigint;
SELECT id, qty FROM ddl_c ORDER BY id;

-- Columns that may or may not be there.
ALTER TABLE ddl_c ADD COLUMN IF NOT EXISTS extra text DEFAULT 'e';
ALTER TABLE ddl_c ADD COLUMN IF NOT EXISTS extra text;
SELECT id, extra FROM ddl_c ORDER BY id;
ALTER TABLE ddl_c DROP COLUMN IF EXISTS extra;
ALTER TABLE ddl_c DROP COLUMN IF EXISTS extra;
ALTER TABLE ddl_c DROP COLUMN extra;
ALTER TABLE ddl_nope ADD COLUMN IF NOT EXISTS x int;

-- Renames and drops SQLite makes itself.
ALTER TABLE ddl_c ADD COLUMN tmp text;
ALTER TABLE ddl_c RENAME COLUMN tmp TO tmp2;
ALTER TABLE ddl_c DROP COLUMN tmp2;
ALTER TABLE ddl_c RENAME TO ddl_c2;
ALTER TABLE ddl_c2 RENAME TO ddl_c;
SELECT count(*) FROM ddl_c;

-- Unique keys added and dropped.
ALTER TABLE ddl_c ADD CONSTRAINT ddl_c_note_key UNIQUE (note);
INSERT INTO ddl_c VALUES (17, 1, 1, 'none');
ALTER TABLE ddl_c DROP CONSTRAINT ddl_c_note_key;
INSERT INTO ddl_c VALUES (17, 1, 1, 'none');

-- DEFAULT in VALUES.
CREATE TABLE ddl_d (id bigserial PRIMARY KEY, a int DEFAULT 7, b text DEFAULT 'bee');
INSERT INTO ddl_d (id, a, b) VALUES (DEFAULT, DEFAULT, 'x');
INSERT INTO ddl_d (a, b) VALUES (1, DEFAULT), (2, DEFAULT) RETURNING id, a, b;
INSERT INTO ddl_d VALUES (DEFAULT, DEFAULT, DEFAULT);
SELECT * FROM ddl_d ORDER BY id;

-- Views and the one schema.
CREATE VIEW ddl_v AS SELECT id FROM ddl_d;
CREATE OR REPLACE VIEW ddl_v AS SELECT id, a FROM ddl_d;
SELECT * FROM ddl_v ORDER BY id;
CREATE VIEW ddl_v AS SELECT 1;
DROP VIEW ddl_v;
CREATE SCHEMA IF NOT EXISTS public;
CREATE SCHEMA public;

DROP TABLE ddl_d;
DROP TABLE ddl_c;
DROP TABLE ddl_p;

-- Bulk inserts as Django writes them: UNNEST of array literals (and parameters, see tests/python).
CREATE TABLE ddl_u (id bigserial PRIMARY KEY, name varchar(40), n int);
INSERT INTO ddl_u (name, n) SELECT * FROM UNNEST(('{"a b",c,NULL}')::varchar[], ('{1,2,3}'::int2[])::integer[]) RETURNING ddl_u.id;
SELECT name, n FROM ddl_u ORDER BY id;
SELECT x FROM UNNEST('{x,"y,z"}'::text[]) AS t(x);
SELECT * FROM UNNEST('{1,2'::int[]);
DROP TABLE ddl_u;

-- Serial counters survive deletes and TRUNCATE, unless RESTART IDENTITY.
CREATE TABLE ddl_s (id bigserial PRIMARY KEY, v text);
INSERT INTO ddl_s (v) VALUES ('a'), ('b'), ('c');
DELETE FROM ddl_s WHERE id = 3;
INSERT INTO ddl_s (v) VALUES ('d') RETURNING id;
TRUNCATE ddl_s;
INSERT INTO ddl_s (v) VALUES ('e') RETURNING id;
TRUNCATE TABLE ddl_s RESTART IDENTITY;
INSERT INTO ddl_s (v) VALUES ('f') RETURNING id;
SELECT id, v FROM ddl_s;
DROP TABLE ddl_s;

-- Identity columns: GENERATED ALWAYS refuses explicit values and updates (428C9), BY DEFAULT takes them; serial
-- keys are integer, bigserial keys bigint.
CREATE TABLE ddl_ia (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);
INSERT INTO ddl_ia (v) VALUES ('a') RETURNING id, v;
INSERT INTO ddl_ia (id, v) VALUES (5, 'b');
INSERT INTO ddl_ia (id, v) VALUES (DEFAULT, 'c') RETURNING id;
UPDATE ddl_ia SET id = 9 WHERE v = 'a';
UPDATE ddl_ia SET v = 'z' WHERE id = 1;
SELECT id, v FROM ddl_ia ORDER BY id;
CREATE TABLE ddl_id (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text);
INSERT INTO ddl_id (id, v) VALUES (5, 'b') RETURNING id;
-- differs: the key is a rowid, so after an explicit 5 the next is 6 (PostgreSQL's sequence, untouched, gives 1)
INSERT INTO ddl_id (v) VALUES ('c') RETURNING id;
CREATE TABLE ddl_sk (id serial PRIMARY KEY, v text);
INSERT INTO ddl_sk (v) VALUES ('a') RETURNING id;
SELECT id, v FROM ddl_sk;
DROP TABLE ddl_ia;
DROP TABLE ddl_id;
DROP TABLE ddl_sk;

-- EXPLAIN shows SQLite's plan; ANALYZE would run the statement and is refused.
CREATE TABLE ddl_e (id int PRIMARY KEY);
-- differs: the plan is SQLite's, not PostgreSQL's
EXPLAIN SELECT * FROM ddl_e WHERE id = 1;
-- differs: EXPLAIN ANALYZE is refused (0A000)
EXPLAIN ANALYZE SELECT 1;
DROP TABLE ddl_e;

-- ANY and ALL over array literals (parameters: tests/python).
CREATE TABLE ddl_a (id int PRIMARY KEY, name text, price numeric(6,2));
INSERT INTO ddl_a VALUES (1, 'a', 1.50), (2, 'b', 2.00), (3, 'c', NULL);
SELECT id FROM ddl_a WHERE id = ANY('{1,3}'::int[]) ORDER BY id;
SELECT id FROM ddl_a WHERE name <> ALL('{a,b}'::text[]) ORDER BY id;
SELECT id FROM ddl_a WHERE id > ANY('{1,2}'::int[]) ORDER BY id;
SELECT id FROM ddl_a WHERE id < ALL('{3,4}'::int[]) ORDER BY id;
SELECT id FROM ddl_a WHERE price = ANY('{1.5,9}'::numeric[]) ORDER BY id;
SELECT 2 = ANY('{1,2,3}'::int[]), 5 = ANY('{1,2,3}'::int[]), 'x' = ANY('{}'::text[]);
DROP TABLE ddl_a;

-- COMMENT ON tables and columns: obj_description / col_description, removal with IS NULL, gone with the table.
CREATE TABLE ddl_cm (id int PRIMARY KEY, note text);
COMMENT ON TABLE ddl_cm IS 'the table';
COMMENT ON COLUMN ddl_cm.note IS 'a note';
COMMENT ON COLUMN public.ddl_cm.id IS 'the key';
COMMENT ON COLUMN ddl_cm.nope IS 'x';
COMMENT ON TABLE ddl_nope IS 'x';
SELECT obj_description('ddl_cm'::regclass, 'pg_class'), col_description('ddl_cm'::regclass, 2), col_description('ddl_cm'::regclass, 1);
COMMENT ON COLUMN ddl_cm.note IS NULL;
SELECT col_description('ddl_cm'::regclass, 2), col_description('ddl_cm'::regclass, 1);
DROP TABLE ddl_cm;
CREATE TABLE ddl_cm (id int PRIMARY KEY);
SELECT obj_description('ddl_cm'::regclass, 'pg_class');
DROP TABLE ddl_cm;

-- Defaults that are expressions: SET DEFAULT (written into the schema SQLite reads back), and ADD COLUMN, whose
-- rows there get the default's value, each its own (SQLite's ALTER TABLE takes literal defaults only).
CREATE TABLE ddl_def (id int PRIMARY KEY, e numeric);
INSERT INTO ddl_def VALUES (1, 2.5), (2, NULL);
ALTER TABLE ddl_def ALTER COLUMN e SET DEFAULT 1.50;
ALTER TABLE ddl_def ADD COLUMN label text DEFAULT lower('ABC');
ALTER TABLE ddl_def ADD COLUMN made timestamptz NOT NULL DEFAULT now();
ALTER TABLE ddl_def ADD COLUMN tag uuid DEFAULT gen_random_uuid(), ADD COLUMN n int NOT NULL DEFAULT -1;
ALTER TABLE ddl_def ADD COLUMN IF NOT EXISTS label text DEFAULT upper('zzz');
ALTER TABLE ddl_def ADD COLUMN IF NOT EXISTS twice int DEFAULT 2 * 21;
ALTER TABLE ddl_def ALTER COLUMN n SET DEFAULT (SELECT 1);
INSERT INTO ddl_def (id) VALUES (3);
SELECT id, e, label, made IS NOT NULL AS made, n, twice FROM ddl_def ORDER BY id;
SELECT count(DISTINCT tag) FROM ddl_def;
ALTER TABLE ddl_def ADD COLUMN never int NOT NULL DEFAULT NULLIF(1, 1);
-- A column with a CHECK, as Django adds a PositiveIntegerField (SQLite checks the rows there itself).
ALTER TABLE "ddl_def" ADD COLUMN "pos" integer DEFAULT 0 NOT NULL CHECK ("pos" >= 0);
ALTER TABLE ddl_def ADD COLUMN neg int NOT NULL DEFAULT -1 CHECK (neg >= 0);
ALTER TABLE ddl_def ADD COLUMN big int DEFAULT abs(-1) CHECK (big > 5);
INSERT INTO ddl_def (id, pos) VALUES (4, -1);
SELECT id, pos FROM ddl_def ORDER BY id;
SELECT count(*) FROM information_schema.columns WHERE table_name = 'ddl_def';
DROP TABLE ddl_def;
