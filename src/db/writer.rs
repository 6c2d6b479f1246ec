//! The state machine's single writer connection: opened through the clock VFS with the deterministic
//! functions, the execution budget and fixed SQLite limits installed, WAL mode, foreign keys on. It runs each
//! client request inside a savepoint of the current transaction and keeps raftsql's own metadata (last applied
//! log id, membership) in a table written in that same transaction.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::db::determinism::{self, ExecContext};
use crate::db::exec::{self, Failure};
use crate::db::value::{QueryResult, Statement};
use crate::db::{authorizer, budget, limits};
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
        crate::db::charging::install();
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
        limits::apply(&conn)?;
        // No writing to shadow tables of virtual tables and the like: statements could corrupt the database on
        // purpose, and corruption stops a node.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
        determinism::install_reserved_rowid_check(&mut conn)?;
        budget::install_progress_handler(&mut conn)?;
        determinism::register_process_hooks();
        conn.authorizer(Some(authorizer::writer_authorizer))?;
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

    /// Loads the schema if SQLite dropped it (a rollback of DDL, a restore): a cached statement that reads it.
    fn load_schema(&self) -> Result<(), Result<SqlError, rusqlite::Error>> {
        let mut stmt = self.conn.prepare_cached("SELECT 1 FROM sqlite_schema WHERE 0").map_err(Err)?;
        let mut rows = stmt.raw_query();
        rows.next().map_err(Err)?;
        Ok(())
    }

    /// Starts a write transaction. Its first page write happens here, before any client statement: when the
    /// WAL was fully checkpointed, that write restarts the WAL and draws a salt from SQLite's random generator,
    /// which must not happen in the middle of a statement whose random rowids come from the same generator.
    pub fn begin(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.write_meta("write_marker", &[])?;
        self.conn.cache_flush()
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

    /// Rows that break a deferred foreign key in the open transaction (checked when it commits).
    pub fn deferred_foreign_key_violations(&self) -> i64 {
        let (mut current, mut highwater) = (0, 0);
        // SAFETY: the handle is this connection's, used on its own thread; the out-pointers are live locals.
        unsafe {
            rusqlite::ffi::sqlite3_db_status(
                self.conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_DEFERRED_FKS,
                &mut current,
                &mut highwater,
                0,
            );
        }
        i64::from(current)
    }

    /// Runs the statements of one client request atomically: all of them apply, or none does and the first SQL
    /// error is the outcome (with the index of the failing statement). With `commits` (an autocommit request,
    /// which PostgreSQL commits at its end) a deferred foreign key it leaves broken fails it (23503); inside an
    /// interactive transaction that is checked at COMMIT. With `per_row`, each statement runs once for each row
    /// of its parameters (`exec::run_replicated_rows`). A node-local failure (disk full, I/O error...) is the
    /// outer error: applying cannot go on.
    pub fn execute_entry(
        &self,
        ctx: ExecContext,
        statements: &[Statement],
        commits: bool,
        per_row: bool,
    ) -> rusqlite::Result<EntryOutcome> {
        self.conn.execute_batch("SAVEPOINT entry")?;
        let outcome = determinism::with_context(ctx, || {
            let mut results = Vec::with_capacity(statements.len());
            for (i, st) in statements.iter().enumerate() {
                let seed = ctx.for_request(i).seed;
                // The schema is loaded (after a rollback or a restore reset it) before the budget is armed: how
                // much loading it allocates depends on this node's history, not on the statement.
                self.load_schema()?;
                let run = || match per_row {
                    true => exec::run_replicated_rows(&self.conn, &st.sql, &st.params),
                    false => exec::run_replicated(&self.conn, &st.sql, &st.params, ctx.limits.max_result_bytes),
                };
                match determinism::with_statement(seed, ctx.limits.max_steps, run) {
                    Ok(r) => results.push(r),
                    Err(Failure::Sql(mut e)) => {
                        e.statement_index = i;
                        return Err(Ok(e));
                    }
                    Err(Failure::NodeLocal(e)) => return Err(Err(e)),
                }
            }
            if commits && self.deferred_foreign_key_violations() > 0 {
                return Err(Ok(deferred_foreign_key_error()));
            }
            Ok(results)
        });
        match outcome {
            Ok(results) => {
                self.conn.execute_batch("RELEASE entry")?;
                Ok(EntryOutcome::Done(Ok(results)))
            }
            Err(Err(node_local)) => Err(node_local),
            Err(Ok(sql_error)) if self.conn.is_autocommit() => {
                // SQLite rolled the whole transaction back itself (a statement that writes was interrupted by
                // its budget, INSERT OR ROLLBACK...). Open a new one; the caller redoes what was lost.
                self.begin()?;
                Ok(EntryOutcome::TransactionRolledBack(sql_error))
            }
            Err(Ok(sql_error)) => {
                self.conn.execute_batch("ROLLBACK TO entry; RELEASE entry")?;
                Ok(EntryOutcome::Done(Err(sql_error)))
            }
        }
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

    /// Forbids the database to grow beyond its current size, so the next write that needs a page fails with
    /// SQLITE_FULL as on a full disk (fault injection for tests).
    pub fn freeze_size(&self) -> rusqlite::Result<()> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        self.conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(())).map(|_| ())
    }

    /// Checkpoints the WAL into the database file and syncs it, so everything committed so far survives a
    /// power loss. Used before shutdown.
    pub fn checkpoint(&self) -> rusqlite::Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).optional()?;
        Ok(())
    }
}

/// What running one client request did.
#[derive(Debug)]
pub enum EntryOutcome {
    /// All statements applied, or none did and the SQL error is the outcome.
    Done(Result<Vec<QueryResult>, SqlError>),
    /// A statement failed in a way that made SQLite roll back the whole transaction, with everything since the
    /// last commit; the writer is in a new transaction. The SQL error is the request's outcome, and the caller
    /// must redo what it had applied since the last commit.
    TransactionRolledBack(SqlError),
}

/// The error of a commit that would leave a deferred foreign key broken.
pub fn deferred_foreign_key_error() -> SqlError {
    SqlError::new(
        787, // SQLITE_CONSTRAINT_FOREIGNKEY
        "FOREIGN KEY constraint failed: a deferred foreign key is violated at commit",
    )
}

/// Quotes an identifier for SQLite.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads one metadata value through any connection.
pub fn read_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(&format!("SELECT value FROM {META_TABLE} WHERE key = ?1"), [key], |r| r.get(0)).optional()
}
