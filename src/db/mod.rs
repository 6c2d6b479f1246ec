//! SQLite, the state machine's storage: statement execution and results, deterministic functions and clock,
//! the writer connection, the read-only pool and consistent snapshot copies. Nothing here knows about Raft.

pub mod determinism;
pub mod exec;
pub mod read_pool;
pub mod snapshot;
pub mod value;
pub mod writer;

pub use determinism::ExecContext;
pub use read_pool::{ReadError, ReadPool};
pub use value::{Column, QueryResult, Statement, Value};
pub use writer::Writer;
