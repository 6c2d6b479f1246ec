//! The admin endpoint and operations on a cluster of real processes: /health, /ready, /status, /metrics,
//! an online backup taken under writes restored into a fresh cluster, and refused starts for bad
//! configuration (another node's data directory, mismatched --peers, a port in use).

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::procs::{free_port, pg_client_at, ProcCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_status_metrics_and_backup_restore() {
    let c = ProcCluster::start(3).await;
    for id in 1..=3 {
        let (code, body) = c.http_get(id, "/health");
        assert_eq!((code, String::from_utf8_lossy(&body).trim()), (200, "{\"status\":\"ok\"}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while c.http_get(id, "/ready").0 != 200 {
            assert!(Instant::now() < deadline, "node {id} never ready");
            tokio::time::sleep(Duration::from_millis(50)).await; // poll interval of a wait with a deadline
        }
        let (code, body) = c.http_get(id, "/status");
        assert_eq!(code, 200);
        let status: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status["node"]["id"], id);
        assert_eq!(status["node"]["voters"], serde_json::json!([1, 2, 3]));
    }
    assert_eq!(c.http_get(1, "/nope").0, 404);

    let leader = c.leader().await;
    let db = pg_client_at(c.pg_port(leader)).await;
    db.batch_execute("CREATE TABLE ledger (id SERIAL PRIMARY KEY, amount INTEGER NOT NULL)").await.unwrap();
    assert!(db.batch_execute("SELEC 1").await.is_err());
    let (_, metrics) = c.http_get(leader, "/metrics");
    let metrics = String::from_utf8(metrics).unwrap();
    for needle in [
        "raftsql_raft_is_leader 1",
        "raftsql_statements_total{kind=\"ddl\"} 1",
        "raftsql_errors_total{sqlstate=\"42601\"} 1",
        "raftsql_raft_replication_lag{follower=\"",
        "raftsql_write_seconds_bucket{le=\"+Inf\"} 1",
        "raftsql_pg_connections 1",
    ] {
        assert!(metrics.contains(needle), "metrics lack {needle}:\n{metrics}");
    }

    // Back up from a follower while a writer keeps inserting.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let port = c.pg_port(leader);
        tokio::spawn(async move {
            let db = pg_client_at(port).await;
            let mut n = 0i32;
            while !stop.load(Ordering::Relaxed) {
                db.execute("INSERT INTO ledger (amount) VALUES ($1)", &[&n]).await.unwrap();
                n += 1;
            }
            n
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n: i64 = db.query_one("SELECT count(*) FROM ledger", &[]).await.unwrap().get(0);
        if n >= 50 {
            break;
        }
        assert!(Instant::now() < deadline, "writes stalled");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval of a wait with a deadline
    }
    let follower = c.follower().await;
    let (code, backup) = c.http_get(follower, "/backup");
    assert_eq!(code, 200);
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    let file = c.dir().join("backup.db");
    std::fs::write(&file, &backup).unwrap();
    let (rows, sum): (i64, i64) = rusqlite::Connection::open(&file)
        .unwrap()
        .query_row("SELECT count(*), coalesce(sum(amount), 0) FROM ledger", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert!(rows >= 50 && rows <= written as i64, "backup holds {rows} of {written} rows");
    // The backup is a prefix of the writes: rows 0..rows, nothing torn.
    assert_eq!(sum, rows * (rows - 1) / 2);

    // A fresh cluster restored from the backup holds exactly the backup's data and takes writes.
    let restored = ProcCluster::start_with(1, vec!["--restore-from".into(), file.display().to_string()]).await;
    let db2 = pg_client_at(restored.pg_port(1)).await;
    let got: (i64, i64) = {
        let r = db2.query_one("SELECT count(*), coalesce(sum(amount), 0)::int8 FROM ledger", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(got, (rows, sum));
    db2.execute("INSERT INTO ledger (amount) VALUES (1)", &[]).await.unwrap();
}

fn start_fails(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_raftsql")).args(args).output().unwrap();
    assert!(!out.status.success(), "start with {args:?} should fail");
    assert_ne!(out.status.code(), Some(101), "a panic is not a refusal: {out:?}");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_is_refused_clearly() {
    let c = ProcCluster::start(1).await;
    let dir = c.dir().join("n1");
    let raft = format!("127.0.0.1:{}", free_port());
    let pg = format!("127.0.0.1:{}", free_port());
    let dir_s = dir.display().to_string();
    // Another node id on this node's data directory (the running node holds the directory too, but the
    // identity check comes first).
    let err = start_fails(&["--id", "7", "--data-dir", &dir_s, "--raft-addr", &raft, "--pg-addr", &pg]);
    assert!(err.contains("belongs to node 1, not node 7"), "{err}");
    // Another cluster's --peers on this data directory.
    let other_peers = format!("1={raft},2=127.0.0.1:{}", free_port());
    let err = start_fails(&[
        "--id",
        "1",
        "--data-dir",
        &dir_s,
        "--raft-addr",
        &raft,
        "--pg-addr",
        &pg,
        "--peers",
        &other_peers,
    ]);
    assert!(err.contains("was created with --peers"), "{err}");
    // The port the running node uses.
    let taken = format!("127.0.0.1:{}", c.pg_port(1));
    let fresh = c.dir().join("fresh").display().to_string();
    let err = start_fails(&["--id", "1", "--data-dir", &fresh, "--raft-addr", &raft, "--pg-addr", &taken]);
    assert!(err.contains("cannot bind") && err.contains(&taken), "{err}");
    // A peer list without this node, and a malformed one.
    let err = start_fails(&["--id", "4", "--peers", "1=127.0.0.1:1,2=127.0.0.1:2", "--data-dir", &fresh]);
    assert!(err.contains("not in --peers"), "{err}");
    let err = start_fails(&["--id", "1", "--peers", "1=nowhere", "--data-dir", &fresh]);
    assert!(err.contains("host:port"), "{err}");
    // Refused starts leave the data directory as it was: the node still serves its data.
    let db = pg_client_at(c.pg_port(1)).await;
    let one: i32 = db.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}
