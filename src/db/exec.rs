//! Running one statement on a SQLite connection: bind typed parameters, collect columns (with declared types)
//! and rows up to a byte limit, and sort failures into SQL errors (data: every replica fails the same way) and
//! node-local failures (disk full, I/O error, corruption, out of memory: properties of one node, never data).

use rusqlite::{Connection, ErrorCode};

use crate::db::authorizer::{self, ClientStatement};
use crate::db::datetime::zone;
use crate::db::value::{Column, QueryResult, Value};
use crate::db::{budget, canonical_columns, determinism, schema_edit, sequences};
use crate::error::SqlError;

/// Whether a statement changes the database, as SQLite itself decides (`sqlite3_stmt_readonly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    Write,
}

/// How a statement failed.
#[derive(Debug)]
pub enum Failure {
    /// A property of the statement and the data: the same on every replica. Returned to the client.
    Sql(SqlError),
    /// A property of this node (disk full, I/O error, corruption, out of memory...). Applying cannot go on.
    NodeLocal(rusqlite::Error),
}

/// How a read failed. Whatever went wrong, the client hears of it: a read cannot make replicas differ.
#[derive(Debug)]
pub enum ReadError {
    /// SQLite says the statement writes: route it through the log instead.
    NotReadOnly,
    Sql(SqlError),
}

impl From<Failure> for ReadError {
    fn from(f: Failure) -> Self {
        ReadError::Sql(match f {
            Failure::Sql(e) => e,
            Failure::NodeLocal(e) => SqlError::from_rusqlite(&e),
        })
    }
}

/// Whether a SQLite failure belongs to this node rather than to the statement. An allow-list of what is
/// known to be deterministic; anything else stops the node rather than become a result that could differ
/// between replicas.
pub fn is_node_local(e: &rusqlite::Error) -> bool {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => !matches!(
            f.code,
            ErrorCode::Unknown // SQLITE_ERROR: a SQL error, or an error raised by a function
                | ErrorCode::DatabaseLocked // SQLITE_LOCKED: a table in use by the same connection
                | ErrorCode::SchemaChanged
                | ErrorCode::TooBig
                | ErrorCode::ConstraintViolation
                | ErrorCode::TypeMismatch
                | ErrorCode::AuthorizationForStatementDenied
                | ErrorCode::ParameterOutOfRange
        ),
        rusqlite::Error::SqlInputError { .. }
        // An empty statement (only comments): the statement's property, the same on every replica.
        | rusqlite::Error::Empty
        | rusqlite::Error::MultipleStatement
        | rusqlite::Error::InvalidParameterCount(..)
        | rusqlite::Error::UserFunctionError(_) => false,
        _ => true,
    }
}

fn result_too_large(limit: u64) -> SqlError {
    SqlError::new(
        SqlError::RESULT_TOO_LARGE,
        format!("the result exceeds the server's limit of {limit} bytes: select fewer rows or columns"),
    )
}

/// Steps a prepared statement to the end, collecting at most `max_bytes` of rows.
fn collect(
    conn: &Connection,
    stmt: &mut rusqlite::Statement<'_>,
    max_bytes: u64,
) -> Result<(Vec<Column>, Vec<Vec<Value>>), Failure> {
    let columns: Vec<Column> = crate::db::serial_columns::declared_types(conn, stmt)
        .into_iter()
        .enumerate()
        .map(|(i, decl_type)| Column { name: stmt.column_name(i).map(str::to_string).unwrap_or_default(), decl_type })
        .collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut bytes = 0u64;
    let mut cursor = stmt.raw_query();
    while let Some(row) = cursor.next().map_err(classify)? {
        let mut out = Vec::with_capacity(width);
        for i in 0..width {
            let v = Value::from_ref(row.get_ref(i).map_err(classify)?);
            // Deterministic: the same rows count the same on every replica.
            bytes += v.approx_size() as u64;
            out.push(v);
        }
        if bytes > max_bytes {
            return Err(Failure::Sql(result_too_large(max_bytes)));
        }
        rows.push(out);
    }
    Ok((columns, rows))
}

/// Sorts a SQLite error into a SQL error or a node-local failure; a statement stopped by the execution budget
/// is a SQL error (54001), the same on every replica.
fn classify(e: rusqlite::Error) -> Failure {
    if budget::exhausted() {
        return Failure::Sql(budget::exhausted_error());
    }
    if let Some(name) = authorizer::take_refused_function() {
        return Failure::Sql(SqlError::new(
            SqlError::NONDETERMINISTIC,
            format!(
                "function {name}() cannot be used in a replicated statement: its result is not a function of the \
                 database and the statement, so replicas could differ"
            ),
        ));
    }
    if is_node_local(&e) {
        Failure::NodeLocal(e)
    } else {
        Failure::Sql(SqlError::from_rusqlite(&e))
    }
}

/// Runs a statement on a read connection (cached prepare; it must be read-only, else `NotReadOnly`), with at
/// most `max_bytes` of rows.
pub fn run_read(conn: &Connection, sql: &str, params: &[Value], max_bytes: u64) -> Result<QueryResult, ReadError> {
    let (time_zone, sql) = zone::split_statement(sql);
    let (session_sequences, sql) = sequences::split_statement(sql);
    let result = zone::with_zone(time_zone, || {
        sequences::with_session(session_sequences, || run_read_in_zone(conn, sql, params, max_bytes))
    });
    match result {
        // `nextval`/`setval` change the database: the statement goes through the log.
        Err(ReadError::Sql(_)) if sequences::wants_write() => Err(ReadError::NotReadOnly),
        other => other,
    }
}

fn run_read_in_zone(conn: &Connection, sql: &str, params: &[Value], max_bytes: u64) -> Result<QueryResult, ReadError> {
    let mut stmt = match conn.prepare_cached(sql) {
        Ok(s) => s,
        Err(rusqlite::Error::MultipleStatement) => return Err(ReadError::NotReadOnly),
        Err(e) => return Err(ReadError::Sql(SqlError::from_rusqlite(&e))),
    };
    if !stmt.readonly() {
        return Err(ReadError::NotReadOnly);
    }
    bind(&mut stmt, params)?;
    // `now()` is one value for the whole statement, as in PostgreSQL (writes get the entry's clock).
    let (columns, rows) = determinism::with_statement_clock(|| collect(conn, &mut stmt, max_bytes))?;
    let rows_affected = rows.len() as u64;
    Ok(QueryResult { columns, rows, rows_affected, sequence_values: Vec::new() })
}

fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[Value]) -> Result<(), Failure> {
    let expected = stmt.parameter_count();
    if expected != params.len() {
        return Err(Failure::Sql(SqlError::new(
            SqlError::BAD_PARAMETERS,
            format!("statement expects {expected} parameters, {} given", params.len()),
        )));
    }
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, p).map_err(classify)?;
    }
    Ok(())
}

/// The failure of a statement that stored the reserved rowid (22003).
fn reserved_rowid() -> Failure {
    Failure::Sql(SqlError::new(
        SqlError::RESERVED_ROWID,
        "key 9223372036854775807 is reserved (raftsql keeps the largest 64-bit row key free so that new rows never \
         get random keys); a table whose largest key is 9223372036854775806 is full",
    ))
}

/// Runs a client statement on the state machine's writer, inside the execution budget already armed by the
/// caller (`determinism::with_statement`): a fresh prepare every time (a cached statement would re-prepare, or
/// not, depending on this node's history, and count differently against the budget), the function allow-list
/// enforced by the authorizer, at most `max_bytes` of result rows.
pub fn run_replicated(conn: &Connection, sql: &str, params: &[Value], max_bytes: u64) -> Result<QueryResult, Failure> {
    let (time_zone, sql) = zone::split_statement(sql);
    let (session_sequences, sql) = sequences::split_statement(sql);
    zone::with_zone(time_zone, || {
        sequences::with_session(session_sequences, || {
            let mut result = run_replicated_in_zone(conn, sql, params, max_bytes)?;
            result.sequence_values = sequences::take_used();
            Ok(result)
        })
    })
}

fn run_replicated_in_zone(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    max_bytes: u64,
) -> Result<QueryResult, Failure> {
    let edits = schema_edit::parse(sql);
    authorizer::take_schema_change();
    let result = match &edits {
        Some(Ok(edits)) if params.is_empty() => {
            schema_edit::apply(conn, edits).map_err(classify)?;
            QueryResult::default()
        }
        Some(_) => return Err(Failure::Sql(SqlError::new(SqlError::BAD_PARAMETERS, "malformed schema edit"))),
        None => run_client_statement(conn, sql, params, max_bytes)?,
    };
    // A schema change (seen by the authorizer while the statement was prepared, so ordinary writes pay
    // nothing) may have added, dropped or renamed numeric or jsonb columns: their triggers follow, and the
    // comments and owned sequences of what was dropped go.
    if authorizer::take_schema_change() || edits.is_some() {
        canonical_columns::sync(conn).map_err(classify)?;
        crate::db::schema_edit::drop_orphan_comments(conn).map_err(classify)?;
        sequences::drop_orphans(conn).map_err(classify)?;
    }
    Ok(result)
}

fn run_client_statement(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    max_bytes: u64,
) -> Result<QueryResult, Failure> {
    let _client = ClientStatement::enter();
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        // One client statement can become several SQLite statements (DROP TABLE a, b): run them in order.
        Err(rusqlite::Error::MultipleStatement) if params.is_empty() => return run_several(conn, sql),
        Err(e) => return Err(classify(e)),
    };
    bind(&mut stmt, params)?;
    let readonly = stmt.readonly();
    determinism::take_reserved_rowid();
    let (columns, rows) = collect(conn, &mut stmt, max_bytes)?;
    if determinism::take_reserved_rowid() {
        return Err(reserved_rowid());
    }
    let rows_affected = if readonly { rows.len() as u64 } else { conn.changes() };
    Ok(QueryResult { columns, rows, rows_affected, sequence_values: Vec::new() })
}

/// Runs one client statement once for each row of parameters (`params` holds the rows one after another):
/// prepared once, bound and stepped per row (COPY's INSERTs: a statement prepared afresh for every row, or one
/// listing thousands of rows, would spend more time being compiled than inserting). The same rules as
/// `run_replicated` otherwise; no result rows.
pub fn run_replicated_rows(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, Failure> {
    let (time_zone, sql) = zone::split_statement(sql);
    zone::with_zone(time_zone, || run_rows_in_zone(conn, sql, params))
}

fn run_rows_in_zone(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, Failure> {
    let _client = ClientStatement::enter();
    let mut stmt = conn.prepare(sql).map_err(classify)?;
    let width = stmt.parameter_count();
    if width == 0 || !params.len().is_multiple_of(width) {
        return Err(Failure::Sql(SqlError::new(
            SqlError::BAD_PARAMETERS,
            format!("statement expects rows of {width} parameters, {} given", params.len()),
        )));
    }
    determinism::take_reserved_rowid();
    let mut rows_affected = 0;
    for row in params.chunks(width) {
        bind(&mut stmt, row)?;
        let mut rows = stmt.raw_query();
        while rows.next().map_err(classify)?.is_some() {}
        drop(rows);
        rows_affected += conn.changes();
        if determinism::take_reserved_rowid() {
            return Err(reserved_rowid());
        }
    }
    Ok(QueryResult { rows_affected, ..QueryResult::default() })
}

/// Runs a parameterless multi-statement string (the translation of one client statement) in order.
fn run_several(conn: &Connection, sql: &str) -> Result<QueryResult, Failure> {
    use rusqlite::fallible_iterator::FallibleIterator as _;
    let mut batch = rusqlite::Batch::new(conn, sql);
    let mut rows_affected = 0;
    while let Some(mut stmt) = batch.next().map_err(classify)? {
        let mut rows = stmt.raw_query();
        while rows.next().map_err(classify)?.is_some() {}
        rows_affected += conn.changes();
    }
    Ok(QueryResult { rows_affected, ..QueryResult::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty statement reached the log through `SET TRANSACTION` once, and every node stopped on it.
    #[test]
    fn an_empty_statement_is_the_statements_error_not_the_nodes() {
        assert!(!is_node_local(&rusqlite::Error::Empty));
        let conn = Connection::open_in_memory().unwrap();
        for sql in ["", "/* nothing */", "-- nothing"] {
            assert!(matches!(run_replicated(&conn, sql, &[], 1 << 20), Err(Failure::Sql(_))), "{sql:?}");
        }
    }
}
