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
    Execute {
        requests: Vec<Vec<Statement>>,
        ctx: ExecContext,
    },
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

pub type Raft = openraft::Raft<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type StoredMembership = openraft::StoredMembership<NodeId, Node>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, Node>;
pub type Snapshot = openraft::Snapshot<TypeConfig>;
pub type StorageError = openraft::StorageError<NodeId>;
pub type RaftMetrics = openraft::RaftMetrics<NodeId, Node>;
