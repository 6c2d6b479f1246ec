//! The Prometheus text exposition of a node: Raft state and replication lag, the log's write path, the
//! proposer's batching, and the PostgreSQL frontend's statement counters and latencies.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::pg::PgShared;
use crate::raft::NodeCore;

fn metric(out: &mut String, kind: &str, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    metric(out, "gauge", name, help, value)
}

fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    metric(out, "counter", name, help, value)
}

/// The Prometheus text exposition of this node.
pub fn metrics(core: &NodeCore, pg: &PgShared) -> String {
    let m = core.raft.metrics().borrow().clone();
    let mut out = String::new();
    let index = |l: Option<crate::raft::types::LogId>| l.map(|l| l.index).unwrap_or(0);
    gauge(&mut out, "raftsql_raft_term", "Current Raft term.", m.current_term);
    gauge(&mut out, "raftsql_raft_is_leader", "1 when this node leads.", u8::from(m.state.is_leader()));
    gauge(
        &mut out,
        "raftsql_raft_leader_id",
        "Id of the leader this node knows of (-1 for none).",
        m.current_leader.map_or(-1, |l| l as i64),
    );
    gauge(
        &mut out,
        "raftsql_raft_last_log_index",
        "Index of the last entry in this node's log.",
        m.last_log_index.unwrap_or(0),
    );
    gauge(&mut out, "raftsql_raft_applied_index", "Index of the last entry applied to SQLite.", index(m.last_applied));
    gauge(
        &mut out,
        "raftsql_raft_snapshot_index",
        "Last log index covered by the current snapshot.",
        index(m.snapshot),
    );
    gauge(&mut out, "raftsql_raft_purged_index", "Log entries up to this index were purged.", index(m.purged));
    gauge(
        &mut out,
        "raftsql_raft_log_entries",
        "Entries held in the Raft log.",
        m.last_log_index.unwrap_or(0).saturating_sub(index(m.purged)),
    );
    if let Some(replication) = &m.replication {
        out.push_str("# HELP raftsql_raft_replication_lag Entries a follower is behind the leader's log.\n");
        out.push_str("# TYPE raftsql_raft_replication_lag gauge\n");
        for (id, matched) in replication {
            let lag = m.last_log_index.unwrap_or(0).saturating_sub(matched.map(|l| l.index).unwrap_or(0));
            let _ = writeln!(out, "raftsql_raft_replication_lag{{follower=\"{id}\"}} {lag}");
        }
    }
    gauge(&mut out, "raftsql_snapshot_bytes", "Size of the current snapshot file.", core.state_machine.snapshot_size());
    counter(
        &mut out,
        "raftsql_snapshots_total",
        "Snapshots built or installed since the node started.",
        core.state_machine.snapshots_completed(),
    );
    let (log, proposer) = (&core.log_stats, &core.proposer.stats);
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    for (name, help, value) in [
        ("raftsql_log_appends_total", "Append calls on the Raft log.", load(&log.append_calls)),
        (
            "raftsql_log_flushes_total",
            "Sync rounds that acknowledged appends (group commit).",
            load(&log.append_flushes),
        ),
        ("raftsql_log_syncs_total", "fdatasync calls on the Raft log's segment files.", load(&log.data_syncs)),
        ("raftsql_log_entries_total", "Entries appended to the Raft log.", load(&log.appended_records)),
        ("raftsql_proposed_entries_total", "Write entries proposed by this node as leader.", load(&proposer.entries)),
        ("raftsql_proposed_writes_total", "Client writes packed into those entries.", load(&proposer.requests)),
    ] {
        counter(&mut out, name, help, value);
    }
    gauge(&mut out, "raftsql_pg_connections", "Open PostgreSQL client connections.", pg.open_connections());
    out.push_str("# HELP raftsql_statements_total Statements run, by kind.\n# TYPE raftsql_statements_total counter\n");
    for (kind, n) in pg.stats.statements() {
        let _ = writeln!(out, "raftsql_statements_total{{kind=\"{kind}\"}} {n}");
    }
    out.push_str(
        "# HELP raftsql_errors_total Errors returned to clients, by SQLSTATE.\n# TYPE raftsql_errors_total counter\n",
    );
    for (code, n) in pg.stats.errors() {
        let _ = writeln!(out, "raftsql_errors_total{{sqlstate=\"{code}\"}} {n}");
    }
    pg.stats.write_latency.render("raftsql_write_seconds", "Latency of writes (commit through Raft).", &mut out);
    pg.stats.read_latency.render("raftsql_read_seconds", "Latency of reads.", &mut out);
    out
}
