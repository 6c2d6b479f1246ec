//! Snapshots: after writing well past the snapshot threshold the log is purged behind a snapshot, and a new
//! node can only catch up by receiving that snapshot (a multi-megabyte SQLite file sent in chunks).

mod common;

use common::{int, TestCluster, DEADLINE};
use raftsql::raft::RaftOptions;

fn small_snapshots(o: &mut RaftOptions) {
    o.snapshot_every = 200;
    o.keep_logs_after_snapshot = 10;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_node_catches_up_from_a_snapshot() {
    let mut c = TestCluster::start_with(3, small_snapshots).await;
    let l = c.leader().await;
    c.exec(l, "CREATE TABLE big (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)").await.unwrap();
    // ~6 MB of incompressible data (several snapshot chunks), then enough small entries to pass the
    // snapshot threshold twice.
    for _ in 0..60 {
        c.exec(l, "INSERT INTO big (payload) VALUES (randomblob(100000))").await.unwrap();
    }
    for i in 0..450 {
        c.exec(1 + (i % 3), "INSERT INTO big (payload) VALUES (x'00')").await.unwrap();
    }
    let l = c.leader().await;
    // The leader has built a snapshot and purged the log behind it.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let m = c.node(l).metrics();
        if m.snapshot.is_some() && m.purged.map(|p| p.index).unwrap_or(0) > 100 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no snapshot/purge: {m:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // poll interval of a wait with a deadline
    }
    let purged = c.node(l).metrics().purged.unwrap().index;

    // A new node joins as a learner: the entries it needs are gone, so it must install the snapshot.
    let new = c.spawn(4).await.node().clone();
    c.node(l).add_learner(4, new).await.unwrap();
    let installed = c
        .node(4)
        .raft()
        .wait(Some(DEADLINE))
        .metrics(|m| m.snapshot.is_some(), "snapshot installed")
        .await
        .map(|m| m.snapshot.unwrap().index);
    let installed = installed.unwrap_or_else(|e| panic!("node 4 has no snapshot: {e}"));
    assert!(installed >= purged, "node 4 installed snapshot {installed}, log purged to {purged}");
    c.converge(&[1, 2, 3, 4]).await;
    assert_eq!(int(&c.exec(4, "SELECT count(*) FROM big").await.unwrap()), 510);
    c.assert_identical(&[1, 2, 3, 4]).await;

    // The snapshot survives restarts: node 4 restarts from its own snapshot and log.
    c.restart(4).await;
    c.converge(&[1, 2, 3, 4]).await;
    assert_eq!(int(&c.exec(4, "SELECT sum(length(payload)) FROM big").await.unwrap()), 60 * 100_000 + 450);
    c.shutdown().await;
}
