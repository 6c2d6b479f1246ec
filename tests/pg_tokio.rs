//! tokio-postgres against a three-node cluster of real processes: extended protocol with typed parameters
//! and binary results for every supported type, prepared statements reused, row limits (portals),
//! interactive transactions, and exact SQLSTATE codes, through a follower and through the leader.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::procs::ProcCluster;
use tokio_postgres::error::SqlState;

fn code(e: &tokio_postgres::Error) -> SqlState {
    e.code().cloned().unwrap_or_else(|| panic!("no SQLSTATE in {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_postgres_types_transactions_and_errors() {
    let c = ProcCluster::start(3).await;
    let f = c.follower().await;
    let leader = c.leader().await;
    let db = c.pg_client(f).await;

    db.batch_execute(
        "CREATE TABLE every (id SERIAL PRIMARY KEY, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION, \
         ok BOOLEAN, t TEXT, v VARCHAR(10), b BYTEA, ts TIMESTAMP, tz TIMESTAMPTZ, n NUMERIC, d DATE, j JSONB, u UUID)",
    )
    .await
    .unwrap();

    // Typed parameters (types inferred from the columns they are inserted into) and binary results.
    let when = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
    let insert = db
        .prepare("INSERT INTO every (i2, i4, i8, f4, f8, ok, t, v, b, ts, tz) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .await
        .unwrap();
    let row = db
        .query_one(
            &insert,
            &[
                &7i16,
                &-42i32,
                &(1i64 << 40),
                &1.5f32,
                &2.25f64,
                &true,
                &"héllo",
                &"short",
                &vec![0u8, 1, 255],
                &when,
                &when,
            ],
        )
        .await
        .unwrap();
    let id: i32 = row.get(0); // serial is integer, as in PostgreSQL
    let row =
        db.query_one("SELECT i2, i4, i8, f4, f8, ok, t, v, b, ts, tz FROM every WHERE id = $1", &[&id]).await.unwrap();
    assert_eq!(row.get::<_, i16>(0), 7);
    assert_eq!(row.get::<_, i32>(1), -42);
    assert_eq!(row.get::<_, i64>(2), 1 << 40);
    assert_eq!(row.get::<_, f32>(3), 1.5);
    assert_eq!(row.get::<_, f64>(4), 2.25);
    assert!(row.get::<_, bool>(5));
    assert_eq!(row.get::<_, &str>(6), "héllo");
    assert_eq!(row.get::<_, &str>(7), "short");
    assert_eq!(row.get::<_, Vec<u8>>(8), vec![0u8, 1, 255]);
    assert_eq!(row.get::<_, SystemTime>(9), when);
    assert_eq!(row.get::<_, SystemTime>(10), when);

    // NULLs through Option, both ways.
    db.execute("INSERT INTO every (i4, t) VALUES ($1, $2)", &[&None::<i32>, &None::<&str>]).await.unwrap();
    let nulls = db.query_one("SELECT count(*) FROM every WHERE i4 IS NULL AND t IS NULL", &[]).await.unwrap();
    assert_eq!(nulls.get::<_, i64>(0), 1);

    // Text formats of the other types, through the simple protocol.
    db.batch_execute("UPDATE every SET n = 12.5, d = '2024-02-29', j = '{\"a\": 1}', u = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' WHERE id = 1").await.unwrap();
    let text = db.simple_query("SELECT n, d, j, u, ok, b FROM every WHERE id = 1").await.unwrap();
    let tokio_postgres::SimpleQueryMessage::Row(r) = &text[1] else { panic!("{text:?}") };
    assert_eq!(r.get(0), Some("12.5"));
    assert_eq!(r.get(1), Some("2024-02-29"));
    assert_eq!(r.get(2), Some("{\"a\": 1}"));
    assert_eq!(r.get(3), Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
    assert_eq!(r.get(4), Some("t"));
    assert_eq!(r.get(5), Some("\\x0001ff"));

    // A prepared statement reused with different parameters; parameter types from comparison and LIMIT.
    let select = db.prepare("SELECT id, t FROM every WHERE i4 > $1 ORDER BY id LIMIT $2").await.unwrap();
    for i in 0..5i32 {
        db.execute("INSERT INTO every (i4, t) VALUES ($1, $2)", &[&(100 + i), &format!("r{i}")]).await.unwrap();
    }
    assert_eq!(db.query(&select, &[&100i32, &10i64]).await.unwrap().len(), 4);
    assert_eq!(db.query(&select, &[&0i32, &2i64]).await.unwrap().len(), 2);
    let count: i64 = db.query_one("SELECT count(*) FROM every", &[]).await.unwrap().get(0);
    assert_eq!(count, 7);

    // Row limits: a portal read 2 rows at a time.
    let mut db = db;
    {
        let tx = db.transaction().await.unwrap();
        let portal = tx.bind("SELECT id FROM every ORDER BY id", &[]).await.unwrap();
        let mut seen = 0;
        loop {
            let rows = tx.query_portal(&portal, 2).await.unwrap();
            seen += rows.len();
            if rows.len() < 2 {
                break;
            }
        }
        assert_eq!(seen, 7);
        tx.commit().await.unwrap();
    }

    // Interactive transaction: RETURNING feeds the next statement; nothing visible elsewhere before COMMIT.
    db.batch_execute("CREATE TABLE parent (id SERIAL PRIMARY KEY, name TEXT); CREATE TABLE child (id SERIAL PRIMARY KEY, parent_id BIGINT REFERENCES parent(id), note TEXT)").await.unwrap();
    let other = c.pg_client(leader).await;
    {
        let tx = db.transaction().await.unwrap();
        let pid: i32 =
            tx.query_one("INSERT INTO parent (name) VALUES ($1) RETURNING id", &[&"p"]).await.unwrap().get(0);
        let pid = i64::from(pid);
        tx.execute("INSERT INTO child (parent_id, note) VALUES ($1, $2)", &[&pid, &"c"]).await.unwrap();
        let mine: i64 = tx.query_one("SELECT count(*) FROM child WHERE parent_id = $1", &[&pid]).await.unwrap().get(0);
        assert_eq!(mine, 1, "read-your-writes");
        let theirs: i64 = other.query_one("SELECT count(*) FROM child", &[]).await.unwrap().get(0);
        assert_eq!(theirs, 0, "not visible before commit");
        tx.commit().await.unwrap();
    }
    let theirs: i64 = other.query_one("SELECT count(*) FROM child", &[]).await.unwrap().get(0);
    assert_eq!(theirs, 1);
    {
        let tx = db.transaction().await.unwrap();
        tx.execute("INSERT INTO parent (name) VALUES ('gone')", &[]).await.unwrap();
        tx.rollback().await.unwrap();
    }
    let parents: i64 = other.query_one("SELECT count(*) FROM parent", &[]).await.unwrap().get(0);
    assert_eq!(parents, 1);

    // Aborted transaction: 25P02 until ROLLBACK; COMMIT then rolls back.
    {
        let tx = db.transaction().await.unwrap();
        tx.execute("INSERT INTO parent (id, name) VALUES (100, 'x')", &[]).await.unwrap();
        let dup = tx.execute("INSERT INTO parent (id, name) VALUES (100, 'y')", &[]).await.unwrap_err();
        assert_eq!(code(&dup), SqlState::UNIQUE_VIOLATION);
        let aborted = tx.execute("SELECT 1", &[]).await.unwrap_err();
        assert_eq!(code(&aborted), SqlState::IN_FAILED_SQL_TRANSACTION);
        // As in PostgreSQL, COMMIT of an aborted transaction succeeds with the tag ROLLBACK.
        tx.commit().await.unwrap();
    }
    let parents: i64 = other.query_one("SELECT count(*) FROM parent", &[]).await.unwrap().get(0);
    assert_eq!(parents, 1);

    // SQLSTATE codes.
    assert_eq!(code(&db.execute("SELECT * FROM missing", &[]).await.unwrap_err()), SqlState::UNDEFINED_TABLE);
    assert_eq!(code(&db.execute("SELECT nope FROM parent", &[]).await.unwrap_err()), SqlState::UNDEFINED_COLUMN);
    assert_eq!(code(&db.batch_execute("SELEC 1").await.unwrap_err()), SqlState::SYNTAX_ERROR);
    assert_eq!(code(&db.batch_execute("CREATE TABLE parent (x INT)").await.unwrap_err()), SqlState::DUPLICATE_TABLE);
    assert_eq!(
        code(&db.execute("INSERT INTO child (parent_id) VALUES (999)", &[]).await.unwrap_err()),
        SqlState::FOREIGN_KEY_VIOLATION
    );
    assert_eq!(
        code(&db.batch_execute("CREATE TABLE nn (a TEXT NOT NULL); INSERT INTO nn VALUES (NULL)").await.unwrap_err()),
        SqlState::NOT_NULL_VIOLATION
    );
    assert_eq!(
        code(&db.batch_execute("CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql").await.unwrap_err()),
        SqlState::FEATURE_NOT_SUPPORTED
    );
    assert_eq!(code(&db.execute("SELECT 1 / 0", &[]).await.unwrap_err()), SqlState::DIVISION_BY_ZERO);
    let row = db.query_one("SELECT 7 / 2, 7 % 3, 7.0 / 2, count(*) FROM parent", &[]).await.unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1), row.get::<_, i64>(3)), (3, 1, 1));
    let names: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
    assert_eq!(names, vec!["?column?", "?column?", "?column?", "count"]);
    // The connection is still usable after every error.
    let one: i32 = db.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}
