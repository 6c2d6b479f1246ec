//! The Raft log behind OpenRaft's `RaftLogStorage`: entries encoded with the crate's codec and kept in
//! `log_file`'s checksummed segment files; the vote and the purge point in state files replaced durably; the
//! committed log id in a state file written without a sync (a hint that only lets a restarted node apply
//! sooner). An append is acknowledged only after an `fdatasync` covering it; concurrent appends share one.
//!
//! Departure from the target design (sled): see docs/DESIGN.md, "Raft log". In short, sled 0.34 flushes with
//! `sync_file_range` (neither the device cache nor the file size) and writes values over 128 KiB to blob files
//! it never syncs, so an acknowledged entry could vanish in a power cut.

// The storage traits fix the error type to OpenRaft's `StorageError`, which is large; boxing it is not ours
// to choose.
#![allow(clippy::result_large_err)]

use std::fmt::Debug;
use std::io;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, OptionalSend, RaftLogId, RaftLogReader, StorageIOError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec;
use crate::raft::log_cache::RecentEntries;
use crate::raft::log_file::{LogFile, LogFileStats};
use crate::raft::types::{Entry, LogId, StorageError, TypeConfig, Vote};

const STATE_VOTE: &str = "vote";
const STATE_PURGED: &str = "purged";
const STATE_COMMITTED: &str = "committed";

/// The log store. Cloning is cheap; clones share the same files (the log reader is a clone).
#[derive(Clone)]
pub struct LogStore {
    dir: PathBuf,
    file: Arc<LogFile>,
    purged: Arc<Mutex<Option<LogId>>>,
    /// The last entries appended, decoded (read back for replication and applying).
    recent: Arc<Mutex<RecentEntries>>,
}

/// Bytes of recent entries kept decoded.
const RECENT_BYTES: usize = 64 << 20;

fn io_err(subject: ErrorSubject<u64>, verb: ErrorVerb, e: impl std::error::Error + 'static) -> StorageError {
    StorageIOError::new(subject, verb, openraft::AnyError::new(&e)).into()
}

fn read_err(e: impl std::error::Error + 'static) -> StorageError {
    io_err(ErrorSubject::Logs, ErrorVerb::Read, e)
}

fn write_err(e: impl std::error::Error + 'static) -> StorageError {
    io_err(ErrorSubject::Logs, ErrorVerb::Write, e)
}

fn read_state<T: DeserializeOwned>(dir: &Path, name: &str) -> io::Result<Option<T>> {
    match LogFile::read_state(dir, name)? {
        Some(bytes) => codec::decode(&bytes).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        None => Ok(None),
    }
}

impl LogStore {
    /// Opens (creating if needed) the log in `dir`.
    pub fn open(dir: &Path) -> io::Result<LogStore> {
        if dir.join("conf").exists() || dir.join("db").exists() {
            return Err(io::Error::other(format!(
                "{} holds a Raft log in the old sled format, which this version no longer reads: start the node \
                 on a new data directory restored from a backup (--restore-from)",
                dir.display()
            )));
        }
        let purged: Option<LogId> = read_state(dir, STATE_PURGED)?;
        let file = LogFile::open(dir, purged.map(|p| p.index))?;
        Ok(LogStore {
            dir: dir.to_path_buf(),
            file: Arc::new(file),
            purged: Arc::new(Mutex::new(purged)),
            recent: Arc::new(Mutex::new(RecentEntries::new(RECENT_BYTES))),
        })
    }

    /// The write path's counters (shared by all clones).
    pub fn stats(&self) -> Arc<LogFileStats> {
        self.file.stats()
    }

    fn put_state<T: Serialize>(&self, name: &str, value: &T, durable: bool) -> Result<(), StorageError> {
        let bytes = codec::encode(value).map_err(write_err)?;
        self.file.write_state(name, &bytes, durable).map_err(write_err)
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, RecentEntries> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn last_purged(&self) -> Option<LogId> {
        *self.purged.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn decode_entry(bytes: &[u8]) -> Result<Entry, StorageError> {
    codec::decode(bytes).map_err(read_err)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let from = match range.start_bound() {
            Bound::Included(i) => *i,
            Bound::Excluded(i) => i.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let to = match range.end_bound() {
            Bound::Included(i) => i.saturating_add(1),
            Bound::Excluded(i) => *i,
            Bound::Unbounded => u64::MAX,
        };
        let (first, next) = self.file.bounds();
        let (from, to) = (from.max(first), to.min(next));
        if let Some(entries) = self.recent().get(from, to) {
            return Ok(entries);
        }
        let records = self.file.read(from, to).map_err(read_err)?;
        records.iter().map(|(_, bytes)| decode_entry(bytes)).collect()
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged = self.last_purged();
        let (first, next) = self.file.bounds();
        let last = if next > first {
            let records = self.file.read(next - 1, next).map_err(read_err)?;
            match records.first() {
                Some((_, bytes)) => Some(*decode_entry(bytes)?.get_log_id()),
                None => last_purged,
            }
        } else {
            last_purged
        };
        Ok(LogState { last_purged_log_id: last_purged, last_log_id: last })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        self.put_state(STATE_VOTE, vote, true)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        read_state(&self.dir, STATE_VOTE).map_err(|e| io_err(ErrorSubject::Vote, ErrorVerb::Read, e))
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        // Not synced on purpose: losing the last update only delays applying after a restart.
        self.put_state(STATE_COMMITTED, &committed, false)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        let hint = read_state::<Option<LogId>>(&self.dir, STATE_COMMITTED).map_err(read_err)?.flatten();
        // The leader counts its own entries as matched before they are synced, so after a power cut the hint can
        // point past what the log kept: never beyond the log's end.
        let end = self.get_log_state().await?.last_log_id;
        Ok(match (hint, end) {
            (Some(h), Some(e)) if h > e => Some(e),
            (Some(_), None) => None,
            (h, _) => h,
        })
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut records = Vec::new();
        let mut decoded = Vec::new();
        for entry in entries {
            records.push((entry.get_log_id().index, codec::encode(&entry).map_err(write_err)?));
            decoded.push(entry);
        }
        let appended = self.file.append(&records, Box::new(move |result| callback.log_io_completed(result)));
        let mut recent = self.recent();
        match appended {
            Ok(()) => decoded.into_iter().for_each(|e| recent.push(e)),
            Err(_) => recent.clear(),
        }
        appended.map_err(write_err)
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let result = self.file.truncate(log_id.index).map_err(write_err);
        self.recent().truncate(log_id.index);
        result
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        // Record the purge point durably first: after a crash the log state is never ahead of what was removed.
        self.put_state(STATE_PURGED, &log_id, true)?;
        *self.purged.lock().unwrap_or_else(|e| e.into_inner()) = Some(log_id);
        self.recent().purge(log_id.index);
        self.file.purge(log_id.index).map_err(write_err)
    }
}
