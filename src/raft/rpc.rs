//! The messages of the cluster RPC, split by audience, and the client side of a connection. Every connection
//! opens with the authenticated handshake of `wire.rs`; then requests and responses alternate, one at a time.
//!
//! Audiences, each checked by the server on its own terms (`rpc_server.rs`):
//! - `Raft`: OpenRaft's own traffic between members;
//! - `Leader`: work only the leader does, sent by a member on behalf of its clients or of an operator
//!   (writes, read indexes, transaction steps, membership changes);
//! - `Admin`: questions and orders for the node that receives them (status, join, removal, leadership
//!   transfer and its election switches), some of which tools (node id 0) may send.

use std::io;
use std::time::Duration;

use openraft::error::{InstallSnapshotError, RaftError};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use serde::{Deserialize, Serialize};
use tokio::io::{BufReader, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::codec;
use crate::db::Statement;
use crate::error::ClusterError;
use crate::raft::types::{Node, NodeId, TxnId, TxnStep, TypeConfig, WriteOutcome};
use crate::raft::wire::{self, ClusterSecret, HandshakeError};

/// Node id of tools that talk to a cluster without being a member of it (status, removal, transfer).
pub const CLIENT_ID: NodeId = 0;

/// A request from one node (or tool) to another.
#[derive(Debug, Serialize, Deserialize)]
pub enum RpcRequest {
    Raft(RaftRequest),
    Leader(LeaderRequest),
    Admin(AdminRequest),
}

/// OpenRaft's messages.
#[derive(Debug, Serialize, Deserialize)]
pub enum RaftRequest {
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    Vote(VoteRequest<NodeId>),
    InstallSnapshot(InstallSnapshotRequest<TypeConfig>),
}

/// Work only the leader does. A receiver that does not lead answers `NotLeader`, and then nothing was done.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LeaderRequest {
    /// Propose these statements as one request and return the result of applying it.
    Write(Vec<Statement>),
    /// Confirm leadership and return the index a linearizable read must wait for.
    ReadIndex,
    /// A step of an interactive transaction; the leader takes the write gate for it at `Begin`.
    Txn { txn: TxnId, step: TxnStep, lock_timeout_ms: u64, idle_timeout_ms: u64 },
    /// Add a node as a learner and wait until it has caught up.
    AddLearner { id: NodeId, node: Node },
    /// Make exactly the given nodes the voters (others stay learners unless removed).
    ChangeVoters(Vec<NodeId>),
    /// Remove a node from the cluster.
    RemoveNode(NodeId),
    /// Record a node's current addresses in the membership (sent by that node).
    UpdateNode { id: NodeId, node: Node },
}

/// Questions and orders for the node that receives them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AdminRequest {
    /// The receiving node's own view of the cluster.
    Status,
    /// A new node asks to join: added as a learner through the leader, then made a voter if asked.
    Join { id: NodeId, node: Node, voter: bool },
    /// Remove a member, through the leader.
    RemoveMember(NodeId),
    /// Hand leadership to a node; orchestrated by the receiving node.
    TransferLeader(NodeId),
    /// Allow or forbid this node to start elections. Forbidding lasts at most `for_ms`, so a transfer whose
    /// orchestrator dies cannot leave the cluster without elections.
    SetElections { on: bool, for_ms: u64 },
    /// Turn this node's heartbeats on or off, off for at most `for_ms`.
    SetHeartbeats { on: bool, for_ms: u64 },
    /// Start an election now.
    Elect,
}

/// The answer to a request, of the request's audience.
#[derive(Debug, Serialize, Deserialize)]
pub enum RpcResponse {
    AppendEntries(Result<AppendEntriesResponse<NodeId>, RaftError<NodeId>>),
    Vote(Result<VoteResponse<NodeId>, RaftError<NodeId>>),
    InstallSnapshot(Result<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>>),
    Leader(Result<LeaderResponse, ForwardError>),
    Admin(Result<AdminResponse, ClusterError>),
    /// The caller may not send this request (a tool sending Raft traffic, a node speaking for another).
    Refused(String),
}

/// What the leader answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum LeaderResponse {
    Write(WriteOutcome),
    ReadIndex(u64),
    Done,
}

impl LeaderResponse {
    /// The outcome of a write or transaction step (any other answer is a protocol error, its outcome unknown).
    pub fn into_write(self) -> Result<WriteOutcome, ClusterError> {
        match self {
            LeaderResponse::Write(outcome) => Ok(outcome),
            other => Err(ClusterError::OutcomeUnknown(format!("unexpected answer from the leader: {other:?}"))),
        }
    }
}

/// What a node answers to an admin request.
#[derive(Debug, Serialize, Deserialize)]
pub enum AdminResponse {
    Status(NodeStatus),
    Done,
}

/// Why the leader could not serve a request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ForwardError {
    /// The receiver is not the leader; it names the leader it knows of. Nothing was proposed.
    NotLeader {
        leader: Option<(NodeId, Node)>,
    },
    Cluster(ClusterError),
}

/// One node's view of the cluster, as its Raft metrics tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    pub id: NodeId,
    /// Leader, Follower, Candidate or Learner.
    pub state: String,
    pub term: u64,
    pub current_leader: Option<NodeId>,
    pub last_log_index: Option<u64>,
    pub last_applied: Option<u64>,
    pub voters: Vec<NodeId>,
    pub learners: Vec<NodeId>,
    pub nodes: Vec<(NodeId, Node)>,
}

pub(crate) fn codec_io(e: codec::CodecError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.0)
}

/// How long the body of a frame may take to arrive once its length has.
pub const FRAME_BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// One client connection to a peer, past the handshake.
pub struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: BufWriter<OwnedWriteHalf>,
}

/// How opening a connection failed: the peer could not be reached at all, or it is not who we expected (or
/// does not know the cluster secret).
#[derive(Debug)]
pub enum ConnectError {
    Unreachable(io::Error),
    WrongPeer(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Unreachable(e) => write!(f, "unreachable: {e}"),
            ConnectError::WrongPeer(why) => write!(f, "refused: {why}"),
        }
    }
}

impl Connection {
    /// Connects to `addr`, expecting node `to` (`None`: whichever node listens), within `timeout`.
    pub async fn open(
        addr: &str,
        secret: &ClusterSecret,
        from: NodeId,
        to: Option<NodeId>,
        timeout: Duration,
    ) -> Result<Connection, ConnectError> {
        let timed_out = || ConnectError::Unreachable(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"));
        let mut stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(ConnectError::Unreachable(e)),
            Err(_) => return Err(timed_out()),
        };
        let _ = stream.set_nodelay(true);
        match tokio::time::timeout(timeout, wire::handshake_client(&mut stream, secret, from, to)).await {
            Ok(Ok(_)) => {}
            Ok(Err(HandshakeError::Io(e))) => return Err(ConnectError::Unreachable(e)),
            Ok(Err(HandshakeError::Refused(why))) => return Err(ConnectError::WrongPeer(format!("{addr}: {why}"))),
            Err(_) => return Err(timed_out()),
        }
        let (r, w) = stream.into_split();
        Ok(Connection { reader: BufReader::new(r), writer: BufWriter::new(w) })
    }

    /// Whether the peer has not closed this idle connection (checked before reusing a pooled one, so a
    /// request is never sent into a connection the peer already dropped).
    pub fn is_alive(&self) -> bool {
        let mut probe = [0u8; 1];
        matches!(self.reader.get_ref().try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    /// Sends one request and waits for its response.
    pub async fn call(&mut self, req: &RpcRequest) -> io::Result<RpcResponse> {
        let bytes = codec::encode(req).map_err(codec_io)?;
        wire::write_frame(&mut self.writer, &bytes).await?;
        match wire::read_frame(&mut self.reader, FRAME_BODY_TIMEOUT).await? {
            Some(frame) => codec::decode_message(&frame).map_err(codec_io),
            None => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed the connection")),
        }
    }
}

/// Sends one admin request to whichever node listens at `addr` (tools and joining nodes), on a new connection.
pub async fn admin_call(
    addr: &str,
    secret: &ClusterSecret,
    from: NodeId,
    req: AdminRequest,
    timeout: Duration,
) -> Result<AdminResponse, String> {
    let mut conn = Connection::open(addr, secret, from, None, timeout.min(Duration::from_secs(5)))
        .await
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(timeout, conn.call(&RpcRequest::Admin(req))).await {
        Ok(Ok(RpcResponse::Admin(Ok(r)))) => Ok(r),
        Ok(Ok(RpcResponse::Admin(Err(e)))) => Err(e.to_string()),
        Ok(Ok(RpcResponse::Refused(why))) => Err(why),
        Ok(Ok(other)) => Err(format!("unexpected answer {other:?}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer in time".into()),
    }
}

/// Asks whichever node listens at `addr` (a Raft address) for its view of the cluster.
pub async fn fetch_status(addr: &str, secret: &ClusterSecret, timeout: Duration) -> Result<NodeStatus, String> {
    match admin_call(addr, secret, CLIENT_ID, AdminRequest::Status, timeout).await? {
        AdminResponse::Status(s) => Ok(s),
        other => Err(format!("unexpected answer {other:?}")),
    }
}
