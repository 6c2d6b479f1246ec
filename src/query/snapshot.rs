//! Read snapshots pinned by transactions for their reads before their first write: a read connection with an
//! open read transaction. A pinned snapshot keeps SQLite from checkpointing the WAL past it, so one left idle
//! (a client that said BEGIN and went quiet) would let the WAL grow until the disk is full. A reaper thread
//! closes snapshots idle longer than their limit; the transaction's next statement then fails with 25P03.

use std::sync::{Arc, Mutex, Once, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::db::read_pool::open_reader;
use crate::db::writer::read_meta;
use crate::error::{ClusterError, ExecError, SqlError};

/// A read transaction held open for one session's transaction.
pub struct PinnedSnapshot {
    /// `None` once the reaper closed it.
    conn: Mutex<Option<Connection>>,
    /// The data version it sees (the serialization check of the transaction's first write).
    pub data_version: u64,
    last_used: Mutex<Instant>,
    max_idle: Duration,
}

static REGISTRY: Mutex<Vec<Weak<PinnedSnapshot>>> = Mutex::new(Vec::new());
static REAPER: Once = Once::new();

fn registry() -> std::sync::MutexGuard<'static, Vec<Weak<PinnedSnapshot>>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Closes idle snapshots, once a second, on a thread of its own (snapshots of every node in the process).
fn start_reaper() {
    REAPER.call_once(|| {
        let spawned = std::thread::Builder::new().name("snapshot-reaper".into()).spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1)); // a periodic sweep, not a wait for a condition
            let live: Vec<Arc<PinnedSnapshot>> = {
                let mut all = registry();
                all.retain(|w| w.strong_count() > 0);
                all.iter().filter_map(Weak::upgrade).collect()
            };
            for snap in live {
                snap.close_if_idle();
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the snapshot reaper");
        }
    });
}

impl PinnedSnapshot {
    /// Opens a read connection on `path` with a read transaction started, closed after `max_idle` unused.
    pub fn open(path: &std::path::Path, max_idle: Duration) -> Result<Arc<PinnedSnapshot>, ExecError> {
        let storage = |e: rusqlite::Error| ExecError::Cluster(ClusterError::Storage(e.to_string()));
        let conn = open_reader(path).map_err(storage)?;
        conn.execute_batch("BEGIN").map_err(storage)?;
        let data_version = match read_meta(&conn, "data_version").map_err(storage)? {
            Some(bytes) => {
                crate::codec::decode(&bytes).map_err(|e| ExecError::Cluster(ClusterError::Storage(e.to_string())))?
            }
            None => 0,
        };
        let snap = Arc::new(PinnedSnapshot {
            conn: Mutex::new(Some(conn)),
            data_version,
            last_used: Mutex::new(Instant::now()),
            max_idle,
        });
        start_reaper();
        registry().push(Arc::downgrade(&snap));
        Ok(snap)
    }

    /// The error of a transaction whose snapshot the reaper closed (25P03).
    fn released(&self) -> SqlError {
        SqlError::new(
            SqlError::IDLE_IN_TRANSACTION_TIMEOUT,
            format!(
                "the transaction was idle longer than {} s and its snapshot was released; roll back",
                self.max_idle.as_secs()
            ),
        )
    }

    /// An interrupt handle for the statement about to run, or 25P03 once closed.
    pub fn interrupt_handle(&self) -> Result<rusqlite::InterruptHandle, SqlError> {
        let guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(|c| c.get_interrupt_handle()).ok_or_else(|| self.released())
    }

    /// Runs `f` on the snapshot's connection (blocking), or fails with 25P03 if the reaper closed it.
    pub fn with_connection<R>(&self, f: impl FnOnce(&Connection) -> R) -> Result<R, SqlError> {
        let guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let Some(conn) = guard.as_ref() else {
            return Err(self.released());
        };
        let out = f(conn);
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        Ok(out)
    }

    fn close_if_idle(&self) {
        let idle = self.last_used.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
        if idle <= self.max_idle {
            return;
        }
        // A statement running on it holds the lock: it is not idle.
        if let Ok(mut conn) = self.conn.try_lock() {
            if conn.take().is_some() {
                tracing::info!(idle_secs = idle.as_secs(), "released the snapshot of a transaction idle too long");
            }
        }
    }
}
