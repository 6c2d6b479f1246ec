//! Cluster state and administration from SQL and from the CLI on a cluster of real processes: the
//! `raftsql_nodes` view and `raftsql_leader()` on any node, leadership handed to a chosen node (SQL and
//! `raftsql cluster transfer-leader`), an unreachable member shown as such, and `raftsql cluster remove`.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::procs::{pg_client_at, ProcCluster};

async fn wait_leader(c: &ProcCluster, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while c.leader().await != expected {
        assert!(Instant::now() < deadline, "node {expected} never became leader");
        tokio::time::sleep(Duration::from_millis(50)).await; // poll interval of a wait with a deadline
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_leader_transfer_and_remove() {
    let mut c = ProcCluster::start(3).await;
    let leader = c.leader().await;
    let follower = c.follower().await;
    let db = pg_client_at(c.pg_port(follower)).await;

    let rows =
        db.query("SELECT id, role, is_leader, reachable, pg_addr FROM raftsql_nodes ORDER BY id", &[]).await.unwrap();
    assert_eq!(rows.len(), 3);
    for (i, r) in rows.iter().enumerate() {
        let id: i64 = r.get(0);
        assert_eq!(id, i as i64 + 1);
        assert_eq!(r.get::<_, &str>(1), "voter");
        assert_eq!(r.get::<_, bool>(2), id as u64 == leader);
        assert!(r.get::<_, bool>(3), "node {id} reachable");
        assert_eq!(r.get::<_, &str>(4), format!("127.0.0.1:{}", c.pg_port(id as u64)));
    }
    let addr: String = db.query_one("SELECT raftsql_leader()", &[]).await.unwrap().get(0);
    assert_eq!(addr, format!("127.0.0.1:{}", c.pg_port(leader)));

    // Leadership to a chosen node, from SQL.
    let msg: String = db.query_one(&format!("SELECT raftsql_transfer_leader({follower})"), &[]).await.unwrap().get(0);
    assert_eq!(msg, format!("node {follower} is the leader"));
    wait_leader(&c, follower).await;
    // ... and back, from the CLI.
    let out = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .env("RAFTSQL_CLUSTER_SECRET", common::procs::TEST_SECRET)
        .args(["cluster", "transfer-leader", "--node", &c.nodes[0].raft_addr, &leader.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_leader(&c, leader).await;
    // Writes still work after two handovers.
    db.batch_execute("CREATE TABLE after_handover (x INT); INSERT INTO after_handover VALUES (1)").await.unwrap();

    // A stopped member shows as unreachable, then the CLI removes it.
    let gone = (1..=3).find(|id| *id != leader && *id != follower).unwrap();
    c.kill(gone);
    let reachable: bool =
        db.query_one("SELECT reachable FROM raftsql_nodes WHERE id = $1", &[&(gone as i64)]).await.unwrap().get(0);
    assert!(!reachable);
    let out = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .env("RAFTSQL_CLUSTER_SECRET", common::procs::TEST_SECRET)
        .args(["cluster", "remove", "--node", &c.nodes[follower as usize - 1].raft_addr, &gone.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = common::procs::status_of(&c.nodes[leader as usize - 1].raft_addr).await.unwrap();
    let mut expected = vec![leader, follower];
    expected.sort();
    assert_eq!(status.voters, expected);
    let n: i64 = db.query_one("SELECT count(*) FROM raftsql_nodes", &[]).await.unwrap().get(0);
    assert_eq!(n, 2);
    db.batch_execute("INSERT INTO after_handover VALUES (2)").await.unwrap();
}
