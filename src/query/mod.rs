//! The query layer: per-session transaction state and routing of statements to reads, writes and
//! transaction steps. Knows nothing of the PostgreSQL protocol.

pub mod session;
pub mod snapshot;

pub use session::{Session, TxnEnd, TxnStatus};
