//! Sequences on a three-node cluster of real processes: `nextval` from clients on two nodes, as a query and as a
//! column default, never hands out a number twice, also while the leader is killed (SIGKILL) mid-stream; every
//! node then holds the same rows, and the sequence goes on after the largest number handed out. `currval` and
//! `lastval` answer in the session that called `nextval`, through a follower.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::procs::ProcCluster;

const DEADLINE: Duration = Duration::from_secs(60);

/// Waits until `acked` holds at least `n` values.
async fn wait_for(acked: &Mutex<Vec<i64>>, n: usize) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while acked.lock().unwrap().len() < n {
        assert!(tokio::time::Instant::now() < deadline, "nextval stalled at {} values", acked.lock().unwrap().len());
        tokio::time::sleep(Duration::from_millis(10)).await; // poll interval of a wait with a deadline
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nextval_never_repeats_across_nodes_and_a_leader_kill() {
    let mut cluster = ProcCluster::start(3).await;
    let old_leader = cluster.leader().await;
    let admin = cluster.pg_client(old_leader).await;
    admin
        .batch_execute("CREATE SEQUENCE ids; CREATE TABLE t (id bigint PRIMARY KEY DEFAULT nextval('ids'), node int)")
        .await
        .unwrap();
    drop(admin);

    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let survivors: Vec<u64> = cluster.running().into_iter().filter(|id| *id != old_leader).collect();
    let mut writers = Vec::new();
    for node in survivors.clone() {
        let client = cluster.pg_client(node).await;
        let (acked, stop) = (acked.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut failed = 0;
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                // Half the numbers as a query, half as the key of an inserted row.
                let drawn = if round.is_multiple_of(2) {
                    client.query_one("SELECT nextval('ids')", &[]).await.map(|r| r.get::<_, i64>(0))
                } else {
                    client
                        .query_one("INSERT INTO t (node) VALUES ($1) RETURNING id", &[&(node as i32)])
                        .await
                        .map(|r| r.get::<_, i64>(0))
                };
                match drawn {
                    Ok(v) => acked.lock().unwrap().push(v),
                    // While the leader is gone: unavailable, or sent with its outcome unknown.
                    Err(_) => failed += 1,
                }
            }
            failed
        }));
    }
    wait_for(&acked, 100).await;
    cluster.kill(old_leader);
    let before = acked.lock().unwrap().len();
    wait_for(&acked, before + 100).await;
    stop.store(true, Ordering::Relaxed);
    let mut failed = 0;
    for w in writers {
        failed += w.await.unwrap();
    }

    let acked = acked.lock().unwrap().clone();
    let distinct: HashSet<i64> = acked.iter().copied().collect();
    println!("numbers handed out: {}, failed calls: {failed}", acked.len());
    assert_eq!(distinct.len(), acked.len(), "a number was handed out twice");

    // The old leader comes back; every node holds the same rows (reads are linearizable: each catches up).
    cluster.start_node(old_leader);
    cluster.wait_ready().await;
    let mut tables = Vec::new();
    for id in 1..=3 {
        let client = cluster.pg_client(id).await;
        let rows = client.query("SELECT id, node FROM t ORDER BY id", &[]).await.unwrap();
        tables.push(rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, i32>(1))).collect::<Vec<_>>());
    }
    assert!(tables.iter().all(|t| *t == tables[0]), "nodes differ: {tables:?}");
    let keys: HashSet<i64> = tables[0].iter().map(|(id, _)| *id).collect();
    assert_eq!(keys.len(), tables[0].len());

    // The sequence goes on past every number handed out, from any node; the session's currval and lastval
    // follow its own nextval.
    let max = *acked.iter().max().unwrap();
    let follower = cluster.follower().await;
    let client = cluster.pg_client(follower).await;
    let next: i64 = client.query_one("SELECT nextval('ids')", &[]).await.unwrap().get(0);
    assert!(next > max, "nextval gave {next} after {max} was handed out");
    let row = client.query_one("SELECT currval('ids'), lastval()", &[]).await.unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (next, next));
    let other = cluster.pg_client(follower).await;
    let err = other.query_one("SELECT currval('ids')", &[]).await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("55000"), "another session has no currval: {err}");
    // What a pooler sends between clients: the next client starts without the last one's values.
    client.batch_execute("DISCARD ALL").await.unwrap();
    let err = client.query_one("SELECT lastval()", &[]).await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("55000"), "DISCARD ALL forgets lastval: {err}");
}
