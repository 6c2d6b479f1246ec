//! Snapshot files on disk: `<dir>/<term>-<index>-<nonce>.db` holds a consistent copy of the database and a
//! `.meta` file beside it holds OpenRaft's snapshot metadata. The newest complete pair is the current
//! snapshot; files are written under temporary names, fsynced and renamed, so a crash never leaves a
//! half-written snapshot that looks complete.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::codec;
use crate::raft::types::SnapshotMeta;

/// The current snapshot: its metadata and the file holding its data.
#[derive(Debug, Clone)]
pub struct StoredSnapshot {
    pub meta: SnapshotMeta,
    pub path: PathBuf,
}

/// Owns the snapshot directory.
pub struct SnapshotStore {
    dir: PathBuf,
    current: Mutex<Option<StoredSnapshot>>,
    /// Snapshots completed (built or received) since the node started.
    completed: std::sync::atomic::AtomicU64,
}

fn nonce() -> u64 {
    rand::random::<u64>() >> 16
}

/// fsyncs a directory so renames inside it are durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

impl SnapshotStore {
    /// Opens the directory, keeps the newest complete snapshot and removes everything else (older snapshots,
    /// temporary files of interrupted builds or transfers).
    pub fn open(dir: &Path) -> std::io::Result<SnapshotStore> {
        fs::create_dir_all(dir)?;
        let mut best: Option<StoredSnapshot> = None;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("meta") {
                continue;
            }
            let data = path.with_extension("db");
            let meta: Option<SnapshotMeta> = fs::read(&path).ok().and_then(|b| codec::decode(&b).ok());
            if let (Some(meta), true) = (meta, data.exists()) {
                if best.as_ref().is_none_or(|b| b.meta.last_log_id < meta.last_log_id) {
                    best = Some(StoredSnapshot { meta, path: data });
                }
            }
        }
        let store = SnapshotStore { dir: dir.to_path_buf(), current: Mutex::new(best), completed: Default::default() };
        store.remove_all_but_current()?;
        Ok(store)
    }

    pub fn current(&self) -> Option<StoredSnapshot> {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A fresh temporary path in the snapshot directory (for a build or an incoming transfer).
    pub fn temp_path(&self, what: &str) -> PathBuf {
        self.dir.join(format!("{what}-{:x}.tmp", nonce()))
    }

    /// Makes the data file at `data` (already fsynced) a complete snapshot with `meta`, and the current one
    /// unless a newer one exists. Returns where the data now lives.
    pub fn commit(&self, data: &Path, meta: &SnapshotMeta) -> std::io::Result<PathBuf> {
        let (term, index) = meta.last_log_id.map(|l| (l.leader_id.term, l.index)).unwrap_or((0, 0));
        let stem = format!("{term:020}-{index:020}-{:x}", nonce());
        let final_data = self.dir.join(format!("{stem}.db"));
        fs::rename(data, &final_data)?;
        let meta_tmp = self.dir.join(format!("{stem}.meta.tmp"));
        {
            let mut f = fs::File::create(&meta_tmp)?;
            f.write_all(&codec::encode(meta).map_err(std::io::Error::other)?)?;
            f.sync_all()?;
        }
        fs::rename(&meta_tmp, self.dir.join(format!("{stem}.meta")))?;
        sync_dir(&self.dir)?;
        self.completed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
            if cur.as_ref().is_none_or(|c| c.meta.last_log_id <= meta.last_log_id) {
                *cur = Some(StoredSnapshot { meta: meta.clone(), path: final_data.clone() });
            }
        }
        self.remove_all_but_current()?;
        Ok(final_data)
    }

    /// Removes every file but the current snapshot's pair and temporary files still being written.
    fn remove_all_but_current(&self) -> std::io::Result<()> {
        let keep = self.current().map(|c| c.path);
        for entry in fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let is_current = keep.as_ref().is_some_and(|k| *k == path || k.with_extension("meta") == path);
            let in_progress = path.extension().and_then(|e| e.to_str()) == Some("tmp");
            if !is_current && !in_progress {
                let _ = fs::remove_file(&path);
            }
        }
        Ok(())
    }

    /// Removes temporary files left by interrupted builds and transfers (called at start only).
    pub fn remove_temporaries(&self) {
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry.path().extension().and_then(|e| e.to_str()) == Some("tmp") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Snapshots completed (built or received) since start.
    pub fn completed(&self) -> u64 {
        self.completed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Total bytes of the current snapshot's data file.
    pub fn current_size(&self) -> u64 {
        self.current().and_then(|c| fs::metadata(c.path).ok()).map(|m| m.len()).unwrap_or(0)
    }
}
