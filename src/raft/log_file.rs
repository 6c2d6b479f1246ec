//! The Raft log's files: an append-only sequence of segment files of checksummed records, made durable with
//! `fdatasync` before any append is acknowledged, plus small state files (vote, purge point, commit hint).
//! Knows nothing of OpenRaft: records are (index, bytes); `log_store.rs` adapts it to OpenRaft's traits.
//!
//! Layout of a directory:
//! - `seg-<first index, 20 digits>.log`: records `[len u32][crc32 u32][index u64][payload]`, the crc covering
//!   index and payload, indexes contiguous across segments. A new segment starts once the current one passes
//!   `SEGMENT_BYTES`; its creation is made durable (directory fsync) before anything is acknowledged in it.
//! - `<name>.state`: `[crc32 u32][bytes]`, replaced through a temporary file and a rename.
//!
//! Recovery: every segment is scanned at open. A short or corrupt record at the end of the last segment is a
//! write that was never acknowledged (acknowledgements follow the `fdatasync` of everything before them) and is
//! cut off; anywhere else it is corruption and the log refuses to open.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

/// A segment is closed for appends once it grows past this size.
const SEGMENT_BYTES: u64 = 64 << 20;
/// Bytes before a record's payload: length, checksum, index.
const HEADER: u64 = 16;
/// Largest record accepted when reading back (anything larger is corruption).
const MAX_RECORD: u64 = 1 << 30;

/// Called once an append is durable, or with the error that kept it from becoming durable.
pub type Completion = Box<dyn FnOnce(io::Result<()>) + Send>;

/// Counters of the write path. Every acknowledged append was preceded by an `fdatasync` that covered it.
#[derive(Debug, Default)]
pub struct LogFileStats {
    pub append_calls: AtomicU64,
    pub appended_records: AtomicU64,
    /// Sync rounds that acknowledged appends (appends queued during a round share the next one).
    pub append_flushes: AtomicU64,
    /// `fdatasync`/`fsync` calls on segment files.
    pub data_syncs: AtomicU64,
    /// Tests set this to make every sync fail, as a failing disk would.
    pub fail_syncs: AtomicBool,
}

struct Segment {
    first: u64,
    file: Arc<File>,
    len: u64,
}

#[derive(Clone, Copy)]
struct Location {
    /// First index of the segment holding the record.
    segment: u64,
    offset: u64,
    len: u64,
}

struct Inner {
    segments: Vec<Segment>,
    /// Index of `locations[0]`; with no records, the index the next append must start at.
    first: u64,
    locations: VecDeque<Location>,
    /// Files written since they were last synced.
    dirty: Vec<Arc<File>>,
}

impl Inner {
    fn next_index(&self) -> u64 {
        self.first + self.locations.len() as u64
    }

    fn segment(&self, first: u64) -> Option<&Segment> {
        self.segments.binary_search_by_key(&first, |s| s.first).ok().map(|i| &self.segments[i])
    }

    fn location(&self, index: u64) -> Option<Location> {
        let i = index.checked_sub(self.first)?;
        self.locations.get(usize::try_from(i).ok()?).copied()
    }
}

struct Shared {
    dir: PathBuf,
    inner: Mutex<Inner>,
    stats: Arc<LogFileStats>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sync(&self, file: &File) -> io::Result<()> {
        self.stats.data_syncs.fetch_add(1, Ordering::Relaxed);
        if self.stats.fail_syncs.load(Ordering::Relaxed) {
            return Err(io::Error::other("sync failed (injected fault)"));
        }
        file.sync_data()
    }
}

struct Pending {
    done: Completion,
    records: u64,
}

/// An open log directory. Dropping it stops its sync thread once queued appends are done.
pub struct LogFile {
    shared: Arc<Shared>,
    flusher: Mutex<mpsc::Sender<Pending>>,
}

fn corrupt(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn segment_path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("seg-{first:020}.log"))
}

/// Makes the creation, removal or renaming of files in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn checksum(index: u64, payload: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&index.to_le_bytes());
    crc.update(payload);
    crc.finalize()
}

/// Appends one record in its on-disk form to `out`.
fn encode_record(index: u64, payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(index, payload).to_le_bytes());
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(payload);
}

/// Reads the record at `offset`: `Ok(None)` when the bytes there are not a whole, valid record.
fn read_record(file: &File, offset: u64, file_len: u64) -> io::Result<Option<(u64, Vec<u8>)>> {
    if offset + HEADER > file_len {
        return Ok(None);
    }
    let mut head = [0u8; HEADER as usize];
    file.read_exact_at(&mut head, offset)?;
    let len = u64::from(u32::from_le_bytes(head[0..4].try_into().expect("4 bytes")));
    let crc = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
    let index = u64::from_le_bytes(head[8..16].try_into().expect("8 bytes"));
    if len > MAX_RECORD || offset + HEADER + len > file_len {
        return Ok(None);
    }
    let mut payload = vec![0u8; len as usize];
    file.read_exact_at(&mut payload, offset + HEADER)?;
    Ok((checksum(index, &payload) == crc).then_some((index, payload)))
}

/// Whether none of these segments starts with a whole, valid record.
fn later_segments_empty(dir: &Path, firsts: &[u64]) -> io::Result<bool> {
    for first in firsts {
        let file = File::open(segment_path(dir, *first))?;
        let len = file.metadata()?.len();
        if read_record(&file, 0, len)?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What scanning the segments found.
struct Scan {
    segments: Vec<Segment>,
    locations: VecDeque<Location>,
    first_indexed: Option<u64>,
    last_seen: Option<u64>,
}

fn scan(dir: &Path, purged: Option<u64>) -> io::Result<Scan> {
    let mut firsts: Vec<u64> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("seg-")?.strip_suffix(".log")?.parse::<u64>().ok()
        })
        .collect();
    firsts.sort_unstable();
    let mut out = Scan { segments: Vec::new(), locations: VecDeque::new(), first_indexed: None, last_seen: None };
    let count = firsts.len();
    let mut truncated = false;
    for (n, &first) in firsts.iter().enumerate() {
        if truncated {
            break;
        }
        let path = segment_path(dir, first);
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        let file_len = file.metadata()?.len();
        let mut offset = 0;
        loop {
            match read_record(&file, offset, file_len)? {
                Some((index, payload)) => {
                    if let Some(prev) = out.last_seen.filter(|prev| index != prev + 1) {
                        // A segment may start with a jump forward: appends that found the log empty (everything
                        // purged, say after a snapshot was installed past its end) start a new segment wherever
                        // they are. Records before the jump are superseded.
                        // Such a jump is only legitimate onto the purge point.
                        if offset > 0 || index <= prev || purged.is_none_or(|p| index > p + 1) {
                            return Err(corrupt(format!("{}: record {index} follows record {prev}", path.display())));
                        }
                        if !out.locations.is_empty() {
                            tracing::warn!(path = %path.display(), from = prev, to = index, "raft log jumps forward");
                        }
                        out.locations.clear();
                        out.first_indexed = None;
                    }
                    out.last_seen = Some(index);
                    let len = payload.len() as u64;
                    if purged.is_none_or(|p| index > p) {
                        out.first_indexed.get_or_insert(index);
                        out.locations.push_back(Location { segment: first, offset, len });
                    }
                    offset += HEADER + len;
                }
                None if offset == file_len => break,
                // The torn write may also sit in an earlier segment when the segments after it hold nothing yet
                // (an append that crossed into a new segment was cut before its first sync).
                None if n + 1 == count || later_segments_empty(dir, &firsts[n + 1..])? => {
                    tracing::warn!(
                        path = %path.display(),
                        dropped_bytes = file_len - offset,
                        "cutting off an unacknowledged partial write at the end of the raft log"
                    );
                    file.set_len(offset)?;
                    file.sync_all()?;
                    for later in &firsts[n + 1..] {
                        std::fs::remove_file(segment_path(dir, *later))?;
                    }
                    if n + 1 < count {
                        sync_dir(dir)?;
                    }
                    truncated = true;
                    break;
                }
                None => return Err(corrupt(format!("{}: corrupt record at offset {offset}", path.display()))),
            }
        }
        out.segments.push(Segment { first, file: Arc::new(file), len: offset });
    }
    Ok(out)
}

impl LogFile {
    /// Opens (creating if needed) the log in `dir`, cutting off a torn last write. Records at or below
    /// `purged` (the purge point the caller recorded) are not indexed.
    pub fn open(dir: &Path, purged: Option<u64>) -> io::Result<LogFile> {
        let new = !dir.exists();
        std::fs::create_dir_all(dir)?;
        if new {
            if let Some(parent) = dir.parent() {
                sync_dir(parent)?;
            }
        }
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name();
            if name.to_string_lossy().ends_with(".tmp") {
                std::fs::remove_file(dir.join(&name))?;
            }
        }
        let found = scan(dir, purged)?;
        let first = found.first_indexed.unwrap_or(match (found.last_seen, purged) {
            (Some(l), Some(p)) => l.max(p) + 1,
            (Some(l), None) => l + 1,
            (None, Some(p)) => p + 1,
            (None, None) => 0,
        });
        let stats = Arc::new(LogFileStats::default());
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            inner: Mutex::new(Inner { segments: found.segments, first, locations: found.locations, dirty: Vec::new() }),
            stats,
        });
        let (tx, rx) = mpsc::channel();
        let for_flusher = shared.clone();
        std::thread::Builder::new().name("raft-log-sync".into()).spawn(move || run_flusher(&for_flusher, rx))?;
        Ok(LogFile { shared, flusher: Mutex::new(tx) })
    }

    pub fn stats(&self) -> Arc<LogFileStats> {
        self.shared.stats.clone()
    }

    /// The index of the first record held and the index after the last one.
    pub fn bounds(&self) -> (u64, u64) {
        let inner = self.shared.lock();
        (inner.first, inner.next_index())
    }

    /// Writes `records` (contiguous indexes, starting where the log ends) and calls `done` once they are
    /// durable. The write happens now; only the sync is left to the sync thread, which makes every append
    /// queued meanwhile durable with the same sync.
    pub fn append(&self, records: &[(u64, Vec<u8>)], done: Completion) -> io::Result<()> {
        let shared = &self.shared;
        let mut inner = shared.lock();
        // An empty log starts wherever the caller says (after a purge past its end, or a fresh follower).
        if inner.locations.is_empty() {
            if let Some((first, _)) = records.first() {
                inner.first = *first;
            }
        }
        for (expected, (index, _)) in (inner.next_index()..).zip(records) {
            if *index != expected {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("append of index {index} where the log expects {expected}"),
                ));
            }
        }
        let mut buf = Vec::new();
        let mut start = 0;
        while start < records.len() {
            // A new segment when the last is full, and whenever nothing is indexed (after a purge past the end of
            // the log the next record need not follow the last one on disk).
            let needs_new = inner.segments.last().is_none_or(|s| s.len >= SEGMENT_BYTES) || inner.locations.is_empty();
            if needs_new {
                if inner.segments.last().is_some_and(|s| s.len == 0) {
                    let empty = inner.segments.pop().expect("checked");
                    std::fs::remove_file(segment_path(&shared.dir, empty.first))?;
                }
                let first = records[start].0;
                let path = segment_path(&shared.dir, first);
                let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
                sync_dir(&shared.dir)?;
                inner.segments.push(Segment { first, file: Arc::new(file), len: 0 });
            }
            let segment = inner.segments.last().expect("a segment exists");
            let (seg_first, mut offset, file) = (segment.first, segment.len, segment.file.clone());
            buf.clear();
            let mut end = start;
            while end < records.len() && (end == start || offset + (buf.len() as u64) < SEGMENT_BYTES) {
                let (index, payload) = &records[end];
                let at = offset + buf.len() as u64;
                encode_record(*index, payload, &mut buf);
                inner.locations.push_back(Location { segment: seg_first, offset: at, len: payload.len() as u64 });
                end += 1;
            }
            if let Err(e) = file.write_all_at(&buf, offset) {
                // Forget what was not written; the caller treats the error as fatal anyway.
                for _ in start..end {
                    inner.locations.pop_back();
                }
                return Err(e);
            }
            offset += buf.len() as u64;
            inner.segments.last_mut().expect("a segment exists").len = offset;
            if !inner.dirty.iter().any(|f| Arc::ptr_eq(f, &file)) {
                inner.dirty.push(file);
            }
            start = end;
        }
        drop(inner);
        shared.stats.append_calls.fetch_add(1, Ordering::Relaxed);
        let pending = Pending { done, records: records.len() as u64 };
        self.flusher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(pending)
            .map_err(|_| io::Error::other("the raft log sync thread has stopped"))
    }

    /// Reads the records with indexes in `from..to` (clamped to what the log holds).
    pub fn read(&self, from: u64, to: u64) -> io::Result<Vec<(u64, Vec<u8>)>> {
        let wanted: Vec<(u64, Location, Arc<File>)> = {
            let inner = self.shared.lock();
            let (from, to) = (from.max(inner.first), to.min(inner.next_index()));
            (from..to)
                .filter_map(|i| {
                    let loc = inner.location(i)?;
                    Some((i, loc, inner.segment(loc.segment)?.file.clone()))
                })
                .collect()
        };
        let mut out = Vec::with_capacity(wanted.len());
        for (index, loc, file) in wanted {
            match read_record(&file, loc.offset, loc.offset + HEADER + loc.len)? {
                Some((i, payload)) if i == index => out.push((i, payload)),
                _ => return Err(corrupt(format!("raft log record {index} does not read back"))),
            }
        }
        Ok(out)
    }

    /// Removes the records from `index` on, durably.
    pub fn truncate(&self, index: u64) -> io::Result<()> {
        let shared = &self.shared;
        let mut inner = shared.lock();
        let Some(loc) = inner.location(index) else {
            return Ok(());
        };
        let keep = (index - inner.first) as usize;
        inner.locations.truncate(keep);
        let mut removed = false;
        while inner.segments.last().is_some_and(|s| s.first > loc.segment) {
            let seg = inner.segments.pop().expect("checked");
            std::fs::remove_file(segment_path(&shared.dir, seg.first))?;
            removed = true;
        }
        let seg = inner.segments.last_mut().expect("the segment holding the record");
        seg.file.set_len(loc.offset)?;
        seg.len = loc.offset;
        let file = seg.file.clone();
        drop(inner);
        shared.sync(&file)?;
        if removed {
            sync_dir(&shared.dir)?;
        }
        Ok(())
    }

    /// Forgets the records up to and including `index` and deletes the segments that hold nothing else. The
    /// caller records the purge point durably first, so a crash in between only leaves records it skips.
    pub fn purge(&self, index: u64) -> io::Result<()> {
        let shared = &self.shared;
        let mut inner = shared.lock();
        while inner.first <= index {
            if inner.locations.pop_front().is_none() {
                inner.first = index + 1;
                break;
            }
            inner.first += 1;
        }
        // A segment can go when the next one starts at or below the purge point (all its records are purged),
        // or, for the last segment, when no record is left at all.
        let mut doomed = Vec::new();
        while inner.segments.len() > 1 && inner.segments[1].first <= index + 1 {
            doomed.push(inner.segments.remove(0).first);
        }
        drop(inner);
        for first in &doomed {
            std::fs::remove_file(segment_path(&shared.dir, *first))?;
        }
        if !doomed.is_empty() {
            sync_dir(&shared.dir)?;
        }
        Ok(())
    }

    /// Replaces the state file `name`. With `durable`, the new content is on disk when this returns; without,
    /// a crash may leave the old content, or none (the checksum then hides a torn write).
    pub fn write_state(&self, name: &str, bytes: &[u8], durable: bool) -> io::Result<()> {
        let dir = &self.shared.dir;
        let tmp = dir.join(format!("{name}.state.tmp"));
        let mut content = Vec::with_capacity(bytes.len() + 4);
        content.extend_from_slice(&crc32fast::hash(bytes).to_le_bytes());
        content.extend_from_slice(bytes);
        {
            let f = File::create(&tmp)?;
            f.write_all_at(&content, 0)?;
            if durable {
                f.sync_all()?;
            }
        }
        std::fs::rename(&tmp, dir.join(format!("{name}.state")))?;
        if durable {
            sync_dir(dir)?;
        }
        Ok(())
    }

    /// Reads a state file written by `write_state` (`None` if absent or torn).
    pub fn read_state(dir: &Path, name: &str) -> io::Result<Option<Vec<u8>>> {
        let content = match std::fs::read(dir.join(format!("{name}.state"))) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if content.len() < 4 {
            return Ok(None);
        }
        let (crc, bytes) = content.split_at(4);
        Ok((crc32fast::hash(bytes).to_le_bytes() == crc).then(|| bytes.to_vec()))
    }
}

/// The sync thread: takes every queued append, syncs every file written since the last round, then
/// acknowledges them all. A failed sync fails every append of the round; the caller stops the node, as after
/// a failed `fsync` the kernel may already have dropped the data (retrying could report a lie).
fn run_flusher(shared: &Shared, queue: mpsc::Receiver<Pending>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while let Ok(more) = queue.try_recv() {
            batch.push(more);
        }
        // Every append in `batch` wrote its bytes before it was queued, so its file is in `dirty` now.
        let dirty = std::mem::take(&mut shared.lock().dirty);
        let mut result = Ok(());
        for file in &dirty {
            if let Err(e) = shared.sync(file) {
                result = Err(e);
                break;
            }
        }
        shared.stats.append_flushes.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = &result {
            tracing::error!(error = %e, "syncing the raft log failed");
        }
        for pending in batch {
            shared.stats.appended_records.fetch_add(pending.records, Ordering::Relaxed);
            let outcome = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
            };
            (pending.done)(outcome);
        }
    }
}

#[cfg(test)]
mod tests;
