//! The Raft state machine over SQLite (`RaftStateMachine`). A dedicated thread owns the writer connection;
//! each apply batch becomes one SQLite transaction with a savepoint per entry, and the last applied log id
//! and membership are written in that same transaction, so after any crash `applied_state` reports exactly
//! what is durable. Snapshots are consistent file copies taken beside the writer, streamed as files.

// The storage traits fix the error type to OpenRaft's `StorageError`, which is large; boxing it is not ours
// to choose.
#![allow(clippy::result_large_err)]

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use openraft::storage::RaftStateMachine;
use openraft::{EntryPayload, ErrorSubject, ErrorVerb, RaftLogId, RaftSnapshotBuilder, StorageIOError};
use tokio::sync::oneshot;

use crate::codec;
use crate::db::{snapshot, Writer};
use crate::raft::snapshot_store::{SnapshotStore, StoredSnapshot};
use crate::raft::txn_apply::Transactions;
use crate::raft::types::{
    Entry, LogId, Request, Response, Snapshot, SnapshotMeta, StorageError, StoredMembership, TypeConfig,
};

const META_LAST_APPLIED: &str = "last_applied";
const META_MEMBERSHIP: &str = "membership";
const META_DATA_VERSION: &str = "data_version";

fn sm_err(verb: ErrorVerb, e: impl std::fmt::Display) -> StorageError {
    StorageIOError::new(ErrorSubject::StateMachine, verb, openraft::AnyError::error(e.to_string())).into()
}

fn snap_err(verb: ErrorVerb, e: impl std::fmt::Display) -> StorageError {
    StorageIOError::new(ErrorSubject::Snapshot(None), verb, openraft::AnyError::error(e.to_string())).into()
}

type Reply<T> = oneshot::Sender<Result<T, StorageError>>;

enum Command {
    Apply(Vec<Entry>, Reply<Vec<Response>>),
    AppliedState(Reply<(Option<LogId>, StoredMembership)>),
    Restore(PathBuf, SnapshotMeta, Reply<()>),
    Checkpoint(Reply<()>),
}

/// The state machine handed to OpenRaft. Cheap to clone: clones talk to the same writer thread.
#[derive(Clone)]
pub struct StateMachine {
    shared: Arc<Shared>,
}

struct Shared {
    db_path: PathBuf,
    commands: Mutex<mpsc::Sender<Command>>,
    snapshots: SnapshotStore,
    /// The file the last `begin_receiving_snapshot` created, to be renamed (not copied) on install.
    incoming: Mutex<Option<PathBuf>>,
}

/// The writer thread's state: the connection and the cached copy of what the database says it applied.
struct WriterState {
    writer: Writer,
    last_applied: Option<LogId>,
    membership: StoredMembership,
    txns: Transactions,
}

impl StateMachine {
    /// Opens the state machine: database at `db_path`, snapshots under `snapshot_dir`. If the database is
    /// behind the newest snapshot (a power loss after the log was purged), it is restored from the snapshot
    /// first.
    pub fn open(db_path: &Path, snapshot_dir: &Path) -> Result<StateMachine, StorageError> {
        let writer = Writer::open(db_path).map_err(|e| sm_err(ErrorVerb::Read, e))?;
        let (last_applied, membership) = read_applied(&writer)?;
        let data_version = decode_meta(writer.read_meta(META_DATA_VERSION).map_err(|e| sm_err(ErrorVerb::Read, e))?)?;
        let snapshots = SnapshotStore::open(snapshot_dir).map_err(|e| snap_err(ErrorVerb::Read, e))?;
        snapshots.remove_temporaries();
        let mut state =
            WriterState { writer, last_applied, membership, txns: Transactions { open: None, data_version } };
        if let Some(cur) = snapshots.current() {
            if cur.meta.last_log_id > state.last_applied {
                tracing::warn!(snapshot = ?cur.meta.last_log_id, applied = ?state.last_applied, "database behind its snapshot, restoring");
                state.restore(&cur.path, &cur.meta)?;
            }
        }
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(state, rx))
            .map_err(|e| sm_err(ErrorVerb::Write, e))?;
        Ok(StateMachine {
            shared: Arc::new(Shared {
                db_path: db_path.to_path_buf(),
                commands: Mutex::new(tx),
                snapshots,
                incoming: Mutex::new(None),
            }),
        })
    }

    async fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, StorageError> {
        let (tx, rx) = oneshot::channel();
        let sent = self.shared.commands.lock().unwrap_or_else(|e| e.into_inner()).send(make(tx));
        if sent.is_err() {
            return Err(sm_err(ErrorVerb::Write, "state machine writer thread has stopped"));
        }
        rx.await.map_err(|_| sm_err(ErrorVerb::Write, "state machine writer thread has stopped"))?
    }

    /// Checkpoints the WAL so the database file alone holds everything applied (used at shutdown).
    pub async fn checkpoint(&self) -> Result<(), StorageError> {
        self.call(Command::Checkpoint).await
    }

    /// Snapshots built or installed since start.
    pub fn snapshots_completed(&self) -> u64 {
        self.shared.snapshots.completed()
    }

    /// The current snapshot's size in bytes.
    pub fn snapshot_size(&self) -> u64 {
        self.shared.snapshots.current_size()
    }
}

/// Encoding of metadata values of different types through one closure.
mod erased {
    pub trait Encode {
        fn encode(&self) -> Result<Vec<u8>, crate::codec::CodecError>;
    }
    impl<T: serde::Serialize> Encode for T {
        fn encode(&self) -> Result<Vec<u8>, crate::codec::CodecError> {
            crate::codec::encode(self)
        }
    }
}

/// Decodes a metadata value, or gives the default when the database has none yet.
fn decode_meta<T: serde::de::DeserializeOwned + Default>(value: Option<Vec<u8>>) -> Result<T, StorageError> {
    match value {
        Some(b) => codec::decode(&b).map_err(|e| sm_err(ErrorVerb::Read, e)),
        None => Ok(T::default()),
    }
}

fn read_applied(writer: &Writer) -> Result<(Option<LogId>, StoredMembership), StorageError> {
    let read = |key| writer.read_meta(key).map_err(|e| sm_err(ErrorVerb::Read, e));
    Ok((decode_meta(read(META_LAST_APPLIED)?)?, decode_meta(read(META_MEMBERSHIP)?)?))
}

impl WriterState {
    fn apply(&mut self, entries: Vec<Entry>) -> Result<Vec<Response>, StorageError> {
        let err = |e: rusqlite::Error| sm_err(ErrorVerb::Write, e);
        // An interactive transaction left open by the previous batch continues in the same SQLite transaction.
        if !self.writer.in_transaction() {
            self.writer.begin().map_err(err)?;
        }
        let (prev_applied, prev_membership) = (self.last_applied, self.membership.clone());
        let result = (|| {
            let mut responses = Vec::with_capacity(entries.len());
            for entry in entries {
                let log_id = *entry.get_log_id();
                let term = log_id.leader_id.term;
                self.txns.before_entry(&self.writer, term).map_err(err)?;
                let response = match entry.payload {
                    EntryPayload::Blank => Response::empty(),
                    EntryPayload::Normal(Request::Execute { requests, ctx }) => {
                        // Autocommit writes never interleave with a transaction on a healthy leader (write gate).
                        self.txns.abort(&self.writer).map_err(err)?;
                        let mut outcomes = Vec::with_capacity(requests.len());
                        for (i, statements) in requests.iter().enumerate() {
                            let outcome = self.writer.execute_entry(ctx.for_request(i), statements).map_err(err)?;
                            if outcome.is_ok() {
                                self.txns.data_version += 1;
                            }
                            outcomes.push(outcome);
                        }
                        Response { outcomes }
                    }
                    EntryPayload::Normal(Request::Txn { txn, step, ctx }) => {
                        let outcome = self.txns.apply_step(&self.writer, txn, term, step, ctx).map_err(err)?;
                        Response { outcomes: vec![outcome] }
                    }
                    EntryPayload::Membership(m) => {
                        self.membership = StoredMembership::new(Some(log_id), m);
                        Response::empty()
                    }
                };
                self.last_applied = Some(log_id);
                responses.push(response);
            }
            let encode = |v: &dyn erased::Encode| v.encode().map_err(|e| sm_err(ErrorVerb::Write, e));
            self.writer.write_meta(META_LAST_APPLIED, &encode(&self.last_applied)?).map_err(err)?;
            self.writer.write_meta(META_MEMBERSHIP, &encode(&self.membership)?).map_err(err)?;
            self.writer.write_meta(META_DATA_VERSION, &encode(&self.txns.data_version)?).map_err(err)?;
            // While a transaction is open its SQLite transaction (and this batch's metadata) stays uncommitted:
            // after a crash the node replays the log from what was committed.
            if self.txns.open.is_none() {
                self.writer.commit().map_err(err)?;
            }
            Ok(responses)
        })();
        if result.is_err() {
            self.writer.rollback();
            self.txns.open = None;
            self.last_applied = prev_applied;
            self.membership = prev_membership;
        }
        result
    }

    fn restore(&mut self, path: &Path, meta: &SnapshotMeta) -> Result<(), StorageError> {
        if meta.last_log_id <= self.last_applied {
            tracing::info!(snapshot = ?meta.last_log_id, applied = ?self.last_applied, "snapshot not newer than the database, kept as is");
            return Ok(());
        }
        // A snapshot replaces everything, including an open transaction and the batches it kept uncommitted.
        self.txns.open = None;
        self.writer.rollback();
        self.writer.restore_from(path).map_err(|e| snap_err(ErrorVerb::Write, e))?;
        let (last_applied, membership) = read_applied(&self.writer)?;
        if last_applied != meta.last_log_id {
            return Err(snap_err(
                ErrorVerb::Read,
                format!("snapshot file holds {last_applied:?}, its metadata says {:?}", meta.last_log_id),
            ));
        }
        self.last_applied = last_applied;
        self.membership = membership;
        self.txns.data_version =
            decode_meta(self.writer.read_meta(META_DATA_VERSION).map_err(|e| sm_err(ErrorVerb::Read, e))?)?;
        Ok(())
    }
}

fn writer_loop(mut state: WriterState, commands: mpsc::Receiver<Command>) {
    while let Ok(cmd) = commands.recv() {
        match cmd {
            Command::Apply(entries, reply) => {
                let _ = reply.send(state.apply(entries));
            }
            Command::AppliedState(reply) => {
                let _ = reply.send(Ok((state.last_applied, state.membership.clone())));
            }
            Command::Restore(path, meta, reply) => {
                let _ = reply.send(state.restore(&path, &meta));
            }
            Command::Checkpoint(reply) => {
                let _ = reply.send(state.writer.checkpoint().map_err(|e| sm_err(ErrorVerb::Write, e)));
            }
        }
    }
    tracing::debug!("state machine writer thread stopped");
}

/// Builds snapshots: copies the live database from a read transaction on a blocking thread.
pub struct SnapshotBuilder {
    shared: Arc<Shared>,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot, StorageError> {
        let shared = self.shared.clone();
        let stored = tokio::task::spawn_blocking(move || build_snapshot_blocking(&shared))
            .await
            .map_err(|e| snap_err(ErrorVerb::Write, e))??;
        open_snapshot(stored).await
    }
}

fn build_snapshot_blocking(shared: &Shared) -> Result<StoredSnapshot, StorageError> {
    let tmp = shared.snapshots.temp_path("build");
    let values =
        snapshot::copy_database(&shared.db_path, &tmp, &[META_LAST_APPLIED, META_MEMBERSHIP]).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            snap_err(ErrorVerb::Write, e)
        })?;
    let mut values = values.into_iter();
    let last_log_id: Option<LogId> = decode_meta(values.next().flatten())?;
    let last_membership: StoredMembership = decode_meta(values.next().flatten())?;
    let snapshot_id = match last_log_id {
        Some(l) => format!("{}-{}-{}-{:x}", l.leader_id.term, l.leader_id.node_id, l.index, rand::random::<u32>()),
        None => format!("empty-{:x}", rand::random::<u32>()),
    };
    let meta = SnapshotMeta { last_log_id, last_membership, snapshot_id };
    let path = shared.snapshots.commit(&tmp, &meta).map_err(|e| snap_err(ErrorVerb::Write, e))?;
    tracing::info!(last_log_id = ?meta.last_log_id, path = %path.display(), "snapshot built");
    Ok(StoredSnapshot { meta, path })
}

async fn open_snapshot(stored: StoredSnapshot) -> Result<Snapshot, StorageError> {
    let file = tokio::fs::File::open(&stored.path).await.map_err(|e| snap_err(ErrorVerb::Read, e))?;
    Ok(Snapshot { meta: stored.meta, snapshot: Box::new(file) })
}

/// Identity of an open file: the same (device, inode) means the same file whatever its path.
fn file_identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (meta.dev(), meta.ino())
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        self.call(Command::AppliedState).await
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Response>, StorageError>
    where
        I: IntoIterator<Item = Entry> + openraft::OptionalSend,
        I::IntoIter: openraft::OptionalSend,
    {
        let entries: Vec<Entry> = entries.into_iter().collect();
        self.call(|tx| Command::Apply(entries, tx)).await
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder { shared: self.shared.clone() }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<tokio::fs::File>, StorageError> {
        let path = self.shared.snapshots.temp_path("incoming");
        let file = tokio::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .await
            .map_err(|e| snap_err(ErrorVerb::Write, e))?;
        let previous = self.shared.incoming.lock().unwrap_or_else(|e| e.into_inner()).replace(path);
        if let Some(old) = previous {
            let _ = std::fs::remove_file(old);
        }
        Ok(Box::new(file))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<tokio::fs::File>,
    ) -> Result<(), StorageError> {
        use tokio::io::{AsyncSeekExt, AsyncWriteExt};
        let werr = |e: io::Error| snap_err(ErrorVerb::Write, e);
        let mut file = *snapshot;
        file.flush().await.map_err(werr)?;
        file.sync_all().await.map_err(werr)?;
        // The data normally arrives in the file `begin_receiving_snapshot` created; if OpenRaft handed us
        // another file (a local transfer), copy it into place.
        let incoming = self.shared.incoming.lock().unwrap_or_else(|e| e.into_inner()).take();
        let received_id = file_identity(&file.metadata().await.map_err(werr)?);
        let data_path = match incoming {
            Some(p) if std::fs::metadata(&p).map(|m| file_identity(&m) == received_id).unwrap_or(false) => p,
            other => {
                if let Some(p) = other {
                    let _ = std::fs::remove_file(p);
                }
                let p = self.shared.snapshots.temp_path("incoming");
                let mut out = tokio::fs::File::create(&p).await.map_err(werr)?;
                file.seek(io::SeekFrom::Start(0)).await.map_err(werr)?;
                tokio::io::copy(&mut file, &mut out).await.map_err(werr)?;
                out.sync_all().await.map_err(werr)?;
                p
            }
        };
        drop(file);
        let path = self.shared.snapshots.commit(&data_path, meta).map_err(werr)?;
        self.call(|tx| Command::Restore(path, meta.clone(), tx)).await?;
        tracing::info!(last_log_id = ?meta.last_log_id, "snapshot installed");
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, StorageError> {
        match self.shared.snapshots.current() {
            Some(stored) => Ok(Some(open_snapshot(stored).await?)),
            None => Ok(None),
        }
    }
}
