//! The Raft port of a real three-process cluster, as a hostile process on the network meets it: garbage and
//! oversized frames cost nothing, nothing is served before the caller proves it knows the cluster secret,
//! tools cannot send Raft traffic or switch elections off, idle and excess connections are closed, and a node
//! reachable from other machines refuses to start without a secret.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::procs::{free_port, status_of, test_secret, ProcCluster, TEST_SECRET};
use raftsql::raft::rpc::fetch_status;
use raftsql::raft::rpc::{admin_call, AdminRequest, Connection, LeaderRequest, RpcRequest, RpcResponse, CLIENT_ID};
use raftsql::raft::wire::{self, ClusterSecret};

/// Waits until the peer closes `s` (an error or end of stream), within `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                return false
            }
            Err(_) => return true,
        }
    }
}

async fn assert_cluster_works(c: &ProcCluster, round: i64) {
    let leader = c.leader().await;
    let client = c.pg_client(c.follower().await).await;
    client.execute("CREATE TABLE IF NOT EXISTS probe (i BIGINT)", &[]).await.unwrap();
    client.execute("INSERT INTO probe VALUES ($1)", &[&round]).await.unwrap();
    let n: i64 = c.pg_client(leader).await.query_one("SELECT count(*) FROM probe", &[]).await.unwrap().get(0);
    assert_eq!(n, round);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn garbage_and_oversized_frames_cost_nothing() {
    let c = ProcCluster::start(3).await;
    assert_cluster_works(&c, 1).await;
    let target = c.nodes[0].raft_addr.clone();
    // The frame that used to abort a node: a 16-byte message announcing a string of 2^50 bytes.
    let mut attack = vec![0, 0, 0, 12, 1, 0, 1, 0xFD];
    attack.extend_from_slice(&(1u64 << 50).to_le_bytes());
    let mut s = TcpStream::connect(&target).unwrap();
    s.write_all(&attack).unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(10)), "a bad handshake closes the connection");
    // Random bytes of every length.
    for len in [1usize, 7, 56, 57, 200, 100_000] {
        let mut s = TcpStream::connect(&target).unwrap();
        let junk: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
        let _ = s.write_all(&junk);
        assert!(closed_within(&mut s, Duration::from_secs(10)), "{len} random bytes");
    }
    // Past a valid handshake (this process knows the secret), the same announcement is refused by the
    // decoder's limit instead of being allocated.
    let mut s = tokio::net::TcpStream::connect(&target).await.unwrap();
    wire::handshake_client(&mut s, &test_secret(), 9, None).await.unwrap();
    wire::write_frame(&mut s, &attack[4..]).await.unwrap();
    let answer = wire::read_frame(&mut s, Duration::from_secs(10)).await;
    assert!(matches!(answer, Ok(None) | Err(_)), "the connection is dropped, not answered: {answer:?}");
    assert!(status_of(&target).await.is_ok(), "the node is still up");
    assert_cluster_works(&c, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_served_without_the_cluster_secret() {
    let c = ProcCluster::start(3).await;
    let leader = c.leader().await;
    let addr = c.nodes[leader as usize - 1].raft_addr.clone();
    for wrong in [ClusterSecret::none(), ClusterSecret::new(b"not-the-cluster-secret")] {
        // No forwarded write (raw SQL past authentication and translation), no join, no removal, no status.
        let opened = Connection::open(&addr, &wrong, 2, Some(leader), Duration::from_secs(5)).await;
        assert!(opened.is_err(), "a connection without the secret must be refused");
        let join = AdminRequest::Join { id: 9, node: Default::default(), voter: false };
        assert!(admin_call(&addr, &wrong, 9, join, Duration::from_secs(5)).await.is_err());
        assert!(admin_call(&addr, &wrong, CLIENT_ID, AdminRequest::RemoveMember(1), Duration::from_secs(5))
            .await
            .is_err());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .args(["cluster", "status", "--node", &addr])
        .env_remove("RAFTSQL_CLUSTER_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success(), "status without the secret");
    assert!(String::from_utf8_lossy(&out.stderr).contains("secret"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .args(["cluster", "status", "--node", &addr])
        .env("RAFTSQL_CLUSTER_SECRET", TEST_SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // With the secret, a tool still may not speak for a node: no Raft traffic, no writes, no election switches.
    let mut tool = Connection::open(&addr, &test_secret(), CLIENT_ID, None, Duration::from_secs(5)).await.unwrap();
    for req in [
        RpcRequest::Leader(LeaderRequest::Write(vec![raftsql::db::Statement::new("DROP TABLE x", vec![])])),
        RpcRequest::Admin(AdminRequest::SetElections { on: false, for_ms: 60_000 }),
        RpcRequest::Admin(AdminRequest::Elect),
    ] {
        match tool.call(&req).await.unwrap() {
            RpcResponse::Refused(why) => assert!(why.contains("member nodes"), "{why}"),
            other => panic!("{req:?} was served: {other:?}"),
        }
    }
    // A member may not record addresses for another member.
    let mut member = Connection::open(&addr, &test_secret(), 2, None, Duration::from_secs(5)).await.unwrap();
    let req = RpcRequest::Leader(LeaderRequest::UpdateNode { id: 3, node: Default::default() });
    assert!(matches!(member.call(&req).await.unwrap(), RpcResponse::Refused(_)));
    assert_cluster_works(&c, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn silent_and_excess_connections_are_closed() {
    let c = ProcCluster::start(3).await;
    let target = c.nodes[0].raft_addr.clone();
    // A connection that never says anything is closed after the handshake deadline.
    let started = Instant::now();
    let mut silent = TcpStream::connect(&target).unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(15)));
    assert!(started.elapsed() < Duration::from_secs(10), "closed after {:?}", started.elapsed());
    // A flood of connections stuck in their handshake: those past the cap are closed at once, and the members'
    // own connections (persistent) keep the cluster working meanwhile.
    let mut flood: Vec<TcpStream> = (0..80).map(|_| TcpStream::connect(&target).unwrap()).collect();
    let refused =
        flood.iter_mut().map(|s| closed_within(s, Duration::from_millis(300))).filter(|closed| *closed).count();
    assert!(refused >= 80 - 64, "only {refused} of 80 handshaking connections were refused");
    assert_cluster_works(&c, 1).await;
    drop(flood);
}

#[tokio::test]
async fn a_node_reachable_from_other_machines_needs_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let raft_port = free_port();
    let run = |extra: &[&str], env_secret: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_raftsql"));
        cmd.args(["--data-dir"])
            .arg(dir.path().join("n"))
            .args(["--raft-addr", &format!("0.0.0.0:{raft_port}")])
            .args(["--pg-addr", &format!("127.0.0.1:{}", free_port())])
            .args(extra)
            .env_remove("RAFTSQL_CLUSTER_SECRET");
        if let Some(s) = env_secret {
            cmd.env("RAFTSQL_CLUSTER_SECRET", s);
        }
        cmd
    };
    let out = run(&[], None).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--cluster-secret-file") && stderr.contains("--insecure"), "{stderr}");
    // A short secret is refused too.
    let out = run(&[], Some("short")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));
    // With a secret, or told --insecure, it starts (and is stopped here).
    for (extra, secret) in [(&["--insecure"][..], None), (&[][..], Some(TEST_SECRET))] {
        let mut child = run(extra, secret).stderr(std::process::Stdio::null()).spawn().unwrap();
        let key = secret.map_or_else(ClusterSecret::none, |s| ClusterSecret::new(s.as_bytes()));
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = format!("127.0.0.1:{raft_port}");
        while fetch_status(&addr, &key, Duration::from_secs(1)).await.is_err() {
            assert!(child.try_wait().unwrap().is_none(), "the node exited with {extra:?}");
            assert!(Instant::now() < deadline, "the node did not answer with {extra:?}");
            tokio::time::sleep(Duration::from_millis(50)).await; // poll interval of a wait with a deadline
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(dir.path().join("n"));
    }
}
