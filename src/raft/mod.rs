//! The replication layer: OpenRaft with a log store of checksummed, fdatasynced segment files, a SQLite state machine, a TCP network and the node
//! API (writes, linearizable reads, membership) that the query layer builds on.

pub mod admin;
pub mod apply;
pub mod leader;
pub mod log_cache;
pub mod log_file;
pub mod log_store;
pub mod membership;
pub mod network;
pub mod node;
pub mod peer_client;
pub mod proposer;
pub mod reads;
pub mod routing;
pub mod rpc;
pub mod rpc_server;
pub mod snapshot_store;
pub mod state_machine;
pub mod txn_apply;
pub mod txn_route;
pub mod types;
pub mod wire;
pub mod write_gate;

pub use node::{Consistency, NodeCore, RaftNode, RaftOptions};
pub use types::{Node, NodeId, Request, Response, TxnId, TxnStep, TypeConfig, WriteOutcome};
