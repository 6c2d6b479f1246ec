//! Wiring of a whole node: starts the replicated core from a validated configuration, forms or joins the
//! cluster, keeps this node's addresses current in the membership, and shuts down cleanly on a signal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::pg::{AuthMethod, PgOptions, PgShared};
use crate::users::Users;

use crate::config::Config;
use crate::error::StartError;
use crate::raft::{Node, RaftNode, RaftOptions};

/// Builds the core's options from a node configuration.
pub fn raft_options(config: &Config) -> RaftOptions {
    let mut o = RaftOptions::new(config.id, config.data_dir.clone());
    o.raft_listen = config.raft_listen.clone();
    o.raft_advertise = Some(config.raft_advertise.clone());
    o.pg_advertise = config.pg_advertise.clone();
    o.heartbeat_ms = config.heartbeat_ms;
    o.election_timeout_min_ms = config.election_timeout_ms;
    o.election_timeout_max_ms = config.election_timeout_ms * 2;
    o.snapshot_every = config.snapshot_every;
    o.secret = config.cluster_secret.clone();
    let l = &config.limits;
    o.statement_limits.max_steps = l.max_statement_steps;
    o.statement_limits.max_result_bytes = l.max_result_bytes.min(o.statement_limits.max_result_bytes);
    o.max_result_bytes = l.max_result_bytes;
    o.max_request_bytes = l.max_request_bytes;
    o.txn_idle_timeout = l.max_idle_in_transaction;
    o
}

/// A running node: the replicated core and its PostgreSQL server.
pub struct RunningNode {
    pub raft: RaftNode,
    pub pg: Arc<PgShared>,
    /// Where the PostgreSQL server listens (the bound address, useful with port 0).
    pub pg_addr: String,
    /// Where the admin HTTP endpoint listens, if enabled.
    pub http_addr: Option<String>,
    pg_stop: watch::Sender<bool>,
    pg_task: JoinHandle<()>,
    http_task: Option<JoinHandle<()>>,
}

impl RunningNode {
    /// Stops accepting clients, hands leadership over if this node leads, then stops the replicated core.
    pub async fn shutdown(self) {
        let _ = self.pg_stop.send(true);
        if let Err(e) = self.raft.core().step_down().await {
            tracing::warn!(error = %e, "could not hand leadership over before stopping");
        }
        let _ = self.pg_task.await;
        if let Some(t) = self.http_task {
            let _ = t.await;
        }
        self.raft.shutdown().await;
    }
}

/// The PostgreSQL server's options: users, authentication method and TLS, checked before anything starts.
pub fn pg_options(config: &Config) -> Result<PgOptions, StartError> {
    let a = &config.client_auth;
    let mut users = match &a.users_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| StartError::Io { path: path.display().to_string(), source })?;
            Users::parse_file(&text).map_err(|e| StartError::Config(format!("{}: {e}", path.display())))?
        }
        None => Users::default(),
    };
    for pair in &a.users {
        if let Some((name, password)) = pair.split_once(':') {
            users.add_password(name, password);
        }
    }
    users.set_superusers(&a.superusers).map_err(StartError::Config)?;
    let auth = match (a.method.as_deref(), users.is_empty()) {
        (_, true) => AuthMethod::Trust,
        (Some("password"), false) => AuthMethod::Password,
        (_, false) => AuthMethod::Scram,
    };
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(crate::pg::tls::acceptor(cert, key).map_err(StartError::Config)?),
        _ => None,
    };
    Ok(PgOptions { max_connections: config.max_connections, auth, users: Arc::new(users), tls })
}

/// Starts the node, forms (or joins) its cluster and serves PostgreSQL clients. Returns once the node runs.
pub async fn start(config: &Config) -> Result<RunningNode, StartError> {
    let pg_options = pg_options(config)?;
    // Bind the client port first: a port in use fails the start before anything touches the data directory.
    let pg_listener = TcpListener::bind(&config.pg_listen)
        .await
        .map_err(|source| StartError::Bind { addr: config.pg_listen.clone(), source })?;
    let pg_addr = pg_listener.local_addr().map_err(|e| StartError::Raft(e.to_string()))?.to_string();
    let http_listener = match &config.http_listen {
        Some(addr) => {
            Some(TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.clone(), source })?)
        }
        None => None,
    };
    // Before anything opens SQLite (restoring a backup does).
    if !crate::db::charging::install() {
        // Nodes that charge allocations differently could end the same statement differently.
        return Err(StartError::StateMachine(
            "SQLite was initialized before raftsql could install its allocator".into(),
        ));
    }
    crate::db::charging::set_heap_limit(config.limits.sqlite_memory_bytes);
    crate::datadir::prepare(config)?;
    let mut options = raft_options(config);
    if options.pg_advertise.ends_with(":0") || options.pg_advertise.is_empty() {
        options.pg_advertise = pg_addr.clone();
    }
    let node = RaftNode::start(options).await?;
    if let Some(target) = &config.join {
        join(&node, target, !config.learner).await?;
    } else {
        let members: BTreeMap<_, _> = if config.peers.is_empty() {
            BTreeMap::from([(config.id, node.node().clone())])
        } else {
            // Every initial node must propose exactly the same membership (it becomes log entry 0 on each of
            // them), so it holds only what --peers says; each node records its PostgreSQL address afterwards.
            config
                .peers
                .iter()
                .map(|(id, addr)| (*id, Node { raft_addr: addr.clone(), pg_addr: String::new() }))
                .collect()
        };
        node.initialize(members).await.map_err(|e| StartError::Raft(e.to_string()))?;
    }
    let core = node.core().clone();
    tokio::spawn(async move { keep_own_addresses_current(core).await });
    let pg = PgShared::new(node.core().clone(), pg_options);
    let (pg_stop, stop_rx) = watch::channel(false);
    let pg_task = tokio::spawn(crate::pg::serve(pg_listener, pg.clone(), stop_rx.clone()));
    tracing::info!(pg_addr = %pg_addr, "PostgreSQL server listening");
    let http_addr = http_listener.as_ref().and_then(|l| l.local_addr().ok()).map(|a| a.to_string());
    let http_task =
        http_listener.map(|l| tokio::spawn(crate::http::serve(l, node.core().clone(), pg.clone(), stop_rx)));
    Ok(RunningNode { raft: node, pg, pg_addr, http_addr, pg_stop, pg_task, http_task })
}

/// Asks a running member to add this node (as a learner, then as a voter unless `voter` is false).
async fn join(node: &RaftNode, target: &str, voter: bool) -> Result<(), StartError> {
    let already_member = node.metrics().membership_config.membership().get_node(&node.id()).is_some();
    if already_member {
        return Ok(());
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match node.core().request_join(target, voter).await {
            Ok(()) => return Ok(()),
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::warn!(%target, error = %e, "join failed, retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(StartError::Raft(format!("could not join through {target}: {e}"))),
        }
    }
}

/// The membership records every node's addresses. Peers listed in `--peers` start with only a Raft address;
/// each node, once a leader exists, records its own current addresses (and corrects them after a restart
/// with new ones).
async fn keep_own_addresses_current(core: std::sync::Arc<crate::raft::NodeCore>) {
    let mut rx = core.raft.metrics();
    loop {
        let recorded = rx.borrow().membership_config.membership().get_node(&core.id).cloned();
        let has_leader = rx.borrow().current_leader.is_some();
        if has_leader && recorded.as_ref().is_some_and(|n| *n != core.node) {
            if let Err(e) = core.update_own_addresses().await {
                tracing::warn!(error = %e, "recording this node's addresses failed, will retry");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}
