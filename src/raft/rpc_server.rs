//! The server side of the cluster RPC: accepts peer connections up to a cap, runs the authenticated
//! handshake within a deadline, then answers requests one at a time per connection, in order, each checked
//! against what its audience allows the caller:
//! - Raft traffic and work for the leader only from member nodes (tools, node id 0, may not send them), and a
//!   node records addresses only for itself;
//! - admin: status, removal and leadership transfer from anyone who passed the handshake (tools included);
//!   joining only for the caller itself; election and heartbeat switches only from member nodes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::codec;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{
    codec_io, AdminRequest, LeaderRequest, RaftRequest, RpcRequest, RpcResponse, CLIENT_ID, FRAME_BODY_TIMEOUT,
};
use crate::raft::types::NodeId;
use crate::raft::wire::{self, HANDSHAKE_TIMEOUT};

/// Connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 256;
/// Of those, connections still in their handshake: a flood of connections that never authenticate cannot take
/// the slots members need (their connections are persistent, and new ones find slots as floods time out).
pub const MAX_HANDSHAKING: usize = 64;
/// Of those, connections from one remote address (so one host cannot take all of them; loopback is exempt).
pub const MAX_HANDSHAKING_PER_HOST: usize = 16;

/// Handshakes in progress per remote address.
#[derive(Default)]
struct PerHost(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

/// One handshake counted against its host until dropped.
struct HostSlot(Arc<PerHost>, std::net::IpAddr);

impl PerHost {
    fn take(self: &Arc<Self>, ip: std::net::IpAddr) -> Option<HostSlot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_default();
        if *n >= MAX_HANDSHAKING_PER_HOST && !ip.is_loopback() {
            return None;
        }
        *n += 1;
        Some(HostSlot(self.clone(), ip))
    }
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        let mut counts = self.0 .0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.1);
            }
        }
    }
}
/// A connection without a request for this long is closed (callers reconnect on their next request).
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Accepts connections until `stop` turns true.
pub async fn serve(listener: TcpListener, core: Arc<NodeCore>, mut stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let handshaking = Arc::new(Semaphore::new(MAX_HANDSHAKING));
    let per_host = Arc::new(PerHost::default());
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (Some(host), Ok(slot), Ok(pending)) = (
                        per_host.take(peer.ip()),
                        slots.clone().try_acquire_owned(),
                        handshaking.clone().try_acquire_owned(),
                    ) else {
                        tracing::warn!(%peer, "too many cluster connections, closing a new one");
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let core = core.clone();
                    connections.spawn(async move {
                        if let Err(e) = serve_connection(stream, core, (pending, host)).await {
                            tracing::debug!(%peer, error = %e, "cluster connection closed");
                        }
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a cluster connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn send(w: &mut BufWriter<tokio::net::tcp::OwnedWriteHalf>, resp: &RpcResponse) -> std::io::Result<()> {
    let bytes = codec::encode(resp).map_err(codec_io)?;
    wire::write_frame(w, &bytes).await
}

async fn serve_connection(
    mut stream: TcpStream,
    core: Arc<NodeCore>,
    handshaking: (OwnedSemaphorePermit, HostSlot),
) -> std::io::Result<()> {
    let handshake = wire::handshake_server(&mut stream, &core.secret, core.id);
    let outcome = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await;
    drop(handshaking);
    let peer = match outcome {
        Ok(Ok(peer)) => peer,
        Ok(Err(wire::HandshakeError::Refused(why))) => {
            tracing::warn!(addr = ?stream.peer_addr().ok(), %why, "cluster connection refused");
            return Ok(());
        }
        Ok(Err(wire::HandshakeError::Io(e))) => return Err(e),
        Err(_) => return Ok(()),
    };
    if core.faults.is_cut(peer) {
        return Ok(());
    }
    let (r, w) = stream.into_split();
    let mut reader = BufReader::new(r);
    let mut writer = BufWriter::new(w);
    loop {
        let frame = match tokio::time::timeout(IDLE_TIMEOUT, wire::read_frame(&mut reader, FRAME_BODY_TIMEOUT)).await {
            Ok(Ok(Some(frame))) => frame,
            Ok(Ok(None)) | Err(_) => return Ok(()),
            Ok(Err(e)) => return Err(e),
        };
        if core.faults.is_cut(peer) {
            // Behave like a dropped link: no answer, connection gone.
            return Ok(());
        }
        let req: RpcRequest = codec::decode_message(&frame).map_err(codec_io)?;
        let resp = dispatch(&core, peer, req).await;
        if core.faults.is_cut(peer) {
            return Ok(());
        }
        send(&mut writer, &resp).await?;
    }
}

/// Why `from` may not send this request, if it may not.
fn refusal(from: NodeId, req: &RpcRequest) -> Option<String> {
    let tool = from == CLIENT_ID;
    match req {
        RpcRequest::Raft(_) if tool => Some("Raft traffic comes from member nodes only".into()),
        RpcRequest::Leader(_) if tool => Some("work for the leader comes from member nodes only".into()),
        RpcRequest::Leader(LeaderRequest::UpdateNode { id, .. }) if *id != from => {
            Some(format!("node {from} may only record its own addresses, not node {id}'s"))
        }
        RpcRequest::Admin(AdminRequest::Join { id, .. }) if *id != from => {
            Some(format!("node {from} may only ask for itself to join, not for node {id}"))
        }
        RpcRequest::Admin(
            AdminRequest::SetElections { .. } | AdminRequest::SetHeartbeats { .. } | AdminRequest::Elect,
        ) if tool => Some("election switches are for member nodes only".into()),
        _ => None,
    }
}

async fn dispatch(core: &NodeCore, from: NodeId, req: RpcRequest) -> RpcResponse {
    if let Some(why) = refusal(from, &req) {
        tracing::warn!(from, %why, "cluster request refused");
        return RpcResponse::Refused(why);
    }
    match req {
        RpcRequest::Raft(RaftRequest::AppendEntries(rpc)) => {
            RpcResponse::AppendEntries(core.raft.append_entries(rpc).await)
        }
        RpcRequest::Raft(RaftRequest::Vote(rpc)) => RpcResponse::Vote(core.raft.vote(rpc).await),
        RpcRequest::Raft(RaftRequest::InstallSnapshot(rpc)) => {
            RpcResponse::InstallSnapshot(core.raft.install_snapshot(rpc).await)
        }
        RpcRequest::Leader(req) => RpcResponse::Leader(core.serve_as_leader(req).await),
        RpcRequest::Admin(req) => RpcResponse::Admin(core.serve_admin(req).await),
    }
}
