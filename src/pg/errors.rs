//! PostgreSQL errors for everything raftsql can fail with: SQLite errors mapped to SQLSTATE codes (with
//! PostgreSQL-style messages where the meaning is the same), transaction and cluster errors.

use pgwire::error::{ErrorInfo, PgWireError};

use crate::error::{ClusterError, ExecError, SqlError};

/// An ERROR-severity error with `code` and `message`.
pub fn error(code: &str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new("ERROR".to_owned(), code.to_owned(), message.into())
}

/// A FATAL error: the server closes the connection after sending it.
pub fn fatal(code: &str, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new("FATAL".to_owned(), code.to_owned(), message.into())
}

/// Wraps an error for pgwire's handler results.
pub fn user_error(info: ErrorInfo) -> PgWireError {
    PgWireError::UserError(Box::new(info))
}

/// Extracts the text between the first pair of a given prefix and the end, e.g. the table of "no such table: t".
fn after<'a>(msg: &'a str, prefix: &str) -> Option<&'a str> {
    msg.find(prefix).map(|i| msg[i + prefix.len()..].trim())
}

/// The SQLSTATE and message for a SQL error raised by SQLite or by raftsql's own checks.
pub fn sql_error(e: &SqlError) -> ErrorInfo {
    let msg = e.message.as_str();
    let (code, message): (&str, String) = match e.code {
        SqlError::TXN_NOT_OPEN | SqlError::SERIALIZATION_FAILURE => ("40001", msg.to_string()),
        SqlError::TXN_FAILED => ("25P02", msg.to_string()),
        SqlError::READ_ONLY_TRANSACTION => ("25006", msg.to_string()),
        SqlError::NO_TRANSACTION => ("25P01", msg.to_string()),
        SqlError::NO_SAVEPOINT => ("3B001", msg.to_string()),
        SqlError::BAD_PARAMETERS => ("08P01", msg.to_string()),
        SqlError::MULTIPLE_STATEMENTS => ("42601", "cannot insert multiple commands into a prepared statement".into()),
        SqlError::BUDGET_EXCEEDED => ("54001", msg.to_string()),
        SqlError::RESULT_TOO_LARGE | SqlError::REQUEST_TOO_LARGE => ("54000", msg.to_string()),
        SqlError::NONDETERMINISTIC => ("0A000", msg.to_string()),
        SqlError::IDLE_IN_TRANSACTION_TIMEOUT => ("25P03", msg.to_string()),
        SqlError::RESERVED_ROWID => ("22003", msg.to_string()),
        SqlError::ACTIVE_TRANSACTION => ("25001", msg.to_string()),
        // Constraint violations (extended result codes).
        2067 | 1555 => ("23505", format!("duplicate key value violates unique constraint: {msg}")),
        1299 => ("23502", format!("null value violates not-null constraint: {msg}")),
        // SQLITE_CONSTRAINT_TRIGGER: the NOT NULL triggers of a primary key added by ALTER TABLE.
        1811 if msg.starts_with("null value in column") => ("23502", msg.to_string()),
        787 => ("23503", format!("insert or update violates foreign key constraint: {msg}")),
        275 => ("23514", format!("new row violates check constraint: {msg}")),
        19 => ("23000", msg.to_string()),
        // SQLITE_AUTH: the authorizer refused (transaction control inside a statement, ATTACH, PRAGMA...).
        23 => ("42501", format!("statement not allowed: {msg}")),
        20 => ("42804", msg.to_string()),
        18 => ("54000", msg.to_string()),
        13 => ("53100", msg.to_string()),
        7 => ("53200", format!("out of memory: {msg}")),
        5 | 6 => ("55P03", msg.to_string()),
        _ => classify_message(msg),
    };
    error(code, message)
}

/// SQLite reports most compile-time errors as SQLITE_ERROR; the message tells which PostgreSQL error it is.
fn classify_message(msg: &str) -> (&str, String) {
    if let Some((code, text)) = crate::db::sqlstate::split(msg) {
        return (code, text.to_string());
    }
    if let Some(t) = after(msg, "no such table:") {
        return ("42P01", format!("relation \"{}\" does not exist", t.trim_start_matches("main.")));
    }
    if let Some(c) = after(msg, "no such column:") {
        return ("42703", format!("column \"{c}\" does not exist"));
    }
    if let Some(rest) = after(msg, "table ") {
        if let Some(t) = rest.strip_suffix("already exists") {
            return ("42P07", format!("relation \"{}\" already exists", t.trim()));
        }
    }
    if let Some(rest) = after(msg, "view ") {
        if let Some(t) = rest.strip_suffix("already exists") {
            return ("42P07", format!("relation \"{}\" already exists", t.trim()));
        }
    }
    if let Some(rest) = after(msg, "index ") {
        if let Some(t) = rest.strip_suffix("already exists") {
            return ("42P07", format!("relation \"{}\" already exists", t.trim()));
        }
    }
    if let Some(f) = after(msg, "no such function:") {
        return ("42883", format!("function {f} does not exist"));
    }
    if msg.contains("syntax error") || msg.contains("incomplete input") {
        return ("42601", msg.to_string());
    }
    if msg.contains("local time unavailable") {
        return (
            "0A000",
            "the 'localtime' and 'utc' date modifiers read the host's time zone and cannot be used in a replicated \
             statement"
                .to_string(),
        );
    }
    if msg.contains("division by zero") {
        return ("22012", "division by zero".to_string());
    }
    if msg.contains("has no column named") {
        return ("42703", msg.to_string());
    }
    if msg.contains("no such savepoint") {
        return ("3B001", msg.to_string());
    }
    ("XX000", msg.to_string())
}

/// The SQLSTATE and message for a cluster error.
pub fn cluster_error(e: &ClusterError) -> ErrorInfo {
    match e {
        ClusterError::Unavailable(m) => error("57P03", format!("no leader available: {m}")),
        ClusterError::OutcomeUnknown(m) => error("40003", format!("statement completion unknown: {m}")),
        ClusterError::LockTimeout(m) => error("55P03", m.clone()),
        ClusterError::TransactionLost(m) => error("40001", m.clone()),
        ClusterError::ShuttingDown => fatal("57P01", "terminating connection due to administrator command"),
        ClusterError::Storage(m) => error("58030", format!("storage failure: {m}")),
    }
}

/// Any statement error.
pub fn exec_error(e: &ExecError) -> ErrorInfo {
    match e {
        ExecError::Sql(e) => sql_error(e),
        ExecError::Cluster(e) => cluster_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(sqlite: i32, msg: &str) -> String {
        sql_error(&SqlError::new(sqlite, msg)).code
    }

    #[test]
    fn maps_sqlite_errors_to_sqlstates() {
        assert_eq!(code(2067, "UNIQUE constraint failed: t.a"), "23505");
        assert_eq!(code(1555, "UNIQUE constraint failed: t.id"), "23505");
        assert_eq!(code(1299, "NOT NULL constraint failed: t.a"), "23502");
        assert_eq!(code(787, "FOREIGN KEY constraint failed"), "23503");
        assert_eq!(code(275, "CHECK constraint failed: x"), "23514");
        assert_eq!(code(1, "no such table: nope"), "42P01");
        assert_eq!(code(1, "no such column: zz"), "42703");
        assert_eq!(code(1, "table t already exists"), "42P07");
        assert_eq!(code(1, "near \"SELEC\": syntax error"), "42601");
        assert_eq!(code(SqlError::TXN_FAILED, "x"), "25P02");
        assert_eq!(code(SqlError::SERIALIZATION_FAILURE, "x"), "40001");
        assert_eq!(
            sql_error(&SqlError::new(1, "no such table: main.nope")).message,
            "relation \"nope\" does not exist"
        );
    }
}
