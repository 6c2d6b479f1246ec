//! Interactive-transaction steps from a session to the leader: the leader takes the write gate at `Begin`,
//! proposes each step as one log entry, and releases the gate at the end (or when leadership is lost). A
//! follower forwards the steps; a step that reaches a leader not holding the transaction fails with 40001.

use std::time::{Duration, Instant};

use crate::db::ExecContext;
use crate::error::{ClusterError, SqlError};
use crate::raft::node::NodeCore;
use crate::raft::routing::{client_write_error, transaction_lost, Retry};
use crate::raft::rpc::{ForwardError, LeaderRequest};
use crate::raft::types::{Request, TxnId, TxnStep, WriteOutcome};
use crate::raft::write_gate::TxnLimits;

impl NodeCore {
    /// Runs one step of transaction `txn` through the leader, wherever it is. Only a `Begin` that was never
    /// proposed may go to another leader; any later step belongs to the leader holding the write gate.
    pub async fn txn_step(&self, txn: TxnId, step: TxnStep, limits: TxnLimits) -> Result<WriteOutcome, ClusterError> {
        let retry = if matches!(step, TxnStep::Begin { .. }) { Retry::WhileNotDone } else { Retry::Never };
        let deadline = Instant::now() + self.options.write_timeout + limits.lock_timeout;
        let req = LeaderRequest::Txn {
            txn,
            step,
            lock_timeout_ms: limits.lock_timeout.as_millis() as u64,
            idle_timeout_ms: limits.idle_timeout.map_or(0, |d| d.as_millis() as u64),
        };
        self.on_leader(req, retry, deadline).await?.into_write()
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
            Ok(Err(e)) => match client_write_error(e) {
                // A Begin refused by a non-leader was never proposed: another leader may take it.
                ForwardError::NotLeader { .. } if !is_begin => {
                    Err(ForwardError::Cluster(transaction_lost("leadership changed during the transaction")))
                }
                other => Err(other),
            },
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
