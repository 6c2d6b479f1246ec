//! The PostgreSQL frontend: wire protocol (pgwire), sessions, dialect translation, type mapping, errors.
//!
//! Errors here are pgwire's `ErrorInfo` (a PostgreSQL error response), which is large; boxing it at every
//! return would only add noise, so the lint about large `Err` variants is off for these modules.

pub mod auth;
pub mod catalog;
#[allow(clippy::result_large_err)]
pub mod cluster_sql;
#[allow(clippy::result_large_err)]
pub mod copy;
pub mod cursors;
pub mod dialect;
pub mod dialect_types;
#[allow(clippy::result_large_err)]
pub mod errors;
#[allow(clippy::result_large_err)]
pub mod exec;
pub mod explain;
#[allow(clippy::result_large_err)]
pub mod extended_query;
#[allow(clippy::result_large_err)]
pub mod handler;
pub mod infer;
#[allow(clippy::result_large_err)]
pub mod parser;
pub mod rows;
pub mod server;
#[allow(clippy::result_large_err)]
pub mod session_commands;
pub mod settings;
#[allow(clippy::result_large_err)]
pub mod simple_query;
#[allow(clippy::result_large_err)]
pub mod startup;
pub mod stats;
pub mod tls;
pub mod type_table;
pub mod types;

pub use server::{serve, AuthMethod, PgOptions, PgShared};

/// Locks a connection's or server's state; a panic elsewhere while it was held leaves it usable (nothing here
/// is left half-changed by a panic that matters more than serving the next statement).
pub(crate) fn unlock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
