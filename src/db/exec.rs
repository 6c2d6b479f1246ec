//! Running one statement on a SQLite connection: bind typed parameters, collect columns (with declared
//! types) and rows, and report SQL failures as data. Also the authorizer that keeps client statements away
//! from what would break replication (transaction control inside an entry, ATTACH, temp objects, PRAGMA,
//! raftsql's own tables).

use std::cell::Cell;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use crate::db::value::{Column, QueryResult, Value};
use crate::error::SqlError;

/// Prefix of raftsql's own tables; clients may read them but never change them.
pub const INTERNAL_TABLE_PREFIX: &str = "__raftsql";

thread_local! {
    /// True while a client's statement is being prepared or run on this thread. raftsql's own statements
    /// (savepoints, meta writes) run with it false and are not restricted.
    static CLIENT_STATEMENT: Cell<bool> = const { Cell::new(false) };
}

/// Whether a statement changes the database, as SQLite itself decides (`sqlite3_stmt_readonly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    Write,
}

/// Prepares and runs one client statement. `required` = `Some(ReadOnly)` refuses statements that
/// would write (the read path), returning `Err(None)` so the caller can route the statement as a write.
pub fn execute(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    required: Option<Access>,
) -> Result<QueryResult, Option<SqlError>> {
    CLIENT_STATEMENT.with(|c| c.set(true));
    let out = execute_inner(conn, sql, params, required);
    CLIENT_STATEMENT.with(|c| c.set(false));
    out
}

fn execute_inner(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    required: Option<Access>,
) -> Result<QueryResult, Option<SqlError>> {
    let sql_err = |e: rusqlite::Error| Some(SqlError::from_rusqlite(&e));
    let mut stmt = match conn.prepare_cached(sql) {
        Ok(s) => s,
        // One client statement can become several SQLite statements (DROP TABLE a, b): run them in order.
        Err(rusqlite::Error::MultipleStatement) if params.is_empty() && required != Some(Access::ReadOnly) => {
            return execute_several(conn, sql).map_err(sql_err);
        }
        Err(rusqlite::Error::MultipleStatement) if required == Some(Access::ReadOnly) => return Err(None),
        Err(e) => return Err(sql_err(e)),
    };
    let readonly = stmt.readonly();
    if required == Some(Access::ReadOnly) && !readonly {
        return Err(None);
    }
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(Some(SqlError::new(
            SqlError::BAD_PARAMETERS,
            format!("statement expects {expected} parameters, {} given", params.len()),
        )));
    }
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, p).map_err(sql_err)?;
    }
    let columns: Vec<Column> = stmt
        .columns()
        .map(|c| Column { name: c.name().to_string(), decl_type: c.decl_type().map(str::to_string) })
        .collect();
    let width = columns.len();
    let mut rows = Vec::new();
    {
        let mut cursor = stmt.raw_query();
        while let Some(row) = cursor.next().map_err(sql_err)? {
            let mut out = Vec::with_capacity(width);
            for i in 0..width {
                out.push(Value::from_ref(row.get_ref(i).map_err(sql_err)?));
            }
            rows.push(out);
        }
    }
    let rows_affected = if readonly { rows.len() as u64 } else { conn.changes() };
    Ok(QueryResult { columns, rows, rows_affected })
}

/// Runs a parameterless multi-statement string (the translation of one client statement) in order.
fn execute_several(conn: &Connection, sql: &str) -> rusqlite::Result<QueryResult> {
    use rusqlite::fallible_iterator::FallibleIterator as _;
    let mut batch = rusqlite::Batch::new(conn, sql);
    let mut rows_affected = 0;
    while let Some(mut stmt) = batch.next()? {
        let mut rows = stmt.raw_query();
        while rows.next()?.is_some() {}
        rows_affected += conn.changes();
    }
    Ok(QueryResult { columns: Vec::new(), rows: Vec::new(), rows_affected })
}

/// Authorizer for the state machine's writer connection.
pub fn writer_authorizer(ctx: AuthContext<'_>) -> Authorization {
    if !CLIENT_STATEMENT.with(|c| c.get()) {
        return Authorization::Allow;
    }
    let internal = |t: &str| t.starts_with(INTERNAL_TABLE_PREFIX);
    match ctx.action {
        AuthAction::Transaction { .. }
        | AuthAction::Savepoint { .. }
        | AuthAction::Attach { .. }
        | AuthAction::Detach { .. }
        | AuthAction::Pragma { .. }
        | AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. } => Authorization::Deny,
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::DropTable { table_name }
        | AuthAction::CreateIndex { table_name, .. }
        | AuthAction::CreateTrigger { table_name, .. }
        | AuthAction::AlterTable { table_name, .. }
            if internal(table_name) =>
        {
            Authorization::Deny
        }
        AuthAction::CreateTable { table_name } if internal(table_name) => Authorization::Deny,
        _ => Authorization::Allow,
    }
}

/// Authorizer for read-only connections: no ATTACH (it would open arbitrary files) and no PRAGMA that sets
/// something; reading PRAGMAs (`table_info` and friends) stay allowed.
pub fn reader_authorizer(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Pragma { pragma_value: Some(_), pragma_name }
            if !matches!(
                pragma_name,
                "table_info" | "table_xinfo" | "index_list" | "index_info" | "index_xinfo" | "foreign_key_list"
            ) =>
        {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}
