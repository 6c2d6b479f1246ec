//! The client side of the cluster RPC for requests forwarded to the leader (a pool of connections), and the
//! fault-injection switch the tests use to cut nodes off. OpenRaft's own traffic goes through `peer_client.rs`.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::raft::rpc::{ConnectError, Connection, RpcRequest, RpcResponse};
use crate::raft::types::NodeId;
use crate::raft::wire::ClusterSecret;

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
    /// Extra time every large append from this node takes (a slow link).
    large_append_delay: Option<Duration>,
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
    /// Makes every large append this node sends take `delay` longer, as over a slow link.
    pub fn slow_large_appends(&self, delay: Option<Duration>) {
        self.lock().large_append_delay = delay;
    }
    /// The delay set by `slow_large_appends`.
    pub fn large_append_delay(&self) -> Option<Duration> {
        self.lock().large_append_delay
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

/// Connections used to forward client work to the leader. Several requests can be in flight at once (one
/// per pooled connection), so followers' clients still share the leader's group commit.
pub struct ForwardClient {
    my_id: NodeId,
    faults: Arc<NetworkFaults>,
    secret: ClusterSecret,
    connect_timeout: Duration,
    idle: Mutex<HashMap<(NodeId, String), Vec<Connection>>>,
}

/// Idle connections kept per leader.
const MAX_IDLE_FORWARD_CONNECTIONS: usize = 64;

impl ForwardClient {
    pub fn new(my_id: NodeId, faults: Arc<NetworkFaults>, secret: ClusterSecret, connect_timeout: Duration) -> Self {
        ForwardClient { my_id, faults, secret, connect_timeout, idle: Mutex::new(HashMap::new()) }
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
            None => match Connection::open(addr, &self.secret, self.my_id, Some(target), self.connect_timeout).await {
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

/// A forwarded request failed on the wire.
#[derive(Debug)]
pub enum ForwardIoError {
    /// No connection could be opened: the request was certainly not delivered.
    NotSent(io::Error),
    /// The request was sent (or may have been) but no answer came back.
    Lost(io::Error),
}
