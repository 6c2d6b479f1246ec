//! The Raft state machine over SQLite (`RaftStateMachine`). A dedicated thread owns the writer connection and
//! applies entries (`apply.rs`: what is committed together, and what happens when SQLite rolls back on its
//! own). Snapshots are consistent file copies taken beside the writer, streamed as files.

// The storage traits fix the error type to OpenRaft's `StorageError`, which is large; boxing it is not ours
// to choose.
#![allow(clippy::result_large_err)]

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use openraft::storage::RaftStateMachine;
use openraft::{ErrorVerb, RaftSnapshotBuilder};
use tokio::sync::oneshot;

use crate::db::{snapshot, Writer};
use crate::raft::apply::{decode_meta, sm_err, snap_err, WriterState, META_LAST_APPLIED, META_MEMBERSHIP};
use crate::raft::snapshot_store::{SnapshotStore, StoredSnapshot};
use crate::raft::types::{Entry, LogId, Response, Snapshot, SnapshotMeta, StorageError, StoredMembership, TypeConfig};

type Reply<T> = oneshot::Sender<Result<T, StorageError>>;

enum Command {
    Apply(Vec<Entry>, Reply<Vec<Response>>),
    AppliedState(Reply<(Option<LogId>, StoredMembership)>),
    Restore(PathBuf, SnapshotMeta, Reply<()>),
    Checkpoint(Reply<()>),
    Fault(StorageFault, Reply<()>),
}

/// Failures a test can make the writer's storage produce, to check that the node stops rather than record
/// them as results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// The database may not grow any more (SQLITE_FULL, as on a full disk).
    DiskFull,
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

impl StateMachine {
    /// Opens the state machine: database at `db_path`, snapshots under `snapshot_dir`. If the database is
    /// behind the newest snapshot (a power loss after the log was purged), it is restored from the snapshot
    /// first.
    pub fn open(db_path: &Path, snapshot_dir: &Path) -> Result<StateMachine, StorageError> {
        let writer = Writer::open(db_path).map_err(|e| sm_err(ErrorVerb::Read, e))?;
        let mut state = WriterState::open(writer)?;
        let snapshots = SnapshotStore::open(snapshot_dir).map_err(|e| snap_err(ErrorVerb::Read, e))?;
        snapshots.remove_temporaries();
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

    /// Makes this node's storage fail from now on (tests only: a real disk fails by itself).
    #[doc(hidden)]
    pub async fn inject_fault(&self, fault: StorageFault) -> Result<(), StorageError> {
        self.call(|tx| Command::Fault(fault, tx)).await
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
            Command::Fault(StorageFault::DiskFull, reply) => {
                let _ = reply.send(state.writer.freeze_size().map_err(|e| sm_err(ErrorVerb::Write, e)));
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
