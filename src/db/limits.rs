//! SQLite's limits, set explicitly on every connection rather than taken from whatever the library was
//! compiled with, so every replica refuses the same statements, and so no single value or statement can grow
//! beyond what a node handles comfortably.

use rusqlite::limits::Limit;
use rusqlite::Connection;

/// Largest string or blob value (and row), in bytes.
pub const MAX_VALUE_BYTES: i32 = 64 << 20;
/// Longest SQL text of one statement, in bytes.
pub const MAX_SQL_BYTES: i32 = 16 << 20;

/// The limits, as (limit, value).
const LIMITS: &[(Limit, i32)] = &[
    (Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES),
    (Limit::SQLITE_LIMIT_COLUMN, 2000),
    (Limit::SQLITE_LIMIT_EXPR_DEPTH, 1000),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 500),
    (Limit::SQLITE_LIMIT_VDBE_OP, 250_000_000),
    (Limit::SQLITE_LIMIT_FUNCTION_ARG, 127),
    (Limit::SQLITE_LIMIT_ATTACHED, 0),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50_000),
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 65_535),
    (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 100),
    // Sorting on helper threads would not change results, but keeps the work on the thread that is accounted.
    (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
];

/// Sets raftsql's limits on a connection.
pub fn apply(conn: &Connection) -> rusqlite::Result<()> {
    for (limit, value) in LIMITS {
        conn.set_limit(*limit, *value)?;
    }
    Ok(())
}
