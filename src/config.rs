//! Validated node configuration: what the command line (or `RAFTSQL_*` environment variables) asked for,
//! checked for contradictions before anything touches the data directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::StartError;
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
        if self.heartbeat_ms == 0 || self.election_timeout_ms <= self.heartbeat_ms * 2 {
            return Err(StartError::Config(format!(
                "election timeout ({} ms) must exceed twice the heartbeat interval ({} ms)",
                self.election_timeout_ms, self.heartbeat_ms
            )));
        }
        Ok(self)
    }
}
