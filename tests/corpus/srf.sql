-- Set-returning functions in select lists and in FROM (lateral to the tables before them): generate_series,
-- unnest, the jsonb and json table functions. Compared with PostgreSQL 15 by tests/pg_semantics.rs.

DROP TABLE IF EXISTS srf_t;
CREATE TABLE srf_t (id int, tags text[], nums int[], doc jsonb, j json);
INSERT INTO srf_t VALUES (1, '{a,b}', '{10,20}', '[1, "x", {"b": 2, "a": 1}]', '[1, "x", {"b":2,"a":1}]'),
  (2, '{c}', '{30}', '{"k": 1, "j": [true, null]}', '{"k": 1, "j": [true, null]}'), (3, NULL, '{}', '[]', '[]');

-- In a select list.
SELECT generate_series(1, 3);
SELECT generate_series(1, 10, 4) AS n, 'x' AS c;
SELECT generate_series(5, 1, -2);
SELECT generate_series(1::bigint, 2);
SELECT generate_series(0.5, 2.0, 0.5);
SELECT generate_series('2024-01-01'::timestamp, '2024-01-03', '1 day');
SELECT generate_series('2024-01-01'::date, '2024-01-02'::date, '12 hours'::interval);
SELECT unnest(ARRAY[1, 2, 3]);
SELECT unnest('{x,y}'::text[]) AS letter;
SELECT unnest(ARRAY[1, 2]) + 1 AS next;
SELECT id, unnest(tags) FROM srf_t ORDER BY 1, 2;
SELECT id, unnest(nums) AS n FROM srf_t ORDER BY 1, 2;
SELECT s.id, unnest(s.tags) FROM srf_t s WHERE s.id < 3 ORDER BY 1, 2;
SELECT id, generate_series(1, id) AS g FROM srf_t ORDER BY 1, 2;
SELECT id, jsonb_array_elements(doc) FROM srf_t WHERE id = 1;
SELECT id, jsonb_array_elements_text(doc) AS e FROM srf_t WHERE id = 1;
SELECT id, jsonb_object_keys(doc) FROM srf_t WHERE id = 2 ORDER BY 2;
SELECT jsonb_array_elements('[1, [2, 3]]'::jsonb);
SELECT jsonb_array_elements_text('["a", null, true]');
SELECT json_array_elements('[1, "x", {"b":2}]'::json);
SELECT json_array_elements_text('[1, "x", null, false]'::json);
SELECT json_object_keys('{"b": 1, "a": 2}'::json);
-- differs: a nested json (not jsonb) value comes back without the spaces written in it
SELECT json_array_elements('[{"a": 1}]'::json);
SELECT count(*) FROM (SELECT generate_series(1, 10)) s;
SELECT DISTINCT unnest(ARRAY[2, 1, 2]) AS v ORDER BY v;
SELECT unnest(ARRAY[3, 1, 2]) AS v ORDER BY v DESC LIMIT 2;
-- differs: several set-returning functions in one select list are refused (0A000); PostgreSQL zips them
SELECT generate_series(1, 2), generate_series(1, 3);
-- differs: a set-returning function beside an aggregate is refused (0A000); PostgreSQL expands after grouping
SELECT count(*), unnest(ARRAY[1]);
-- differs: the functions returning records are refused in a select list (0A000); call them in FROM
SELECT jsonb_each('{"a": 1}'::jsonb);

-- In FROM, lateral to the table before them.
SELECT id, x FROM srf_t, unnest(srf_t.tags) AS x ORDER BY 1, 2;
SELECT id, u.x FROM srf_t, unnest(srf_t.nums) AS u(x) ORDER BY 1, 2;
SELECT id, e FROM srf_t, jsonb_array_elements(srf_t.doc) AS e WHERE id = 1;
SELECT id, e.value FROM srf_t, jsonb_array_elements(srf_t.doc) AS e WHERE id = 1;
SELECT id, k FROM srf_t, jsonb_object_keys(srf_t.doc) AS k WHERE id = 2 ORDER BY 2;
SELECT id, e FROM srf_t, json_array_elements(srf_t.j) AS e WHERE id = 1;
SELECT id, e FROM srf_t, json_array_elements_text(srf_t.j) AS e WHERE id = 1;
SELECT id, k FROM srf_t, json_object_keys(srf_t.j) AS k WHERE id = 2;
SELECT id, g FROM srf_t, generate_series(1, srf_t.id) AS g ORDER BY 1, 2;
SELECT id, g FROM srf_t, generate_series(srf_t.id, 1, -1) g ORDER BY 1, 2 DESC;
SELECT x FROM unnest(ARRAY[1, 2, 3]) AS x;
SELECT x FROM unnest('{1,2}'::int[]) AS x;
SELECT g FROM generate_series('2024-01-01'::timestamp, '2024-01-03', '1 day') g;
SELECT g FROM generate_series(1, (SELECT max(id) FROM srf_t)) AS g;
DROP TABLE srf_t;
