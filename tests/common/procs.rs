//! ProcCluster: raftsql nodes as separate processes of the real binary, each with its own data directory,
//! Raft port and PostgreSQL port on 127.0.0.1; waits on the nodes' own status reports, never fixed sleeps.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use raftsql::raft::rpc::{fetch_status, NodeStatus};
use raftsql::raft::wire::ClusterSecret;

/// The cluster secret every process-cluster node and tool of the tests uses.
pub const TEST_SECRET: &str = "test-cluster-secret-0123456789";

/// `TEST_SECRET` as the handshake's key.
pub fn test_secret() -> ClusterSecret {
    ClusterSecret::new(TEST_SECRET.as_bytes())
}

/// A node's status, asked with the tests' cluster secret.
pub async fn status_of(raft_addr: &str) -> Result<NodeStatus, String> {
    fetch_status(raft_addr, &test_secret(), Duration::from_secs(2)).await
}

/// A port for a node to bind later. Taken below the kernel's ephemeral range (32768 and up on Linux), so that
/// no outgoing connection can grab it in between, never handed out twice by this process, and free right now.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = 20_000 + (rand::random::<u16>() % 12_000);
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if given.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.push(port);
            return port;
        }
    }
}

/// A tokio-postgres client of the PostgreSQL server at 127.0.0.1:`port` (its connection runs on a task).
pub async fn pg_client_at(port: u16) -> tokio_postgres::Client {
    let conn = format!("host=127.0.0.1 port={port} user=raftsql dbname=raftsql");
    let (client, connection) = tokio_postgres::connect(&conn, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    tokio::spawn(connection);
    client
}

pub struct ProcNode {
    pub id: u64,
    pub raft_addr: String,
    pub pg_port: u16,
    pub http_port: u16,
    child: Option<Child>,
}

pub struct ProcCluster {
    dir: tempfile::TempDir,
    peers: String,
    /// Extra command-line arguments given to every node.
    extra: Vec<String>,
    pub nodes: Vec<ProcNode>,
}

impl ProcCluster {
    /// Starts `n` nodes with the same `--peers` and waits until they agree on a leader and every node's
    /// PostgreSQL address is recorded.
    pub async fn start(n: u64) -> ProcCluster {
        Self::start_with(n, Vec::new()).await
    }

    /// `start`, with extra arguments for every node (authentication, TLS, limits).
    pub async fn start_with(n: u64, extra: Vec<String>) -> ProcCluster {
        let nodes: Vec<ProcNode> = (1..=n)
            .map(|id| ProcNode {
                id,
                raft_addr: format!("127.0.0.1:{}", free_port()),
                pg_port: free_port(),
                http_port: free_port(),
                child: None,
            })
            .collect();
        let peers = nodes.iter().map(|n| format!("{}={}", n.id, n.raft_addr)).collect::<Vec<_>>().join(",");
        let dir = tempfile::tempdir().unwrap();
        let secret_file = dir.path().join("cluster-secret");
        std::fs::write(&secret_file, format!("{TEST_SECRET}\n")).unwrap();
        let mut extra = extra;
        extra.extend(["--cluster-secret-file".to_string(), secret_file.display().to_string()]);
        let mut c = ProcCluster { dir, peers, extra, nodes };
        for id in 1..=n {
            c.start_node(id);
        }
        c.wait_ready().await;
        c
    }

    /// A directory that lives as long as the cluster (for certificates, users files...).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    fn data_dir(&self, id: u64) -> PathBuf {
        self.dir.path().join(format!("n{id}"))
    }

    pub fn start_node(&mut self, id: u64) {
        let dir = self.data_dir(id);
        let peers = self.peers.clone();
        let extra = self.extra.clone();
        let node = &mut self.nodes[id as usize - 1];
        let log = std::fs::File::create(dir.with_extension("log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_raftsql"))
            .args(["--id", &id.to_string(), "--raft-addr", &node.raft_addr])
            .args(["--pg-addr", &format!("127.0.0.1:{}", node.pg_port)])
            .args(["--http-addr", &format!("127.0.0.1:{}", node.http_port)])
            .arg("--data-dir")
            .arg(&dir)
            .args(["--peers", &peers, "--heartbeat-ms", "100", "--election-timeout-ms", "800"])
            .args(&extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start raftsql");
        node.child = Some(child);
    }

    /// SIGTERM, and waits (with a deadline) for the node to exit; returns its exit code.
    pub fn terminate(&mut self, id: u64) -> Option<i32> {
        let mut c = self.nodes[id as usize - 1].child.take()?;
        // SAFETY: kill with the pid of our own child process.
        unsafe {
            libc::kill(c.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = c.try_wait().expect("wait for node") {
                return status.code();
            }
            assert!(Instant::now() < deadline, "node {id} still running 30 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(20)); // poll interval while the node stops
        }
    }

    /// SIGKILL.
    pub fn kill(&mut self, id: u64) {
        if let Some(mut c) = self.nodes[id as usize - 1].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn running(&self) -> Vec<u64> {
        self.nodes.iter().filter(|n| n.child.is_some()).map(|n| n.id).collect()
    }

    /// Waits until the running nodes agree on a leader and all PostgreSQL addresses are recorded.
    pub async fn wait_ready(&self) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut views = Vec::new();
            for id in self.running() {
                views.push(status_of(&self.nodes[id as usize - 1].raft_addr).await);
            }
            if let Ok(views) = views.iter().cloned().collect::<Result<Vec<_>, _>>() {
                let leader = views[0].current_leader;
                let agreed = leader.is_some() && views.iter().all(|v| v.current_leader == leader);
                let recorded = views.iter().all(|v| v.nodes.iter().all(|(_, n)| !n.pg_addr.is_empty()));
                if agreed && recorded {
                    return leader.unwrap();
                }
            }
            if Instant::now() >= deadline {
                // The nodes' own logs say why (a refused start, a crash), which the views cannot.
                let logs: Vec<String> =
                    self.running().iter().map(|id| format!("--- node {id} log ---\n{}", self.log(*id))).collect();
                panic!("cluster not ready: {views:?}\n{}", logs.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await; // poll interval of a wait with a deadline
        }
    }

    pub async fn leader(&self) -> u64 {
        self.wait_ready().await
    }

    pub async fn follower(&self) -> u64 {
        let l = self.leader().await;
        *self.running().iter().find(|id| **id != l).unwrap()
    }

    /// A libpq-style connection string for node `id`.
    pub fn conn_str(&self, id: u64) -> String {
        format!("host=127.0.0.1 port={} user=raftsql dbname=raftsql", self.nodes[id as usize - 1].pg_port)
    }

    /// GET `path` from node `id`'s admin endpoint: (status code, body).
    pub fn http_get(&self, id: u64, path: &str) -> (u16, Vec<u8>) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.nodes[id as usize - 1].http_port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("http head");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let code = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (code, raw[split + 4..].to_vec())
    }

    /// A tokio-postgres client of node `id` (its log is shown if the connection fails).
    pub async fn pg_client(&self, id: u64) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.conn_str(id), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to node {id}: {e}\n{}", self.log(id)));
        tokio::spawn(conn);
        client
    }

    pub fn pg_port(&self, id: u64) -> u16 {
        self.nodes[id as usize - 1].pg_port
    }

    /// The node's log file (stderr), for failure messages.
    pub fn log(&self, id: u64) -> String {
        std::fs::read_to_string(self.data_dir(id).with_extension("log")).unwrap_or_default()
    }
}

impl Drop for ProcCluster {
    fn drop(&mut self) {
        for id in 1..=self.nodes.len() as u64 {
            self.kill(id);
        }
    }
}
