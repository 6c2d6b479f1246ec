//! Counters the PostgreSQL frontend keeps for `/metrics`: statements by kind, errors by SQLSTATE, and
//! latency histograms of writes (commit through Raft) and reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::pg::dialect::StatementKind;

/// Upper bounds (seconds) of the latency histogram buckets; the last bucket is +Inf.
pub const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// A Prometheus-style cumulative histogram.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// Writes the histogram in Prometheus text format.
    pub fn render(&self, name: &str, help: &str, out: &mut String) {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} histogram\n"));
        let mut cumulative = 0;
        for (i, c) in self.counts.iter().enumerate() {
            cumulative += c.load(Ordering::Relaxed);
            let le = BUCKETS.get(i).map(|b| b.to_string()).unwrap_or_else(|| "+Inf".into());
            out.push_str(&format!("{name}_bucket{{le=\"{le}\"}} {cumulative}\n"));
        }
        out.push_str(&format!("{name}_sum {}\n", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6));
        out.push_str(&format!("{name}_count {cumulative}\n"));
    }
}

/// Statement and error counters of one node's PostgreSQL server.
#[derive(Default)]
pub struct PgStats {
    by_kind: Mutex<BTreeMap<&'static str, u64>>,
    by_sqlstate: Mutex<BTreeMap<String, u64>>,
    pub write_latency: Histogram,
    pub read_latency: Histogram,
}

/// The label a statement is counted under.
pub fn kind_label(kind: &StatementKind) -> &'static str {
    match kind {
        StatementKind::Select => "select",
        StatementKind::Insert => "insert",
        StatementKind::Update => "update",
        StatementKind::Delete => "delete",
        StatementKind::Begin { .. }
        | StatementKind::Commit
        | StatementKind::Rollback
        | StatementKind::Savepoint(_)
        | StatementKind::Release(_)
        | StatementKind::RollbackTo(_) => "transaction",
        StatementKind::Set { .. } | StatementKind::Show(_) | StatementKind::Reset(_) => "session",
        StatementKind::Other(_) | StatementKind::NoOp(_) => "other",
        StatementKind::Copy(c) if c.from => "insert",
        StatementKind::Copy(_) => "select",
        _ => "ddl",
    }
}

impl PgStats {
    /// Counts one statement and its latency (reads and writes in separate histograms).
    pub fn record(&self, kind: &StatementKind, elapsed: Duration, error: Option<&str>) {
        let label = kind_label(kind);
        *self.by_kind.lock().unwrap_or_else(|e| e.into_inner()).entry(label).or_default() += 1;
        match label {
            "select" => self.read_latency.observe(elapsed),
            "insert" | "update" | "delete" | "ddl" => self.write_latency.observe(elapsed),
            _ => {}
        }
        if let Some(code) = error {
            *self.by_sqlstate.lock().unwrap_or_else(|e| e.into_inner()).entry(code.to_string()).or_default() += 1;
        }
    }

    /// Counts an error raised before a statement ran (syntax, unsupported feature).
    pub fn record_error(&self, code: &str) {
        *self.by_sqlstate.lock().unwrap_or_else(|e| e.into_inner()).entry(code.to_string()).or_default() += 1;
    }

    /// Statement counts by kind.
    pub fn statements(&self) -> Vec<(&'static str, u64)> {
        self.by_kind.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (*k, *v)).collect()
    }

    /// Error counts by SQLSTATE.
    pub fn errors(&self) -> Vec<(String, u64)> {
        self.by_sqlstate.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}
