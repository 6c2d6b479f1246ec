-- json and jsonb: canonical jsonb text, equality, and the lookup operators. Compared with PostgreSQL 15 by
-- tests/pg_semantics.rs.

SELECT '{"b": 1, "a": 2}'::jsonb, '{"b":1,"a":2}'::json;
SELECT '{"b": 1, "a": 2}'::jsonb = '{"a": 2, "b": 1}'::jsonb, '{"a": 1}'::jsonb = '{"a": 2}'::jsonb;
SELECT '{"a":1,"a":2}'::jsonb, '[1, 2.50, 1e2, -0]'::jsonb, '"x\ty"'::jsonb, 'null'::jsonb, '{}'::jsonb;
SELECT '{"aa": 1, "b": 2, "a": 3}'::jsonb;
SELECT '{a'::jsonb;
SELECT '{a'::json;
SELECT '{"a": {"b": [1, 2, {"c": "x"}]}}'::jsonb -> 'a' -> 'b' -> 2 ->> 'c';
SELECT '{"a": {"b": [1, 2]}}'::jsonb -> 'a', '{"a": {"b": [1, 2]}}'::jsonb -> 'zz';
SELECT '[1,2,3]'::jsonb -> 1, '[1,2,3]'::jsonb -> -1, '[1,2,3]'::jsonb ->> 0, '[1,2,3]'::jsonb -> 5;
SELECT '{"a": "x"}'::jsonb ->> 'a', '{"a": "x"}'::jsonb -> 'a', '{"a": null}'::jsonb ->> 'a', '{"a": null}'::jsonb -> 'a';
SELECT '{"a.b": 1, "a": {"b": 2}}'::jsonb -> 'a.b', '{"a": true}'::jsonb ->> 'a';
SELECT '{"a": {"b": [1, {"c": 5}]}}'::jsonb #> '{a,b,1}', '{"a": {"b": [1, {"c": 5}]}}'::jsonb #>> '{a,b,1,c}';
SELECT '{"a": 1}'::jsonb #> '{}', '{"a": 1}'::jsonb #>> '{x,y}';

CREATE TABLE json_t (id int PRIMARY KEY, doc jsonb, raw json);
INSERT INTO json_t VALUES (1, '{"b": 1, "a": {"y": 2, "x": [3, 4]}}', '{"b": 1,  "a": 2}');
INSERT INTO json_t VALUES (2, '{"a": {"x": [5]}, "b": "two"}', '[1]');
INSERT INTO json_t VALUES (3, '{bad', '{}');
SELECT id, doc, raw FROM json_t ORDER BY id;
SELECT id FROM json_t WHERE doc = '{"a": {"x": [3, 4], "y": 2}, "b": 1}'::jsonb;
SELECT id, doc -> 'a' -> 'x' -> 0 FROM json_t ORDER BY id;
SELECT id, doc ->> 'b' FROM json_t WHERE doc ->> 'b' = 'two';
SELECT id, doc #>> '{a,x,0}' FROM json_t ORDER BY id;
UPDATE json_t SET doc = '{"z": 0, "a": 1}' WHERE id = 2;
SELECT doc FROM json_t WHERE id = 2;
DROP TABLE json_t;

-- Containment, keys, types.
SELECT '{"a": 1, "b": [1, 2, {"c": 3}]}'::jsonb @> '{"b": [{"c": 3}, 1]}'::jsonb, '{"a": 1}'::jsonb @> '{"a": 2}'::jsonb;
SELECT '[1, 2, 3]'::jsonb @> '[3, 1, 1]'::jsonb, '[1, 2]'::jsonb @> '2'::jsonb, '[[1, 2]]'::jsonb @> '[1]'::jsonb;
SELECT '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}'::jsonb, '[1.0]'::jsonb @> '[1]'::jsonb;
SELECT '{"a": 1}'::jsonb ? 'a', '["a"]'::jsonb ? 'a', '{"b": "a"}'::jsonb ? 'a';
SELECT '{"a": 1, "b": 2}'::jsonb ?| '{b,c}', '{"a": 1, "b": 2}'::jsonb ?& '{a,c}', '{"a": 1, "b": 2}'::jsonb ?& '{a,b}';
SELECT jsonb_typeof('{}'), jsonb_typeof('[1]'), jsonb_typeof('"s"'), jsonb_typeof('1.5'), jsonb_typeof('true'), jsonb_typeof('null');
SELECT json_typeof('{"a": 1}'::json -> 'a'), jsonb_array_length('[1, [2, 3], 4]');
SELECT jsonb_array_length('{}');

-- The jsonb builders and aggregates.
SELECT jsonb_build_object('b', 1, 'a', 'x', 'c', true, 'd', NULL, 'e', 1.50, 'f', '{"z": 1}'::jsonb, 'g', ARRAY[1, 2]);
SELECT jsonb_build_array(1, 'two', false, NULL, 2.5, '[1]'::jsonb), jsonb_build_array();
SELECT jsonb_build_object(), to_jsonb('text'::text), to_jsonb(5), to_jsonb(true), to_jsonb(NULL::text), to_jsonb(1.50);
SELECT jsonb_build_object('a', 1) = '{"a": 1}'::jsonb, jsonb_build_object('a', 1) -> 'a';
CREATE TABLE json_b (id int PRIMARY KEY, name text, price numeric(6,2), doc jsonb, ok boolean);
INSERT INTO json_b VALUES (1, 'a', 1.5, '{"k": 1}', true), (2, 'b', NULL, NULL, NULL), (3, 'c', 2, '[true]', false);
SELECT jsonb_agg(name ORDER BY id), jsonb_agg(doc::jsonb ORDER BY id), jsonb_object_agg(name, id) FROM json_b;
SELECT jsonb_agg(id) FROM json_b WHERE false;
SELECT id, jsonb_build_object('id', id, 'name', name, 'doc', doc::jsonb, 'ok', ok::boolean) FROM json_b ORDER BY id;
-- differs: a jsonb, boolean or numeric column is embedded as SQLite keeps it unless cast (doc::jsonb)
SELECT id, jsonb_build_object('doc', doc, 'ok', ok) FROM json_b ORDER BY id;
DROP TABLE json_b;

-- jsonb || and -, jsonb_set.
SELECT '{"a": 1, "b": 2}'::jsonb || '{"b": 3, "c": 4}'::jsonb, '[1, 2]'::jsonb || '[3]'::jsonb, '[1]'::jsonb || '{"a": 1}'::jsonb;
SELECT '{"a": 1, "b": 2}'::jsonb - 'a', '["a", "b", "a"]'::jsonb - 'a', '{"a": 1}'::jsonb - 'zz';
SELECT '1'::jsonb - 'a';
SELECT jsonb_set('{"a": {"b": 1}}', '{a,b}', '2'), jsonb_set('{"a": {"b": 1}}', '{a,c}', '3'), jsonb_set('{"a": {"b": 1}}', '{a,c}', '3', false);
SELECT jsonb_set('[1, 2, 3]', '{-1}', '9'), jsonb_set('[1, 2, 3]', '{5}', '9'), jsonb_set('{"a": 1}', '{x,y}', '9');
CREATE TABLE json_e (id int PRIMARY KEY, doc jsonb);
INSERT INTO json_e VALUES (1, '{"a": 1, "tags": ["x"]}');
UPDATE json_e SET doc = doc - 'a' WHERE id = 1;
UPDATE json_e SET doc = jsonb_set(doc, '{tags}', '["y", "z"]') WHERE id = 1;
UPDATE json_e SET doc = doc || '{"n": 2}'::jsonb WHERE id = 1;
SELECT id, doc FROM json_e;
DROP TABLE json_e;

-- The jsonb table functions in FROM, alone and lateral to a table.
SELECT * FROM jsonb_array_elements('[1, "a", {"b": 2}]') AS e;
SELECT e.value, value FROM jsonb_array_elements_text('[1, "a"]') e;
SELECT * FROM jsonb_each('{"b": 1, "a": [2]}');
SELECT k FROM jsonb_object_keys('{"b": 1, "a": 2}') AS k;
SELECT key, value FROM jsonb_each_text('{"b": 1, "a": "x"}') ORDER BY key;
CREATE TABLE json_tf (id int PRIMARY KEY, doc jsonb);
INSERT INTO json_tf VALUES (1, '{"tags": ["x", "y"], "n": 1}'), (2, '{"tags": [], "n": 2}');
SELECT t.id, e.value FROM json_tf t, jsonb_array_elements(t.doc -> 'tags') AS e ORDER BY t.id, e.value;
SELECT t.id, kv.key, kv.value FROM json_tf t CROSS JOIN jsonb_each(t.doc) AS kv ORDER BY t.id, kv.key;
SELECT count(*) FROM json_tf t, jsonb_array_elements_text(t.doc -> 'tags') AS tag WHERE tag.value = 'y';
DROP TABLE json_tf;
CREATE TABLE json_tl (id int PRIMARY KEY, doc jsonb, value text);
INSERT INTO json_tl VALUES (1, '{"tags": ["x", "y"]}', 'v1'), (2, '{"tags": []}', 'v2');
SELECT id, e.value FROM json_tl, jsonb_array_elements_text(doc -> 'tags') AS e ORDER BY id, e.value;
SELECT id, json_tl.value, e.value FROM json_tl, jsonb_array_elements_text(json_tl.doc -> 'tags') e ORDER BY 1, 3;
SELECT id, key FROM json_tl, jsonb_each(doc) ORDER BY id;
SELECT count(*) FROM json_tl, jsonb_array_elements(doc -> 'tags') WHERE id = 1;
DROP TABLE json_tl;
