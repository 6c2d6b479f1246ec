//! The PostgreSQL listener of a node: accepts client connections, enforces `--max-connections` (53300 beyond
//! it, after the startup packet as PostgreSQL does), routes cancel requests, and runs each connection's
//! protocol handlers on its own task so one client's failure never touches another's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use pgwire::tokio::TlsAcceptor;

use crate::pg::handler::{Handlers, PgConnection};
use crate::pg::stats::PgStats;
use crate::raft::NodeCore;
use crate::users::Users;

/// How clients prove who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Everyone is let in (no users configured).
    Trust,
    /// SCRAM-SHA-256 against stored verifiers.
    Scram,
    /// A cleartext password, checked against the verifiers, accepted only over TLS.
    Password,
}

/// The PostgreSQL server's configuration.
#[derive(Clone)]
pub struct PgOptions {
    pub max_connections: usize,
    pub auth: AuthMethod,
    pub users: Arc<Users>,
    pub tls: Option<TlsAcceptor>,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { max_connections: 100, auth: AuthMethod::Trust, users: Arc::default(), tls: None }
    }
}

/// State shared by all connections of one node's PostgreSQL server.
pub struct PgShared {
    pub core: Arc<NodeCore>,
    pub connections: Arc<pgwire::api::ConnectionManager>,
    pub options: PgOptions,
    /// Statement counters and latencies for /metrics.
    pub stats: PgStats,
    open: AtomicUsize,
}

impl PgShared {
    pub fn new(core: Arc<NodeCore>, options: PgOptions) -> Arc<PgShared> {
        Arc::new(PgShared {
            core,
            connections: Arc::new(pgwire::api::ConnectionManager::new()),
            options,
            stats: PgStats::default(),
            open: AtomicUsize::new(0),
        })
    }

    /// Takes a connection slot; false when all are in use.
    pub fn take_slot(&self) -> bool {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.options.max_connections).then_some(n + 1))
            .is_ok()
    }

    pub fn release_slot(&self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }

    /// Client connections currently open.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// How long a connection busy with a statement may finish it once the server stops.
const DRAIN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves PostgreSQL clients on `listener` until `stop` turns true; then ends every open connection as
/// PostgreSQL's fast shutdown does: a statement under way may finish (up to `DRAIN_GRACE`), then the client gets
/// FATAL 57P01 and the connection closes. Returns once every connection is closed.
pub async fn serve(listener: TcpListener, shared: Arc<PgShared>, mut stop: watch::Receiver<bool>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    let _ = socket.set_nodelay(true);
                    connections.spawn(serve_connection(socket, peer, shared.clone(), stop.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a client connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// One client connection, until it ends or the server stops.
async fn serve_connection(
    socket: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    shared: Arc<PgShared>,
    mut stop: watch::Receiver<bool>,
) {
    // A second handle on the socket, to tell the client why it is closed once pgwire's handle is gone.
    let notice_handle = {
        use std::os::fd::AsFd;
        socket.as_fd().try_clone_to_owned().ok().map(std::net::TcpStream::from)
    };
    let connection = Arc::new(PgConnection::new(shared.clone()));
    let tls = shared.options.tls.clone();
    let is_tls = tls.is_some();
    let mut session = Box::pin(pgwire::tokio::process_socket(socket, tls, Handlers(connection.clone())));
    tokio::select! {
        result = &mut session => {
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "client connection ended with an error");
            }
            return;
        }
        _ = stop.wait_for(|stopped| *stopped) => {}
    }
    // Let a statement under way finish, then close.
    let deadline = tokio::time::Instant::now() + DRAIN_GRACE;
    while connection.busy() && tokio::time::Instant::now() < deadline {
        tokio::select! {
            result = &mut session => {
                let _ = result;
                return;
            }
            _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
        }
    }
    // pgwire's side of the connection goes first, then the client is told why.
    drop(session);
    // The error goes out in plain text only: inside TLS it would be garbage to the client.
    if let (Some(std_socket), false) = (notice_handle, is_tls) {
        let info = crate::pg::errors::fatal("57P01", "terminating connection due to administrator command");
        let mut buf = bytes::BytesMut::new();
        if pgwire::messages::PgWireBackendMessage::ErrorResponse(info.into()).encode(&mut buf).is_ok() {
            use std::io::Write;
            let mut s = std_socket;
            let _ = s.set_nonblocking(false);
            let _ = s.set_write_timeout(Some(std::time::Duration::from_secs(1)));
            let _ = s.write_all(&buf);
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}
