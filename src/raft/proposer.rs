//! Group commit on the leader. OpenRaft 0.9 appends and flushes each proposed entry on its own, so raftsql
//! batches before proposing: autocommit writes that arrive while earlier proposals are in flight are packed
//! into one log entry (one append, one fsync on each node, one SQLite transaction), each request keeping its
//! own savepoint and its own result.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::db::{ExecContext, ExecLimits, Statement};
use crate::error::ClusterError;
use crate::raft::types::{Node, NodeId, Raft, Request, WriteOutcome};
use crate::raft::write_gate::WriteGate;

/// Proposals allowed in flight at once. Below this a write is proposed immediately (no added latency);
/// at it, newcomers queue and the next proposal takes them all.
const MAX_IN_FLIGHT: usize = 4;
/// Upper bound on requests packed into one entry (keeps entries and apply batches reasonable).
const MAX_BATCH: usize = 512;

/// Why a proposal did not produce a result.
#[derive(Debug, Clone)]
pub enum ProposeError {
    /// This node is not the leader; nothing was proposed. Carries the leader it knows of.
    NotLeader(Option<(NodeId, Node)>),
    Cluster(ClusterError),
}

struct Pending {
    statements: Vec<Statement>,
    reply: oneshot::Sender<Result<WriteOutcome, ProposeError>>,
}

/// Counters: how many entries were proposed and how many client requests they carried.
#[derive(Debug, Default)]
pub struct ProposerStats {
    pub entries: AtomicU64,
    pub requests: AtomicU64,
}

/// Handle to the batching task of one node.
#[derive(Clone)]
pub struct Proposer {
    queue: mpsc::UnboundedSender<Pending>,
    pub stats: Arc<ProposerStats>,
}

impl Proposer {
    /// Starts the batching task. It ends when every handle is dropped.
    pub fn start(raft: Raft, gate: Arc<WriteGate>, write_timeout: Duration, limits: ExecLimits) -> Proposer {
        let (queue, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(ProposerStats::default());
        tokio::spawn(run(raft, gate, write_timeout, limits, rx, stats.clone()));
        Proposer { queue, stats }
    }

    /// Proposes `statements` as one atomic request and waits for its result.
    pub async fn propose(&self, statements: Vec<Statement>) -> Result<WriteOutcome, ProposeError> {
        let (reply, rx) = oneshot::channel();
        if self.queue.send(Pending { statements, reply }).is_err() {
            return Err(ProposeError::Cluster(ClusterError::ShuttingDown));
        }
        rx.await.unwrap_or(Err(ProposeError::Cluster(ClusterError::OutcomeUnknown(
            "the proposal was dropped while in flight".into(),
        ))))
    }
}

async fn run(
    raft: Raft,
    gate: Arc<WriteGate>,
    write_timeout: Duration,
    limits: ExecLimits,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    stats: Arc<ProposerStats>,
) {
    let slots = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let Some(first) = rx.recv().await else { return };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        stats.entries.fetch_add(1, Ordering::Relaxed);
        stats.requests.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let (raft, gate) = (raft.clone(), gate.clone());
        tokio::spawn(async move {
            propose_batch(&raft, &gate, write_timeout, limits, batch).await;
            drop(permit);
        });
    }
}

async fn propose_batch(
    raft: &Raft,
    gate: &WriteGate,
    write_timeout: Duration,
    limits: ExecLimits,
    batch: Vec<Pending>,
) {
    let (requests, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|p| (p.statements, p.reply)).unzip();
    // Autocommit writes wait behind an interactive transaction rather than interleave with it.
    let _shared = match gate.shared(write_timeout).await {
        Ok(g) => g,
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(ProposeError::Cluster(e.clone())));
            }
            return;
        }
    };
    let request = Request::Execute { requests, ctx: ExecContext::now(limits) };
    let failure = match tokio::time::timeout(write_timeout, raft.client_write(request)).await {
        Ok(Ok(resp)) => {
            for (reply, outcome) in replies.into_iter().zip(resp.data.outcomes) {
                let _ = reply.send(Ok(outcome));
            }
            return;
        }
        // Proposed but not committed in time (a leader cut off from its quorum): it may still commit.
        Err(_) => ProposeError::Cluster(ClusterError::OutcomeUnknown(
            "the write was proposed but not committed in time".into(),
        )),
        Ok(Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f)))) => {
            ProposeError::NotLeader(f.leader_id.zip(f.leader_node))
        }
        Ok(Err(RaftError::APIError(ClientWriteError::ChangeMembershipError(e)))) => {
            ProposeError::Cluster(ClusterError::Unavailable(e.to_string()))
        }
        Ok(Err(RaftError::Fatal(e))) => ProposeError::Cluster(ClusterError::OutcomeUnknown(e.to_string())),
    };
    for reply in replies {
        let _ = reply.send(Err(failure.clone()));
    }
}
