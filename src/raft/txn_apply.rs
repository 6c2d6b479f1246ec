//! Applying interactive transactions in the state machine. A write transaction is a contiguous run of
//! `TxnStep` entries; its SQLite transaction stays open across apply batches (so nothing of it is visible
//! to readers, or durable, before Commit). Every node takes the same decisions from the log alone: a step
//! of an older term than the entry being applied means the leader changed, and the transaction is rolled
//! back everywhere.

use crate::db::{EntryOutcome, ExecContext, Writer};
use crate::error::SqlError;
use crate::raft::types::{TxnId, TxnStep, WriteOutcome};

/// Savepoint that brackets the whole interactive transaction inside the writer's SQLite transaction.
const TXN_SAVEPOINT: &str = "raftsql_txn";

/// The transaction currently open on the writer, if any.
#[derive(Debug, Clone)]
pub struct OpenTxn {
    pub id: TxnId,
    /// Term of the entry that opened it; an entry of another term ends it.
    pub term: u64,
    /// An earlier statement failed: only ROLLBACK or ROLLBACK TO SAVEPOINT are accepted.
    pub failed: bool,
}

/// Interactive-transaction state of the state machine.
#[derive(Debug, Default)]
pub struct Transactions {
    pub open: Option<OpenTxn>,
    /// Counts committed changes of data (autocommit writes and committed transactions); a transaction whose
    /// first read saw an older version cannot write (serialization failure).
    pub data_version: u64,
}

fn client_savepoint(name: &str) -> String {
    format!("client_{name}")
}

impl Transactions {
    /// Rolls back the open transaction, if any.
    pub fn abort(&mut self, writer: &Writer) -> rusqlite::Result<()> {
        if let Some(t) = self.open.take() {
            tracing::info!(txn = t.id, "interactive transaction rolled back by the state machine");
            writer.rollback_to(TXN_SAVEPOINT)?;
            writer.release(TXN_SAVEPOINT)?;
        }
        Ok(())
    }

    fn check_open(&self, id: TxnId) -> Result<(), SqlError> {
        match &self.open {
            Some(t) if t.id == id && t.failed => Err(SqlError::new(
                SqlError::TXN_FAILED,
                "current transaction is aborted, commands ignored until end of transaction block",
            )),
            Some(t) if t.id == id => Ok(()),
            _ => Err(SqlError::new(
                SqlError::TXN_NOT_OPEN,
                "the transaction was rolled back (leader change, timeout or conflict); retry it",
            )),
        }
    }

    fn mark_failed(&mut self) {
        if let Some(t) = self.open.as_mut() {
            t.failed = true;
        }
    }

    /// Applies one step. The outer error is a storage failure; the inner one is the client's outcome.
    pub fn apply_step(
        &mut self,
        writer: &Writer,
        id: TxnId,
        term: u64,
        step: TxnStep,
        ctx: ExecContext,
    ) -> rusqlite::Result<WriteOutcome> {
        match step {
            TxnStep::Begin { snapshot_version, savepoints, statements } => {
                if self.open.is_some() {
                    // The write gate makes this impossible on a healthy leader; stay deterministic anyway.
                    self.abort(writer)?;
                }
                if snapshot_version.is_some_and(|v| v != self.data_version) {
                    return Ok(Err(SqlError::new(
                        SqlError::SERIALIZATION_FAILURE,
                        "could not serialize access due to concurrent update",
                    )));
                }
                writer.savepoint(TXN_SAVEPOINT)?;
                self.open = Some(OpenTxn { id, term, failed: false });
                for sp in &savepoints {
                    writer.savepoint(&client_savepoint(sp))?;
                }
                self.run(writer, &statements, ctx, false)
            }
            TxnStep::Run(statements) => {
                if let Err(e) = self.check_open(id) {
                    return Ok(Err(e));
                }
                self.run(writer, &statements, ctx, false)
            }
            TxnStep::RunRows(statement) => {
                if let Err(e) = self.check_open(id) {
                    return Ok(Err(e));
                }
                self.run(writer, std::slice::from_ref(&*statement), ctx, true)
            }
            TxnStep::Savepoint(name) => {
                if let Err(e) = self.check_open(id) {
                    return Ok(Err(e));
                }
                writer.savepoint(&client_savepoint(&name))?;
                Ok(Ok(Vec::new()))
            }
            TxnStep::Release(name) => {
                if let Err(e) = self.check_open(id) {
                    return Ok(Err(e));
                }
                Ok(writer.release(&client_savepoint(&name)).map(|_| Vec::new()).map_err(|e| no_savepoint(&name, e)))
            }
            TxnStep::RollbackTo(name) => {
                if self.open.as_ref().is_none_or(|t| t.id != id) {
                    return Ok(Err(SqlError::new(SqlError::TXN_NOT_OPEN, "the transaction was rolled back; retry it")));
                }
                match writer.rollback_to(&client_savepoint(&name)) {
                    Ok(()) => {
                        if let Some(t) = self.open.as_mut() {
                            t.failed = false;
                        }
                        Ok(Ok(Vec::new()))
                    }
                    Err(e) => Ok(Err(no_savepoint(&name, e))),
                }
            }
            TxnStep::Commit => {
                if let Err(e) = self.check_open(id) {
                    if e.code == SqlError::TXN_FAILED {
                        self.abort(writer)?;
                    }
                    return Ok(Err(e));
                }
                if writer.deferred_foreign_key_violations() > 0 {
                    // PostgreSQL checks deferred constraints at COMMIT and rolls the transaction back.
                    self.abort(writer)?;
                    return Ok(Err(crate::db::writer::deferred_foreign_key_error()));
                }
                writer.release(TXN_SAVEPOINT)?;
                self.open = None;
                self.data_version += 1;
                Ok(Ok(Vec::new()))
            }
            TxnStep::Rollback => {
                if self.open.as_ref().is_some_and(|t| t.id == id) {
                    self.abort(writer)?;
                }
                Ok(Ok(Vec::new()))
            }
        }
    }

    fn run(
        &mut self,
        writer: &Writer,
        statements: &[crate::db::Statement],
        ctx: ExecContext,
        per_row: bool,
    ) -> rusqlite::Result<WriteOutcome> {
        match writer.execute_entry(ctx, statements, false, per_row)? {
            EntryOutcome::Done(outcome) => {
                if outcome.is_err() {
                    self.mark_failed();
                }
                Ok(outcome)
            }
            EntryOutcome::TransactionRolledBack(mut e) => {
                // SQLite rolled the whole transaction back: it is gone on every replica alike.
                if let Some(t) = self.open.take() {
                    tracing::info!(txn = t.id, "interactive transaction rolled back by SQLite after an error");
                }
                e.message.push_str(" (the transaction was rolled back)");
                Ok(Err(e))
            }
        }
    }
}

fn no_savepoint(name: &str, e: rusqlite::Error) -> SqlError {
    let mut err = SqlError::from_rusqlite(&e);
    if err.message.contains("no such savepoint") {
        err.message = format!("savepoint \"{name}\" does not exist");
    }
    err
}
