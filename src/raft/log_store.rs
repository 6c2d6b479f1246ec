//! The Raft log on sled, behind OpenRaft's `RaftLogStorage`. Tree `logs` maps big-endian indexes to encoded
//! entries; tree `meta` holds the vote, the committed log id and the last purged log id. Appends and votes
//! are acknowledged only after sled has flushed them to disk; concurrent appends share one flush (group
//! commit).

// The storage traits fix the error type to OpenRaft's `StorageError`, which is large; boxing it is not ours
// to choose.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::io;
use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, OptionalSend, RaftLogId, RaftLogReader, StorageIOError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec;
use crate::raft::types::{Entry, LogId, StorageError, TypeConfig, Vote};

const KEY_VOTE: &[u8] = b"vote";
const KEY_COMMITTED: &[u8] = b"committed";
const KEY_PURGED: &[u8] = b"last_purged";

/// Counters of the log's write path: how many appends, how many flushes (fsyncs) and how many entries each
/// flush made durable on average (group commit).
#[derive(Debug, Default)]
pub struct LogStats {
    pub append_calls: AtomicU64,
    pub appended_entries: AtomicU64,
    /// Flushes that acknowledged appends.
    pub append_flushes: AtomicU64,
}

/// An append waiting for the flush that makes it durable.
struct PendingAppend {
    callback: LogFlushed<TypeConfig>,
    entries: u64,
}

/// The group-commit flusher: appends are written to sled at once and queued here; the thread takes every
/// queued append, flushes once, and acknowledges them all. While one flush runs, the next batch gathers.
fn run_flusher(db: sled::Db, stats: Arc<LogStats>, queue: mpsc::Receiver<PendingAppend>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while let Ok(more) = queue.try_recv() {
            batch.push(more);
        }
        let result = db.flush().map(|_| ());
        stats.append_flushes.fetch_add(1, Ordering::Relaxed);
        for pending in batch {
            stats.appended_entries.fetch_add(pending.entries, Ordering::Relaxed);
            let outcome = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::other(e.to_string())),
            };
            pending.callback.log_io_completed(outcome);
        }
        if let Err(e) = result {
            tracing::error!(error = %e, "flushing the raft log failed");
        }
    }
}

/// The sled-backed log store. Cloning is cheap; clones share the same trees (the log reader is a clone).
#[derive(Clone)]
pub struct LogStore {
    db: sled::Db,
    logs: sled::Tree,
    meta: sled::Tree,
    stats: Arc<LogStats>,
    flusher: mpsc::Sender<PendingAppend>,
}

fn io_err(subject: ErrorSubject<u64>, verb: ErrorVerb, e: impl std::error::Error + 'static) -> StorageError {
    StorageIOError::new(subject, verb, openraft::AnyError::new(&e)).into()
}

fn read_err(e: impl std::error::Error + 'static) -> StorageError {
    io_err(ErrorSubject::Logs, ErrorVerb::Read, e)
}

fn write_err(e: impl std::error::Error + 'static) -> StorageError {
    io_err(ErrorSubject::Logs, ErrorVerb::Write, e)
}

impl LogStore {
    /// Opens (creating if needed) the log at `dir`.
    pub fn open(dir: &Path) -> Result<LogStore, sled::Error> {
        // Flushes are explicit (before every acknowledgement); sled's background flusher stays on as a
        // safety net for the trees' internal state.
        let db = sled::Config::new().path(dir).cache_capacity(64 * 1024 * 1024).open()?;
        let logs = db.open_tree("logs")?;
        let meta = db.open_tree("meta")?;
        let stats = Arc::<LogStats>::default();
        let (flusher, queue) = mpsc::channel();
        let (flush_db, flush_stats) = (db.clone(), stats.clone());
        std::thread::Builder::new()
            .name("raft-log-flush".into())
            .spawn(move || run_flusher(flush_db, flush_stats, queue))
            .map_err(sled::Error::Io)?;
        Ok(LogStore { db, logs, meta, stats, flusher })
    }

    fn get_meta<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, StorageError> {
        match self.meta.get(key).map_err(read_err)? {
            Some(bytes) => Ok(Some(codec::decode(&bytes).map_err(read_err)?)),
            None => Ok(None),
        }
    }

    fn put_meta<T: Serialize>(&self, key: &[u8], value: &T) -> Result<(), StorageError> {
        let bytes = codec::encode(value).map_err(write_err)?;
        self.meta.insert(key, bytes).map_err(write_err)?;
        Ok(())
    }

    async fn flush(&self) -> Result<(), StorageError> {
        self.db.flush_async().await.map_err(write_err)?;
        Ok(())
    }

    /// The store's write-path counters (shared by all clones).
    pub fn stats(&self) -> Arc<LogStats> {
        self.stats.clone()
    }
}

fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

fn decode_entry(bytes: &[u8]) -> Result<Entry, StorageError> {
    codec::decode(bytes).map_err(read_err)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let start = match range.start_bound() {
            Bound::Included(i) => Bound::Included(index_key(*i)),
            Bound::Excluded(i) => Bound::Excluded(index_key(*i)),
            Bound::Unbounded => Bound::Unbounded,
        };
        let end = match range.end_bound() {
            Bound::Included(i) => Bound::Included(index_key(*i)),
            Bound::Excluded(i) => Bound::Excluded(index_key(*i)),
            Bound::Unbounded => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for item in self.logs.range::<[u8; 8], _>((start, end)) {
            let (_, v) = item.map_err(read_err)?;
            out.push(decode_entry(&v)?);
        }
        Ok(out)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged: Option<LogId> = self.get_meta(KEY_PURGED)?;
        let last = match self.logs.last().map_err(read_err)? {
            Some((_, v)) => Some(*decode_entry(&v)?.get_log_id()),
            None => last_purged,
        };
        Ok(LogState { last_purged_log_id: last_purged, last_log_id: last })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        self.put_meta(KEY_VOTE, vote)
            .map_err(|_| io_err(ErrorSubject::Vote, ErrorVerb::Write, io::Error::other("writing the vote failed")))?;
        self.flush().await
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        self.get_meta(KEY_VOTE)
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        // Not flushed on purpose: the committed id is a hint that lets a restarted node apply sooner; losing
        // the last update only delays that.
        self.put_meta(KEY_COMMITTED, &committed)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(self.get_meta::<Option<LogId>>(KEY_COMMITTED)?.flatten())
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = sled::Batch::default();
        let mut count = 0;
        for entry in entries {
            let bytes = codec::encode(&entry).map_err(write_err)?;
            batch.insert(&index_key(entry.get_log_id().index), bytes);
            count += 1;
        }
        self.logs.apply_batch(batch).map_err(write_err)?;
        self.stats.append_calls.fetch_add(1, Ordering::Relaxed);
        // Durable only once the flusher has flushed; OpenRaft may go on appending meanwhile, and those
        // appends share the next flush.
        self.flusher
            .send(PendingAppend { callback, entries: count })
            .map_err(|_| write_err(io::Error::other("raft log flusher has stopped")))?;
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let mut batch = sled::Batch::default();
        for item in self.logs.range(index_key(log_id.index)..) {
            let (k, _) = item.map_err(read_err)?;
            batch.remove(k);
        }
        self.logs.apply_batch(batch).map_err(write_err)?;
        self.flush().await
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        // Record the purge point first: after a crash the log state is then never ahead of what was removed.
        self.put_meta(KEY_PURGED, &log_id)?;
        self.flush().await?;
        let mut batch = sled::Batch::default();
        for item in self.logs.range(..=index_key(log_id.index)) {
            let (k, _) = item.map_err(read_err)?;
            batch.remove(k);
        }
        self.logs.apply_batch(batch).map_err(write_err)?;
        Ok(())
    }
}
