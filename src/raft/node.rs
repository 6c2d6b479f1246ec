//! A raftsql node's replicated core: starts the log store, state machine, Raft and the cluster RPC server,
//! and offers what the layers above use: writes (forwarded to the leader when this node follows),
//! linearizable reads (read index), membership changes, metrics and shutdown.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::error::{InitializeError, RaftError};
use openraft::SnapshotPolicy;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::db::exec::Access;
use crate::db::{ExecLimits, QueryResult, ReadError, ReadPool, Statement, Value};
use crate::error::{ClusterError, ExecError, StartError};
use crate::raft::admin::SwitchLeases;
use crate::raft::log_file::LogFileStats;
use crate::raft::log_store::LogStore;
use crate::raft::network::{ForwardClient, NetworkFaults};
use crate::raft::peer_client::NetworkFactory;
use crate::raft::proposer::Proposer;
use crate::raft::reads::ReadWaiter;
use crate::raft::routing::Retry;
use crate::raft::rpc::LeaderRequest;
use crate::raft::rpc_server;
use crate::raft::state_machine::StateMachine;
use crate::raft::types::{Node, NodeId, Raft, RaftMetrics};
use crate::raft::wire::ClusterSecret;
use crate::raft::write_gate::WriteGate;

/// Everything needed to start the replicated core of one node.
#[derive(Debug, Clone)]
pub struct RaftOptions {
    pub id: NodeId,
    pub data_dir: PathBuf,
    /// Address the cluster RPC server binds (port 0 picks a free port).
    pub raft_listen: String,
    /// Address other nodes use to reach this one; defaults to the bound address.
    pub raft_advertise: Option<String>,
    /// PostgreSQL address recorded in the membership so peers can redirect clients.
    pub pg_advertise: String,
    pub heartbeat_ms: u64,
    pub election_timeout_min_ms: u64,
    pub election_timeout_max_ms: u64,
    /// Build a snapshot after this many log entries since the last one.
    pub snapshot_every: u64,
    /// Entries kept in the log behind a snapshot (so briefly lagging followers catch up from the log).
    pub keep_logs_after_snapshot: u64,
    pub read_pool_size: usize,
    /// Largest result a read may return, in bytes.
    pub max_result_bytes: u64,
    /// Bounds of replicated statements (execution budget, result size), carried in each entry this node
    /// proposes as leader.
    pub statement_limits: ExecLimits,
    /// How long a client write may wait for a leader before failing as unavailable.
    pub write_timeout: Duration,
    /// An interactive write transaction idle this long is rolled back (it holds the leader's write gate);
    /// also the most a session's idle_in_transaction_session_timeout may ask for.
    pub txn_idle_timeout: Duration,
    /// Largest replicated request (SQL text and parameters) accepted; larger ones get 54000 up front.
    pub max_request_bytes: usize,
    /// The key of the cluster RPC's handshake.
    pub secret: ClusterSecret,
}

impl RaftOptions {
    /// Defaults suited to a loaded machine running several nodes (elections around one second).
    pub fn new(id: NodeId, data_dir: PathBuf) -> Self {
        RaftOptions {
            id,
            data_dir,
            raft_listen: "127.0.0.1:0".into(),
            raft_advertise: None,
            pg_advertise: String::new(),
            heartbeat_ms: 150,
            election_timeout_min_ms: 1000,
            election_timeout_max_ms: 2000,
            snapshot_every: 20_000,
            keep_logs_after_snapshot: 1_000,
            read_pool_size: 4,
            max_result_bytes: 256 << 20,
            statement_limits: ExecLimits::default(),
            write_timeout: Duration::from_secs(10),
            txn_idle_timeout: Duration::from_secs(60),
            max_request_bytes: 16 << 20,
            secret: ClusterSecret::none(),
        }
    }
}

/// How fresh a read must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consistency {
    /// Sees every write acknowledged before the read started (read index through the leader).
    #[default]
    Linearizable,
    /// Reads this node's copy as it is, possibly behind the leader.
    Stale,
}

/// Shared state of a running node; the RPC server and the public handle both hold it.
pub struct NodeCore {
    pub id: NodeId,
    pub raft: Raft,
    pub state_machine: StateMachine,
    pub reads: ReadPool,
    pub faults: Arc<NetworkFaults>,
    pub log_stats: Arc<LogFileStats>,
    /// Group commit of this node's proposals while it leads.
    pub proposer: Proposer,
    /// This node's entry in the membership (its advertised addresses).
    pub node: Node,
    /// The leader's write gate for interactive transactions.
    pub gate: Arc<WriteGate>,
    /// Callers waiting for the next read-index round.
    pub(crate) read_rounds: mpsc::UnboundedSender<ReadWaiter>,
    pub(crate) forward: ForwardClient,
    /// The key of the cluster RPC's handshake.
    pub(crate) secret: ClusterSecret,
    /// Election and heartbeat switches paused by a leadership transfer, and their leases.
    pub(crate) switches: Arc<SwitchLeases>,
    pub(crate) options: RaftOptions,
}

/// A running node. Dropping it without `shutdown` leaves background tasks running until the runtime ends.
pub struct RaftNode {
    core: Arc<NodeCore>,
    server: JoinHandle<()>,
    reaper: JoinHandle<()>,
    stop: watch::Sender<bool>,
}

fn start_err(e: impl std::fmt::Display) -> StartError {
    StartError::Raft(e.to_string())
}

impl RaftNode {
    /// Opens storage, binds the cluster RPC port and starts Raft. Does not bootstrap a cluster: see
    /// `initialize`.
    pub async fn start(options: RaftOptions) -> Result<RaftNode, StartError> {
        let io = |path: &PathBuf| {
            let path = path.display().to_string();
            move |source| StartError::Io { path, source }
        };
        std::fs::create_dir_all(&options.data_dir).map_err(io(&options.data_dir))?;
        let log_store =
            LogStore::open(&options.data_dir.join("raft-log")).map_err(|e| StartError::LogStore(e.to_string()))?;
        let log_stats = log_store.stats();
        let db_path = options.data_dir.join("state.db");
        let state_machine = StateMachine::open(&db_path, &options.data_dir.join("snapshots"))
            .map_err(|e| StartError::StateMachine(e.to_string()))?;
        let reads = ReadPool::open(&db_path, options.read_pool_size, options.max_result_bytes)
            .map_err(|e| StartError::StateMachine(e.to_string()))?;
        let listener = TcpListener::bind(&options.raft_listen)
            .await
            .map_err(|source| StartError::Bind { addr: options.raft_listen.clone(), source })?;
        let bound = listener.local_addr().map_err(start_err)?.to_string();
        let node =
            Node { raft_addr: options.raft_advertise.clone().unwrap_or(bound), pg_addr: options.pg_advertise.clone() };

        let config = openraft::Config {
            cluster_name: "raftsql".into(),
            heartbeat_interval: options.heartbeat_ms,
            election_timeout_min: options.election_timeout_min_ms,
            election_timeout_max: options.election_timeout_max_ms,
            // Per-chunk timeout of a snapshot transfer: a chunk of a large database on a busy disk takes
            // far longer than OpenRaft's 200 ms default.
            install_snapshot_timeout: 30_000,
            snapshot_max_chunk_size: 1024 * 1024,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(options.snapshot_every),
            max_in_snapshot_log_to_keep: options.keep_logs_after_snapshot,
            max_payload_entries: 512,
            ..Default::default()
        };
        let config = Arc::new(config.validate().map_err(|e| StartError::Config(e.to_string()))?);
        let faults = Arc::new(NetworkFaults::default());
        let network = NetworkFactory {
            my_id: options.id,
            faults: faults.clone(),
            secret: options.secret.clone(),
            connect_timeout: Duration::from_millis(options.heartbeat_ms.max(100) * 2),
        };
        let raft = Raft::new(options.id, config, network, log_store, state_machine.clone()).await.map_err(start_err)?;
        let gate = Arc::new(WriteGate::default());
        let (read_rounds, read_waiting) = mpsc::unbounded_channel();
        let proposer = Proposer::start(raft.clone(), gate.clone(), options.write_timeout, options.statement_limits);
        let forward = ForwardClient::new(options.id, faults.clone(), options.secret.clone(), Duration::from_secs(2));
        let core = Arc::new(NodeCore {
            id: options.id,
            raft,
            state_machine,
            reads,
            faults,
            log_stats,
            proposer,
            node,
            gate,
            read_rounds,
            forward,
            secret: options.secret.clone(),
            switches: Arc::default(),
            options,
        });
        let (stop, stop_rx) = watch::channel(false);
        let server = tokio::spawn(rpc_server::serve(listener, core.clone(), stop_rx));
        let reaper = {
            let core = core.clone();
            let idle = core.options.txn_idle_timeout;
            tokio::spawn(async move {
                let reads = core.run_read_rounds(read_waiting);
                tokio::join!(core.reap_transactions(idle), reads);
            })
        };
        tracing::info!(node_id = core.id, raft_addr = %core.node.raft_addr, "raft node started");
        Ok(RaftNode { core, server, reaper, stop })
    }

    pub fn core(&self) -> &Arc<NodeCore> {
        &self.core
    }

    pub fn id(&self) -> NodeId {
        self.core.id
    }

    pub fn raft(&self) -> &Raft {
        &self.core.raft
    }

    /// This node's advertised addresses.
    pub fn node(&self) -> &Node {
        &self.core.node
    }

    pub fn faults(&self) -> &Arc<NetworkFaults> {
        &self.core.faults
    }

    pub fn metrics(&self) -> RaftMetrics {
        self.core.raft.metrics().borrow().clone()
    }

    /// Bootstraps a cluster of `members` if this node has never been part of one. Every initial voter may
    /// call it with the same list; calling it again (on restart) changes nothing.
    pub async fn initialize(&self, members: BTreeMap<NodeId, Node>) -> Result<(), ClusterError> {
        if self.core.raft.is_initialized().await.map_err(|e| ClusterError::Storage(e.to_string()))? {
            return Ok(());
        }
        match self.core.raft.initialize(members).await {
            Ok(()) => Ok(()),
            Err(RaftError::APIError(InitializeError::NotAllowed(_))) => Ok(()),
            Err(e) => Err(ClusterError::Unavailable(e.to_string())),
        }
    }

    /// Proposes `statements` as one atomic entry (through the leader) and returns their results.
    pub async fn write(&self, statements: Vec<Statement>) -> Result<Vec<QueryResult>, ExecError> {
        self.core.write(statements).await
    }

    /// Runs one statement: reads locally at the requested consistency, writes through the log.
    pub async fn execute(
        &self,
        sql: &str,
        params: Vec<Value>,
        consistency: Consistency,
    ) -> Result<QueryResult, ExecError> {
        self.core.execute(sql, params, consistency).await
    }

    /// Waits until this node's state machine is at least as fresh as a linearizable read requires.
    pub async fn read_barrier(&self) -> Result<(), ClusterError> {
        self.core.read_barrier().await
    }

    /// Adds a learner (it starts receiving the log) and waits until it has caught up.
    pub async fn add_learner(&self, id: NodeId, node: Node) -> Result<(), ClusterError> {
        self.core.admin(LeaderRequest::AddLearner { id, node }).await
    }

    /// Makes exactly `voters` the voting members.
    pub async fn change_voters(&self, voters: Vec<NodeId>) -> Result<(), ClusterError> {
        self.core.admin(LeaderRequest::ChangeVoters(voters)).await
    }

    /// Removes a node (voter or learner) from the cluster.
    pub async fn remove_node(&self, id: NodeId) -> Result<(), ClusterError> {
        self.core.admin(LeaderRequest::RemoveNode(id)).await
    }

    /// Resolves when Raft has stopped on a fatal error (a storage failure while applying or writing the log,
    /// a panic in the core), with the error. The process should then end: the node can no longer serve.
    pub async fn wait_fatal(&self) -> String {
        self.core.wait_fatal().await
    }

    /// Waits until some node is known as leader, returning its id.
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, ClusterError> {
        self.core.wait_for_leader(timeout).await
    }

    /// Stops serving: closes the RPC server, stops Raft, checkpoints the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.reaper.abort();
        self.server.abort();
        let _ = self.server.await;
        if let Err(e) = self.core.raft.shutdown().await {
            tracing::warn!(error = %e, "raft shutdown");
        }
        if let Err(e) = self.core.state_machine.checkpoint().await {
            tracing::warn!(error = %e, "final checkpoint failed");
        }
        tracing::info!(node_id = self.core.id, "raft node stopped");
    }
}

impl NodeCore {
    /// Runs one statement: reads locally at the requested consistency, writes through the log.
    pub async fn execute(
        &self,
        sql: &str,
        params: Vec<Value>,
        consistency: Consistency,
    ) -> Result<QueryResult, ExecError> {
        // Classify first, so a write never pays for a read-index round. A statement that does not prepare
        // here may name a table this node has not applied yet: catch up, then classify again.
        let access = match self.reads.classify(sql).await {
            Ok(a) => a,
            Err(_) if consistency == Consistency::Linearizable => {
                self.read_barrier().await?;
                self.reads.classify(sql).await?
            }
            Err(e) => return Err(e.into()),
        };
        self.execute_as(sql, params, consistency, access).await
    }

    /// `execute` for a statement whose kind the caller already knows from its parsed form: a query goes
    /// straight to the read path (SQLite's read-only check still guards it), anything else straight to the
    /// log, saving the classification round.
    pub async fn execute_as(
        &self,
        sql: &str,
        params: Vec<Value>,
        consistency: Consistency,
        expected: Access,
    ) -> Result<QueryResult, ExecError> {
        if expected == Access::Write {
            let mut results = self.write(vec![Statement::new(sql, params)]).await?;
            return Ok(results.pop().unwrap_or_default());
        }
        if consistency == Consistency::Linearizable {
            self.read_barrier().await?;
        }
        match self.reads.query(sql, params.clone()).await {
            Ok(r) => Ok(r),
            Err(ReadError::Sql(e)) => Err(e.into()),
            Err(ReadError::NotReadOnly) => {
                let mut results = self.write(vec![Statement::new(sql, params)]).await?;
                Ok(results.pop().unwrap_or_default())
            }
        }
    }

    /// Resolves when Raft has stopped on a fatal error, with the error.
    pub async fn wait_fatal(&self) -> String {
        let mut rx = self.raft.metrics();
        loop {
            if let Err(e) = &rx.borrow().running_state {
                return e.to_string();
            }
            if rx.changed().await.is_err() {
                return "raft stopped".into();
            }
        }
    }

    /// The fatal error Raft stopped on, if it did.
    pub fn fatal_error(&self) -> Option<String> {
        self.raft.metrics().borrow().running_state.as_ref().err().map(|e| e.to_string())
    }

    pub(crate) fn leader_hint(&self) -> Option<(NodeId, Node)> {
        let m = self.raft.metrics().borrow().clone();
        let leader = m.current_leader?;
        let node = m.membership_config.membership().get_node(&leader)?.clone();
        Some((leader, node))
    }

    pub(crate) async fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, ClusterError> {
        let mut rx = self.raft.metrics();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(l) = rx.borrow().current_leader {
                return Ok(l);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return Err(ClusterError::ShuttingDown),
                Err(_) => return Err(ClusterError::Unavailable("no leader elected in time".into())),
            }
        }
    }

    /// Waits for the metrics to change (a new leader, a new term) or a short pause, whichever comes first.
    pub(crate) async fn wait_for_change(&self) {
        let mut rx = self.raft.metrics();
        let _ = tokio::time::timeout(Duration::from_millis(self.options.heartbeat_ms), rx.changed()).await;
    }

    async fn write(&self, statements: Vec<Statement>) -> Result<Vec<QueryResult>, ExecError> {
        self.check_request_size(&statements)?;
        let deadline = Instant::now() + self.options.write_timeout;
        let answer = self.on_leader(LeaderRequest::Write(statements), Retry::WhileNotDone, deadline).await?;
        Ok(answer.into_write()??)
    }
}
