-- Arrays: literals, ARRAY[...], array columns, subscripts, the array functions, containment and overlap,
-- ANY/ALL. Compared with PostgreSQL 15 by tests/pg_semantics.rs.

SELECT ARRAY[1, 2, 3], ARRAY['a', 'b c', NULL], ARRAY[true, false], ARRAY[1.5, 2.25];
SELECT '{1,2,3}'::int[], '{a,"b c",NULL,"NULL"}'::text[], '{}'::int8[], '{t,f}'::boolean[];
SELECT '{1.5,2}'::numeric[], '{x}'::int[];
SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[5], ('{a,b}'::text[])[1];
SELECT array_length(ARRAY[1, 2, 3], 1), array_length('{}'::int[], 1), cardinality(ARRAY['a', 'b']), cardinality('{}'::int[]);
SELECT array_upper(ARRAY[1, 2], 1), array_lower(ARRAY[1, 2], 1), array_lower('{}'::int[], 1);
SELECT array_to_string(ARRAY['a', NULL, 'c'], ','), array_to_string(ARRAY[1, 2, 3], ' - ');
SELECT array_position(ARRAY['x', 'y', 'z'], 'y'), array_position(ARRAY[1, 2], 9);
SELECT array_append(ARRAY[1, 2], 3), array_prepend(0, ARRAY[1, 2]), array_cat(ARRAY[1], ARRAY[2, 3]), array_remove(ARRAY[1, 2, 1], 1);
SELECT ARRAY[1, 2] || ARRAY[3], ARRAY[1, 2] || 3, 0 || ARRAY[1, 2];
SELECT ARRAY[1, 2, 3] @> ARRAY[3, 1], ARRAY[1, 2] @> ARRAY[4], ARRAY[1] <@ ARRAY[1, 2], ARRAY[1, 2] && ARRAY[2, 9], ARRAY[1] && ARRAY[2];
SELECT ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] = ARRAY[2, 1], ARRAY['a'] <> ARRAY['b'];
SELECT 2 = ANY(ARRAY[1, 2]), 5 = ANY('{1,2}'::int[]), 3 > ALL(ARRAY[1, 2]), 'b' <> ALL(ARRAY['a', 'c']);

CREATE TABLE arr_t (id int PRIMARY KEY, tags text[], nums int[], flags boolean[], prices numeric(6,2)[]);
INSERT INTO arr_t VALUES (1, '{a,b,"c d"}', '{1,2,3}', '{t,f}', '{1.5,2}');
INSERT INTO arr_t VALUES (2, ARRAY['x', NULL], ARRAY[4, 5], ARRAY[true], ARRAY[3.25]);
INSERT INTO arr_t VALUES (3, '{}', '{}', NULL, NULL);
INSERT INTO arr_t VALUES (4, NULL, '{x}', NULL, NULL);
INSERT INTO arr_t (id, prices) VALUES (5, '{12345.678}');
INSERT INTO arr_t (id, nums) VALUES (6, '{1,{2}}');
INSERT INTO arr_t (id, nums) VALUES (7, '{99999999999}');
SELECT * FROM arr_t ORDER BY id;
SELECT id, tags[1], nums[2], nums[9], array_length(nums, 1), cardinality(tags) FROM arr_t ORDER BY id;
SELECT id FROM arr_t WHERE nums @> ARRAY[2] ORDER BY id;
SELECT id FROM arr_t WHERE ARRAY[5, 6] && nums ORDER BY id;
SELECT id FROM arr_t WHERE 'a' = ANY(tags) ORDER BY id;
SELECT id FROM arr_t WHERE 4 <> ALL(nums) ORDER BY id;
SELECT id, array_to_string(tags, '-'), array_position(nums, 2) FROM arr_t ORDER BY id;
UPDATE arr_t SET nums = nums || ARRAY[10] WHERE id = 2;
UPDATE arr_t SET tags = array_append(tags, 'e') WHERE id = 1;
SELECT id, nums, tags FROM arr_t WHERE id IN (1, 2) ORDER BY id;
SELECT id FROM arr_t WHERE nums = '{4,5,10}'::int[] ORDER BY id;
-- differs: an array column compared with an uncast literal compares texts (cast the literal: '{4,5}'::int[])
SELECT id FROM arr_t WHERE nums = '{4,5,10}' ORDER BY id;
SELECT format_type(atttypid, atttypmod), attname::text FROM pg_attribute WHERE attrelid = 'arr_t'::regclass AND attnum > 0 ORDER BY attnum;
SELECT array_agg(id ORDER BY id), array_agg(DISTINCT cardinality(nums) ORDER BY cardinality(nums)) FROM arr_t;
DROP TABLE arr_t;
