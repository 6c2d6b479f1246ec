//! The most recently appended Raft log entries, kept decoded: OpenRaft reads an entry back right after
//! appending it (to replicate it, and to apply it once committed), and decoding it again from the file each
//! time cost the leader as much as encoding it. Bounded in bytes; emptied from an index on truncation and up to
//! one on purge, so it never answers with anything the file does not hold.

use std::collections::VecDeque;

use crate::raft::types::{entry_size, Entry};
use openraft::RaftLogId;

/// Decoded copies of a contiguous run of the log's last entries.
pub struct RecentEntries {
    entries: VecDeque<(Entry, usize)>,
    bytes: usize,
    max_bytes: usize,
}

impl RecentEntries {
    pub fn new(max_bytes: usize) -> RecentEntries {
        RecentEntries { entries: VecDeque::new(), bytes: 0, max_bytes }
    }

    fn first_index(&self) -> Option<u64> {
        self.entries.front().map(|(e, _)| e.get_log_id().index)
    }

    fn next_index(&self) -> Option<u64> {
        self.entries.back().map(|(e, _)| e.get_log_id().index + 1)
    }

    /// Adds the entry just appended to the log (a gap starts the run anew).
    pub fn push(&mut self, entry: Entry) {
        let index = entry.get_log_id().index;
        if self.next_index().is_some_and(|next| next != index) {
            self.clear();
        }
        let size = entry_size(&entry);
        self.bytes += size;
        self.entries.push_back((entry, size));
        while self.bytes > self.max_bytes {
            match self.entries.pop_front() {
                Some((_, s)) => self.bytes -= s,
                None => break,
            }
        }
    }

    /// The entries with indexes in `from..to`, if all of them are here.
    pub fn get(&self, from: u64, to: u64) -> Option<Vec<Entry>> {
        let (first, next) = (self.first_index()?, self.next_index()?);
        if from < first || to > next || from > to {
            return None;
        }
        let skip = (from - first) as usize;
        Some(self.entries.iter().skip(skip).take((to - from) as usize).map(|(e, _)| e.clone()).collect())
    }

    /// The log was truncated: entries from `index` on are gone.
    pub fn truncate(&mut self, index: u64) {
        while self.next_index().is_some_and(|next| next > index) {
            if let Some((_, s)) = self.entries.pop_back() {
                self.bytes -= s;
            }
        }
    }

    /// The log was purged: entries up to `index` are gone.
    pub fn purge(&mut self, index: u64) {
        while self.first_index().is_some_and(|first| first <= index) {
            if let Some((_, s)) = self.entries.pop_front() {
                self.bytes -= s;
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::types::LogId;
    use openraft::{CommittedLeaderId, EntryPayload};

    fn entry(index: u64) -> Entry {
        Entry { log_id: LogId::new(CommittedLeaderId::new(1, 1), index), payload: EntryPayload::Blank }
    }

    fn indexes(v: Option<Vec<Entry>>) -> Option<Vec<u64>> {
        v.map(|v| v.iter().map(|e| e.log_id.index).collect())
    }

    #[test]
    fn answers_only_for_what_it_holds_in_order() {
        let mut r = RecentEntries::new(64 * 4);
        for i in 5..10 {
            r.push(entry(i));
        }
        // 64 bytes an entry: the oldest went.
        assert_eq!(indexes(r.get(6, 10)), Some(vec![6, 7, 8, 9]));
        assert_eq!(indexes(r.get(5, 7)), None);
        assert_eq!(indexes(r.get(8, 11)), None);
        r.truncate(8);
        assert_eq!(indexes(r.get(6, 9)), None);
        assert_eq!(indexes(r.get(6, 8)), Some(vec![6, 7]));
        r.push(entry(8));
        r.purge(6);
        assert_eq!(indexes(r.get(7, 9)), Some(vec![7, 8]));
        // A gap (a snapshot installed, the log moved on) starts over.
        r.push(entry(20));
        assert_eq!(indexes(r.get(7, 9)), None);
        assert_eq!(indexes(r.get(20, 21)), Some(vec![20]));
    }
}
