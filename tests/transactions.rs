//! Interactive transactions through the query layer's Session, on a three-node cluster: results inside the
//! transaction (RETURNING, read-your-writes), isolation until COMMIT, ROLLBACK, the aborted state, concurrent
//! writers serialised exactly, and a leader change during a transaction.

mod common;

use std::sync::Arc;

use common::{int, TestCluster};
use raftsql::db::{Statement, Value};
use raftsql::error::{ClusterError, ExecError, SqlError};
use raftsql::query::{Session, TxnEnd, TxnStatus};

fn st(sql: &str) -> Statement {
    Statement::new(sql, vec![])
}

fn session(c: &TestCluster, id: u64) -> Session {
    Session::new(c.node(id).core().clone())
}

async fn setup(c: &TestCluster) {
    let l = c.leader().await;
    c.exec(l, "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").await.unwrap();
    c.exec(
        l,
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id), note TEXT)",
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returning_child_insert_isolation_and_commit() {
    let c = TestCluster::start(3).await;
    setup(&c).await;
    let f = c.follower().await;
    let mut s = session(&c, f);
    s.begin(false);
    let r = s.execute(st("INSERT INTO parent (name) VALUES ('p') RETURNING id")).await.unwrap();
    let Value::Integer(pid) = r.rows[0][0] else { panic!("id {r:?}") };
    s.execute(Statement::new("INSERT INTO child (parent_id, note) VALUES (?1, 'c')", vec![Value::Integer(pid)]))
        .await
        .unwrap();
    // Read-your-writes inside the transaction.
    let r = s.execute(st("SELECT count(*) FROM child")).await.unwrap();
    assert_eq!(int(&r), 1);
    assert_eq!(s.status(), TxnStatus::InTransaction);
    // Nothing visible to others before COMMIT, on any node.
    for id in 1..=3 {
        assert_eq!(int(&c.exec(id, "SELECT count(*) FROM parent").await.unwrap()), 0, "node {id}");
    }
    assert_eq!(s.commit().await.unwrap(), TxnEnd::Committed);
    for id in 1..=3 {
        assert_eq!(int(&c.exec(id, "SELECT count(*) FROM child").await.unwrap()), 1, "node {id}");
    }
    // Autocommit writes go on after the transaction released the gate.
    c.exec(f, "INSERT INTO parent (name) VALUES ('q')").await.unwrap();
    c.assert_identical(&[1, 2, 3]).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_and_aborted_state() {
    let c = TestCluster::start(3).await;
    setup(&c).await;
    let l = c.leader().await;
    let mut s = session(&c, l);
    s.begin(false);
    s.execute(st("INSERT INTO parent (id, name) VALUES (1, 'a')")).await.unwrap();
    assert_eq!(s.rollback().await.unwrap(), TxnEnd::RolledBack);
    assert_eq!(int(&c.exec(l, "SELECT count(*) FROM parent").await.unwrap()), 0);

    s.begin(false);
    s.execute(st("INSERT INTO parent (id, name) VALUES (1, 'a')")).await.unwrap();
    let dup = s.execute(st("INSERT INTO parent (id, name) VALUES (1, 'b')")).await.unwrap_err();
    assert!(matches!(dup, ExecError::Sql(SqlError { code: 1555, .. })), "{dup:?}");
    assert_eq!(s.status(), TxnStatus::Failed);
    let err = s.execute(st("SELECT 1")).await.unwrap_err();
    assert!(matches!(err, ExecError::Sql(SqlError { code: SqlError::TXN_FAILED, .. })), "{err:?}");
    assert_eq!(s.commit().await.unwrap(), TxnEnd::RolledBack);
    assert_eq!(s.status(), TxnStatus::Idle);
    assert_eq!(int(&c.exec(l, "SELECT count(*) FROM parent").await.unwrap()), 0);

    // ROLLBACK TO SAVEPOINT recovers from the aborted state.
    s.begin(false);
    s.execute(st("INSERT INTO parent (id, name) VALUES (1, 'a')")).await.unwrap();
    s.savepoint("sp").await.unwrap();
    assert!(s.execute(st("INSERT INTO parent (id, name) VALUES (1, 'dup')")).await.is_err());
    s.rollback_to("sp").await.unwrap();
    s.execute(st("INSERT INTO parent (id, name) VALUES (2, 'b')")).await.unwrap();
    assert_eq!(s.commit().await.unwrap(), TxnEnd::Committed);
    assert_eq!(c.local_rows(l, "SELECT id, name FROM parent ORDER BY id").await.len(), 2);
    c.assert_identical(&[1, 2, 3]).await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactional_increments_reach_the_exact_total() {
    let c = Arc::new(TestCluster::start(3).await);
    let l = c.leader().await;
    c.exec(l, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)").await.unwrap();
    c.exec(l, "INSERT INTO counter VALUES (1, 0)").await.unwrap();
    const CLIENTS: u64 = 8;
    const EACH: usize = 10;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = session(&c, 1 + i % 3);
            let mut retries = 0;
            for _ in 0..EACH {
                loop {
                    s.begin(false);
                    // Read, then write what was read + 1: a classic lost-update pattern.
                    let attempt = async {
                        let n = int(&s.execute(st("SELECT n FROM counter WHERE id = 1")).await?);
                        s.execute(Statement::new(
                            "UPDATE counter SET n = ?1 WHERE id = 1",
                            vec![Value::Integer(n + 1)],
                        ))
                        .await?;
                        s.commit().await
                    }
                    .await;
                    match attempt {
                        Ok(TxnEnd::Committed) => break,
                        Ok(TxnEnd::RolledBack) | Err(_) => {
                            let _ = s.rollback().await;
                            retries += 1;
                        }
                    }
                }
            }
            retries
        }));
    }
    let mut retries = 0;
    for t in tasks {
        retries += t.await.unwrap();
    }
    println!("8 clients x {EACH} transactional increments, {retries} serialization retries");
    for id in 1..=3 {
        assert_eq!(int(&c.exec(id, "SELECT n FROM counter").await.unwrap()), (CLIENTS as i64) * EACH as i64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_change_during_a_transaction_rolls_it_back_with_40001() {
    let mut c = TestCluster::start(3).await;
    setup(&c).await;
    let l = c.leader().await;
    let f = c.follower().await;
    let mut s = session(&c, f);
    s.begin(false);
    s.execute(st("INSERT INTO parent (id, name) VALUES (7, 'lost')")).await.unwrap();
    c.kill(l).await;
    let others: Vec<u64> = (1..=3).filter(|id| *id != l).collect();
    c.leader_among(&others).await;
    let err = match s.execute(st("INSERT INTO parent (id, name) VALUES (8, 'x')")).await {
        Err(e) => e,
        Ok(_) => s.commit().await.map(|_| ()).unwrap_err(),
    };
    let retryable = matches!(
        err,
        ExecError::Cluster(ClusterError::TransactionLost(_))
            | ExecError::Sql(SqlError { code: SqlError::TXN_NOT_OPEN, .. })
    );
    assert!(retryable, "expected a serialization failure, got {err:?}");
    let _ = s.rollback().await;
    // Nothing of the transaction survived, and the cluster takes writes again.
    assert_eq!(int(&c.exec(f, "SELECT count(*) FROM parent").await.unwrap()), 0);
    c.exec(f, "INSERT INTO parent (id, name) VALUES (9, 'after')").await.unwrap();
    c.spawn(l).await;
    c.assert_identical(&[1, 2, 3]).await;
    c.shutdown().await;
}
