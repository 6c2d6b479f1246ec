//! The `raftsql` binary as separate processes: three nodes started with the same `--peers` list form one
//! cluster by themselves, again after all are killed with SIGKILL and restarted, and a fourth node joins
//! with `--join` and becomes a voter.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use raftsql::raft::rpc::{fetch_status, NodeStatus};
use raftsql::raft::wire::ClusterSecret;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(id: u64, dir: &Path, raft: &str, extra: &[&str]) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .args(["--id", &id.to_string(), "--raft-addr", raft, "--pg-addr", &format!("127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(dir.join(format!("n{id}")))
        .args(["--heartbeat-ms", "100", "--election-timeout-ms", "600"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start raftsql");
    Proc(child)
}

/// Waits until every address reports the same leader and exactly `voters` as voters.
async fn agreed(addrs: &[String], voters: &[u64]) -> Vec<NodeStatus> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut views = Vec::new();
        for a in addrs {
            views.push(fetch_status(a, &ClusterSecret::none(), Duration::from_secs(2)).await);
        }
        if let Ok(views) = views.iter().cloned().collect::<Result<Vec<_>, _>>() {
            let leader = views[0].current_leader;
            if leader.is_some()
                && views.iter().all(|v| v.current_leader == leader && v.voters == voters && v.term == views[0].term)
            {
                return views;
            }
        }
        assert!(Instant::now() < deadline, "no agreement: {views:?}");
        tokio::time::sleep(Duration::from_millis(100)).await; // poll interval of a wait with a deadline
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_form_a_cluster_on_start_and_restart_and_a_node_joins() {
    let dir = tempfile::tempdir().unwrap();
    let addrs: Vec<String> = (0..3).map(|_| format!("127.0.0.1:{}", free_port())).collect();
    let peers = format!("1={},2={},3={}", addrs[0], addrs[1], addrs[2]);
    let start_all = || -> Vec<Proc> {
        (1..=3u64).map(|id| spawn(id, dir.path(), &addrs[id as usize - 1], &["--peers", &peers])).collect()
    };
    let procs = start_all();
    let first = agreed(&addrs, &[1, 2, 3]).await;
    // Every node's PostgreSQL address ends up recorded in the membership.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = fetch_status(&addrs[0], &ClusterSecret::none(), Duration::from_secs(2)).await.unwrap();
        if s.nodes.iter().all(|(_, n)| !n.pg_addr.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "addresses not recorded: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await; // poll interval of a wait with a deadline
    }

    // SIGKILL everything, start again with the same arguments: the same cluster comes back.
    drop(procs);
    let procs = start_all();
    let second = agreed(&addrs, &[1, 2, 3]).await;
    assert!(second[0].term >= first[0].term);
    assert!(second.iter().all(|s| s.last_applied >= first[0].last_applied), "{first:?} then {second:?}");
    assert!(second[0].nodes.iter().all(|(_, n)| !n.pg_addr.is_empty()), "addresses survive restart: {second:?}");

    // A fourth node joins through a follower and becomes a voter.
    let follower = second.iter().find(|s| Some(s.id) != s.current_leader).unwrap().id;
    let a4 = format!("127.0.0.1:{}", free_port());
    let _p4 = spawn(4, dir.path(), &a4, &["--join", &addrs[follower as usize - 1]]);
    let mut all = addrs.clone();
    all.push(a4);
    agreed(&all, &[1, 2, 3, 4]).await;
    // A fifth joins with --learner and stays a non-voting member that still receives the log.
    let a5 = format!("127.0.0.1:{}", free_port());
    let _p5 = spawn(5, dir.path(), &a5, &["--join", &addrs[0], "--learner"]);
    all.push(a5.clone());
    let views = agreed(&all, &[1, 2, 3, 4]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = fetch_status(&a5, &ClusterSecret::none(), Duration::from_secs(2)).await.unwrap();
        if s.learners == vec![5] && s.last_applied >= views[0].last_applied {
            break;
        }
        assert!(Instant::now() < deadline, "node 5 not a caught-up learner: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await; // poll interval of a wait with a deadline
    }
    drop(procs);
}
