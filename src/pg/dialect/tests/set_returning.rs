//! Tests of the set-returning functions' translation: in a select list (moved to FROM) and lateral in FROM.
use super::*;

#[test]
fn a_select_list_function_moves_to_from() {
    assert_eq!(
        out("SELECT id, unnest(tags) FROM t"),
        "SELECT t.id AS \"id\", \"__srf_u0\".value AS \"unnest\" FROM t, json_each(t.tags) AS \"__srf_u0\""
    );
    // The bare column stays the table's, not `json_each`'s own `id`.
    assert!(
        out("SELECT id, generate_series(1, id) FROM t").contains("t.id"),
        "{}",
        out("SELECT id, generate_series(1, id) FROM t")
    );
    assert!(out("SELECT jsonb_array_elements(doc) AS e FROM t").starts_with("SELECT pg_json_get(pg_jsonb(t.doc)"));
    assert_eq!(one("SELECT generate_series(1, 3)").result_types, vec![Some(PgType::Int4)]);
    assert_eq!(one("SELECT unnest(ARRAY[1, 2])").result_types, vec![Some(PgType::Int4)]);
    for refused in [
        "SELECT generate_series(1, 2), generate_series(1, 3)",
        "SELECT count(*), unnest(ARRAY[1])",
        "SELECT k, unnest(ARRAY[1]) FROM t GROUP BY k",
        "SELECT jsonb_each('{}'::jsonb)",
    ] {
        assert_eq!(err(refused).sqlstate, "0A000", "{refused}");
    }
    // A subquery's own set-returning function stays in the subquery.
    assert!(out("SELECT (SELECT max(x) FROM (SELECT unnest(ARRAY[1]) AS x) u)")
        .starts_with("SELECT (SELECT max(x) FROM (SELECT "));
}

#[test]
fn from_functions_read_the_tables_before_them() {
    assert_eq!(
        out("SELECT u.x FROM t, unnest(t.nums) AS u(x)"),
        "SELECT \"__srf_u0\".value AS \"x\" FROM t, json_each(t.nums) AS \"__srf_u0\""
    );
    let series = out("SELECT g FROM t, generate_series(1, t.id) AS g");
    assert!(series.contains("json_each((WITH RECURSIVE \"__series\""), "{series}");
    assert!(series.contains("json_group_array(\"v\")"), "{series}");
    // A series of decimals counts exactly, one of timestamps by its interval.
    assert!(out("SELECT * FROM generate_series(0.5, 2, 0.5)").contains("\"__decimals\""));
    assert!(
        out("SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-03', '1 day')").contains("pg_interval")
    );
}
