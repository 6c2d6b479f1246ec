//! The catalog relations run on SQLite over a real schema, with the OIDs, names and types PostgreSQL gives.

use super::*;
use rusqlite::Connection;

fn rows(conn: &Connection, sql: &str) -> Vec<Vec<String>> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    let n = stmt.column_count();
    let out = stmt
        .query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "NULL".to_string(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                })
                .collect())
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    out
}

fn relation(name: &str) -> String {
    let r = lookup(None, name).or_else(|| lookup(Some("information_schema"), name)).unwrap();
    let session = Session { user: "raftsql".into(), database: "db".into(), ..Session::default() };
    expand(format!("\"{}\"", placeholder(r)), || session)
}

/// A connection with raftsql's functions (`regexp`).
fn connection() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    crate::db::determinism::register_functions(&conn).unwrap();
    conn
}

fn schema() -> Connection {
    let conn = connection();
    conn.execute_batch(
        "CREATE TABLE __raftsql_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
         CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, price NUMERIC(10,2) DEFAULT 0);
         CREATE TABLE b (x INT4, y TEXT, a_id INT8 REFERENCES a (id) ON DELETE CASCADE, PRIMARY KEY (x, y), UNIQUE (y));
         CREATE INDEX b_a_idx ON b (a_id);
         CREATE VIEW v AS SELECT id FROM a;",
    )
    .unwrap();
    conn
}

#[test]
fn every_relation_runs_and_has_its_columns() {
    let conn = schema();
    for r in RELATIONS {
        let sql = format!("SELECT * FROM {}", relation(r.name));
        let stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{}: {e}\n{sql}", r.name));
        let names: Vec<&str> = stmt.column_names().collect();
        let expected: Vec<&str> = r.columns.iter().map(|(c, _)| *c).collect();
        assert_eq!(names, expected, "{}", r.name);
    }
}

#[test]
fn classes_indexes_attributes_and_constraints_of_a_schema() {
    let conn = schema();
    let classes =
        rows(&conn, &format!("SELECT relname, relkind, relhasindex FROM {} ORDER BY relname", relation("pg_class")));
    assert_eq!(
        classes,
        [
            ["a", "r", "1"],
            ["a_pkey", "i", "0"],
            ["b", "r", "1"],
            ["b_a_idx", "i", "0"],
            ["b_pkey", "i", "0"],
            ["b_y_key", "i", "0"],
            ["v", "v", "0"],
        ]
    );
    let attributes = rows(
        &conn,
        &format!(
            "SELECT attname, atttypid, atttypmod, attnotnull, atthasdef FROM {} a WHERE attrelid = \
             (SELECT oid FROM {} WHERE relname = 'a') ORDER BY attnum",
            relation("pg_attribute"),
            relation("pg_class")
        ),
    );
    assert_eq!(
        attributes,
        [["id", "20", "-1", "1", "0"], ["name", "1043", "24", "1", "0"], ["price", "1700", "655366", "0", "1"]]
    );
    let constraints = rows(
        &conn,
        &format!("SELECT conname, contype, conkey, confkey, confdeltype FROM {} ORDER BY 1", relation("pg_constraint")),
    );
    assert_eq!(
        constraints,
        [
            ["a_pkey", "p", "{1}", "NULL", " "],
            ["b_a_id_fkey", "f", "{3}", "{1}", "c"],
            ["b_pkey", "p", "{1,2}", "NULL", " "],
            ["b_y_key", "u", "{2}", "NULL", " "],
        ]
    );
    let columns = rows(
        &conn,
        &format!(
            "SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable \
             FROM {} WHERE table_name = 'a' ORDER BY ordinal_position",
            relation("columns")
        ),
    );
    assert_eq!(
        columns,
        [
            ["id", "bigint", "NULL", "64", "0", "NO"],
            ["name", "character varying", "20", "NULL", "NULL", "NO"],
            ["price", "numeric", "NULL", "10", "2", "YES"]
        ]
    );
    let defs = rows(
        &conn,
        &format!(
            "SELECT d.condef FROM {} d JOIN {} c ON c.oid = d.\"__raftsql_oid\" ORDER BY c.conname",
            relation("__raftsql_constraintdefs"),
            relation("pg_constraint")
        ),
    );
    assert_eq!(
        defs,
        [
            ["PRIMARY KEY (id)"],
            ["FOREIGN KEY (a_id) REFERENCES a(id) ON DELETE CASCADE"],
            ["PRIMARY KEY (x, y)"],
            ["UNIQUE (y)"]
        ]
    );
    let defs = rows(&conn, &format!("SELECT indexdef FROM {} ORDER BY 1", relation("__raftsql_indexdefs")));
    assert_eq!(
        defs,
        [
            ["CREATE INDEX b_a_idx ON public.b USING btree (a_id)"],
            ["CREATE UNIQUE INDEX a_pkey ON public.a USING btree (id)"],
            ["CREATE UNIQUE INDEX b_pkey ON public.b USING btree (x, y)"],
            ["CREATE UNIQUE INDEX b_y_key ON public.b USING btree (y)"],
        ]
    );
    // OIDs follow the objects: a table dropped and created again is a new object.
    let oid = |c: &Connection| rows(c, &format!("SELECT oid FROM {} WHERE relname = 'b'", relation("pg_class")));
    let before = oid(&conn);
    conn.execute_batch("ALTER TABLE b RENAME TO b2; ALTER TABLE b2 RENAME TO b;").unwrap();
    assert_eq!(oid(&conn), before);
    conn.execute_batch("DROP TABLE b; CREATE TABLE b (z INT);").unwrap();
    assert_ne!(oid(&conn), before);
}

#[test]
fn format_type_and_declared_types() {
    let conn = connection();
    let f = |oid: &str, typmod: &str| rows(&conn, &format!("SELECT {}", sql::format_type(oid, typmod)))[0][0].clone();
    assert_eq!(f("1043", "24"), "character varying(20)");
    assert_eq!(f("1700", "655366"), "numeric(10,2)");
    assert_eq!(f("1700", "-1"), "numeric");
    assert_eq!(f("23", "-1"), "integer");
    assert_eq!(f("18", "-1"), "\"char\"");
    assert_eq!(f("NULL", "-1"), "NULL");
    assert_eq!(f("99999", "-1"), "???");
    assert_eq!(sql::decl_oid("varchar(20)"), Some(1043));
    assert_eq!(sql::decl_oid("double  precision"), Some(701));
    assert_eq!(sql::decl_oid("geometry"), None);
}

#[test]
fn oid_columns_compare_with_quoted_numbers() {
    let conn = schema();
    let oid = rows(&conn, &format!("SELECT oid FROM {} WHERE relname = 'b'", relation("pg_class")))[0][0].clone();
    let found = rows(&conn, &format!("SELECT c.relname FROM {} c WHERE c.oid = '{oid}'", relation("pg_class")));
    assert_eq!(found, [["b"]]);
}
