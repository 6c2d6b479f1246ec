//! Large writes never stall replication: a request too large for one log entry is refused up front (54000)
//! wherever it arrives, large allowed ones replicate, and a follower far behind catches up through appends
//! of bounded size.

mod common;

use common::{int, TestCluster};
use raftsql::db::Value;
use raftsql::error::{ExecError, SqlError};

fn blob(mib: usize) -> Value {
    Value::Blob(vec![7u8; mib << 20])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_requests_are_refused_and_large_ones_replicate() {
    let cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let follower = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE b (id INTEGER PRIMARY KEY, x BLOB)").await.unwrap();
    for node in [follower, leader] {
        let r = cluster.exec_params(node, "INSERT INTO b (x) VALUES (?1)", vec![blob(20)]).await;
        match r {
            Err(ExecError::Sql(e)) => {
                assert_eq!(e.code, SqlError::REQUEST_TOO_LARGE, "{e:?}");
                assert!(e.message.contains("--max-request-bytes"), "{}", e.message);
            }
            other => panic!("a 20 MiB request on node {node}: {other:?}"),
        }
    }
    // Just under the limit: replicated to every node, and the log moves on after it.
    cluster.exec_params(follower, "INSERT INTO b (x) VALUES (?1)", vec![blob(12)]).await.unwrap();
    cluster.exec(leader, "INSERT INTO b (x) VALUES (x'00')").await.unwrap();
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    let n = cluster.exec(follower, "SELECT count(*) FROM b WHERE length(x) = 12582912").await.unwrap();
    assert_eq!(int(&n), 1);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_far_behind_catches_up_in_bounded_appends() {
    let cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let lagging = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE b (id INTEGER PRIMARY KEY, x BLOB)").await.unwrap();
    cluster.isolate(lagging);
    // 48 MiB of entries the lagging node misses: more than one frame may carry.
    let mut writes = Vec::new();
    for _ in 0..16 {
        let core = cluster.node(leader).core().clone();
        writes.push(tokio::spawn(async move {
            core.execute("INSERT INTO b (x) VALUES (?1)", vec![blob(3)], raftsql::raft::Consistency::Linearizable).await
        }));
    }
    for w in writes {
        w.await.unwrap().unwrap();
    }
    cluster.heal();
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    let r = cluster.local_rows(lagging, "SELECT count(*), sum(length(x)) FROM b").await;
    assert_eq!(r[0], vec![Value::Integer(16), Value::Integer(16 * (3 << 20))]);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_append_slower_than_a_heartbeat_still_completes() {
    let cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    cluster.exec(leader, "CREATE TABLE b (id INTEGER PRIMARY KEY, x BLOB)").await.unwrap();
    // Each large append takes 5 heartbeats (as over a slow link): OpenRaft gives up on every
    // call after one, yet the transfer goes on and its outcome answers the next call.
    let ids = cluster.running();
    for id in &ids {
        cluster.node(*id).faults().slow_large_appends(Some(std::time::Duration::from_millis(500)));
    }
    let term = cluster.node(leader).metrics().current_term;
    for _ in 0..3 {
        cluster.exec_params(leader, "INSERT INTO b (x) VALUES (?1)", vec![blob(2)]).await.unwrap();
    }
    assert_eq!(cluster.leader().await, leader, "no election was needed");
    assert_eq!(cluster.node(leader).metrics().current_term, term);
    for id in &ids {
        cluster.node(*id).faults().slow_large_appends(None);
    }
    cluster.assert_identical(&ids).await;
    assert_eq!(int(&cluster.exec(leader, "SELECT count(*) FROM b").await.unwrap()), 3);
    cluster.shutdown().await;
}
