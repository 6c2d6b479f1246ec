//! Getting work to the leader: the one routine that finds the leader (this node, or a peer over the cluster
//! RPC), follows its hints when leadership moves and decides what may be retried; and the one mapping of
//! OpenRaft's write errors into what the caller can tell its client.

use std::time::Instant;

use openraft::error::{ClientWriteError, RaftError};

use crate::error::ClusterError;
use crate::raft::network::ForwardIoError;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{ForwardError, LeaderRequest, LeaderResponse, RpcRequest, RpcResponse};
use crate::raft::types::{Node, NodeId};

/// What may be retried when the leader changes or cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retried while it was certainly not done (refused by a non-leader, or never sent); a request sent without
    /// an answer may have been done and is reported as outcome unknown (writes, a transaction's Begin).
    WhileNotDone,
    /// Idempotent: retried whatever happened (read indexes, membership changes).
    Always,
    /// Bound to the leader it started on (steps of a transaction holding the write gate): a change of leader
    /// loses it.
    Never,
}

/// Maps OpenRaft's answer to a proposal. `ForwardToLeader` means nothing was proposed; a fatal error may come
/// after the entry was appended, so its outcome is unknown.
pub fn client_write_error(e: RaftError<NodeId, ClientWriteError<NodeId, Node>>) -> ForwardError {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => {
            ForwardError::NotLeader { leader: f.leader_id.zip(f.leader_node) }
        }
        RaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
            ForwardError::Cluster(ClusterError::Unavailable(e.to_string()))
        }
        RaftError::Fatal(e) => ForwardError::Cluster(ClusterError::OutcomeUnknown(e.to_string())),
    }
}

/// How one attempt ended, before the retry policy is applied.
enum Attempt {
    /// Nothing was done: no leader known, the target does not lead, or the request could not be sent.
    NotDone { hint: Option<(NodeId, Node)> },
    /// Sent, no answer: it may have been done.
    Unanswered(String),
}

/// A transaction step that cannot go on: the leader holding its write gate is gone (40001 to the client).
pub(crate) fn transaction_lost(why: &str) -> ClusterError {
    ClusterError::TransactionLost(format!("{why}; the transaction was rolled back, retry it"))
}

impl NodeCore {
    /// Runs `req` on the leader, wherever it is, until `deadline`.
    pub(crate) async fn on_leader(
        &self,
        req: LeaderRequest,
        retry: Retry,
        deadline: Instant,
    ) -> Result<LeaderResponse, ClusterError> {
        let mut hint: Option<(NodeId, Node)> = None;
        loop {
            let target = hint.take().or_else(|| self.leader_hint());
            let attempt = match target {
                Some((leader, _)) if leader == self.id => match self.serve_as_leader(req.clone()).await {
                    Ok(r) => return Ok(r),
                    Err(ForwardError::Cluster(e)) => return Err(e),
                    Err(ForwardError::NotLeader { leader: next }) => Attempt::NotDone { hint: next },
                },
                Some((leader, node)) => {
                    let timeout =
                        deadline.saturating_duration_since(Instant::now()).max(std::time::Duration::from_millis(100));
                    match self.forward.call(leader, &node.raft_addr, RpcRequest::Leader(req.clone()), timeout).await {
                        Ok(RpcResponse::Leader(Ok(r))) => return Ok(r),
                        Ok(RpcResponse::Leader(Err(ForwardError::Cluster(e)))) => return Err(e),
                        Ok(RpcResponse::Leader(Err(ForwardError::NotLeader { leader: next }))) => {
                            // Only follow a hint that points elsewhere; otherwise wait for the cluster to settle.
                            Attempt::NotDone { hint: next.filter(|(id, _)| *id != leader) }
                        }
                        Ok(RpcResponse::Refused(why)) => return Err(ClusterError::Unavailable(why)),
                        Ok(other) => Attempt::Unanswered(format!("unexpected answer from the leader: {other:?}")),
                        Err(ForwardIoError::NotSent(e)) => {
                            tracing::debug!(leader, error = %e, "leader unreachable");
                            Attempt::NotDone { hint: None }
                        }
                        Err(ForwardIoError::Lost(e)) => {
                            Attempt::Unanswered(format!("lost contact with leader {leader} after sending: {e}"))
                        }
                    }
                }
                None => Attempt::NotDone { hint: None },
            };
            match (attempt, retry) {
                (_, Retry::Never) => return Err(transaction_lost("the leader changed or could not be reached")),
                (Attempt::Unanswered(why), Retry::WhileNotDone) => return Err(ClusterError::OutcomeUnknown(why)),
                (Attempt::Unanswered(_), Retry::Always) => self.wait_for_change().await,
                (Attempt::NotDone { hint: next }, _) => {
                    if next.is_none() {
                        self.wait_for_change().await;
                    }
                    hint = next;
                }
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::Unavailable("no leader accepted the request in time".into()));
            }
        }
    }
}
