//! Applying committed entries on the state machine's writer thread. Entries apply inside one SQLite transaction
//! per batch, with the last applied log id, the membership and the data version written in that same
//! transaction, so after any crash the database says exactly what it holds.
//!
//! Commit points. The transaction is also committed (metadata included) right before an interactive
//! transaction begins and right after one ends, so that an interactive transaction is alone in its SQLite
//! transaction. That matters when SQLite rolls a whole transaction back by itself (a statement that writes is
//! stopped by its execution budget, `INSERT OR ROLLBACK`): inside an interactive transaction only that
//! transaction is lost, the same on every replica; elsewhere the entries applied since the last commit point
//! (all in this batch) are redone, which gives the same state again because applying is deterministic. Apply
//! batches differ from node to node; none of this depends on where a batch starts or ends.
//!
//! Failures that are not SQL errors (disk full, I/O errors, corruption) fail the whole batch: OpenRaft stops
//! the node, and after a restart it applies again from what was committed.

// The storage traits fix the error type to OpenRaft's `StorageError`, which is large; boxing it is not ours
// to choose.
#![allow(clippy::result_large_err)]

use std::path::Path;

use openraft::{EntryPayload, ErrorSubject, ErrorVerb, RaftLogId, StorageIOError};

use crate::codec;
use crate::db::{EntryOutcome, ExecContext, Statement, Writer};
use crate::raft::txn_apply::Transactions;
use crate::raft::types::{
    Entry, LogId, Request, Response, SnapshotMeta, StorageError, StoredMembership, TxnStep, WriteOutcome,
};

pub const META_LAST_APPLIED: &str = "last_applied";
pub const META_MEMBERSHIP: &str = "membership";
pub const META_DATA_VERSION: &str = "data_version";

pub fn sm_err(verb: ErrorVerb, e: impl std::fmt::Display) -> StorageError {
    StorageIOError::new(ErrorSubject::StateMachine, verb, openraft::AnyError::error(e.to_string())).into()
}

pub fn snap_err(verb: ErrorVerb, e: impl std::fmt::Display) -> StorageError {
    StorageIOError::new(ErrorSubject::Snapshot(None), verb, openraft::AnyError::error(e.to_string())).into()
}

fn write_err(e: rusqlite::Error) -> StorageError {
    sm_err(ErrorVerb::Write, e)
}

/// Decodes a metadata value, or gives the default when the database has none yet.
pub fn decode_meta<T: serde::de::DeserializeOwned + Default>(value: Option<Vec<u8>>) -> Result<T, StorageError> {
    match value {
        Some(b) => codec::decode(&b).map_err(|e| sm_err(ErrorVerb::Read, e)),
        None => Ok(T::default()),
    }
}

fn read_meta<T: serde::de::DeserializeOwned + Default>(writer: &Writer, key: &str) -> Result<T, StorageError> {
    decode_meta(writer.read_meta(key).map_err(|e| sm_err(ErrorVerb::Read, e))?)
}

/// The writer thread's state: the connection and the cached copy of what the database says it applied.
pub struct WriterState {
    pub writer: Writer,
    pub last_applied: Option<LogId>,
    pub membership: StoredMembership,
    pub txns: Transactions,
}

/// What was committed last: where in the batch, and the state it committed.
#[derive(Clone)]
struct CommitPoint {
    /// Entries of the batch before this position are committed.
    position: usize,
    last_applied: Option<LogId>,
    membership: StoredMembership,
    data_version: u64,
}

impl WriterState {
    /// Reads what the database says it holds.
    pub fn open(writer: Writer) -> Result<WriterState, StorageError> {
        let mut state = WriterState {
            writer,
            last_applied: None,
            membership: StoredMembership::default(),
            txns: Transactions::default(),
        };
        state.reload()?;
        Ok(state)
    }

    /// Re-reads the metadata (at open, and after the database was replaced by a snapshot install).
    pub fn reload(&mut self) -> Result<(), StorageError> {
        self.last_applied = read_meta(&self.writer, META_LAST_APPLIED)?;
        self.membership = read_meta(&self.writer, META_MEMBERSHIP)?;
        self.txns = Transactions { open: None, data_version: read_meta(&self.writer, META_DATA_VERSION)? };
        Ok(())
    }

    /// Replaces the database with the snapshot file at `path` when it is newer than what the database holds, in
    /// one SQLite transaction (an open interactive transaction, and the batches it kept uncommitted, go too).
    pub fn restore(&mut self, path: &Path, meta: &SnapshotMeta) -> Result<(), StorageError> {
        if meta.last_log_id <= self.last_applied {
            tracing::info!(snapshot = ?meta.last_log_id, applied = ?self.last_applied, "snapshot not newer than the database, kept as is");
            return Ok(());
        }
        self.txns.open = None;
        self.writer.rollback();
        self.writer.restore_from(path).map_err(|e| snap_err(ErrorVerb::Write, e))?;
        self.reload()?;
        if self.last_applied != meta.last_log_id {
            let msg = format!("snapshot file holds {:?}, its metadata says {:?}", self.last_applied, meta.last_log_id);
            return Err(snap_err(ErrorVerb::Read, msg));
        }
        Ok(())
    }

    fn point(&self, position: usize) -> CommitPoint {
        CommitPoint {
            position,
            last_applied: self.last_applied,
            membership: self.membership.clone(),
            data_version: self.txns.data_version,
        }
    }

    fn write_meta(&self) -> Result<(), StorageError> {
        let enc = |e: codec::CodecError| sm_err(ErrorVerb::Write, e);
        let w = &self.writer;
        w.write_meta(META_LAST_APPLIED, &codec::encode(&self.last_applied).map_err(enc)?).map_err(write_err)?;
        w.write_meta(META_MEMBERSHIP, &codec::encode(&self.membership).map_err(enc)?).map_err(write_err)?;
        w.write_meta(META_DATA_VERSION, &codec::encode(&self.txns.data_version).map_err(enc)?).map_err(write_err)
    }

    /// Commits everything applied so far and opens the next transaction. Never while an interactive transaction
    /// is open (its changes must stay uncommitted until it commits).
    fn commit_point(&mut self, position: usize, point: &mut CommitPoint) -> Result<(), StorageError> {
        debug_assert!(self.txns.open.is_none());
        self.write_meta()?;
        self.writer.commit().map_err(write_err)?;
        self.writer.begin().map_err(write_err)?;
        *point = self.point(position);
        Ok(())
    }

    /// Rolls back an open interactive transaction and commits what came before it.
    fn close_open_txn(&mut self, position: usize, point: &mut CommitPoint) -> Result<(), StorageError> {
        if self.txns.open.is_some() {
            self.txns.abort(&self.writer).map_err(write_err)?;
            self.commit_point(position, point)?;
        }
        Ok(())
    }

    /// Applies a batch of committed entries.
    pub fn apply(&mut self, entries: Vec<Entry>) -> Result<Vec<Response>, StorageError> {
        // An interactive transaction left open by the previous batch continues in the same SQLite transaction.
        if !self.writer.in_transaction() {
            self.writer.begin().map_err(write_err)?;
        }
        let mut point = self.point(0);
        let result = self.apply_all(&entries, &mut point);
        if result.is_err() {
            self.writer.rollback();
            self.txns.open = None;
            self.last_applied = point.last_applied;
            self.membership = point.membership;
            self.txns.data_version = point.data_version;
        }
        result
    }

    fn apply_all(&mut self, entries: &[Entry], point: &mut CommitPoint) -> Result<Vec<Response>, StorageError> {
        let mut responses = Vec::with_capacity(entries.len());
        // Requests (entry position, request index) that made SQLite roll back: they had no effect, and redoing
        // them would roll back again, so a redo skips them.
        let mut rolled_back: Vec<(usize, usize)> = Vec::new();
        for (position, entry) in entries.iter().enumerate() {
            let log_id = *entry.get_log_id();
            // An interactive transaction does not survive into another term.
            if self.txns.open.as_ref().is_some_and(|t| t.term != log_id.leader_id.term) {
                self.close_open_txn(position, point)?;
            }
            let response = match &entry.payload {
                EntryPayload::Blank => Response::empty(),
                EntryPayload::Membership(m) => {
                    self.membership = StoredMembership::new(Some(log_id), m.clone());
                    Response::empty()
                }
                EntryPayload::Normal(Request::Execute { requests, ctx }) => {
                    // Autocommit writes never interleave with a transaction on a healthy leader (write gate).
                    self.close_open_txn(position, point)?;
                    let mut outcomes = Vec::with_capacity(requests.len());
                    for (i, statements) in requests.iter().enumerate() {
                        let outcome = match self
                            .writer
                            .execute_entry(ctx.for_request(i), statements, true, false)
                            .map_err(write_err)?
                        {
                            EntryOutcome::Done(outcome) => outcome,
                            EntryOutcome::TransactionRolledBack(e) => {
                                self.redo(entries, point, position, &rolled_back)?;
                                self.redo_requests(position, *ctx, &requests[..i], &rolled_back)?;
                                rolled_back.push((position, i));
                                Err(e)
                            }
                        };
                        if outcome.is_ok() {
                            self.txns.data_version += 1;
                        }
                        outcomes.push(outcome);
                    }
                    Response { outcomes }
                }
                EntryPayload::Normal(Request::Txn { txn, step, ctx }) => {
                    if matches!(step, TxnStep::Begin { .. }) {
                        // The transaction starts alone in a new SQLite transaction.
                        self.close_open_txn(position, point)?;
                        self.commit_point(position, point)?;
                    }
                    let term = log_id.leader_id.term;
                    let outcome =
                        self.txns.apply_step(&self.writer, *txn, term, step.clone(), *ctx).map_err(write_err)?;
                    self.last_applied = Some(log_id);
                    if self.txns.open.is_none() {
                        // Ended (or never opened): commit it, apart from whatever follows.
                        self.commit_point(position + 1, point)?;
                    }
                    Response { outcomes: vec![outcome] }
                }
            };
            self.last_applied = Some(log_id);
            responses.push(response);
        }
        self.write_meta()?;
        // While a transaction is open its SQLite transaction (and this batch's metadata) stays uncommitted: after
        // a crash the node applies again from what was committed.
        if self.txns.open.is_none() {
            self.writer.commit().map_err(write_err)?;
        }
        Ok(responses)
    }

    /// After SQLite rolled back everything since `point`, applies the batch's entries from there up to `end`
    /// again, skipping the requests that rolled back before. They are autocommit writes, blanks and membership
    /// changes: interactive transactions are preceded and followed by commit points.
    fn redo(
        &mut self,
        entries: &[Entry],
        point: &CommitPoint,
        end: usize,
        rolled_back: &[(usize, usize)],
    ) -> Result<(), StorageError> {
        self.last_applied = point.last_applied;
        self.membership = point.membership.clone();
        self.txns.data_version = point.data_version;
        for (position, entry) in entries.iter().enumerate().take(end).skip(point.position) {
            let log_id = *entry.get_log_id();
            match &entry.payload {
                EntryPayload::Blank => {}
                EntryPayload::Membership(m) => self.membership = StoredMembership::new(Some(log_id), m.clone()),
                EntryPayload::Normal(Request::Execute { requests, ctx }) => {
                    self.redo_requests(position, *ctx, requests, rolled_back)?
                }
                EntryPayload::Normal(Request::Txn { .. }) => {
                    return Err(sm_err(ErrorVerb::Write, format!("transaction step {log_id} inside a redo range")));
                }
            }
            self.last_applied = Some(log_id);
        }
        Ok(())
    }

    /// Applies again `requests` (the entry at `position`'s, or the first of them), skipping those that rolled back
    /// before.
    fn redo_requests(
        &mut self,
        position: usize,
        ctx: ExecContext,
        requests: &[Vec<Statement>],
        rolled_back: &[(usize, usize)],
    ) -> Result<(), StorageError> {
        for (i, statements) in requests.iter().enumerate() {
            if !rolled_back.contains(&(position, i)) && self.redo_request(ctx.for_request(i), statements)?.is_ok() {
                self.txns.data_version += 1;
            }
        }
        Ok(())
    }

    /// Applies one request again; it must end as it did the first time.
    fn redo_request(&mut self, ctx: ExecContext, statements: &[Statement]) -> Result<WriteOutcome, StorageError> {
        match self.writer.execute_entry(ctx, statements, true, false).map_err(write_err)? {
            EntryOutcome::Done(outcome) => Ok(outcome),
            EntryOutcome::TransactionRolledBack(e) => Err(sm_err(
                ErrorVerb::Write,
                format!("applying a request again rolled the transaction back ({e}): apply is not deterministic"),
            )),
        }
    }
}
