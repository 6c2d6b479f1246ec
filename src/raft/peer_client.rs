//! OpenRaft's `RaftNetworkFactory`/`RaftNetwork` over the cluster RPC: one persistent connection per peer
//! and replication stream, reopened after any failure.
//!
//! Appends of any size. OpenRaft gives each append a timeout of one heartbeat interval and drops the call when
//! it runs out. Entries therefore go out in batches of bounded size (OpenRaft is told of the partial success),
//! and an append carrying a large entry runs on a task of its own that goes on after OpenRaft gave up on the
//! call: OpenRaft's next call for the same range waits for that transfer instead of starting it over, and
//! once the peer has the entries they count for any later append that starts at the same place. So no entry
//! is ever too large to replicate within a heartbeat, and none is sent twice because it took longer.

// OpenRaft's network trait fixes the error type (`RPCError`), which is large; boxing it is not ours to choose.
#![allow(clippy::result_large_err)]

use std::io;
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Timeout, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use openraft::RPCTypes;
use tokio::task::JoinHandle;

use crate::raft::network::NetworkFaults;
use crate::raft::rpc::{ConnectError, Connection, RaftRequest, RpcRequest, RpcResponse};
use crate::raft::types::{entry_size, Entry, LogId, Node, NodeId, TypeConfig, Vote};
use crate::raft::wire::ClusterSecret;

/// Bytes of log entries sent in one append (at least one entry, however large).
const APPEND_BATCH_BYTES: usize = 1 << 20;
/// Appends larger than this run on their own task (see the module's documentation).
const DETACHED_APPEND_BYTES: usize = 256 << 10;
/// Appends from this size on are delayed by the slow-link fault (`NetworkFaults::slow_large_appends`).
const SLOW_LINK_BYTES: usize = 1 << 20;
/// How long a detached append may take in all.
const DETACHED_APPEND_LIMIT: Duration = Duration::from_secs(120);

/// Creates one `PeerClient` per replication stream or vote round.
#[derive(Clone)]
pub struct NetworkFactory {
    pub my_id: NodeId,
    pub faults: Arc<NetworkFaults>,
    pub secret: ClusterSecret,
    pub connect_timeout: Duration,
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &Node) -> PeerClient {
        PeerClient {
            my_id: self.my_id,
            target,
            addr: node.raft_addr.clone(),
            faults: self.faults.clone(),
            secret: self.secret.clone(),
            connect_timeout: self.connect_timeout,
            conn: None,
            detached: None,
        }
    }
}

/// An append running on its own task, and what it covers.
struct DetachedAppend {
    vote: Vote,
    prev: Option<LogId>,
    last: Option<LogId>,
    task: JoinHandle<(Option<Connection>, io::Result<RpcResponse>)>,
}

/// A connection to one peer, opened lazily and reopened after failures.
pub struct PeerClient {
    my_id: NodeId,
    target: NodeId,
    addr: String,
    faults: Arc<NetworkFaults>,
    secret: ClusterSecret,
    connect_timeout: Duration,
    conn: Option<Connection>,
    detached: Option<DetachedAppend>,
}

type RpcResult<T, E> = Result<T, RPCError<NodeId, Node, E>>;

fn network_error<E: std::error::Error>(e: &io::Error) -> RPCError<NodeId, Node, E> {
    RPCError::Network(NetworkError::new(e))
}

impl PeerClient {
    /// The connection, opened if needed.
    async fn connection<E: std::error::Error>(&mut self, ttl: Duration) -> RpcResult<Connection, E> {
        if self.faults.is_cut(self.target) {
            self.conn = None;
            return Err(RPCError::Unreachable(Unreachable::new(&io::Error::other("link cut by fault injection"))));
        }
        if let Some(c) = self.conn.take() {
            return Ok(c);
        }
        let connect_timeout = self.connect_timeout.min(ttl);
        match Connection::open(&self.addr, &self.secret, self.my_id, Some(self.target), connect_timeout).await {
            Ok(c) => Ok(c),
            Err(ConnectError::Unreachable(e)) => Err(RPCError::Unreachable(Unreachable::new(&e))),
            Err(ConnectError::WrongPeer(why)) => {
                tracing::error!(target = self.target, addr = %self.addr, %why, "peer identity mismatch");
                Err(RPCError::Unreachable(Unreachable::new(&io::Error::other(why))))
            }
        }
    }

    async fn call<E: std::error::Error>(
        &mut self,
        action: RPCTypes,
        req: RpcRequest,
        ttl: Duration,
    ) -> RpcResult<RpcResponse, E> {
        let mut conn = self.connection(ttl).await?;
        match tokio::time::timeout(ttl, conn.call(&req)).await {
            Ok(Ok(resp)) => {
                self.conn = Some(conn);
                Ok(resp)
            }
            Ok(Err(e)) => Err(network_error(&e)),
            // The connection is dropped: its late answer must not answer the next call.
            Err(_) => Err(self.timed_out(action, ttl)),
        }
    }

    fn timed_out<E: std::error::Error>(&self, action: RPCTypes, ttl: Duration) -> RPCError<NodeId, Node, E> {
        RPCError::Timeout(Timeout { action, id: self.my_id, target: self.target, timeout: ttl })
    }

    fn unexpected<E: std::error::Error>(&mut self, resp: RpcResponse) -> RPCError<NodeId, Node, E> {
        self.conn = None;
        network_error(&io::Error::other(format!("unexpected response {resp:?}")))
    }

    /// Waits (within `ttl`) for the detached append if an append for `ids` (the log ids it carries, after
    /// `prev` in term `vote`) starts where the detached one started and covers what it sends; the detached
    /// append's outcome then answers this one as far as it goes. `None`: no such append (any other one is left
    /// to finish on its own).
    async fn join_detached(
        &mut self,
        vote: &Vote,
        prev: Option<LogId>,
        ids: &[LogId],
        ttl: Duration,
    ) -> Option<RpcResult<AppendEntriesResponse<NodeId>, RaftError<NodeId>>> {
        let d = self.detached.as_mut()?;
        let covers = d.vote == *vote && d.prev == prev && d.last.is_some_and(|l| ids.contains(&l));
        if !covers {
            if d.task.is_finished() {
                self.detached = None;
            }
            return None;
        }
        let finished = match tokio::time::timeout(ttl, &mut d.task).await {
            Ok(done) => done,
            Err(_) => return Some(Err(self.timed_out(RPCTypes::AppendEntries, ttl))),
        };
        let last = d.last;
        self.detached = None;
        let (conn, outcome) = match finished {
            Ok(pair) => pair,
            Err(e) => return Some(Err(network_error(&io::Error::other(e.to_string())))),
        };
        if self.conn.is_none() {
            self.conn = conn;
        }
        Some(match outcome {
            Ok(RpcResponse::AppendEntries(Ok(AppendEntriesResponse::Success))) => {
                let whole = ids.last().copied() == last;
                Ok(if whole { AppendEntriesResponse::Success } else { AppendEntriesResponse::PartialSuccess(last) })
            }
            Ok(RpcResponse::AppendEntries(Ok(r))) => Ok(r),
            Ok(RpcResponse::AppendEntries(Err(e))) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            Ok(other) => Err(self.unexpected(other)),
            Err(e) => Err(network_error(&e)),
        })
    }
}

/// How many of `entries` fit in `budget` bytes (at least one), and their size.
fn bounded_prefix(entries: &[Entry], budget: usize) -> (usize, usize) {
    let mut used = 0;
    for (i, e) in entries.iter().enumerate() {
        let size = entry_size(e);
        if i > 0 && used + size > budget {
            return (i, used);
        }
        used += size;
    }
    (entries.len(), used)
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        mut rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<NodeId>, RaftError<NodeId>> {
        let ttl = option.hard_ttl();
        let ids: Vec<LogId> = rpc.entries.iter().map(|e| e.log_id).collect();
        let (vote, prev) = (rpc.vote, rpc.prev_log_id);
        if let Some(answer) = self.join_detached(&vote, prev, &ids, ttl).await {
            return answer;
        }
        // Send a prefix of bounded size; OpenRaft sends the rest next.
        let (count, bytes) = bounded_prefix(&rpc.entries, APPEND_BATCH_BYTES);
        let partial = count < rpc.entries.len();
        rpc.entries.truncate(count);
        let last_sent = rpc.entries.last().map(|e| e.log_id);
        if bytes > DETACHED_APPEND_BYTES && self.detached.is_none() {
            let conn = self.connection(ttl).await?;
            let req = RpcRequest::Raft(RaftRequest::AppendEntries(rpc));
            let slow_link = self.faults.large_append_delay().filter(|_| bytes > SLOW_LINK_BYTES);
            let task = tokio::spawn(async move {
                if let Some(delay) = slow_link {
                    tokio::time::sleep(delay).await;
                }
                let mut conn = conn;
                match tokio::time::timeout(DETACHED_APPEND_LIMIT, conn.call(&req)).await {
                    Ok(Ok(resp)) => (Some(conn), Ok(resp)),
                    Ok(Err(e)) => (None, Err(e)),
                    Err(_) => (None, Err(io::Error::new(io::ErrorKind::TimedOut, "append not answered"))),
                }
            });
            self.detached = Some(DetachedAppend { vote, prev, last: last_sent, task });
            return self
                .join_detached(&vote, prev, &ids, ttl)
                .await
                .unwrap_or_else(|| Err(network_error(&io::Error::other("the detached append vanished"))));
        }
        if bytes > SLOW_LINK_BYTES {
            // A slow link (fault injection) delays this inline append too; it then runs out of time.
            if let Some(delay) = self.faults.large_append_delay() {
                tokio::time::sleep(delay.min(ttl)).await;
                return Err(self.timed_out(RPCTypes::AppendEntries, ttl));
            }
        }
        let req = RpcRequest::Raft(RaftRequest::AppendEntries(rpc));
        match self.call(RPCTypes::AppendEntries, req, ttl).await? {
            RpcResponse::AppendEntries(Ok(AppendEntriesResponse::Success)) if partial => {
                Ok(AppendEntriesResponse::PartialSuccess(last_sent))
            }
            RpcResponse::AppendEntries(Ok(r)) => Ok(r),
            RpcResponse::AppendEntries(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(self.unexpected(other)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>> {
        let req = RpcRequest::Raft(RaftRequest::InstallSnapshot(rpc));
        match self.call(RPCTypes::InstallSnapshot, req, option.hard_ttl()).await? {
            RpcResponse::InstallSnapshot(Ok(r)) => Ok(r),
            RpcResponse::InstallSnapshot(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(self.unexpected(other)),
        }
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> RpcResult<VoteResponse<NodeId>, RaftError<NodeId>> {
        match self.call(RPCTypes::Vote, RpcRequest::Raft(RaftRequest::Vote(rpc)), option.hard_ttl()).await? {
            RpcResponse::Vote(Ok(r)) => Ok(r),
            RpcResponse::Vote(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(self.unexpected(other)),
        }
    }
}
