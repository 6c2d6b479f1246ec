//! The crate's error types, kept in three classes that never mix: SQL errors (data returned to the client),
//! cluster errors (no leader, unreachable, outcome unknown) and storage errors (fatal for the node).

use serde::{Deserialize, Serialize};

/// A SQL error produced by SQLite while executing a statement. It is data, not a failure of the node: every
/// replica produces the same error for the same entry, and the client gets it with a SQLSTATE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct SqlError {
    /// SQLite's extended result code (for example 2067 for a UNIQUE constraint), or one of the
    /// `SqlError::*` pseudo codes below for errors raised by raftsql itself.
    pub code: i32,
    /// Human-readable message as SQLite wrote it.
    pub message: String,
    /// Index of the failing statement inside a multi-statement request.
    pub statement_index: usize,
}

impl SqlError {
    /// Pseudo code: the number of bound parameters does not match the statement.
    pub const BAD_PARAMETERS: i32 = -2;
    /// Pseudo code: the SQL text holds more than one statement where one was expected.
    pub const MULTIPLE_STATEMENTS: i32 = -3;

    /// Pseudo code: the transaction named by a step is not open any more (rolled back by a leadership change,
    /// a timeout or a newer transaction). Clients see 40001.
    pub const TXN_NOT_OPEN: i32 = -10;
    /// Pseudo code: data changed between the transaction's first read and its first write. Clients see 40001.
    pub const SERIALIZATION_FAILURE: i32 = -11;
    /// Pseudo code: an earlier statement of the transaction failed. Clients see 25P02.
    pub const TXN_FAILED: i32 = -12;

    /// Pseudo code: a write in a READ ONLY transaction (25006).
    pub const READ_ONLY_TRANSACTION: i32 = -13;
    /// Pseudo code: a savepoint command outside a transaction block (25P01).
    pub const NO_TRANSACTION: i32 = -14;
    /// Pseudo code: the named savepoint does not exist (3B001).
    pub const NO_SAVEPOINT: i32 = -15;

    /// Pseudo code: a replicated statement ran past its execution budget (54001).
    pub const BUDGET_EXCEEDED: i32 = -20;
    /// Pseudo code: a result larger than the server's limit (54000).
    pub const RESULT_TOO_LARGE: i32 = -21;
    /// Pseudo code: a replicated statement calls a function whose result could differ between replicas (0A000).
    pub const NONDETERMINISTIC: i32 = -22;
    /// Pseudo code: a request too large for one log entry (54000).
    pub const REQUEST_TOO_LARGE: i32 = -23;
    /// Pseudo code: a transaction idle past the limit lost its snapshot (25P03).
    pub const IDLE_IN_TRANSACTION_TIMEOUT: i32 = -24;
    /// Pseudo code: a row stored with the largest rowid, which raftsql reserves (22003).
    pub const RESERVED_ROWID: i32 = -25;
    /// Pseudo code: a transaction setting changed after it began its work (25001).
    pub const ACTIVE_TRANSACTION: i32 = -26;

    pub fn new(code: i32, message: impl Into<String>) -> Self {
        SqlError { code, message: message.into(), statement_index: 0 }
    }

    /// Builds a SQL error from a rusqlite error, keeping SQLite's extended code.
    pub fn from_rusqlite(err: &rusqlite::Error) -> Self {
        if let rusqlite::Error::SqlInputError { error, msg, .. } = err {
            return SqlError { code: error.extended_code, message: msg.clone(), statement_index: 0 };
        }
        let code = match err {
            rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
            rusqlite::Error::MultipleStatement => Self::MULTIPLE_STATEMENTS,
            rusqlite::Error::InvalidParameterCount(_, _) => Self::BAD_PARAMETERS,
            _ => 1,
        };
        let message = match err {
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
            rusqlite::Error::SqliteFailure(e, None) => e.to_string(),
            other => other.to_string(),
        };
        SqlError { code, message, statement_index: 0 }
    }
}

/// Errors of the cluster layer, seen by clients as "try again" or "outcome unknown".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ClusterError {
    /// No leader is known, or the leader could not be reached in time. The request was not proposed.
    #[error("no leader available: {0}")]
    Unavailable(String),
    /// The request may or may not have been committed (leader lost after proposing). Never retried blindly.
    #[error("outcome of the write is unknown: {0}")]
    OutcomeUnknown(String),
    /// Waiting for the write gate took longer than the lock timeout (SQLSTATE 55P03).
    #[error("{0}")]
    LockTimeout(String),
    /// The interactive transaction was lost (leader change): it was rolled back everywhere (SQLSTATE 40001).
    #[error("{0}")]
    TransactionLost(String),
    /// The node is shutting down.
    #[error("node is shutting down")]
    ShuttingDown,
    /// A storage failure on the serving node.
    #[error("storage failure: {0}")]
    Storage(String),
}

/// The error a client sees for a statement: either the statement failed (SQL) or the cluster could not run it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Sql(#[from] SqlError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Errors raised while starting a node; they end the process with a clear message.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("i/o error on {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("cannot bind {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("raft log store: {0}")]
    LogStore(String),
    #[error("state machine: {0}")]
    StateMachine(String),
    #[error("raft: {0}")]
    Raft(String),
}
