//! raftsql: a replicated SQL database. Writes go through Raft (OpenRaft, log in fdatasynced segment files) into a SQLite state
//! machine on every node; reads are served from each node's own SQLite file after a read-index check.
//!
//! # Layout
//! Each layer uses only the layers below it:
//! - [`db`]: SQLite. Statement execution and result values, deterministic clock and random functions, the
//!   writer connection, the read-only pool, consistent snapshot copies. Knows nothing of Raft.
//! - [`raft`]: OpenRaft. Types, log store, state machine over `db`, TCP network and RPC server, and the
//!   node API (writes with leader forwarding, linearizable reads, membership).
//! - [`query`]: sessions: transaction state, routing of reads, writes and transaction steps.
//! - [`pg`]: the PostgreSQL frontend (pgwire): protocol handlers, dialect translation, types, SQLSTATEs.
//! - [`http`]: the admin endpoint: health, readiness, status, Prometheus metrics, online backup.
//! - [`node`]: wiring of a whole node from a validated [`config::Config`]: bootstrap, signals, shutdown.
//! - [`codec`]: the one serialization format used on disk and on the wire.
//! - [`error`]: SQL errors, cluster errors and start-up errors, kept apart.
//! - [`users`]: the users allowed to connect (verifiers, superusers), for the PostgreSQL and HTTP frontends.

pub mod codec;
pub mod config;
pub mod datadir;
pub mod db;
pub mod error;
pub mod http;
pub mod node;
pub mod pg;
pub mod query;
pub mod raft;
pub mod users;
