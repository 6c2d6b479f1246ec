//! The cluster RPC protocol between nodes: length-delimited frames (a 4-byte big-endian length, then the
//! encoded message) over persistent TCP connections. A connection opens with a handshake naming both ends,
//! so a wrong address can never make a node talk to the wrong peer.

use std::io;
use std::time::Duration;

use openraft::error::{InstallSnapshotError, RaftError};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::codec;
use crate::db::Statement;
use crate::error::ClusterError;
use crate::raft::types::{Node, NodeId, TxnId, TxnStep, TypeConfig, WriteOutcome};

/// Largest frame accepted: snapshot chunks and large append batches fit well below it.
pub const MAX_FRAME: usize = 256 * 1024 * 1024;

/// A request from one node to another.
#[derive(Debug, Serialize, Deserialize)]
pub enum RpcRequest {
    /// First message on every connection: who is calling and which node it means to reach.
    /// `to` is `None` only when joining through an address whose node id is not known yet.
    Hello {
        from: NodeId,
        to: Option<NodeId>,
    },
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    Vote(VoteRequest<NodeId>),
    InstallSnapshot(InstallSnapshotRequest<TypeConfig>),
    /// Work a follower hands to the leader on behalf of its clients.
    Forward(ForwardRequest),
}

/// Requests a node forwards to the leader.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ForwardRequest {
    /// Propose these statements as one entry and return the result of applying it.
    Write(Vec<Statement>),
    /// Confirm leadership and return the index a linearizable read must wait for.
    ReadIndex,
    /// Add a node as a learner (a node joining with `--join`).
    AddLearner { id: NodeId, node: Node },
    /// Make exactly the given nodes the voters (others stay learners unless removed).
    ChangeVoters(Vec<NodeId>),
    /// Remove a node from the cluster.
    RemoveNode(NodeId),
    /// A new node asks to join: add it as a learner, wait until it caught up, then make it a voter if asked.
    /// Served by whichever member receives it (it forwards the steps to the leader).
    Join { id: NodeId, node: Node, voter: bool },
    /// Record a node's current addresses in the membership.
    UpdateNode { id: NodeId, node: Node },
    /// A step of an interactive transaction; the leader takes the write gate for it at `Begin`.
    Txn { txn: TxnId, step: TxnStep, lock_timeout_ms: u64, idle_timeout_ms: u64 },
    /// Allow or forbid the receiving node to start elections (served locally, used by leader handover).
    SetElections(bool),
    /// Remove a member; served by whichever node receives it (the CLI talks to any node).
    RemoveMember(NodeId),
    /// Hand leadership to a node; orchestrated by whichever node receives it.
    TransferLeader(NodeId),
    /// Turn the receiving node's heartbeats on or off (served locally, used by leader handover).
    SetHeartbeats(bool),
    /// Start an election now on the receiving node (served locally, used by leader handover).
    Elect,
    /// Report the receiving node's own view of the cluster (served locally, never forwarded).
    Status,
}

/// The answer to a forwarded request.
#[derive(Debug, Serialize, Deserialize)]
pub enum ForwardResponse {
    Write(WriteOutcome),
    ReadIndex(u64),
    Status(NodeStatus),
    Done,
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

/// A response, one per request, in order.
#[derive(Debug, Serialize, Deserialize)]
pub enum RpcResponse {
    Hello { node_id: NodeId },
    HelloRejected(String),
    AppendEntries(Result<AppendEntriesResponse<NodeId>, RaftError<NodeId>>),
    Vote(Result<VoteResponse<NodeId>, RaftError<NodeId>>),
    InstallSnapshot(Result<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>>),
    Forward(Result<ForwardResponse, ForwardError>),
}

/// Why the leader could not serve a forwarded request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ForwardError {
    /// The receiver is not the leader; it names the leader it knows of. Nothing was proposed.
    NotLeader {
        leader: Option<(NodeId, Node)>,
    },
    Cluster(ClusterError),
}

/// Writes one frame.
pub async fn write_frame<W: AsyncWriteExt + Unpin>(w: &mut W, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "frame too large"));
    }
    w.write_all(&(payload.len() as u32).to_be_bytes()).await?;
    w.write_all(payload).await?;
    w.flush().await
}

/// Reads one frame; `Ok(None)` on a clean end of stream.
pub async fn read_frame<R: AsyncReadExt + Unpin>(r: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("frame of {len} bytes exceeds the limit")));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).await?;
    Ok(Some(buf))
}

pub(crate) fn codec_io(e: codec::CodecError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.0)
}

/// One client connection to a peer, already past the handshake.
pub struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: BufWriter<OwnedWriteHalf>,
}

/// How opening a connection failed: the peer could not be reached at all, or it is not who we expected.
#[derive(Debug)]
pub enum ConnectError {
    Unreachable(io::Error),
    WrongPeer(String),
}

impl Connection {
    /// Connects to `addr`, expecting to find node `to`, within `timeout`.
    pub async fn open(
        addr: &str,
        from: NodeId,
        to: Option<NodeId>,
        timeout: Duration,
    ) -> Result<Connection, ConnectError> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(ConnectError::Unreachable(e)),
            Err(_) => {
                return Err(ConnectError::Unreachable(io::Error::new(io::ErrorKind::TimedOut, "connect timed out")))
            }
        };
        let _ = stream.set_nodelay(true);
        let (r, w) = stream.into_split();
        let mut conn = Connection { reader: BufReader::new(r), writer: BufWriter::new(w) };
        let hello = tokio::time::timeout(timeout, conn.call(&RpcRequest::Hello { from, to })).await;
        match hello {
            Ok(Ok(RpcResponse::Hello { node_id })) if to.is_none_or(|t| t == node_id) => Ok(conn),
            Ok(Ok(RpcResponse::Hello { node_id })) => Err(ConnectError::WrongPeer(format!(
                "{addr} is node {node_id}, expected node {}",
                to.unwrap_or_default()
            ))),
            Ok(Ok(RpcResponse::HelloRejected(why))) => Err(ConnectError::WrongPeer(why)),
            Ok(Ok(other)) => Err(ConnectError::WrongPeer(format!("unexpected handshake answer {other:?}"))),
            Ok(Err(e)) => Err(ConnectError::Unreachable(e)),
            Err(_) => Err(ConnectError::Unreachable(io::Error::new(io::ErrorKind::TimedOut, "handshake timed out"))),
        }
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
        write_frame(&mut self.writer, &bytes).await?;
        match read_frame(&mut self.reader).await? {
            Some(frame) => codec::decode(&frame).map_err(codec_io),
            None => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "peer closed the connection")),
        }
    }
}

/// Node id used by tools that talk to a cluster without being a member of it (status queries).
pub const CLIENT_ID: NodeId = 0;

/// Asks whichever node listens at `addr` (a Raft address) for its view of the cluster.
pub async fn fetch_status(addr: &str, timeout: Duration) -> Result<NodeStatus, String> {
    let mut conn = Connection::open(addr, CLIENT_ID, None, timeout).await.map_err(|e| format!("{e:?}"))?;
    match tokio::time::timeout(timeout, conn.call(&RpcRequest::Forward(ForwardRequest::Status))).await {
        Ok(Ok(RpcResponse::Forward(Ok(ForwardResponse::Status(s))))) => Ok(s),
        Ok(Ok(other)) => Err(format!("unexpected answer {other:?}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer in time".into()),
    }
}

/// Sends a cluster command (`RemoveMember`, `TransferLeader`) to whichever node listens at `addr` and waits
/// for it to finish.
pub async fn send_cluster_command(addr: &str, req: ForwardRequest, timeout: Duration) -> Result<(), String> {
    let mut conn =
        Connection::open(addr, CLIENT_ID, None, Duration::from_secs(5)).await.map_err(|e| format!("{e:?}"))?;
    match tokio::time::timeout(timeout, conn.call(&RpcRequest::Forward(req))).await {
        Ok(Ok(RpcResponse::Forward(Ok(_)))) => Ok(()),
        Ok(Ok(RpcResponse::Forward(Err(e)))) => Err(format!("{e:?}")),
        Ok(Ok(other)) => Err(format!("unexpected answer {other:?}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer in time".into()),
    }
}
