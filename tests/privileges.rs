//! Who may do what, and how long anything may hold the cluster, on real processes with real clients:
//! ordinary users cannot administer the cluster (42501), backups need a superuser's password and run one at a
//! time, a session cannot hold the write gate or a read snapshot past the server's idle limit, and the
//! statement that used to brick a cluster now fails everywhere while the cluster stays writable.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::procs::ProcCluster;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

async fn client(c: &ProcCluster, id: u64, user: &str, password: &str) -> tokio_postgres::Client {
    let conn = format!("host=127.0.0.1 port={} user={user} password={password} dbname=raftsql", c.pg_port(id));
    let (client, connection) = tokio_postgres::connect(&conn, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// GET `path` from node `id`'s admin endpoint with optional Basic credentials: (status code, body).
fn http_get(c: &ProcCluster, id: u64, path: &str, credentials: Option<(&str, &str)>) -> (u16, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", c.nodes[id as usize - 1].http_port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let auth = credentials.map_or(String::new(), |(u, p)| {
        use base64::Engine;
        format!("Authorization: Basic {}\r\n", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
    });
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("http head");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    (head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), raw[split + 4..].to_vec())
}

fn users() -> Vec<String> {
    ["--user", "alice:alice-pw", "--user", "bob:bob-pw", "--superuser", "alice"].iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ordinary_users_cannot_administer_and_backups_need_a_superuser() {
    let c = ProcCluster::start_with(3, users()).await;
    let follower = c.follower().await;
    let bob = client(&c, follower, "bob", "bob-pw").await;
    let alice = client(&c, follower, "alice", "alice-pw").await;
    let shown = |rows: Vec<tokio_postgres::Row>| rows[0].get::<_, String>(0);
    assert_eq!(shown(bob.query("SHOW is_superuser", &[]).await.unwrap()), "off");
    assert_eq!(shown(alice.query("SHOW is_superuser", &[]).await.unwrap()), "on");
    bob.batch_execute("RESET ALL").await.unwrap();
    assert_eq!(shown(bob.query("SHOW is_superuser", &[]).await.unwrap()), "off", "RESET keeps it");
    // Reading the cluster view is fine; changing the cluster is not.
    let n: i64 = bob.query_one("SELECT count(*) FROM raftsql_nodes", &[]).await.unwrap().get(0);
    assert_eq!(n, 3);
    let e = bob.query("SELECT raftsql_remove_node(id) FROM raftsql_nodes WHERE NOT is_leader", &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let e = bob.query("SELECT raftsql_transfer_leader(1)", &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{e:?}");
    let n: i64 = alice.query_one("SELECT count(*) FROM raftsql_nodes", &[]).await.unwrap().get(0);
    assert_eq!(n, 3, "nobody was removed");
    let to = c.follower().await as i64;
    alice.query(&format!("SELECT raftsql_transfer_leader({to})"), &[]).await.unwrap();
    assert_eq!(c.leader().await as i64, to, "a superuser may");

    // Backups: the whole database, so a superuser's password, one at a time.
    assert_eq!(http_get(&c, follower, "/backup", None).0, 401);
    assert_eq!(http_get(&c, follower, "/backup", Some(("bob", "bob-pw"))).0, 401);
    assert_eq!(http_get(&c, follower, "/backup", Some(("alice", "wrong"))).0, 401);
    let (code, body) = http_get(&c, follower, "/backup", Some(("alice", "alice-pw")));
    assert_eq!(code, 200);
    assert!(body.starts_with(b"SQLite format 3\0"), "a SQLite database");
    assert_eq!(http_get(&c, follower, "/health", None).0, 200, "health and metrics stay open");
    assert_eq!(http_get(&c, follower, "/metrics", None).0, 200);

    // A backup larger than the socket buffers, whose client does not read: a second one must wait.
    alice.batch_execute("CREATE TABLE big (b BYTEA)").await.unwrap();
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..48 {
        alice.execute("INSERT INTO big VALUES ($1)", &[&chunk]).await.unwrap();
    }
    let http_port = c.nodes[follower as usize - 1].http_port;
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", http_port)).unwrap();
    let auth = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("alice:alice-pw")
    };
    write!(stalled, "GET /backup HTTP/1.1\r\nAuthorization: Basic {auth}\r\n\r\n").unwrap();
    // Its transfer has started once the head arrives; then the client stops reading.
    let mut head = [0u8; 64];
    stalled.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stalled.read_exact(&mut head).unwrap();
    assert!(head.starts_with(b"HTTP/1.1 200 OK"), "{}", String::from_utf8_lossy(&head));
    assert_eq!(http_get(&c, follower, "/backup", Some(("alice", "alice-pw"))).0, 503);
    // Its copy is unlinked already: nothing of it is left in the data directory.
    let snapshots = c.dir().join(format!("n{follower}")).join("snapshots");
    let leftovers: Vec<_> = std::fs::read_dir(&snapshots)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("backup-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_session_holds_the_cluster_past_the_idle_limit() {
    let c = ProcCluster::start_with(3, vec!["--max-idle-in-transaction-secs".into(), "2".into()]).await;
    let leader = c.leader().await;
    let db = c.pg_client(leader).await;
    db.batch_execute("CREATE TABLE t (i BIGINT)").await.unwrap();
    // A session asks for 1000 hours, takes the write gate and goes quiet.
    let idle = c.pg_client(c.follower().await).await;
    idle.batch_execute("SET idle_in_transaction_session_timeout = '1000h'; BEGIN; INSERT INTO t VALUES (1)")
        .await
        .unwrap();
    // Others can write again once the server's limit (2 s) has passed.
    let other = c.pg_client(leader).await;
    other.batch_execute("SET lock_timeout = '20s'").await.unwrap();
    let started = Instant::now();
    other.execute("INSERT INTO t VALUES (2)", &[]).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(15), "waited {:?}", started.elapsed());
    let e = idle.execute("INSERT INTO t VALUES (3)", &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::T_R_SERIALIZATION_FAILURE), "{e:?}");
    idle.batch_execute("ROLLBACK").await.unwrap();
    let rows: Vec<i64> =
        other.query("SELECT i FROM t ORDER BY i", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(rows, vec![2]);

    // A read-only transaction's snapshot is released after the limit too; its next statement says so.
    let reader = c.pg_client(c.follower().await).await;
    reader.batch_execute("BEGIN; SELECT count(*) FROM t").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let e = loop {
        match reader.query("SELECT count(*) FROM t", &[]).await {
            Err(e) => break e,
            Ok(_) => {
                // Each statement counts as use: wait long enough for the limit to pass in between.
                assert!(Instant::now() < deadline, "the snapshot was never released");
                tokio::time::sleep(Duration::from_millis(3500)).await; // longer than the 2 s limit, on purpose
            }
        }
    };
    assert_eq!(e.code(), Some(&SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT), "{e:?}");
    reader.batch_execute("ROLLBACK").await.unwrap();
    let n: i64 = reader.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_statement_that_bricked_clusters_fails_everywhere_and_they_stay_writable() {
    let c = ProcCluster::start_with(3, vec!["--max-statement-steps".into(), "5000000".into()]).await;
    let db = c.pg_client(c.follower().await).await;
    db.batch_execute("CREATE TABLE t (n BIGINT)").await.unwrap();
    let e = db
        .batch_execute(
            "INSERT INTO t SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) \
             SELECT x FROM c) s",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::STATEMENT_TOO_COMPLEX), "{e:?}");
    // Writable and readable at once, on every node, and after every node restarted.
    for id in 1..=3u64 {
        let node = c.pg_client(id).await;
        node.execute("INSERT INTO t VALUES ($1)", &[&(id as i64)]).await.unwrap();
    }
    let n: i64 = c.pg_client(c.leader().await).await.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
    assert_eq!(n, 3);
}
