//! Sequences on a SQLite connection with the meta table and the sequence functions, as on the writer.

use super::*;

fn conn() -> Connection {
    let c = Connection::open_in_memory().unwrap();
    c.execute_batch(&format!("CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value BLOB NOT NULL)")).unwrap();
    register(&c).unwrap();
    crate::db::serial_columns::register(&c).unwrap();
    c
}

fn edit(c: &Connection, edit: SequenceEdit) -> std::result::Result<(), String> {
    // Through JSON, as the log carries it.
    let sql = crate::db::schema_edit::statement(&[SchemaEdit::Sequence(edit)]);
    let edits = crate::db::schema_edit::parse(&sql).unwrap().unwrap();
    crate::db::schema_edit::apply(c, &edits).map_err(|e| e.to_string())
}

fn create(c: &Connection, name: &str, options: SequenceOptions) -> std::result::Result<(), String> {
    edit(c, SequenceEdit::Create { name: name.into(), if_not_exists: false, options })
}

fn query(c: &Connection, sql: &str) -> std::result::Result<String, String> {
    with_session(SessionSequences::default(), || c.query_row(sql, [], |r| r.get::<_, String>(0)))
        .map_err(|e| e.to_string())
}

#[test]
fn nextval_follows_the_options_and_stops_or_cycles_at_the_bounds() {
    let c = conn();
    let opts = SequenceOptions { start: Some(10), increment: Some(5), max: Some(Bound::To(20)), ..Default::default() };
    create(&c, "s", opts).unwrap();
    assert_eq!(query(&c, "SELECT nextval('s') || ',' || nextval('s') || ',' || nextval('s')").unwrap(), "10,15,20");
    let err = query(&c, "SELECT nextval('s') || ''").unwrap_err();
    assert!(err.contains("[2200H] nextval: reached maximum value of sequence \"s\" (20)"), "{err}");
    let opts = SequenceOptions {
        increment: Some(-1),
        min: Some(Bound::To(1)),
        max: Some(Bound::To(3)),
        cycle: Some(true),
        ..Default::default()
    };
    create(&c, "down", opts).unwrap();
    let four = "SELECT nextval('down') || ',' || nextval('down') || ',' || nextval('down') || ',' || nextval('down')";
    assert_eq!(query(&c, four).unwrap(), "3,2,1,3");
}

#[test]
fn options_are_checked_as_postgresql_checks_them() {
    let cases = [
        (SequenceOptions { increment: Some(0), ..Default::default() }, "[22023] INCREMENT must not be zero"),
        (
            SequenceOptions {
                data_type: Some("int4".into()),
                max: Some(Bound::To(3_000_000_000)),
                ..Default::default()
            },
            "[22023] MAXVALUE (3000000000) is out of range for sequence data type integer",
        ),
        (
            SequenceOptions { min: Some(Bound::To(5)), max: Some(Bound::To(5)), ..Default::default() },
            "[22023] MINVALUE (5) must be less than MAXVALUE (5)",
        ),
        (
            SequenceOptions { start: Some(0), ..Default::default() },
            "[22023] START value (0) cannot be less than MINVALUE (1)",
        ),
        (SequenceOptions { cache: Some(0), ..Default::default() }, "[22023] CACHE (0) must be greater than zero"),
        (
            SequenceOptions { data_type: Some("text".into()), ..Default::default() },
            "[22023] sequence type must be smallint, integer, or bigint",
        ),
    ];
    for (options, message) in cases {
        let err = configure(None, &options, 1).unwrap_err().to_string();
        assert!(err.contains(message), "{options:?}: {err}");
    }
    let down = configure(None, &SequenceOptions { increment: Some(-2), ..Default::default() }, 1).unwrap();
    assert_eq!((down.min, down.max, down.start), (i64::MIN, -1, -1));
}

#[test]
fn a_change_of_type_moves_the_bounds_that_were_the_old_types_limits() {
    let small = configure(None, &SequenceOptions { data_type: Some("int2".into()), ..Default::default() }, 1).unwrap();
    assert_eq!(small.max, 32767);
    let big = configure(Some(&small), &SequenceOptions { data_type: Some("int8".into()), ..Default::default() }, 1);
    assert_eq!(big.unwrap().max, i64::MAX);
    let capped = Sequence { max: 100, ..small };
    let big = configure(Some(&capped), &SequenceOptions { data_type: Some("int8".into()), ..Default::default() }, 1);
    assert_eq!(big.unwrap().max, 100);
}

#[test]
fn alter_restart_rename_and_drop() {
    let c = conn();
    create(&c, "s", SequenceOptions::default()).unwrap();
    assert_eq!(query(&c, "SELECT nextval('s') || ',' || nextval('s')").unwrap(), "1,2");
    let restart = SequenceOptions { restart: Some(Bound::To(7)), increment: Some(3), ..Default::default() };
    edit(&c, SequenceEdit::Alter { name: "s".into(), if_exists: false, options: restart, rename: Some("t".into()) })
        .unwrap();
    assert_eq!(query(&c, "SELECT nextval('t') || ',' || nextval('t')").unwrap(), "7,10");
    assert!(query(&c, "SELECT nextval('s') || ''").unwrap_err().contains("[42P01] relation \"s\" does not exist"));
    let err = create(&c, "t", SequenceOptions::default()).unwrap_err();
    assert!(err.contains("[42P07] relation \"t\" already exists"), "{err}");
    edit(&c, SequenceEdit::Drop { names: vec!["t".into()], if_exists: false, cascade: false }).unwrap();
    let err = edit(&c, SequenceEdit::Drop { names: vec!["t".into()], if_exists: false, cascade: false }).unwrap_err();
    assert!(err.contains("[42P01] sequence \"t\" does not exist"), "{err}");
    edit(&c, SequenceEdit::Drop { names: vec!["t".into()], if_exists: true, cascade: false }).unwrap();
}

#[test]
fn a_sequence_a_default_calls_is_dropped_only_with_cascade() {
    let c = conn();
    create(&c, "s", SequenceOptions::default()).unwrap();
    c.execute_batch("CREATE TABLE t (id INT DEFAULT (nextval('s')), v TEXT)").unwrap();
    let drop = |cascade| SequenceEdit::Drop { names: vec!["s".into()], if_exists: false, cascade };
    let err = edit(&c, drop(false)).unwrap_err();
    assert!(err.contains("[2BP01] cannot drop sequence s because other objects depend on it"), "{err}");
    edit(&c, drop(true)).unwrap();
    let default: Option<String> =
        c.query_row("SELECT dflt_value FROM pragma_table_info('t') WHERE name = 'id'", [], |r| r.get(0)).unwrap();
    assert_eq!(default, None);
    assert_eq!(called_sequences("coalesce(nextval('a''b'), NEXTVAL( 'c'))"), vec!["a'b", "c"]);
}

#[test]
fn a_serial_columns_sequence_is_the_tables_counter() {
    let c = conn();
    let marker = crate::db::serial_columns::marker(crate::db::serial_columns::SerialKind::Serial, "int4", "id");
    c.execute_batch(&format!(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT {marker}, v TEXT); INSERT INTO t (v) VALUES ('a');"
    ))
    .unwrap();
    assert_eq!(query(&c, "SELECT nextval('t_id_seq') || ''").unwrap(), "2");
    c.execute_batch("INSERT INTO t (v) VALUES ('b')").unwrap();
    assert_eq!(query(&c, "SELECT max(id) || '' FROM t").unwrap(), "3");
    query(&c, "SELECT setval('t_id_seq', 100) || ''").unwrap();
    c.execute_batch("INSERT INTO t (v) VALUES ('c')").unwrap();
    assert_eq!(query(&c, "SELECT max(id) || '' FROM t").unwrap(), "101");
    let err = query(&c, "SELECT setval('t_id_seq', 2147483648) || ''").unwrap_err();
    assert!(err.contains("[22003] setval: value 2147483648 is out of bounds for sequence \"t_id_seq\" (1..2147483647)"));
    let err = edit(&c, SequenceEdit::Drop { names: vec!["t_id_seq".into()], if_exists: false, cascade: false });
    assert!(err.unwrap_err().contains("[2BP01]"));
}

#[test]
fn currval_and_lastval_answer_from_the_values_the_statement_carries() {
    let c = conn();
    create(&c, "s", SequenceOptions::default()).unwrap();
    let err = query(&c, "SELECT currval('s') || ''").unwrap_err();
    assert!(err.contains("[55000] currval of sequence \"s\" is not yet defined in this session"), "{err}");
    assert!(query(&c, "SELECT lastval() || ''").unwrap_err().contains("[55000] lastval is not yet defined"));
    // The statement's own nextval first.
    assert_eq!(query(&c, "SELECT nextval('s') || ',' || currval('s') || ',' || lastval()").unwrap(), "1,1,1");
    let used = take_used();
    assert_eq!(used, vec![SequenceUse { name: "s".into(), value: 1, by_nextval: true }]);
    let mut session = SessionSequences::default();
    session.remember(&used);
    let marked = mark(&session, "SELECT currval('s') || ',' || lastval()");
    assert_eq!(mark(&session, "SELECT 1"), "SELECT 1");
    let (carried, sql) = split_statement(&marked);
    assert_eq!(carried, session);
    let answer = with_session(carried, || c.query_row(sql, [], |r| r.get::<_, String>(0))).unwrap();
    assert_eq!(answer, "1,1");
    // A name that could end the comment travels in hex.
    session.remember(&[SequenceUse { name: "a */ b".into(), value: 9, by_nextval: true }]);
    assert_eq!(split_statement(&mark(&session, "SELECT lastval()")).0, session);
}

#[test]
fn names_are_read_as_postgresql_reads_regclass_text() {
    assert_eq!(relation_name("Seq").unwrap(), "seq");
    assert_eq!(relation_name("\"Se\"\"q\"").unwrap(), "Se\"q");
    assert_eq!(relation_name(" public . s ").unwrap(), "s");
    assert!(relation_name("other.s").unwrap_err().to_string().contains("[3F000] schema \"other\" does not exist"));
    assert!(relation_name("s.").unwrap_err().to_string().contains("[42602] invalid name syntax"));
    assert!(relation_name("a.b.c").unwrap_err().to_string().contains("[0A000]"));
}

#[test]
fn a_sequence_owned_by_a_column_goes_with_its_table_not_with_a_rename() {
    let c = conn();
    c.execute_batch("CREATE TABLE t (id INT8, v TEXT)").unwrap();
    let owned = |table: &str, column: &str| SequenceOptions {
        owned_by: Some(OwnedBy::Column { table: table.into(), column: column.into() }),
        ..Default::default()
    };
    let err = create(&c, "s", owned("nope", "id")).unwrap_err();
    assert!(err.contains("[42P01] relation \"nope\" does not exist"), "{err}");
    let err = create(&c, "s", owned("t", "nope")).unwrap_err();
    assert!(err.contains("[42703] column \"nope\" of relation \"t\" does not exist"), "{err}");
    create(&c, "s", owned("t", "id")).unwrap();
    create(&c, "free", SequenceOptions::default()).unwrap();
    c.execute_batch("ALTER TABLE t RENAME TO u").unwrap();
    drop_orphans(&c).unwrap();
    assert!(load(&c, "s").unwrap().is_some(), "a renamed table keeps its sequence");
    c.execute_batch("DROP TABLE u").unwrap();
    drop_orphans(&c).unwrap();
    assert!(load(&c, "s").unwrap().is_none(), "the sequence goes with its table");
    assert!(load(&c, "free").unwrap().is_some(), "a sequence nobody owns stays");
}
