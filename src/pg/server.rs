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

/// Serves PostgreSQL clients on `listener` until `stop` turns true.
pub async fn serve(listener: TcpListener, shared: Arc<PgShared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    let _ = socket.set_nodelay(true);
                    let handlers = Handlers(Arc::new(PgConnection::new(shared.clone())));
                    let tls = shared.options.tls.clone();
                    tokio::spawn(async move {
                        if let Err(e) = pgwire::tokio::process_socket(socket, tls, handlers).await {
                            tracing::debug!(%peer, error = %e, "client connection ended with an error");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a client connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
        }
    }
}
