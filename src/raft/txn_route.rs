//! Interactive-transaction steps from a session to the leader: the leader takes the write gate at `Begin`,
//! proposes each step as one log entry, and releases the gate at the end (or when leadership is lost). A
//! follower forwards the steps; a step that reaches a leader not holding the transaction fails with 40001.

use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};

use crate::db::ExecContext;
use crate::error::{ClusterError, SqlError};
use crate::raft::network::ForwardIoError;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{ForwardError, ForwardRequest, ForwardResponse, RpcRequest, RpcResponse};
use crate::raft::types::{Request, TxnId, TxnStep, WriteOutcome};
use crate::raft::write_gate::TxnLimits;

fn lost(msg: &str) -> ClusterError {
    ClusterError::TransactionLost(format!("{msg}; the transaction was rolled back, retry it"))
}

impl NodeCore {
    /// Runs one step of transaction `txn` through the leader, wherever it is.
    pub async fn txn_step(&self, txn: TxnId, step: TxnStep, limits: TxnLimits) -> Result<WriteOutcome, ClusterError> {
        let is_begin = matches!(step, TxnStep::Begin { .. });
        let deadline = tokio::time::Instant::now() + self.options.write_timeout;
        loop {
            let leader = self.wait_for_leader(deadline.saturating_duration_since(tokio::time::Instant::now())).await?;
            let result = if leader == self.id {
                self.leader_txn_step(txn, step.clone(), limits).await
            } else {
                let Some((_, node)) = self.leader_hint() else {
                    continue;
                };
                let req = RpcRequest::Forward(ForwardRequest::Txn {
                    txn,
                    step: step.clone(),
                    lock_timeout_ms: limits.lock_timeout.as_millis() as u64,
                    idle_timeout_ms: limits.idle_timeout.map_or(0, |d| d.as_millis() as u64),
                });
                let timeout = self.options.write_timeout + limits.lock_timeout;
                match self.forward.call(leader, &node.raft_addr, req, timeout).await {
                    Ok(RpcResponse::Forward(Ok(ForwardResponse::Write(outcome)))) => Ok(outcome),
                    Ok(RpcResponse::Forward(Err(e))) => Err(e),
                    Ok(other) => Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(format!("{other:?}")))),
                    Err(ForwardIoError::NotSent(_)) if is_begin => Err(ForwardError::NotLeader { leader: None }),
                    Err(ForwardIoError::NotSent(e)) => {
                        Err(ForwardError::Cluster(lost(&format!("leader unreachable: {e}"))))
                    }
                    Err(ForwardIoError::Lost(e)) => {
                        Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(e.to_string())))
                    }
                }
            };
            match result {
                Ok(outcome) => return Ok(outcome),
                Err(ForwardError::Cluster(e)) => return Err(e),
                // Only a Begin that was never proposed may be tried again at another leader.
                Err(ForwardError::NotLeader { .. }) if is_begin && tokio::time::Instant::now() < deadline => {
                    self.wait_for_change().await;
                }
                Err(ForwardError::NotLeader { .. }) if is_begin => {
                    return Err(ClusterError::Unavailable("no leader accepted the transaction in time".into()))
                }
                Err(ForwardError::NotLeader { .. }) => return Err(lost("leadership changed during the transaction")),
            }
        }
    }

    /// Serves a transaction step as the leader.
    pub async fn leader_txn_step(
        &self,
        txn: TxnId,
        step: TxnStep,
        limits: TxnLimits,
    ) -> Result<WriteOutcome, ForwardError> {
        let is_begin = matches!(step, TxnStep::Begin { .. });
        let ends = matches!(step, TxnStep::Commit | TxnStep::Rollback);
        if is_begin {
            self.gate.acquire(txn, limits).await.map_err(ForwardError::Cluster)?;
        } else if !self.gate.touch(txn) {
            if matches!(step, TxnStep::Rollback) {
                return Ok(Ok(Vec::new()));
            }
            return Ok(Err(SqlError::new(
                SqlError::TXN_NOT_OPEN,
                "the transaction was rolled back (leader change or idle timeout); retry it",
            )));
        }
        let request = Request::Txn { txn, step, ctx: ExecContext::now(self.options.statement_limits) };
        let written = tokio::time::timeout(self.options.write_timeout, self.raft.client_write(request)).await;
        let result = match written {
            Ok(Ok(resp)) => {
                let outcome = resp.data.outcomes.into_iter().next().unwrap_or(Ok(Vec::new()));
                let not_opened = is_begin
                    && matches!(&outcome, Err(e) if e.code == SqlError::SERIALIZATION_FAILURE || e.code == SqlError::TXN_NOT_OPEN);
                if ends || not_opened {
                    self.gate.release(txn);
                }
                return Ok(outcome);
            }
            Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f)))) if is_begin => {
                Err(ForwardError::NotLeader { leader: f.leader_id.zip(f.leader_node) })
            }
            Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(_)))) => {
                Err(ForwardError::Cluster(lost("leadership changed during the transaction")))
            }
            Ok(Err(RaftError::APIError(ClientWriteError::ChangeMembershipError(e)))) => {
                Err(ForwardError::Cluster(ClusterError::Unavailable(e.to_string())))
            }
            Ok(Err(RaftError::Fatal(e))) => Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(e.to_string()))),
            Err(_) => Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(
                "the transaction step was proposed but not committed in time".into(),
            ))),
        };
        self.gate.release(txn);
        result
    }

    /// Rolls back transactions idle past the timeout and frees the gate when this node stops leading.
    pub async fn reap_transactions(&self, idle: Duration) {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if !self.raft.metrics().borrow().state.is_leader() {
                self.gate.release_all();
                continue;
            }
            for txn in self.gate.idle_longer_than(idle) {
                tracing::info!(txn, "rolling back a transaction idle for too long");
                let limits = TxnLimits { lock_timeout: Duration::ZERO, idle_timeout: None };
                let _ = self.leader_txn_step(txn, TxnStep::Rollback, limits).await;
            }
        }
    }
}
