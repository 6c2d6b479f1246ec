//! Cluster state and administration in SQL, answered by any node: the `raftsql_nodes` view (every member
//! with its addresses, role, term, indexes and whether it answers), `raftsql_leader()` (the leader's
//! PostgreSQL address), `raftsql_remove_node(id)` and `raftsql_transfer_leader(id)`. A statement using them
//! runs on an in-memory SQLite database holding a fresh copy of the view, so it may filter, sort and join
//! the view like any table.

use std::sync::{Arc, Mutex};

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::db::exec::{run_read, ReadError};
use crate::db::{QueryResult, Value};
use crate::error::{ClusterError, ExecError, SqlError};
use crate::pg::dialect::{StatementKind, Translated};
use crate::raft::membership::MemberRow;
use crate::raft::NodeCore;

/// Name of the view.
pub const VIEW: &str = "raftsql_nodes";
const FUNCTIONS: [&str; 3] = ["raftsql_leader", "raftsql_remove_node", "raftsql_transfer_leader"];

/// Whether a statement calls a function that changes the cluster (superusers only).
pub fn administers(t: &Translated) -> bool {
    t.functions.iter().any(|f| f == "raftsql_remove_node" || f == "raftsql_transfer_leader")
}

/// Whether a statement reads the view or calls one of the cluster functions.
pub fn wants(t: &Translated) -> bool {
    matches!(t.kind, StatementKind::Select)
        && (t.tables.iter().any(|x| x.eq_ignore_ascii_case(VIEW))
            || t.functions.iter().any(|f| FUNCTIONS.contains(&f.as_str())))
}

/// An in-memory database holding the view and the cluster functions (which record the actions asked for).
fn view_connection(
    rows: &[MemberRow],
    leader: Option<String>,
    recorded: Option<Arc<Mutex<Vec<Action>>>>,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open_in_memory()?;
    crate::db::determinism::register_functions(&conn)?;
    conn.execute_batch(&format!(
        "CREATE TABLE {VIEW} (id INT8, raft_addr TEXT, pg_addr TEXT, role TEXT, is_leader BOOLEAN, term INT8, \
         last_log_index INT8, applied_index INT8, reachable BOOLEAN)"
    ))?;
    {
        let mut insert = conn.prepare(&format!("INSERT INTO {VIEW} VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"))?;
        for r in rows {
            insert.execute(rusqlite::params![
                r.id as i64,
                r.raft_addr,
                r.pg_addr,
                if r.voter { "voter" } else { "learner" },
                r.is_leader,
                r.term.map(|t| t as i64),
                r.last_log_index.map(|i| i as i64),
                r.applied_index.map(|i| i as i64),
                r.reachable
            ])?;
        }
    }
    let flags = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("raftsql_leader", 0, flags, move |_| Ok(leader.clone()))?;
    for (name, transfer) in [("raftsql_remove_node", false), ("raftsql_transfer_leader", true)] {
        let r = recorded.clone();
        conn.create_scalar_function(name, 1, flags, move |ctx| {
            let id: i64 = ctx.get(0)?;
            if let Some(r) = &r {
                let action = if transfer { Action::Transfer(id as u64) } else { Action::Remove(id as u64) };
                r.lock().unwrap_or_else(|e| e.into_inner()).push(action);
            }
            Ok(if transfer { format!("node {id} is the leader") } else { format!("node {id} removed") })
        })?;
    }
    Ok(conn)
}

/// A connection with the view's schema and the functions, for describing a statement before it runs.
pub fn describe_connection() -> rusqlite::Result<Connection> {
    view_connection(&[], None, None)
}

enum Action {
    Remove(u64),
    Transfer(u64),
}

/// Runs the statement against a fresh view, then carries out the administrative calls it made.
pub async fn run(core: &Arc<NodeCore>, t: &Translated, params: Vec<Value>) -> Result<QueryResult, ExecError> {
    let rows = core.cluster_view().await;
    let leader = core.leader_pg_addr();
    let actions = Arc::new(Mutex::new(Vec::new()));
    let sql = t.sqlite_sql.clone();
    let recorded = actions.clone();
    let storage = |e: rusqlite::Error| ExecError::Cluster(ClusterError::Storage(e.to_string()));
    let conn = view_connection(&rows, leader, Some(recorded)).map_err(storage)?;
    let max = core.reads.max_result_bytes();
    // Interrupted if the client cancels or its statement_timeout passes.
    let result = crate::db::run_interruptible(conn.get_interrupt_handle(), move || run_read(&conn, &sql, &params, max))
        .await
        .map_err(|f| match f {
            ReadError::Sql(e) => ExecError::Sql(e),
            ReadError::NotReadOnly => ExecError::Sql(SqlError::new(1, "the cluster view can only be read")),
        })?;
    let todo: Vec<Action> = std::mem::take(&mut *actions.lock().unwrap_or_else(|e| e.into_inner()));
    for action in todo {
        match action {
            Action::Remove(id) => core.remove_member(id).await?,
            Action::Transfer(id) => core.transfer_leader(id).await?,
        }
    }
    Ok(result)
}
