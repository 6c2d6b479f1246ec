//! TestCluster: N raftsql nodes in this process, each with its own temp directory and real TCP ports (bound
//! on port 0), helpers that wait on Raft metrics with deadlines, kill/restart, isolate/heal through the
//! network's fault-injection switch, and a digest of every table to compare replicas.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::Duration;

use raftsql::db::{QueryResult, Statement, Value};
use raftsql::error::ExecError;
use raftsql::raft::{Consistency, Node, NodeId, RaftNode, RaftOptions};
use tempfile::TempDir;

/// Generous deadline for anything a healthy cluster does in well under a second.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct TestCluster {
    root: TempDir,
    nodes: BTreeMap<NodeId, Option<RaftNode>>,
    addrs: BTreeMap<NodeId, String>,
    pub tune: fn(&mut RaftOptions),
}

pub fn default_tune(_: &mut RaftOptions) {}

pub fn init_tracing() {
    let _ = tracing_subscriber_init();
}

fn tracing_subscriber_init() -> Result<(), ()> {
    // Tests log nothing unless RUST_LOG is set.
    if std::env::var("RUST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    }
    Ok(())
}

impl TestCluster {
    /// Starts `n` voters (ids 1..=n) and waits for a leader.
    pub async fn start(n: u64) -> TestCluster {
        Self::start_with(n, default_tune).await
    }

    pub async fn start_with(n: u64, tune: fn(&mut RaftOptions)) -> TestCluster {
        init_tracing();
        let mut cluster = TestCluster {
            root: tempfile::tempdir().expect("temp dir"),
            nodes: BTreeMap::new(),
            addrs: BTreeMap::new(),
            tune,
        };
        for id in 1..=n {
            cluster.spawn(id).await;
        }
        let members: BTreeMap<NodeId, Node> =
            cluster.nodes.iter().map(|(id, n)| (*id, n.as_ref().unwrap().node().clone())).collect();
        for node in cluster.nodes.values() {
            node.as_ref().unwrap().initialize(members.clone()).await.expect("initialize");
        }
        cluster.leader().await;
        cluster
    }

    fn options(&self, id: NodeId) -> RaftOptions {
        let mut o = RaftOptions::new(id, self.data_dir(id));
        o.raft_listen = self.addrs.get(&id).cloned().unwrap_or_else(|| "127.0.0.1:0".into());
        o.pg_advertise = format!("127.0.0.1:{}", 5400 + id);
        o.heartbeat_ms = 100;
        o.election_timeout_min_ms = 800;
        o.election_timeout_max_ms = 1600;
        (self.tune)(&mut o);
        o
    }

    pub fn data_dir(&self, id: NodeId) -> PathBuf {
        self.root.path().join(format!("node-{id}"))
    }

    /// Starts node `id` (new, or again on its old directory and address). It is not added to the cluster.
    pub async fn spawn(&mut self, id: NodeId) -> &RaftNode {
        let options = self.options(id);
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let node = loop {
            // The old incarnation's port may take a moment to be released.
            match RaftNode::start(options.clone()).await {
                Ok(n) => break n,
                Err(e) if tokio::time::Instant::now() < deadline => {
                    tracing::debug!(error = %e, "restart failed, retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await; // poll interval of a wait with a deadline
                }
                Err(e) => panic!("node {id} did not start: {e}"),
            }
        };
        self.addrs.insert(id, node.node().raft_addr.clone());
        self.nodes.insert(id, Some(node));
        self.nodes[&id].as_ref().unwrap()
    }

    pub fn node(&self, id: NodeId) -> &RaftNode {
        self.nodes.get(&id).and_then(|n| n.as_ref()).unwrap_or_else(|| panic!("node {id} is not running"))
    }

    pub fn running(&self) -> Vec<NodeId> {
        self.nodes.iter().filter(|(_, n)| n.is_some()).map(|(id, _)| *id).collect()
    }

    /// Waits until every running, connected node agrees on one leader, and returns it.
    pub async fn leader(&self) -> NodeId {
        self.leader_among(&self.running()).await
    }

    pub async fn leader_among(&self, ids: &[NodeId]) -> NodeId {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let views: Vec<Option<NodeId>> = ids.iter().map(|id| self.node(*id).metrics().current_leader).collect();
            if let Some(Some(l)) = views.first() {
                if views.iter().all(|v| *v == Some(*l)) && ids.contains(l) {
                    // The leader must also consider itself leader of the current term.
                    if self.node(*l).metrics().state.is_leader() {
                        return *l;
                    }
                }
            }
            assert!(tokio::time::Instant::now() < deadline, "no agreed leader among {ids:?}: {views:?}");
            tokio::time::sleep(Duration::from_millis(20)).await; // poll interval of a wait with a deadline
        }
    }

    /// A running node that is not the leader.
    pub async fn follower(&self) -> NodeId {
        let leader = self.leader().await;
        *self.running().iter().find(|id| **id != leader).expect("a follower")
    }

    /// Waits until node `id` has applied at least `index`.
    pub async fn wait_applied(&self, id: NodeId, index: u64) {
        self.node(id)
            .raft()
            .wait(Some(DEADLINE))
            .applied_index_at_least(Some(index), "test wait")
            .await
            .unwrap_or_else(|e| panic!("node {id} did not apply {index}: {e}"));
    }

    /// Waits until every node in `ids` has applied what the leader has applied.
    pub async fn converge(&self, ids: &[NodeId]) {
        let leader = self.leader_among(ids).await;
        let index = self.node(leader).metrics().last_applied.map(|l| l.index).unwrap_or(0);
        for id in ids {
            self.wait_applied(*id, index).await;
        }
    }

    /// Stops a node (its data stays).
    pub async fn kill(&mut self, id: NodeId) {
        if let Some(node) = self.nodes.get_mut(&id).and_then(Option::take) {
            node.shutdown().await;
        }
    }

    pub async fn restart(&mut self, id: NodeId) {
        self.kill(id).await;
        self.spawn(id).await;
    }

    /// Cuts every link of node `id`, both ways.
    pub fn isolate(&self, id: NodeId) {
        for other in self.running() {
            if other == id {
                self.node(id).faults().isolate();
            } else {
                self.node(other).faults().block(id);
            }
        }
    }

    pub fn heal(&self) {
        for id in self.running() {
            self.node(id).faults().heal();
        }
    }

    pub async fn exec(&self, id: NodeId, sql: &str) -> Result<QueryResult, ExecError> {
        self.node(id).execute(sql, vec![], Consistency::Linearizable).await
    }

    pub async fn exec_params(&self, id: NodeId, sql: &str, params: Vec<Value>) -> Result<QueryResult, ExecError> {
        self.node(id).execute(sql, params, Consistency::Linearizable).await
    }

    /// Reads a node's own copy without a read-index round (for comparing replicas after `converge`).
    pub async fn local_rows(&self, id: NodeId, sql: &str) -> Vec<Vec<Value>> {
        self.node(id).execute(sql, vec![], Consistency::Stale).await.expect("local read").rows
    }

    /// A digest of every user table's rows on node `id`, in primary-key order.
    pub async fn digest(&self, id: NodeId) -> u64 {
        let tables = self
            .local_rows(id, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '__raftsql%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .await;
        let mut h = DefaultHasher::new();
        for t in tables {
            let Value::Text(name) = &t[0] else { panic!("table name") };
            name.hash(&mut h);
            // In chunks, so that tables of big rows stay under the node's result limit.
            let mut offset = 0;
            loop {
                let sql = format!("SELECT * FROM \"{name}\" ORDER BY 1 LIMIT 8 OFFSET {offset}");
                let rows = self.local_rows(id, &sql).await;
                if rows.is_empty() {
                    break;
                }
                offset += rows.len();
                format!("{rows:?}").hash(&mut h);
            }
        }
        h.finish()
    }

    /// Asserts that every node in `ids` holds exactly the same data.
    pub async fn assert_identical(&self, ids: &[NodeId]) {
        self.converge(ids).await;
        let first = self.digest(ids[0]).await;
        for id in &ids[1..] {
            assert_eq!(self.digest(*id).await, first, "node {id} differs from node {}", ids[0]);
        }
    }

    pub async fn shutdown(mut self) {
        for id in self.running() {
            self.kill(id).await;
        }
    }
}

/// One statement without parameters.
pub fn stmt(sql: &str) -> Statement {
    Statement::new(sql, vec![])
}

/// The single integer a query returned.
pub fn int(r: &QueryResult) -> i64 {
    match r.rows.first().and_then(|row| row.first()) {
        Some(Value::Integer(i)) => *i,
        other => panic!("expected one integer, got {other:?}"),
    }
}
pub mod procs;
pub mod rng;
