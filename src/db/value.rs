//! Values, columns and results as they cross the log and the read path: SQLite's five storage classes plus
//! each result column's name and declared type, so the PostgreSQL layer can choose type OIDs.

use rusqlite::types::{ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// One SQL value, as SQLite stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    /// Encoded as one byte string, not a sequence of numbers (the same bytes with bincode, much faster).
    Blob(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl Value {
    /// Roughly the bytes this value takes when encoded.
    pub fn approx_size(&self) -> usize {
        9 + match self {
            Value::Text(s) => s.len(),
            Value::Blob(b) => b.len(),
            _ => 0,
        }
    }

    pub(crate) fn from_ref(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}

/// A result column: its name and the type it was declared with (`None` for expressions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub decl_type: Option<String>,
}

/// The result of one statement: columns and rows for statements that return rows (SELECT, RETURNING),
/// and the number of rows a write changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryResult {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// Rows changed by an INSERT, UPDATE or DELETE; the number of rows returned for a read.
    pub rows_affected: u64,
    /// The values `nextval`/`setval` gave while the statement ran (the session keeps them for `currval`).
    pub sequence_values: Vec<crate::db::sequences::SequenceUse>,
}

/// One SQL statement with its positional parameters (`?1`, `?2`... in SQLite syntax).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        Statement { sql: sql.into(), params }
    }

    /// Roughly the bytes this statement takes in a log entry: its SQL and its parameters.
    pub fn approx_size(&self) -> usize {
        16 + self.sql.len() + self.params.iter().map(Value::approx_size).sum::<usize>()
    }

    /// Roughly the bytes a list of statements (one client request) takes in a log entry.
    pub fn total_size(statements: &[Statement]) -> usize {
        statements.iter().map(Statement::approx_size).sum()
    }
}
