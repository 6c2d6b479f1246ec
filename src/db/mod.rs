//! SQLite, the state machine's storage: statement execution and results, deterministic functions and clock,
//! the writer connection, the read-only pool and consistent snapshot copies. Nothing here knows about Raft.

pub mod array_functions;
pub mod authorizer;
pub mod budget;
pub mod canonical_columns;
pub mod charging;
pub mod datetime;
pub mod decimal;
pub mod determinism;
pub mod exec;
pub mod json;
pub mod json_edit;
pub mod json_functions;
pub mod limits;
pub mod numeric_functions;
pub mod read_pool;
pub mod regex_functions;
pub mod schema_edit;
pub mod sequences;
pub mod serial_columns;
pub mod snapshot;
pub mod sqlstate;
pub mod table_constraints;
pub mod text_functions;
pub mod value;
pub mod writer;

pub use determinism::{ExecContext, ExecLimits};
pub use exec::ReadError;
pub use read_pool::{run_interruptible, ReadPool};
pub use value::{Column, QueryResult, Statement, Value};
pub use writer::{EntryOutcome, Writer};
