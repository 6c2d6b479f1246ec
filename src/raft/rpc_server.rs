//! The server side of the cluster RPC: accepts peer connections, checks the handshake (the caller must be
//! asking for this node's id), then answers Raft messages and requests forwarded by followers, one at a
//! time per connection, in order.

use std::sync::Arc;

use tokio::io::{BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::codec;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{read_frame, write_frame, RpcRequest, RpcResponse};

/// Accepts connections until `stop` turns true.
pub async fn serve(listener: TcpListener, core: Arc<NodeCore>, mut stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let core = core.clone();
                    connections.spawn(async move {
                        if let Err(e) = serve_connection(stream, core).await {
                            tracing::debug!(%peer, error = %e, "cluster connection closed");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a cluster connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn send(w: &mut BufWriter<tokio::net::tcp::OwnedWriteHalf>, resp: &RpcResponse) -> std::io::Result<()> {
    let bytes = codec::encode(resp).map_err(crate::raft::rpc::codec_io)?;
    write_frame(w, &bytes).await
}

async fn serve_connection(stream: TcpStream, core: Arc<NodeCore>) -> std::io::Result<()> {
    let (r, w) = stream.into_split();
    let mut reader = BufReader::new(r);
    let mut writer = BufWriter::new(w);
    let Some(first) = read_frame(&mut reader).await? else {
        return Ok(());
    };
    let peer = match codec::decode::<RpcRequest>(&first).map_err(crate::raft::rpc::codec_io)? {
        RpcRequest::Hello { from, to } if to.is_none_or(|t| t == core.id) => {
            if core.faults.is_cut(from) {
                return Ok(());
            }
            send(&mut writer, &RpcResponse::Hello { node_id: core.id }).await?;
            from
        }
        RpcRequest::Hello { to, .. } => {
            let why = format!("this is node {}, not node {}", core.id, to.unwrap_or_default());
            send(&mut writer, &RpcResponse::HelloRejected(why)).await?;
            return Ok(());
        }
        _ => {
            send(&mut writer, &RpcResponse::HelloRejected("handshake expected".into())).await?;
            return Ok(());
        }
    };
    while let Some(frame) = read_frame(&mut reader).await? {
        if core.faults.is_cut(peer) {
            // Behave like a dropped link: no answer, connection gone.
            return Ok(());
        }
        let req: RpcRequest = codec::decode(&frame).map_err(crate::raft::rpc::codec_io)?;
        let resp = match req {
            RpcRequest::AppendEntries(rpc) => RpcResponse::AppendEntries(core.raft.append_entries(rpc).await),
            RpcRequest::Vote(rpc) => RpcResponse::Vote(core.raft.vote(rpc).await),
            RpcRequest::InstallSnapshot(rpc) => RpcResponse::InstallSnapshot(core.raft.install_snapshot(rpc).await),
            RpcRequest::Forward(f) => RpcResponse::Forward(core.handle_forward(f).await),
            RpcRequest::Hello { .. } => RpcResponse::HelloRejected("handshake already done".into()),
        };
        if core.faults.is_cut(peer) {
            return Ok(());
        }
        send(&mut writer, &resp).await?;
    }
    Ok(())
}
