//! A pool of read-only SQLite connections on the node's database file. Reads never go through the log:
//! they run here, on blocking threads, while the state machine's single writer keeps applying (WAL mode lets
//! both proceed).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::db::exec::{self, Access, ReadError};
use crate::db::value::{QueryResult, Value};
use crate::error::SqlError;

/// A fixed-size pool of read-only connections.
#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    path: PathBuf,
    /// Largest result a read may return, in bytes (more fails with 54000 instead of exhausting memory).
    max_result_bytes: u64,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

/// Interrupts a read that is still running when its caller stops waiting.
struct InterruptOnDrop {
    handle: Option<rusqlite::InterruptHandle>,
    done: Arc<AtomicBool>,
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            if !self.done.load(Ordering::Acquire) {
                h.interrupt();
            }
        }
    }
}

/// Runs `f` on a blocking thread. If the caller stops waiting (client cancel, statement timeout), `interrupt`
/// stops the SQLite statement `f` is running instead of letting it run on.
pub async fn run_interruptible<R, F>(interrupt: rusqlite::InterruptHandle, f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let done = Arc::new(AtomicBool::new(false));
    let mut guard = InterruptOnDrop { handle: Some(interrupt), done: done.clone() };
    let joined = tokio::task::spawn_blocking(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        done.store(true, Ordering::Release);
        out
    })
    .await;
    guard.handle = None;
    match joined {
        Ok(Ok(out)) => out,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

impl ReadPool {
    /// Opens `size` read-only connections on `path`; the database must already exist (the writer creates it).
    pub fn open(path: &Path, size: usize, max_result_bytes: u64) -> rusqlite::Result<ReadPool> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            idle.push(open_reader(path)?);
        }
        let n = idle.len();
        Ok(ReadPool {
            inner: Arc::new(PoolInner {
                path: path.to_path_buf(),
                max_result_bytes,
                idle: Mutex::new(idle),
                permits: Arc::new(Semaphore::new(n)),
            }),
        })
    }

    /// Path of the database file the pool reads.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Largest result a read may return, in bytes.
    pub fn max_result_bytes(&self) -> u64 {
        self.inner.max_result_bytes
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn with_connection<R, F>(&self, f: F) -> R
    where
        F: FnOnce(&Connection) -> R + Send + 'static,
        R: Send + 'static,
    {
        let permit = self.inner.permits.clone().acquire_owned().await.expect("read pool semaphore is never closed");
        let conn = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .expect("a permit guarantees an idle connection");
        let inner = self.inner.clone();
        let interrupt = conn.get_interrupt_handle();
        run_interruptible(interrupt, move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&conn)));
            // The connection goes back (and the permit is released) here, even when the caller went away.
            inner.idle.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            drop(permit);
            out.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .await
    }

    /// Asks SQLite whether a statement writes (prepares it without running it).
    pub async fn classify(&self, sql: &str) -> Result<Access, SqlError> {
        // A schema edit is raftsql's own statement, not SQL: it changes the schema.
        if crate::db::schema_edit::parse(sql).is_some() {
            return Ok(Access::Write);
        }
        let sql = sql.to_string();
        self.with_connection(move |conn| {
            match conn.prepare_cached(&sql) {
                Ok(stmt) => Ok(if stmt.readonly() { Access::ReadOnly } else { Access::Write }),
                // Several SQLite statements from one client statement: only ever DDL.
                Err(rusqlite::Error::MultipleStatement) => Ok(Access::Write),
                Err(e) => Err(SqlError::from_rusqlite(&e)),
            }
        })
        .await
    }

    /// Runs one statement if SQLite classifies it as read-only.
    pub async fn query(&self, sql: &str, params: Vec<Value>) -> Result<QueryResult, ReadError> {
        let sql = sql.to_string();
        let max = self.inner.max_result_bytes;
        self.with_connection(move |conn| exec::run_read(conn, &sql, &params, max)).await
    }
}

/// Opens one read-only connection with raftsql's reader settings.
pub fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    crate::db::charging::install();
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(128);
    crate::db::determinism::register_functions(&conn)?;
    crate::db::limits::apply(&conn)?;
    conn.authorizer(Some(crate::db::authorizer::reader_authorizer))?;
    Ok(conn)
}
