-- Sequences: CREATE/ALTER/DROP SEQUENCE, nextval, currval, setval, lastval, sequences as column defaults, and a
-- serial column's sequence. Compared with PostgreSQL 15 by tests/pg_semantics.rs (errors by SQLSTATE).

CREATE SEQUENCE seq_a;
SELECT nextval('seq_a'), nextval('seq_a');
SELECT currval('seq_a'), lastval();
SELECT nextval('seq_a'::regclass), nextval('public.seq_a'), nextval('SEQ_A'), nextval('"seq_a"');
SELECT nextval('"SEQ_A"');
SELECT nextval('other.seq_a');
SELECT nextval('a.b.seq_a');
SELECT nextval('seq_a.');
CREATE SEQUENCE seq_a;
CREATE SEQUENCE IF NOT EXISTS seq_a;
SELECT nextval('seq_none');
SELECT currval('seq_none');
SELECT nextval(NULL), setval('seq_a', NULL), setval('seq_a', 3, NULL);

-- Options in any order, bounds, CYCLE.
CREATE SEQUENCE seq_b START 10 INCREMENT BY 5 MAXVALUE 20;
SELECT nextval('seq_b'), nextval('seq_b'), nextval('seq_b');
SELECT nextval('seq_b');
CREATE SEQUENCE seq_c INCREMENT -1 MINVALUE 1 MAXVALUE 3 CYCLE;
SELECT nextval('seq_c'), nextval('seq_c'), nextval('seq_c'), nextval('seq_c');
CREATE SEQUENCE seq_d INCREMENT BY -2;
SELECT nextval('seq_d'), nextval('seq_d');
CREATE SEQUENCE seq_e START WITH -5 MINVALUE -10;
SELECT nextval('seq_e'), nextval('seq_e');
CREATE SEQUENCE seq_f AS smallint;
SELECT setval('seq_f', 32767);
SELECT nextval('seq_f');
CREATE SEQUENCE seq_g AS integer MAXVALUE 3000000000;
CREATE SEQUENCE seq_g INCREMENT 0;
CREATE SEQUENCE seq_g MINVALUE 5 MAXVALUE 5;
CREATE SEQUENCE seq_g START 0;
CREATE SEQUENCE seq_g CACHE 0;
CREATE SEQUENCE seq_g AS text;
CREATE SEQUENCE seq_g INCREMENT 1 INCREMENT 2;
CREATE SEQUENCE seq_g MAXVALUE 99999999999999999999;
CREATE SEQUENCE seq_g NO MINVALUE NO MAXVALUE NO CYCLE CACHE 20 OWNED BY NONE;
SELECT nextval('seq_g');

-- setval, currval in the same statement and after.
SELECT setval('seq_a', 100);
SELECT nextval('seq_a'), currval('seq_a');
SELECT setval('seq_a', 50, false);
SELECT currval('seq_a');
SELECT nextval('seq_a'), currval('seq_a'), lastval();
SELECT setval('seq_a', 0);
SELECT setval('seq_b', 21);
CREATE SEQUENCE seq_h;
SELECT currval('seq_h');
SELECT setval('seq_h', 5);
SELECT currval('seq_h');
SELECT lastval();

-- ALTER SEQUENCE.
ALTER SEQUENCE seq_a RESTART;
SELECT nextval('seq_a');
ALTER SEQUENCE seq_a RESTART WITH 7 INCREMENT 3;
SELECT nextval('seq_a'), nextval('seq_a');
ALTER SEQUENCE seq_a MAXVALUE 5;
ALTER SEQUENCE seq_a MAXVALUE 100 START 2;
ALTER SEQUENCE seq_a RESTART;
SELECT nextval('seq_a');
ALTER SEQUENCE seq_none RESTART;
ALTER SEQUENCE IF EXISTS seq_none RESTART;
ALTER SEQUENCE seq_a RENAME TO seq_a2;
SELECT nextval('seq_a');
SELECT nextval('seq_a2');
ALTER SEQUENCE seq_d AS integer;
SELECT setval('seq_d', -2147483648);
SELECT nextval('seq_d');
ALTER SEQUENCE seq_f AS bigint;
SELECT nextval('seq_f');

-- Sequences as column defaults; a serial column's sequence.
CREATE TABLE seq_t (id int DEFAULT nextval('seq_c'::regclass), v text);
INSERT INTO seq_t (v) VALUES ('x'), ('y') RETURNING id, v;
SELECT currval('seq_c'), lastval();
CREATE TABLE seq_s (id serial PRIMARY KEY, v text);
INSERT INTO seq_s (v) VALUES ('a'), ('b');
SELECT nextval('seq_s_id_seq');
INSERT INTO seq_s (v) VALUES ('c') RETURNING id;
SELECT setval('seq_s_id_seq', 100);
INSERT INTO seq_s (v) VALUES ('d') RETURNING id;
SELECT setval('seq_s_id_seq', 0);
SELECT setval('seq_s_id_seq', 200, false);
INSERT INTO seq_s (v) VALUES ('e') RETURNING id;
ALTER SEQUENCE seq_s_id_seq RESTART WITH 1000;
INSERT INTO seq_s (v) VALUES ('f') RETURNING id;
SELECT id, v FROM seq_s ORDER BY id;
DROP SEQUENCE seq_s_id_seq;

-- Inside a transaction: the first statement may be a query that moves a sequence.
BEGIN;
SELECT nextval('seq_h');
SELECT currval('seq_h');
COMMIT;
-- differs: a rolled-back nextval gives its number back in raftsql (PostgreSQL never does)
BEGIN;
-- differs: a rolled-back nextval gives its number back in raftsql (PostgreSQL never does)
SELECT nextval('seq_h');
-- differs: a rolled-back nextval gives its number back in raftsql (PostgreSQL never does)
ROLLBACK;
-- differs: a rolled-back nextval gives its number back in raftsql (PostgreSQL never does)
SELECT nextval('seq_h');

-- pg_get_serial_sequence, and Django's sequence reset with it.
CREATE TABLE seq_gss (id serial PRIMARY KEY, v int);
CREATE SEQUENCE seq_gss_v OWNED BY seq_gss.v;
SELECT pg_get_serial_sequence('seq_gss', 'id'), pg_get_serial_sequence('public.seq_gss', 'v'), pg_get_serial_sequence('"seq_gss"', 'id');
SELECT pg_get_serial_sequence('seq_gss', 'nope');
SELECT pg_get_serial_sequence('seq_none', 'id');
SELECT pg_get_serial_sequence('seq_t', 'v');
INSERT INTO seq_gss (v) VALUES (1), (2);
SELECT setval(pg_get_serial_sequence('"seq_gss"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "seq_gss";
INSERT INTO seq_gss (id, v) VALUES (10, 3);
SELECT setval(pg_get_serial_sequence('"seq_gss"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "seq_gss";
INSERT INTO seq_gss (v) VALUES (4) RETURNING id;
DROP TABLE seq_gss;
SELECT nextval('seq_gss_v');

-- DISCARD SEQUENCES: the session forgets its values.
SELECT nextval('seq_h') > 0;
DISCARD SEQUENCES;
SELECT currval('seq_h');
SELECT lastval();

-- DROP SEQUENCE.
DROP SEQUENCE seq_c;
DROP SEQUENCE seq_b, seq_c;
DROP SEQUENCE seq_c CASCADE;
INSERT INTO seq_t (v) VALUES ('z') RETURNING id, v;
DROP SEQUENCE seq_b, seq_e;
DROP SEQUENCE seq_b;
DROP SEQUENCE IF EXISTS seq_b, seq_none;
DROP SEQUENCE seq_t;
DROP SEQUENCE seq_none;
DROP TABLE seq_t;
DROP TABLE seq_s;

-- As pg_dump writes a serial column: the sequence made apart, the default set afterwards, setval at the end.
CREATE TABLE public.seq_dump (id integer NOT NULL, name text);
CREATE SEQUENCE public.seq_dump_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.seq_dump_id_seq OWNED BY public.seq_dump.id;
ALTER TABLE ONLY public.seq_dump ALTER COLUMN id SET DEFAULT nextval('public.seq_dump_id_seq'::regclass);
INSERT INTO public.seq_dump (id, name) VALUES (1, 'a'), (2, 'b');
SELECT pg_catalog.setval('public.seq_dump_id_seq', 2, true);
INSERT INTO seq_dump (name) VALUES ('c') RETURNING id, name;
SELECT currval('seq_dump_id_seq');
SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relname = 'seq_dump';
ALTER TABLE seq_dump ALTER COLUMN name SET DEFAULT lower('X');
INSERT INTO seq_dump (name) VALUES (DEFAULT) RETURNING id, name;
DROP TABLE seq_dump;
DROP SEQUENCE seq_dump_id_seq;

-- setval's value: an integer, or text that is one.
CREATE SEQUENCE seq_v;
SELECT setval('seq_v', '7');
SELECT setval('seq_v', 'abc');
SELECT setval('seq_v', '99999999999999999999');
DROP SEQUENCE seq_v;
