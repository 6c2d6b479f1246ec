//! Schema edits on a SQLite connection set up like the writer's (foreign keys on, defensive mode).

use super::*;

fn conn() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.pragma_update(None, "foreign_keys", "ON").unwrap();
    c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true).unwrap();
    crate::db::numeric_functions::register(&c).unwrap();
    c.execute_batch(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE c (id INT8 NOT NULL, p_id INT8, qty INT4 DEFAULT 1, note TEXT, PRIMARY KEY (id));
         INSERT INTO p VALUES (1, 'a'), (2, 'b');
         INSERT INTO c VALUES (10, 1, 5, 'x'), (11, 2, 0, NULL);",
    )
    .unwrap();
    c
}

fn run(c: &Connection, edit: SchemaEdit) -> Result<(), String> {
    let sql = statement(std::slice::from_ref(&edit));
    let edits = parse(&sql).unwrap().unwrap();
    assert_eq!(edits, vec![edit]);
    c.execute_batch("SAVEPOINT s").unwrap();
    let r = apply(c, &edits).map_err(|e| e.to_string());
    if r.is_err() {
        c.execute_batch("ROLLBACK TO s").unwrap();
    }
    c.execute_batch("RELEASE s").unwrap();
    r
}

fn table_sql(c: &Connection, t: &str) -> String {
    c.query_row("SELECT sql FROM sqlite_schema WHERE name = ?1", [t], |r| r.get(0)).unwrap()
}

#[test]
fn adds_and_drops_checks_and_foreign_keys_checking_existing_rows() {
    let c = conn();
    let check = |name: &str, expr: &str| SchemaEdit::AddConstraint {
        table: "c".into(),
        name: name.into(),
        constraint: format!("CONSTRAINT \"{name}\" CHECK ({expr})"),
    };
    let err = run(&c, check("qty_positive", "qty > 0")).unwrap_err();
    assert!(
        err.contains("[23514] check constraint \"qty_positive\" of relation \"c\" is violated by some row"),
        "{err}"
    );
    assert!(!table_sql(&c, "c").contains("qty_positive"));
    run(&c, check("qty_nonneg", "qty >= 0")).unwrap();
    assert!(c.execute_batch("INSERT INTO c VALUES (12, 1, -1, NULL)").unwrap_err().to_string().contains("CHECK"));
    let fk = SchemaEdit::AddConstraint {
        table: "c".into(),
        name: "c_p_fk".into(),
        constraint: "CONSTRAINT \"c_p_fk\" FOREIGN KEY (p_id) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED".into(),
    };
    run(&c, fk.clone()).unwrap();
    c.execute_batch("BEGIN; INSERT INTO c VALUES (13, 99, 1, NULL);").unwrap();
    assert!(c.execute_batch("COMMIT").unwrap_err().to_string().contains("FOREIGN KEY"));
    c.execute_batch("ROLLBACK").unwrap();
    // Dropping it by name; dropping it again fails, or not with IF EXISTS.
    run(&c, SchemaEdit::DropConstraint { table: "c".into(), name: "c_p_fk".into(), if_exists: false }).unwrap();
    c.execute_batch("INSERT INTO c VALUES (13, 99, 1, NULL)").unwrap();
    let err = run(&c, SchemaEdit::DropConstraint { table: "c".into(), name: "c_p_fk".into(), if_exists: false });
    assert!(err.unwrap_err().contains("[42704] constraint \"c_p_fk\" of relation \"c\" does not exist"));
    run(&c, SchemaEdit::DropConstraint { table: "c".into(), name: "c_p_fk".into(), if_exists: true }).unwrap();
    // With the orphan row there, the key cannot come back.
    assert!(run(&c, fk).unwrap_err().contains("[23503]"));
    // The rows are still all there: nothing was dropped or copied.
    let n: i64 = c.query_row("SELECT count(*) FROM c", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn edits_defaults_not_null_and_types() {
    let c = conn();
    let t = || "c".to_string();
    run(&c, SchemaEdit::SetDefault { table: t(), column: "note".into(), default: Some("'none'".into()) }).unwrap();
    run(&c, SchemaEdit::SetDefault { table: t(), column: "qty".into(), default: None }).unwrap();
    c.execute_batch("INSERT INTO c (id, p_id) VALUES (20, 1)").unwrap();
    let (qty, note): (Option<i64>, String) =
        c.query_row("SELECT qty, note FROM c WHERE id = 20", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((qty, note.as_str()), (None, "none"));
    let err = run(&c, SchemaEdit::SetNotNull { table: t(), column: "qty".into(), not_null: true }).unwrap_err();
    assert!(err.contains("[23502] column \"qty\" of relation \"c\" contains null values"), "{err}");
    c.execute_batch("UPDATE c SET qty = 0 WHERE qty IS NULL").unwrap();
    run(&c, SchemaEdit::SetNotNull { table: t(), column: "qty".into(), not_null: true }).unwrap();
    assert!(c.execute_batch("UPDATE c SET qty = NULL").unwrap_err().to_string().contains("NOT NULL"));
    run(&c, SchemaEdit::SetNotNull { table: t(), column: "qty".into(), not_null: false }).unwrap();
    c.execute_batch("UPDATE c SET qty = NULL WHERE id = 20").unwrap();
    let err = run(&c, SchemaEdit::SetNotNull { table: t(), column: "id".into(), not_null: false }).unwrap_err();
    assert!(err.contains("[42P16]"), "{err}");
    // Types: text digits become integers; text that is not a number is refused.
    c.execute_batch("CREATE INDEX c_note ON c (note); UPDATE c SET note = '42' WHERE id = 10").unwrap();
    let to_int = || SchemaEdit::SetType {
        table: t(),
        column: "note".into(),
        decl: "INT8".into(),
        collation: None,
        using: "\"note\"".into(),
    };
    assert!(run(&c, to_int()).unwrap_err().contains("[22P02] invalid input syntax for type integer: \"none\""));
    c.execute_batch("UPDATE c SET note = NULL WHERE id <> 10").unwrap();
    run(&c, to_int()).unwrap();
    let class: String = c.query_row("SELECT typeof(note) FROM c WHERE id = 10", [], |r| r.get(0)).unwrap();
    assert_eq!(class, "integer");
    assert!(table_sql(&c, "c").contains("note INT8"), "{}", table_sql(&c, "c"));
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
}

#[test]
fn add_and_drop_columns_if_they_do_or_do_not_exist() {
    let c = conn();
    let add = || SchemaEdit::AddColumnIfNotExists {
        table: "p".into(),
        column: "extra".into(),
        definition: "extra TEXT DEFAULT 'e'".into(),
        then: Vec::new(),
    };
    run(&c, add()).unwrap();
    run(&c, add()).unwrap();
    run(&c, SchemaEdit::DropColumnIfExists { table: "p".into(), column: "extra".into() }).unwrap();
    run(&c, SchemaEdit::DropColumnIfExists { table: "p".into(), column: "extra".into() }).unwrap();
    assert!(!table_sql(&c, "p").contains("extra"));
    let err = run(&c, SchemaEdit::DropColumnIfExists { table: "nope".into(), column: "x".into() }).unwrap_err();
    assert!(err.contains("[42P01]"), "{err}");
    // Plain SQL edits run as they are.
    run(&c, SchemaEdit::Sql("ALTER TABLE p ADD COLUMN z INT4".into())).unwrap();
    assert!(table_sql(&c, "p").contains("z INT4"));
}

#[test]
fn an_edit_sqlite_could_not_read_back_fails_and_leaves_the_table_usable() {
    let c = conn();
    // A function call as a default needs parentheses in SQLite's schema text: written without them, the schema
    // reload after the edit failed as corruption, which stops every node.
    let lower = SchemaEdit::SetDefault { table: "c".into(), column: "note".into(), default: Some("lower('X')".into()) };
    run(&c, lower).unwrap();
    c.execute_batch("INSERT INTO c (id, p_id) VALUES (20, 1)").unwrap();
    let note: String = c.query_row("SELECT note FROM c WHERE id = 20", [], |r| r.get(0)).unwrap();
    assert_eq!(note, "x");
    // A default SQLite refuses (not constant) is the statement's error; the schema stays as it was.
    let before = table_sql(&c, "c");
    let subquery =
        SchemaEdit::SetDefault { table: "c".into(), column: "qty".into(), default: Some("(SELECT 1)".into()) };
    let err = run(&c, subquery).unwrap_err();
    assert!(err.contains("[0A000] raftsql cannot keep this table definition"), "{err}");
    assert_eq!(table_sql(&c, "c"), before);
    c.execute_batch("INSERT INTO c (id, p_id) VALUES (21, 1)").unwrap();
}
