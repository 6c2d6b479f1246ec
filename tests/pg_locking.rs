//! Row locks as applications use them, through a three-process cluster: `SELECT ... FOR UPDATE` inside a
//! transaction takes the write gate at that statement, so a read-modify-write never fails with 40001 however
//! many clients race; `NOWAIT` fails at once with 55P03 while another transaction holds it, a plain
//! `FOR UPDATE` waits up to `lock_timeout`; `SKIP LOCKED` returns the rows; outside a transaction a locking
//! SELECT is a read. `LOCK TABLE` takes the gate too.

mod common;

use std::time::{Duration, Instant};

use common::procs::ProcCluster;
use tokio_postgres::Client;

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| e.to_string())
}

async fn counter(c: &Client) -> i64 {
    c.query_one("SELECT v FROM counter WHERE id = 1", &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn for_update_takes_the_write_gate() {
    let cluster = ProcCluster::start(3).await;
    let (leader, follower) = (cluster.leader().await, cluster.follower().await);
    let a = cluster.pg_client(follower).await;
    let b = cluster.pg_client(leader).await;
    a.batch_execute("CREATE TABLE counter (id int PRIMARY KEY, v bigint); INSERT INTO counter VALUES (1, 0), (2, 0)")
        .await
        .unwrap();

    // A holds the gate from its FOR UPDATE on; B's NOWAIT fails at once, B's plain FOR UPDATE after lock_timeout.
    a.batch_execute("BEGIN").await.unwrap();
    let rows = a.query("SELECT v FROM counter WHERE id = 1 FOR UPDATE", &[]).await.unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 0);
    b.batch_execute("BEGIN").await.unwrap();
    let started = Instant::now();
    let err = b.query("SELECT v FROM counter WHERE id = 2 FOR UPDATE NOWAIT", &[]).await.unwrap_err();
    assert_eq!(code(&err), "55P03");
    assert!(started.elapsed() < Duration::from_secs(2), "NOWAIT waited {:?}", started.elapsed());
    b.batch_execute("ROLLBACK; BEGIN; SET LOCAL lock_timeout = '300ms'").await.unwrap();
    let started = Instant::now();
    let err = b.query("SELECT v FROM counter FOR UPDATE", &[]).await.unwrap_err();
    assert_eq!(code(&err), "55P03");
    assert!(started.elapsed() >= Duration::from_millis(250), "gave up after {:?}", started.elapsed());
    b.batch_execute("ROLLBACK").await.unwrap();
    // Outside a transaction a locking read does not wait for the gate.
    assert_eq!(b.query("SELECT v FROM counter WHERE id = 1 FOR UPDATE NOWAIT", &[]).await.unwrap().len(), 1);
    a.execute("UPDATE counter SET v = 1 WHERE id = 1", &[]).await.unwrap();
    a.batch_execute("COMMIT").await.unwrap();
    assert_eq!(counter(&b).await, 1);
    // Once the gate is free, SKIP LOCKED skips nothing.
    b.batch_execute("BEGIN").await.unwrap();
    let rows = b.query("SELECT id FROM counter ORDER BY id FOR UPDATE SKIP LOCKED", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    b.batch_execute("COMMIT").await.unwrap();

    // LOCK TABLE: only in a transaction; takes the gate like FOR UPDATE.
    let err = b.batch_execute("LOCK TABLE counter").await.unwrap_err();
    assert_eq!(code(&err), "25P01");
    a.batch_execute("BEGIN; LOCK TABLE counter IN ACCESS EXCLUSIVE MODE").await.unwrap();
    b.batch_execute("BEGIN").await.unwrap();
    let err = b.batch_execute("LOCK counter IN SHARE MODE NOWAIT").await.unwrap_err();
    assert_eq!(code(&err), "55P03");
    b.batch_execute("ROLLBACK").await.unwrap();
    a.batch_execute("UPDATE counter SET v = v + 1 WHERE id = 2; COMMIT").await.unwrap();

    // Read-modify-write from every node at once: every increment lands, none fails with 40001.
    const CLIENTS: usize = 6;
    const ROUNDS: i64 = 10;
    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let c = cluster.pg_client((i % 3) as u64 + 1).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..ROUNDS {
                c.batch_execute("BEGIN").await.unwrap();
                let v: i64 = c.query_one("SELECT v FROM counter WHERE id = 1 FOR UPDATE", &[]).await.unwrap().get(0);
                c.execute("UPDATE counter SET v = $1 WHERE id = 1", &[&(v + 1)]).await.unwrap();
                c.batch_execute("COMMIT").await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(counter(&a).await, 1 + CLIENTS as i64 * ROUNDS);
}
