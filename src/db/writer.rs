//! The state machine's single writer connection: opened through the clock VFS with the deterministic
//! functions installed, WAL mode, foreign keys on. It runs each log entry inside a savepoint of the batch's
//! transaction and keeps raftsql's own metadata (last applied log id, membership) in a table written in that
//! same transaction.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::db::determinism::{self, ExecContext};
use crate::db::exec;
use crate::db::value::{QueryResult, Statement};
use crate::error::SqlError;

/// raftsql's metadata table inside the replicated database itself, so data and metadata commit together.
pub const META_TABLE: &str = "__raftsql_meta";

/// The one connection that writes the database.
pub struct Writer {
    conn: Connection,
}

impl Writer {
    /// Opens (creating if needed) the database at `path` in WAL mode.
    pub fn open(path: &Path) -> rusqlite::Result<Writer> {
        determinism::register_clock_vfs();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags_and_vfs(path, flags, determinism::CLOCK_VFS)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // WAL + NORMAL: a commit is durable once the WAL is synced at checkpoint; a power loss may drop the
        // last commits, which the Raft log (never purged past a durable snapshot) replays.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(256);
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value BLOB NOT NULL)"
        ))?;
        determinism::register_functions(&conn)?;
        conn.authorizer(Some(exec::writer_authorizer))?;
        Ok(Writer { conn })
    }

    /// Reads one metadata value.
    pub fn read_meta(&self, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
        read_meta(&self.conn, key)
    }

    /// Writes one metadata value inside the current transaction.
    pub fn write_meta(&self, key: &str, value: &[u8]) -> rusqlite::Result<()> {
        let mut stmt =
            self.conn.prepare_cached(&format!("INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?1, ?2)"))?;
        stmt.execute(rusqlite::params![key, value])?;
        Ok(())
    }

    /// Starts the transaction of an apply batch.
    pub fn begin(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")
    }

    /// Commits the apply batch.
    pub fn commit(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")
    }

    /// Whether a SQLite transaction is open on the writer (an interactive transaction spans batches).
    pub fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Creates a savepoint (raftsql's own, or a client's with an escaped name).
    pub fn savepoint(&self, name: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch(&format!("SAVEPOINT {}", quote_ident(name)))
    }

    /// Releases a savepoint and everything nested in it, keeping their changes.
    pub fn release(&self, name: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch(&format!("RELEASE {}", quote_ident(name)))
    }

    /// Undoes everything since a savepoint; the savepoint stays.
    pub fn rollback_to(&self, name: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch(&format!("ROLLBACK TO {}", quote_ident(name)))
    }

    /// Rolls back whatever is open (used only when a storage error aborts a batch).
    pub fn rollback(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// Runs the statements of one entry atomically: all of them apply, or none does and the first error is
    /// returned (with the index of the failing statement). A storage-level failure of the savepoint itself
    /// is returned as the outer error.
    pub fn execute_entry(
        &self,
        ctx: ExecContext,
        statements: &[Statement],
    ) -> rusqlite::Result<Result<Vec<QueryResult>, SqlError>> {
        self.conn.execute_batch("SAVEPOINT entry")?;
        let outcome = determinism::with_context(ctx, || {
            let mut results = Vec::with_capacity(statements.len());
            for (i, st) in statements.iter().enumerate() {
                match exec::execute(&self.conn, &st.sql, &st.params, None) {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        let mut e = e.unwrap_or_else(|| SqlError::new(1, "statement refused"));
                        e.statement_index = i;
                        return Err(e);
                    }
                }
            }
            Ok(results)
        });
        if outcome.is_err() {
            self.conn.execute_batch("ROLLBACK TO entry")?;
        }
        self.conn.execute_batch("RELEASE entry")?;
        Ok(outcome)
    }

    /// Replaces the whole database with the snapshot file at `src`, in one SQLite transaction: readers see
    /// the old or the new database, never a mix, and a crash leaves one of the two.
    pub fn restore_from(&mut self, src: &Path) -> rusqlite::Result<()> {
        let src_conn = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let backup = rusqlite::backup::Backup::new(&src_conn, &mut self.conn)?;
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => continue,
                rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => continue,
            }
        }
        drop(backup);
        Ok(())
    }

    /// Checkpoints the WAL into the database file and syncs it, so everything committed so far survives a
    /// power loss. Used before shutdown.
    pub fn checkpoint(&self) -> rusqlite::Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).optional()?;
        Ok(())
    }
}

/// Quotes an identifier for SQLite.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads one metadata value through any connection.
pub fn read_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(&format!("SELECT value FROM {META_TABLE} WHERE key = ?1"), [key], |r| r.get(0)).optional()
}
