//! Three real nodes over TCP: writes through any node reach every replica; rows written with random() and
//! the current time are identical everywhere; SQL errors come back as data and change nothing.

mod common;

use common::{int, stmt, TestCluster};
use raftsql::db::Value;
use raftsql::error::{ExecError, SqlError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_through_any_node_is_read_identically_everywhere() {
    let c = TestCluster::start(3).await;
    let leader = c.leader().await;
    c.exec(leader, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL)").await.unwrap();
    for id in 1..=3u64 {
        let r = c
            .exec_params(
                id,
                "INSERT INTO kv (k, v) VALUES (?1, ?2)",
                vec![Value::Integer(id as i64), Value::Text(format!("from node {id}"))],
            )
            .await
            .unwrap();
        assert_eq!(r.rows_affected, 1);
    }
    // A linearizable read on every node sees all three rows, in the same form.
    for id in 1..=3u64 {
        let r = c.exec(id, "SELECT k, v FROM kv ORDER BY k").await.unwrap();
        assert_eq!(
            r.rows,
            (1..=3).map(|k| vec![Value::Integer(k), Value::Text(format!("from node {k}"))]).collect::<Vec<_>>(),
            "rows on node {id}"
        );
        assert_eq!(r.columns[0].decl_type.as_deref(), Some("INTEGER"));
        assert_eq!(r.columns[1].name, "v");
    }
    c.assert_identical(&[1, 2, 3]).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_errors_are_data_and_entries_are_atomic() {
    let c = TestCluster::start(3).await;
    let f = c.follower().await;
    c.exec(f, "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)").await.unwrap();
    c.exec(f, "INSERT INTO u VALUES (1, 'a@x')").await.unwrap();
    match c.exec(f, "INSERT INTO u VALUES (2, 'a@x')").await {
        Err(ExecError::Sql(SqlError { code, .. })) => {
            assert_eq!(code, 2067, "SQLITE_CONSTRAINT_UNIQUE")
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    // A multi-statement entry whose second statement fails leaves nothing behind.
    let err = c
        .node(f)
        .write(vec![stmt("INSERT INTO u VALUES (3, 'c@x')"), stmt("INSERT INTO u VALUES (4, NULL)")])
        .await
        .unwrap_err();
    match err {
        ExecError::Sql(e) => {
            assert_eq!(e.code, 1299, "SQLITE_CONSTRAINT_NOTNULL");
            assert_eq!(e.statement_index, 1);
        }
        other => panic!("expected a NOT NULL violation, got {other:?}"),
    }
    // Transaction control and raftsql's own tables are refused inside entries.
    assert!(matches!(c.node(f).write(vec![stmt("BEGIN")]).await, Err(ExecError::Sql(_))));
    assert!(matches!(c.node(f).write(vec![stmt("DELETE FROM __raftsql_meta")]).await, Err(ExecError::Sql(_))));
    assert!(matches!(c.exec(f, "SELEC 1").await, Err(ExecError::Sql(SqlError { code: 1, .. }))));
    for id in 1..=3 {
        assert_eq!(int(&c.exec(id, "SELECT count(*) FROM u").await.unwrap()), 1, "node {id}");
    }
    c.assert_identical(&[1, 2, 3]).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_time_are_identical_on_every_node() {
    let c = TestCluster::start(3).await;
    let f = c.follower().await;
    c.exec(
        f,
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, r INTEGER, b BLOB, u TEXT, at TEXT DEFAULT CURRENT_TIMESTAMP, \
         t1 TEXT, t2 TEXT, t3 REAL)",
    )
    .await
    .unwrap();
    for _ in 0..20 {
        c.exec(
            f,
            "INSERT INTO ev (r, b, u, t1, t2, t3) VALUES (random(), randomblob(16), gen_random_uuid(), \
             datetime('now'), now(), julianday('now'))",
        )
        .await
        .unwrap();
    }
    c.converge(&[1, 2, 3]).await;
    let rows = c.local_rows(1, "SELECT * FROM ev ORDER BY id").await;
    assert_eq!(rows.len(), 20);
    // Values really are random: no two rows share the random number.
    let mut randoms: Vec<String> = rows.iter().map(|r| format!("{:?}", r[1])).collect();
    randoms.sort();
    randoms.dedup();
    assert_eq!(randoms.len(), 20);
    // And the timestamps are the leader's clock, not zero.
    let Value::Text(at) = &rows[0][4] else { panic!("timestamp") };
    assert!(at.starts_with("20"), "timestamp {at}");
    for id in [2, 3] {
        assert_eq!(c.local_rows(id, "SELECT * FROM ev ORDER BY id").await, rows, "node {id}");
    }
    c.shutdown().await;
}
