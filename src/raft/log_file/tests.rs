//! Tests of the segment files: durability before acknowledgement, recovery from torn writes, truncation,
//! purging across segments, state files.

use std::sync::mpsc;
use std::time::Duration;

use super::*;

fn records(from: u64, to: u64, size: usize) -> Vec<(u64, Vec<u8>)> {
    (from..to).map(|i| (i, vec![(i % 251) as u8; size])).collect()
}

/// Appends and waits for the acknowledgement.
fn append_sync(log: &LogFile, recs: &[(u64, Vec<u8>)]) -> io::Result<()> {
    let (tx, rx) = mpsc::channel();
    log.append(recs, Box::new(move |r| tx.send(r).unwrap()))?;
    rx.recv_timeout(Duration::from_secs(30)).expect("acknowledged")
}

#[test]
fn every_acknowledged_append_follows_a_sync_of_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogFile::open(dir.path(), None).unwrap();
    let stats = log.stats();
    for i in 0..50 {
        let syncs_before = stats.data_syncs.load(Ordering::SeqCst);
        append_sync(&log, &records(i, i + 1, 100)).unwrap();
        // Sequential appends cannot share a sync: each acknowledgement needs one of its own.
        assert!(stats.data_syncs.load(Ordering::SeqCst) > syncs_before, "append {i} acknowledged without a sync");
    }
    assert_eq!(stats.appended_records.load(Ordering::SeqCst), 50);
}

#[test]
fn a_failed_sync_fails_the_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogFile::open(dir.path(), None).unwrap();
    append_sync(&log, &records(0, 3, 10)).unwrap();
    log.stats().fail_syncs.store(true, Ordering::SeqCst);
    let err = append_sync(&log, &records(3, 4, 10)).expect_err("a failed sync must not acknowledge");
    assert!(err.to_string().contains("injected"), "{err}");
}

#[test]
fn reopens_with_every_record_and_cuts_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = LogFile::open(dir.path(), None).unwrap();
        append_sync(&log, &records(0, 10, 1000)).unwrap();
    }
    // A crash in the middle of writing record 10: half of it reached the file.
    let path = segment_path(dir.path(), 0);
    let mut torn = Vec::new();
    encode_record(10, &[7u8; 1000], &mut torn);
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    let len = f.metadata().unwrap().len();
    f.write_all_at(&torn[..600], len).unwrap();
    drop(f);

    let log = LogFile::open(dir.path(), None).unwrap();
    assert_eq!(log.bounds(), (0, 10));
    let back = log.read(0, 100).unwrap();
    assert_eq!(back, records(0, 10, 1000));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "the torn bytes are cut off");
    // The log goes on where it ended.
    append_sync(&log, &records(10, 12, 5)).unwrap();
    assert_eq!(log.read(10, 12).unwrap(), records(10, 12, 5));
}

#[test]
fn corruption_before_the_tail_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = LogFile::open(dir.path(), None).unwrap();
        append_sync(&log, &records(0, 3, 100)).unwrap();
        // Force a second segment so that the damaged one is not the last.
        log.shared.lock().segments.last_mut().unwrap().len = SEGMENT_BYTES;
        append_sync(&log, &records(3, 5, 100)).unwrap();
    }
    let f = OpenOptions::new().write(true).open(segment_path(dir.path(), 0)).unwrap();
    f.write_all_at(b"garbage", 20).unwrap();
    drop(f);
    let err = LogFile::open(dir.path(), None).err().expect("corruption is refused");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
}

#[test]
fn truncate_and_purge_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogFile::open(dir.path(), None).unwrap();
    for chunk in 0..4u64 {
        append_sync(&log, &records(chunk * 10, chunk * 10 + 10, 50)).unwrap();
        log.shared.lock().segments.last_mut().unwrap().len = SEGMENT_BYTES; // next append starts a new segment
    }
    let segments = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "log"))
            .count()
    };
    assert_eq!(segments(), 4);
    log.truncate(25).unwrap();
    assert_eq!(log.bounds(), (0, 25));
    assert_eq!(segments(), 3, "the segment after the truncation point is gone");
    append_sync(&log, &records(25, 27, 9)).unwrap();
    log.purge(19).unwrap();
    assert_eq!(log.bounds(), (20, 27));
    assert_eq!(segments(), 1, "segments holding only purged records are deleted");
    assert_eq!(log.read(0, 100).unwrap().first().map(|r| r.0), Some(20));
    drop(log);
    let log = LogFile::open(dir.path(), Some(19)).unwrap();
    assert_eq!(log.bounds(), (20, 27));
    let mut expected = records(20, 25, 50);
    expected.extend(records(25, 27, 9));
    assert_eq!(log.read(20, 27).unwrap(), expected);
}

#[test]
fn purge_past_the_end_then_append_elsewhere() {
    // After a snapshot is installed beyond the log's end, the log continues from the snapshot's index.
    let dir = tempfile::tempdir().unwrap();
    {
        let log = LogFile::open(dir.path(), None).unwrap();
        append_sync(&log, &records(0, 5, 10)).unwrap();
        log.purge(100).unwrap();
        assert_eq!(log.bounds(), (101, 101));
        append_sync(&log, &records(101, 103, 10)).unwrap();
    }
    let log = LogFile::open(dir.path(), Some(100)).unwrap();
    assert_eq!(log.bounds(), (101, 103));
    assert_eq!(log.read(0, 200).unwrap(), records(101, 103, 10));
    let err = log.append(&records(200, 201, 1), Box::new(|_| {})).expect_err("a gap is refused");
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn state_files_round_trip_and_hide_torn_writes() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogFile::open(dir.path(), None).unwrap();
    log.write_state("vote", b"term 3", true).unwrap();
    log.write_state("hint", b"x", false).unwrap();
    assert_eq!(LogFile::read_state(dir.path(), "vote").unwrap().as_deref(), Some(&b"term 3"[..]));
    assert_eq!(LogFile::read_state(dir.path(), "hint").unwrap().as_deref(), Some(&b"x"[..]));
    assert_eq!(LogFile::read_state(dir.path(), "absent").unwrap(), None);
    std::fs::write(dir.path().join("hint.state"), b"\x00\x00\x00\x00torn").unwrap();
    assert_eq!(LogFile::read_state(dir.path(), "hint").unwrap(), None);
}

#[test]
fn a_torn_write_before_an_empty_new_segment_is_cut_off() {
    // An append crossing into a new segment was cut by a crash: the old segment ends in a partial record and the
    // new one exists but holds nothing whole. Nothing of it was acknowledged; the log opens without it.
    let dir = tempfile::tempdir().unwrap();
    {
        let log = LogFile::open(dir.path(), None).unwrap();
        append_sync(&log, &records(0, 5, 100)).unwrap();
    }
    let path = segment_path(dir.path(), 0);
    let mut torn = Vec::new();
    encode_record(5, &[1u8; 100], &mut torn);
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    let len = f.metadata().unwrap().len();
    f.write_all_at(&torn[..50], len).unwrap();
    std::fs::write(segment_path(dir.path(), 6), b"partial").unwrap();
    let log = LogFile::open(dir.path(), None).unwrap();
    assert_eq!(log.bounds(), (0, 5));
    assert!(!segment_path(dir.path(), 6).exists());
    append_sync(&log, &records(5, 7, 10)).unwrap();
    assert_eq!(log.read(5, 7).unwrap(), records(5, 7, 10));
}

#[test]
fn a_jump_not_onto_the_purge_point_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    {
        let log = LogFile::open(dir.path(), None).unwrap();
        append_sync(&log, &records(0, 5, 10)).unwrap();
        log.purge(100).unwrap();
        append_sync(&log, &records(101, 103, 10)).unwrap();
    }
    // Recorded purge point 50 (as if the state file said so): records jump from 4 to 101, past 51.
    let err = LogFile::open(dir.path(), Some(50)).err().expect("a gap is corruption");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(LogFile::open(dir.path(), Some(100)).is_ok());
}
