//! What the leader does for the cluster's members: propose their clients' writes (through the group-commit
//! proposer), answer read-index requests, run transaction steps under the write gate, and change the
//! membership. Any of it on a node that does not lead answers `NotLeader`, with nothing done.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use openraft::error::{CheckIsLeaderError, RaftError};
use openraft::ChangeMembers;

use crate::db::Statement;
use crate::error::{ClusterError, SqlError};
use crate::raft::node::NodeCore;
use crate::raft::routing::client_write_error;
use crate::raft::rpc::{ForwardError, LeaderRequest, LeaderResponse};
use crate::raft::types::NodeId;
use crate::raft::write_gate::TxnLimits;

impl NodeCore {
    /// Refuses a request too large for one log entry, before anything is proposed or forwarded (54000).
    pub(crate) fn check_request_size(&self, statements: &[Statement]) -> Result<(), SqlError> {
        let size = Statement::total_size(statements);
        let max = self.options.max_request_bytes;
        if size > max {
            return Err(SqlError::new(
                SqlError::REQUEST_TOO_LARGE,
                format!("the statement and its parameters take {size} bytes, more than one replicated request may ({max} bytes, --max-request-bytes)"),
            ));
        }
        Ok(())
    }

    /// Serves a request that only the leader can serve.
    pub async fn serve_as_leader(&self, req: LeaderRequest) -> Result<LeaderResponse, ForwardError> {
        match req {
            LeaderRequest::Write(statements) => {
                if let Err(e) = self.check_request_size(&statements) {
                    return Ok(LeaderResponse::Write(Err(e)));
                }
                self.proposer.propose(statements).await.map(LeaderResponse::Write)
            }
            LeaderRequest::ReadIndex => match self.raft.get_read_log_id().await {
                Ok((read_log_id, _)) => Ok(LeaderResponse::ReadIndex(read_log_id.map(|l| l.index).unwrap_or(0))),
                Err(RaftError::APIError(CheckIsLeaderError::ForwardToLeader(f))) => {
                    Err(ForwardError::NotLeader { leader: f.leader_id.zip(f.leader_node) })
                }
                Err(e) => Err(ForwardError::Cluster(ClusterError::Unavailable(e.to_string()))),
            },
            LeaderRequest::Txn { txn, step, lock_timeout_ms, idle_timeout_ms } => {
                let limits = TxnLimits {
                    lock_timeout: Duration::from_millis(lock_timeout_ms),
                    idle_timeout: (idle_timeout_ms > 0).then(|| Duration::from_millis(idle_timeout_ms)),
                };
                self.leader_txn_step(txn, step, limits).await.map(LeaderResponse::Write)
            }
            LeaderRequest::AddLearner { id, node } => {
                self.raft.add_learner(id, node, true).await.map_err(client_write_error)?;
                Ok(LeaderResponse::Done)
            }
            LeaderRequest::ChangeVoters(voters) => {
                let voters: BTreeSet<NodeId> = voters.into_iter().collect();
                self.raft.change_membership(voters, true).await.map_err(client_write_error)?;
                Ok(LeaderResponse::Done)
            }
            LeaderRequest::RemoveNode(id) => {
                let m = self.raft.metrics().borrow().membership_config.clone();
                if m.membership().voter_ids().any(|v| v == id) {
                    let change = ChangeMembers::RemoveVoters(BTreeSet::from([id]));
                    self.raft.change_membership(change, false).await.map_err(client_write_error)?;
                }
                let change = ChangeMembers::RemoveNodes(BTreeSet::from([id]));
                self.raft.change_membership(change, false).await.map_err(client_write_error)?;
                Ok(LeaderResponse::Done)
            }
            LeaderRequest::UpdateNode { id, node } => {
                let change = ChangeMembers::SetNodes(BTreeMap::from([(id, node)]));
                self.raft.change_membership(change, true).await.map_err(client_write_error)?;
                Ok(LeaderResponse::Done)
            }
        }
    }
}
