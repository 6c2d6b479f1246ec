//! Validated node configuration: what the command line (or `RAFTSQL_*` environment variables) asked for,
//! checked for contradictions before anything touches the data directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::StartError;
use crate::raft::wire::ClusterSecret;
use crate::raft::NodeId;

/// A node's configuration after validation.
#[derive(Debug, Clone)]
pub struct Config {
    pub id: NodeId,
    pub data_dir: PathBuf,
    /// Address the cluster RPC server binds.
    pub raft_listen: String,
    /// Address peers use to reach this node's cluster RPC.
    pub raft_advertise: String,
    /// Address the PostgreSQL server binds.
    pub pg_listen: String,
    /// Address clients use to reach this node's PostgreSQL server.
    pub pg_advertise: String,
    /// Initial voters (id to Raft address), empty for a single node or a joining node.
    pub peers: BTreeMap<NodeId, String>,
    /// Raft address of a running member to join through.
    pub join: Option<String>,
    /// Join as a permanent non-voting member (read replica).
    pub learner: bool,
    pub heartbeat_ms: u64,
    pub election_timeout_ms: u64,
    pub snapshot_every: u64,
    /// Client connections served at once; more get SQLSTATE 53300.
    pub max_connections: usize,
    pub limits: Limits,
    /// Client authentication and TLS.
    pub client_auth: ClientAuth,
    /// Address of the admin HTTP endpoint (health, readiness, status, metrics, backup), if any.
    pub http_listen: Option<String>,
    /// A backup file to start a new cluster from (used only when the data directory is new).
    pub restore_from: Option<PathBuf>,
    /// The key peers prove they know before anything else is exchanged on the Raft port.
    pub cluster_secret: ClusterSecret,
    /// Allow a non-loopback Raft address without a cluster secret.
    pub insecure: bool,
}

/// Server-side limits on statements, results, requests and idle transactions.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_statement_steps: u64,
    pub max_result_bytes: u64,
    pub max_request_bytes: usize,
    pub max_idle_in_transaction: std::time::Duration,
    pub sqlite_memory_bytes: u64,
}

/// Shortest cluster secret accepted.
pub const MIN_SECRET_BYTES: usize = 16;

/// Reads the cluster secret from `file` or takes it from `value` (RAFTSQL_CLUSTER_SECRET); neither means
/// none.
pub fn load_cluster_secret(file: Option<&Path>, value: Option<&str>) -> Result<ClusterSecret, StartError> {
    let secret = match (file, value) {
        (Some(_), Some(_)) => return Err(StartError::Config(
            "give the cluster secret either in a file (--cluster-secret-file) or in RAFTSQL_CLUSTER_SECRET, not both"
                .into(),
        )),
        (Some(path), None) => {
            let bytes =
                std::fs::read(path).map_err(|source| StartError::Io { path: path.display().to_string(), source })?;
            String::from_utf8_lossy(&bytes).trim().as_bytes().to_vec()
        }
        (None, Some(v)) => v.trim().as_bytes().to_vec(),
        (None, None) => return Ok(ClusterSecret::none()),
    };
    if secret.len() < MIN_SECRET_BYTES {
        return Err(StartError::Config(format!(
            "the cluster secret has {} bytes; use at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
            secret.len()
        )));
    }
    Ok(ClusterSecret::new(&secret))
}

/// Whether `addr` (host:port) can only be reached from this machine.
pub fn is_loopback(addr: &str) -> bool {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// How PostgreSQL clients connect: users (from a file of verifiers and/or name:password pairs), the method,
/// and TLS files.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    pub users_file: Option<PathBuf>,
    /// `name:password` pairs given on the command line or in RAFTSQL_USERS.
    pub users: Vec<String>,
    /// Users who may administer the cluster and take backups.
    pub superusers: Vec<String>,
    /// "scram" (default when users exist) or "password" (cleartext, TLS only).
    pub method: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// Parses `1=host:port,2=host:port`.
pub fn parse_peers(spec: &str) -> Result<BTreeMap<NodeId, String>, StartError> {
    let mut peers = BTreeMap::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, addr) = part
            .split_once('=')
            .ok_or_else(|| StartError::Config(format!("peer '{part}' is not of the form <id>=<host:port>")))?;
        let id: NodeId =
            id.trim().parse().map_err(|_| StartError::Config(format!("peer id '{id}' is not a number")))?;
        let addr = addr.trim();
        if addr.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok()).is_none() {
            return Err(StartError::Config(format!("peer {id} address '{addr}' is not of the form host:port")));
        }
        if peers.insert(id, addr.to_string()).is_some() {
            return Err(StartError::Config(format!("peer id {id} appears twice in --peers")));
        }
    }
    Ok(peers)
}

impl Config {
    /// Checks that the parts fit together.
    pub fn validate(self) -> Result<Config, StartError> {
        if self.id == crate::raft::rpc::CLIENT_ID {
            return Err(StartError::Config("node id 0 is reserved for tools: use 1 or more".into()));
        }
        if !self.cluster_secret.is_configured() && !self.insecure && !is_loopback(&self.raft_listen) {
            return Err(StartError::Config(format!(
                "the Raft address {} is reachable from other machines, and without a cluster secret anyone who \
                 reaches it can read and change all data: give every node the same --cluster-secret-file (or \
                 RAFTSQL_CLUSTER_SECRET), or accept the risk with --insecure",
                self.raft_listen
            )));
        }
        if self.join.is_some() && !self.peers.is_empty() {
            return Err(StartError::Config("--join and --peers exclude each other: a node either bootstraps with the initial voters or joins a running cluster".into()));
        }
        if self.learner && self.join.is_none() {
            return Err(StartError::Config("--learner only applies to a node started with --join".into()));
        }
        if !self.peers.is_empty() && !self.peers.contains_key(&self.id) {
            let ids: Vec<String> = self.peers.keys().map(|k| k.to_string()).collect();
            return Err(StartError::Config(format!(
                "this node's id {} is not in --peers (ids: {})",
                self.id,
                ids.join(", ")
            )));
        }
        let a = &self.client_auth;
        if a.tls_cert.is_some() != a.tls_key.is_some() {
            return Err(StartError::Config("--tls-cert and --tls-key go together".into()));
        }
        if let Some(m) = &a.method {
            if m != "scram" && m != "password" {
                return Err(StartError::Config(format!("--auth-method {m}: expected scram or password")));
            }
            if a.users_file.is_none() && a.users.is_empty() {
                return Err(StartError::Config(format!("--auth-method {m} needs users (--users-file or --user)")));
            }
            if m == "password" && a.tls_cert.is_none() {
                return Err(StartError::Config(
                    "--auth-method password sends passwords in clear: it needs --tls-cert and --tls-key".into(),
                ));
            }
        }
        if let Some(bad) = a.users.iter().find(|u| !u.contains(':')) {
            return Err(StartError::Config(format!("--user {bad}: expected name:password")));
        }
        if self.limits.max_statement_steps < 1000 || self.limits.max_result_bytes < 1024 {
            return Err(StartError::Config(
                "--max-statement-steps must be at least 1000 and --max-result-bytes 1024".into(),
            ));
        }
        if self.limits.max_request_bytes > crate::raft::wire::MAX_FRAME / 2 {
            return Err(StartError::Config(format!(
                "--max-request-bytes may be at most {} (half the cluster RPC's frame limit)",
                crate::raft::wire::MAX_FRAME / 2
            )));
        }
        if self.heartbeat_ms == 0 || self.election_timeout_ms <= self.heartbeat_ms * 2 {
            return Err(StartError::Config(format!(
                "election timeout ({} ms) must exceed twice the heartbeat interval ({} ms)",
                self.election_timeout_ms, self.heartbeat_ms
            )));
        }
        Ok(self)
    }
}
