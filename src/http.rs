//! The admin HTTP endpoint (`--http-addr`): `/health` (the process answers), `/ready` (a leader is known and
//! this node is caught up enough to serve a linearizable read), `/status` (JSON view of the cluster),
//! `/metrics` (Prometheus text) and `/backup` (a consistent copy of the database, streamed while writes go
//! on). A deliberately small HTTP/1.1 server: one request per connection, GET only.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::pg::PgShared;
use crate::raft::NodeCore;

/// Serves admin requests until `stop` turns true.
pub async fn serve(listener: TcpListener, core: Arc<NodeCore>, pg: Arc<PgShared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    let (core, pg) = (core.clone(), pg.clone());
                    tokio::spawn(async move {
                        if let Err(e) = handle(socket, &core, &pg).await {
                            tracing::debug!(error = %e, "admin request failed");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting an admin connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

async fn respond(socket: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body).await?;
    socket.shutdown().await
}

async fn handle(mut socket: TcpStream, core: &Arc<NodeCore>, pg: &Arc<PgShared>) -> std::io::Result<()> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    // Read the request head (no bodies are accepted), with a deadline so idle sockets do not linger.
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = socket.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") || len == buf.len() {
                break;
            }
        }
        Ok::<(), std::io::Error>(())
    })
    .await;
    if !matches!(read, Ok(Ok(()))) {
        return Ok(());
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" {
        return respond(&mut socket, "405 Method Not Allowed", "text/plain", b"only GET\n").await;
    }
    match path {
        "/health" => match core.fatal_error() {
            None => respond(&mut socket, "200 OK", "application/json", b"{\"status\":\"ok\"}\n").await,
            Some(e) => {
                let body = serde_json::json!({ "status": "fatal", "error": e });
                respond(&mut socket, "503 Service Unavailable", "application/json", format!("{body}\n").as_bytes())
                    .await
            }
        },
        "/ready" => {
            let leader = core.raft.metrics().borrow().current_leader;
            let caught_up = tokio::time::timeout(Duration::from_secs(2), core.read_barrier()).await;
            let ready = leader.is_some() && matches!(caught_up, Ok(Ok(())));
            let body =
                format!("{{\"ready\":{ready},\"leader\":{}}}\n", leader.map_or("null".into(), |l| l.to_string()));
            let status = if ready { "200 OK" } else { "503 Service Unavailable" };
            respond(&mut socket, status, "application/json", body.as_bytes()).await
        }
        "/status" => {
            let status = core.status();
            let body = serde_json::json!({
                "node": status,
                "pg_connections": pg.open_connections(),
            });
            respond(&mut socket, "200 OK", "application/json", format!("{body}\n").as_bytes()).await
        }
        "/metrics" => {
            let text = metrics(core, pg);
            respond(&mut socket, "200 OK", "text/plain; version=0.0.4", text.as_bytes()).await
        }
        "/backup" => backup(&mut socket, core).await,
        _ => respond(&mut socket, "404 Not Found", "text/plain", b"not found\n").await,
    }
}

/// Streams a consistent copy of the database (taken from one read transaction, writes continue).
async fn backup(socket: &mut TcpStream, core: &Arc<NodeCore>) -> std::io::Result<()> {
    let dir = core.options.data_dir.join("snapshots");
    let tmp = dir.join(format!("backup-{:x}.tmp", rand::random::<u64>()));
    let (db, dest) = (core.reads.path().to_path_buf(), tmp.clone());
    let copied = tokio::task::spawn_blocking(move || crate::db::snapshot::copy_database(&db, &dest, &[])).await;
    if !matches!(copied, Ok(Ok(_))) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return respond(socket, "500 Internal Server Error", "text/plain", b"backup failed\n").await;
    }
    let result = async {
        let mut file = tokio::fs::File::open(&tmp).await?;
        let size = file.metadata().await?.len();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.sqlite3\r\nContent-Length: {size}\r\n\
             Content-Disposition: attachment; filename=\"raftsql-backup.db\"\r\nConnection: close\r\n\r\n"
        );
        socket.write_all(head.as_bytes()).await?;
        tokio::io::copy(&mut file, socket).await?;
        socket.shutdown().await
    }
    .await;
    let _ = tokio::fs::remove_file(&tmp).await;
    result
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}

fn counter(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
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
    let log = &core.log_stats;
    counter(
        &mut out,
        "raftsql_log_appends_total",
        "Append calls on the Raft log.",
        log.append_calls.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "raftsql_log_flushes_total",
        "Sync rounds that acknowledged appends (group commit).",
        log.append_flushes.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "raftsql_log_syncs_total",
        "fdatasync calls on the Raft log's segment files.",
        log.data_syncs.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "raftsql_log_entries_total",
        "Entries appended to the Raft log.",
        log.appended_records.load(Ordering::Relaxed),
    );
    let p = &core.proposer.stats;
    counter(
        &mut out,
        "raftsql_proposed_entries_total",
        "Write entries proposed by this node as leader.",
        p.entries.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "raftsql_proposed_writes_total",
        "Client writes packed into those entries.",
        p.requests.load(Ordering::Relaxed),
    );
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
