//! OpenRaft's type configuration for raftsql: what a log entry carries (a request of SQL statements with
//! their execution context), what applying it returns, and what the membership knows of each node.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::db::{ExecContext, QueryResult, Statement};
use crate::error::SqlError;

/// Node ids are plain integers chosen by the operator (`--id`).
pub type NodeId = u64;

/// What the membership records of a node: where its cluster RPC and its PostgreSQL server listen, so any
/// node can tell a client where the leader is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub raft_addr: String,
    pub pg_addr: String,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "raft={} pg={}", self.raft_addr, self.pg_addr)
    }
}

/// The application data of a log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Independent client requests packed into one entry (group commit). Each request's statements apply
    /// atomically (all, or none and an error) without affecting the other requests.
    Execute { requests: Vec<Vec<Statement>>, ctx: ExecContext },
    /// A step of interactive transaction `txn`.
    Txn { txn: TxnId, step: TxnStep, ctx: ExecContext },
}

/// Identifies one interactive transaction across the cluster (chosen at random by the session's node).
pub type TxnId = u64;

/// One step of an interactive write transaction. The steps of a transaction form a contiguous run in the
/// log (the leader's write gate keeps other writes out); the state machine keeps the SQLite transaction open
/// across apply batches until Commit or Rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TxnStep {
    /// Opens the transaction at its first write. `snapshot_version` is the data version the session's
    /// earlier reads saw; if data changed since, the transaction fails with a serialization error. Savepoints
    /// the session took before its first write are recreated, then `statements` run.
    Begin {
        snapshot_version: Option<u64>,
        savepoints: Vec<String>,
        statements: Vec<Statement>,
    },
    /// Statements inside the transaction (reads included: they see the transaction's own writes).
    Run(Vec<Statement>),
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    Commit,
    Rollback,
    /// One statement run once for each row of its parameters (COPY FROM's rows: prepared once, not per row).
    /// Last among the variants, so that entries written before it existed decode as before. Shared, not
    /// copied, when the entry is (the log keeps recent entries decoded and hands out clones); encoded as the
    /// statement itself.
    RunRows(std::sync::Arc<Statement>),
}

/// The result of one client request: the result of each statement, or the SQL error that undid them.
pub type WriteOutcome = Result<Vec<QueryResult>, SqlError>;

/// What applying an entry produced, one outcome per request. SQL failures are data here, identical on
/// every replica.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    pub outcomes: Vec<WriteOutcome>,
}

impl Response {
    /// The response of entries without statements (blank, membership).
    pub fn empty() -> Self {
        Response::default()
    }
}

openraft::declare_raft_types!(
    /// raftsql's OpenRaft type configuration. Snapshots are files, streamed in chunks.
    pub TypeConfig:
        D = Request,
        R = Response,
        NodeId = NodeId,
        Node = Node,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = tokio::fs::File,
        AsyncRuntime = openraft::TokioRuntime,
);

/// Roughly the bytes an entry takes on the wire.
pub fn entry_size(entry: &Entry) -> usize {
    64 + match &entry.payload {
        openraft::EntryPayload::Normal(Request::Execute { requests, .. }) => {
            requests.iter().map(|r| Statement::total_size(r)).sum()
        }
        openraft::EntryPayload::Normal(Request::Txn { step, .. }) => match step {
            TxnStep::Begin { statements, savepoints, .. } => {
                Statement::total_size(statements) + savepoints.iter().map(String::len).sum::<usize>()
            }
            TxnStep::Run(statements) => Statement::total_size(statements),
            TxnStep::RunRows(statement) => statement.approx_size(),
            TxnStep::Savepoint(n) | TxnStep::Release(n) | TxnStep::RollbackTo(n) => n.len(),
            TxnStep::Commit | TxnStep::Rollback => 0,
        },
        openraft::EntryPayload::Membership(m) => 64 * m.nodes().count(),
        openraft::EntryPayload::Blank => 0,
    }
}

pub type Raft = openraft::Raft<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type StoredMembership = openraft::StoredMembership<NodeId, Node>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, Node>;
pub type Snapshot = openraft::Snapshot<TypeConfig>;
pub type StorageError = openraft::StorageError<NodeId>;
pub type RaftMetrics = openraft::RaftMetrics<NodeId, Node>;
