//! The numeric functions and collation on a real SQLite connection.

use rusqlite::Connection;

fn conn() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    super::register(&c).unwrap();
    c
}

fn one(c: &Connection, sql: &str) -> String {
    c.query_row(sql, [], |r| {
        Ok(match r.get_ref(0)? {
            rusqlite::types::ValueRef::Null => "NULL".to_string(),
            rusqlite::types::ValueRef::Integer(i) => format!("int {i}"),
            rusqlite::types::ValueRef::Real(f) => format!("real {f}"),
            rusqlite::types::ValueRef::Text(t) => format!("text {}", String::from_utf8_lossy(t)),
            rusqlite::types::ValueRef::Blob(_) => "blob".to_string(),
        })
    })
    .unwrap_or_else(|e| format!("error {e}"))
}

#[test]
fn arithmetic_follows_the_operands_storage_class() {
    let c = conn();
    assert_eq!(one(&c, "SELECT pg_add(1, 2)"), "int 3");
    assert_eq!(one(&c, "SELECT pg_add(0.5, 2)"), "real 2.5");
    assert_eq!(one(&c, "SELECT pg_add('0.1', '0.2')"), "text 0.3");
    assert_eq!(one(&c, "SELECT pg_mul('12345678901234567890.5', 2)"), "text 24691357802469135781.0");
    assert_eq!(one(&c, "SELECT pg_add(9223372036854775807, 1)"), "error [22003] bigint out of range");
    assert_eq!(one(&c, "SELECT raftsql_div('1', 3)"), "text 0.33333333333333333333");
    assert_eq!(one(&c, "SELECT raftsql_div(7, 2)"), "int 3");
    assert_eq!(one(&c, "SELECT raftsql_div('1.5', 0)"), "error [22012] division by zero");
    assert_eq!(one(&c, "SELECT pg_sub('x', 1)"), "error [22P02] invalid input syntax for type numeric: \"x\"");
    assert_eq!(one(&c, "SELECT pg_neg('1.50')"), "text -1.50");
    assert_eq!(one(&c, "SELECT pg_add(NULL, 1)"), "NULL");
}

#[test]
fn casts_compare_and_round() {
    let c = conn();
    assert_eq!(one(&c, "SELECT pg_numeric(1, 10, 2)"), "text 1.00");
    assert_eq!(one(&c, "SELECT pg_numeric(0.1)"), "text 0.1");
    assert_eq!(one(&c, "SELECT pg_numeric('1e3')"), "text 1000");
    assert_eq!(one(&c, "SELECT pg_numeric(1000, 3, 0)"), "error [22003] numeric field overflow");
    assert_eq!(one(&c, "SELECT pg_cmp('1.0', 1)"), "int 0");
    assert_eq!(one(&c, "SELECT pg_cmp('3.0000', 3) > 0"), "int 0");
    assert_eq!(one(&c, "SELECT pg_round('2.5')"), "text 3");
    assert_eq!(one(&c, "SELECT pg_round(2.5)"), "real 2");
    assert_eq!(one(&c, "SELECT pg_round('1.005', 2)"), "text 1.01");
    assert_eq!(one(&c, "SELECT pg_numeric_unfit('1.5', 10, 2)"), "int 1");
    assert_eq!(one(&c, "SELECT pg_numeric_unfit('1.50', 10, 2)"), "int 0");
    assert_eq!(one(&c, "SELECT pg_numeric_unfit(2, -1, -1)"), "int 1");
}

#[test]
fn sums_and_averages_exactly() {
    let c = conn();
    c.execute_batch(
        "CREATE TABLE t (g INT, v TEXT COLLATE pg_numeric);
         INSERT INTO t VALUES (1, '0.1'), (1, '0.2'), (2, '12345678901234567890.5'), (2, '1'), (3, NULL);",
    )
    .unwrap();
    assert_eq!(one(&c, "SELECT pg_sum(v) FROM t WHERE g = 1"), "text 0.3");
    assert_eq!(one(&c, "SELECT pg_sum(v) FROM t WHERE g = 2"), "text 12345678901234567891.5");
    assert_eq!(one(&c, "SELECT pg_avg(v) FROM t WHERE g = 1"), "text 0.15000000000000000000");
    assert_eq!(one(&c, "SELECT pg_sum(v) FROM t WHERE g = 3"), "NULL");
    assert_eq!(one(&c, "SELECT pg_sum(g) FROM t"), "int 9");
    assert_eq!(one(&c, "SELECT pg_avg(g) FROM t WHERE g < 3"), "text 1.5000000000000000");
    assert_eq!(
        one(&c, "SELECT group_concat(s, ',') FROM (SELECT pg_sum(v) OVER (ORDER BY rowid ROWS 1 PRECEDING) s FROM t)"),
        "text 0.1,0.3,12345678901234567890.7,12345678901234567891.5,1"
    );
    // The collation orders and groups numerically.
    c.execute_batch("INSERT INTO t VALUES (4, '1.0'), (4, '-2'), (4, '10'), (4, '9.99')").unwrap();
    assert_eq!(
        one(&c, "SELECT group_concat(v, ',') FROM (SELECT v FROM t WHERE g = 4 ORDER BY v)"),
        "text -2,1.0,9.99,10"
    );
    assert_eq!(one(&c, "SELECT max(v) FROM t"), "text 12345678901234567890.5");
    assert_eq!(one(&c, "SELECT count(*) FROM t WHERE v = 1"), "int 2");
}

#[test]
fn collation_is_a_total_order() {
    let values = ["-1e2", "-10.5", "-0", "0.000", "1", "1.00", "01.5", "NaN", "Infinity", "-Infinity", "zz", "9e1"];
    for a in values {
        for b in values {
            assert_eq!(super::collate(a, b), super::collate(b, a).reverse(), "{a} {b}");
        }
    }
    assert_eq!(super::collate("-0", "0.000"), std::cmp::Ordering::Equal);
    assert_eq!(super::collate("-10.5", "-1e2"), std::cmp::Ordering::Greater);
    assert_eq!(super::collate("90", "9e1"), std::cmp::Ordering::Equal);
}
