//! Linearizable reads: before a read, the serving node learns the leader's commit index through a quorum-
//! confirmed read-index round (run by the leader itself, or asked of it by a follower) and waits until it has
//! applied that far. Concurrent readers share rounds.

use std::time::Instant;

use tokio::sync::mpsc;

use crate::error::ClusterError;
use crate::raft::node::NodeCore;
use crate::raft::routing::Retry;
use crate::raft::rpc::{LeaderRequest, LeaderResponse};

/// A caller of `read_barrier` waiting for a round's outcome.
pub(crate) type ReadWaiter = tokio::sync::oneshot::Sender<Result<(), ClusterError>>;

impl NodeCore {
    /// Makes a following read linearizable: confirms leadership through a quorum (on the leader, or by
    /// asking the leader) and waits until this node has applied up to the leader's commit point. Concurrent
    /// callers share rounds: a round started after a caller arrived serves it as well as its own.
    pub async fn read_barrier(&self) -> Result<(), ClusterError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.read_rounds.send(tx).is_err() {
            return Err(ClusterError::ShuttingDown);
        }
        rx.await.unwrap_or(Err(ClusterError::ShuttingDown))
    }

    /// Runs read-index rounds back to back for whoever is waiting when each round starts.
    pub(crate) async fn run_read_rounds(&self, mut waiting: mpsc::UnboundedReceiver<ReadWaiter>) {
        while let Some(first) = waiting.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = waiting.try_recv() {
                batch.push(more);
            }
            let result = self.read_barrier_round().await;
            for w in batch {
                let _ = w.send(result.clone());
            }
        }
    }

    /// One read-index round.
    async fn read_barrier_round(&self) -> Result<(), ClusterError> {
        let deadline = Instant::now() + self.options.write_timeout;
        let index = match self.on_leader(LeaderRequest::ReadIndex, Retry::Always, deadline).await? {
            LeaderResponse::ReadIndex(i) => i,
            other => return Err(ClusterError::Unavailable(format!("unexpected answer to a read index: {other:?}"))),
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        self.raft
            .wait(Some(remaining))
            .applied_index_at_least(Some(index), "linearizable read")
            .await
            .map(|_| ())
            .map_err(|e| ClusterError::Unavailable(format!("not caught up with the leader in time: {e}")))
    }
}
