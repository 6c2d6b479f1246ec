//! The client side of the cluster RPC: OpenRaft's `RaftNetworkFactory`/`RaftNetwork` over one persistent
//! TCP connection per peer (reconnecting after any failure), a pool of connections for requests forwarded
//! to the leader, and the fault-injection switch the tests use to cut nodes off.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Timeout, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest,
    VoteResponse,
};
use openraft::RPCTypes;

use crate::raft::rpc::{ConnectError, Connection, RpcRequest, RpcResponse};
use crate::raft::types::{Node, NodeId, TypeConfig};

/// Cuts a node's links for tests (and for an operator fencing a node): traffic to and from blocked peers
/// fails as if the network had dropped it.
#[derive(Debug, Default)]
pub struct NetworkFaults {
    state: Mutex<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    isolated: bool,
    blocked: HashSet<NodeId>,
}

impl NetworkFaults {
    /// Drops all traffic of this node, both ways.
    pub fn isolate(&self) {
        self.lock().isolated = true;
    }
    /// Drops traffic between this node and `peer`.
    pub fn block(&self, peer: NodeId) {
        self.lock().blocked.insert(peer);
    }
    /// Restores every link.
    pub fn heal(&self) {
        let mut s = self.lock();
        s.isolated = false;
        s.blocked.clear();
    }
    /// Whether traffic with `peer` is currently dropped.
    pub fn is_cut(&self, peer: NodeId) -> bool {
        let s = self.lock();
        s.isolated || s.blocked.contains(&peer)
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Creates one `PeerClient` per replication stream or vote round.
#[derive(Clone)]
pub struct NetworkFactory {
    pub my_id: NodeId,
    pub faults: Arc<NetworkFaults>,
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
            connect_timeout: self.connect_timeout,
            conn: None,
        }
    }
}

/// A connection to one peer, opened lazily and reopened after failures.
pub struct PeerClient {
    my_id: NodeId,
    target: NodeId,
    addr: String,
    faults: Arc<NetworkFaults>,
    connect_timeout: Duration,
    conn: Option<Connection>,
}

type RpcResult<T, E> = Result<T, RPCError<NodeId, Node, E>>;

impl PeerClient {
    async fn call<E: std::error::Error>(
        &mut self,
        action: RPCTypes,
        req: RpcRequest,
        ttl: Duration,
    ) -> RpcResult<RpcResponse, E> {
        if self.faults.is_cut(self.target) {
            self.conn = None;
            return Err(RPCError::Unreachable(Unreachable::new(&io::Error::other("link cut by fault injection"))));
        }
        let timeout_err = || RPCError::Timeout(Timeout { action, id: self.my_id, target: self.target, timeout: ttl });
        let connect_timeout = self.connect_timeout.min(ttl);
        if self.conn.is_none() {
            match Connection::open(&self.addr, self.my_id, Some(self.target), connect_timeout).await {
                Ok(c) => self.conn = Some(c),
                Err(ConnectError::Unreachable(e)) => return Err(RPCError::Unreachable(Unreachable::new(&e))),
                Err(ConnectError::WrongPeer(why)) => {
                    tracing::error!(target = self.target, addr = %self.addr, %why, "peer identity mismatch");
                    return Err(RPCError::Unreachable(Unreachable::new(&io::Error::other(why))));
                }
            }
        }
        let conn = self.conn.as_mut().expect("connection opened above");
        match tokio::time::timeout(ttl, conn.call(&req)).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => {
                self.conn = None;
                Err(RPCError::Network(NetworkError::new(&e)))
            }
            Err(_) => {
                // The response may still arrive on this connection: drop it so it cannot answer the next call.
                self.conn = None;
                Err(timeout_err())
            }
        }
    }

    fn unexpected<E: std::error::Error>(&mut self, resp: RpcResponse) -> RPCError<NodeId, Node, E> {
        self.conn = None;
        RPCError::Network(NetworkError::new(&io::Error::other(format!("unexpected response {resp:?}"))))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<NodeId>, RaftError<NodeId>> {
        match self.call(RPCTypes::AppendEntries, RpcRequest::AppendEntries(rpc), option.hard_ttl()).await? {
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
        match self.call(RPCTypes::InstallSnapshot, RpcRequest::InstallSnapshot(rpc), option.hard_ttl()).await? {
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
        match self.call(RPCTypes::Vote, RpcRequest::Vote(rpc), option.hard_ttl()).await? {
            RpcResponse::Vote(Ok(r)) => Ok(r),
            RpcResponse::Vote(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(self.unexpected(other)),
        }
    }
}

/// Connections used to forward client work to the leader. Several requests can be in flight at once (one
/// per pooled connection), so followers' clients still share the leader's group commit.
pub struct ForwardClient {
    my_id: NodeId,
    faults: Arc<NetworkFaults>,
    connect_timeout: Duration,
    idle: Mutex<HashMap<(NodeId, String), Vec<Connection>>>,
}

/// Idle connections kept per leader.
const MAX_IDLE_FORWARD_CONNECTIONS: usize = 64;

impl ForwardClient {
    pub fn new(my_id: NodeId, faults: Arc<NetworkFaults>, connect_timeout: Duration) -> Self {
        ForwardClient { my_id, faults, connect_timeout, idle: Mutex::new(HashMap::new()) }
    }

    /// Sends `req` to node `target` at `addr` and waits up to `timeout` for the answer. `Err` means the
    /// request may not have arrived, or its answer was lost.
    pub async fn call(
        &self,
        target: NodeId,
        addr: &str,
        req: RpcRequest,
        timeout: Duration,
    ) -> Result<RpcResponse, ForwardIoError> {
        if self.faults.is_cut(target) {
            return Err(ForwardIoError::NotSent(io::Error::other("link cut by fault injection")));
        }
        let key = (target, addr.to_string());
        let pooled = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let list = idle.entry(key.clone()).or_default();
            list.retain(|c| c.is_alive());
            list.pop()
        };
        let mut conn = match pooled {
            Some(c) => c,
            None => match Connection::open(addr, self.my_id, Some(target), self.connect_timeout).await {
                Ok(c) => c,
                Err(ConnectError::Unreachable(e)) => return Err(ForwardIoError::NotSent(e)),
                Err(ConnectError::WrongPeer(why)) => return Err(ForwardIoError::NotSent(io::Error::other(why))),
            },
        };
        match tokio::time::timeout(timeout, conn.call(&req)).await {
            Ok(Ok(resp)) => {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                let list = idle.entry(key).or_default();
                if list.len() < MAX_IDLE_FORWARD_CONNECTIONS {
                    list.push(conn);
                }
                Ok(resp)
            }
            Ok(Err(e)) => Err(ForwardIoError::Lost(e)),
            Err(_) => Err(ForwardIoError::Lost(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"))),
        }
    }
}

impl ForwardClient {
    /// Sends one request to whichever node listens at `addr` (joining through an address), on a fresh
    /// connection.
    pub async fn call_any(
        &self,
        addr: &str,
        req: RpcRequest,
        timeout: Duration,
    ) -> Result<RpcResponse, ForwardIoError> {
        let mut conn = match Connection::open(addr, self.my_id, None, self.connect_timeout).await {
            Ok(c) => c,
            Err(ConnectError::Unreachable(e)) => return Err(ForwardIoError::NotSent(e)),
            Err(ConnectError::WrongPeer(why)) => return Err(ForwardIoError::NotSent(io::Error::other(why))),
        };
        match tokio::time::timeout(timeout, conn.call(&req)).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(e)) => Err(ForwardIoError::Lost(e)),
            Err(_) => Err(ForwardIoError::Lost(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"))),
        }
    }
}

/// A forwarded request failed on the wire.
#[derive(Debug)]
pub enum ForwardIoError {
    /// No connection could be opened: the request was certainly not delivered.
    NotSent(io::Error),
    /// The request was sent (or may have been) but no answer came back.
    Lost(io::Error),
}
