//! Timeouts and cancellation with tokio-postgres: statement_timeout and CancelRequest stop a long read
//! (57014) and leave the connection usable; lock_timeout gives 55P03 while another transaction holds the
//! write gate; idle_in_transaction_session_timeout rolls an idle transaction back and frees the gate.

mod common;

use std::time::{Duration, Instant};

use common::procs::ProcCluster;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

/// A read that runs for minutes unless interrupted.
const LONG: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_cancel_lock_timeout_and_idle_transactions() {
    let c = ProcCluster::start(1).await;
    let db = c.pg_client(1).await;

    db.batch_execute("SET statement_timeout = '300ms'").await.unwrap();
    let started = Instant::now();
    let e = db.query(LONG, &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    db.batch_execute("RESET statement_timeout").await.unwrap();
    let one: i32 = db.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);

    // CancelRequest from another connection, sent again until the running query has been cancelled (a
    // request that arrives before the query starts finds nothing to cancel).
    let token = db.cancel_token();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let canceller = {
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                token.cancel_query(NoTls).await.unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await; // retry interval
            }
        })
    };
    let e = db.simple_query(LONG).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    canceller.await.unwrap();
    let one: i32 = db.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);

    // lock_timeout: a second writer waits for the first transaction's write gate, then gives up.
    db.batch_execute("CREATE TABLE g (id INTEGER PRIMARY KEY)").await.unwrap();
    let holder = c.pg_client(1).await;
    holder.batch_execute("BEGIN; INSERT INTO g VALUES (1)").await.unwrap();
    db.batch_execute("SET lock_timeout = '300ms'").await.unwrap();
    let e = db.batch_execute("BEGIN; INSERT INTO g VALUES (2)").await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{e:?}");
    db.batch_execute("ROLLBACK").await.unwrap();
    holder.batch_execute("COMMIT").await.unwrap();
    db.batch_execute("BEGIN; INSERT INTO g VALUES (2); COMMIT").await.unwrap();

    // idle_in_transaction_session_timeout: an idle writer loses its transaction and the gate is free again.
    holder.batch_execute("SET idle_in_transaction_session_timeout = '500ms'").await.unwrap();
    holder.batch_execute("BEGIN; INSERT INTO g VALUES (3)").await.unwrap();
    db.batch_execute("SET lock_timeout = '10s'").await.unwrap();
    let started = Instant::now();
    db.batch_execute("BEGIN; INSERT INTO g VALUES (4); COMMIT").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(8), "gate freed by the idle timeout");
    let e = holder.batch_execute("INSERT INTO g VALUES (5)").await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::T_R_SERIALIZATION_FAILURE), "{e:?}");
    holder.batch_execute("ROLLBACK").await.unwrap();
    let ids: Vec<i32> = db.query("SELECT id FROM g ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![1, 2, 4]);

    // The other local reads stop too: inside a transaction's snapshot, and on the cluster view.
    db.batch_execute("SET statement_timeout = '300ms'").await.unwrap();
    db.batch_execute("BEGIN").await.unwrap();
    let started = Instant::now();
    let e = db.query(LONG, &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    db.batch_execute("ROLLBACK").await.unwrap();
    let on_view =
        "SELECT count(*) FROM raftsql_nodes, (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                   WHERE x < 2000000000) SELECT x FROM c) AS s";
    let started = Instant::now();
    let e = db.query(on_view, &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let one: i32 = db.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}
