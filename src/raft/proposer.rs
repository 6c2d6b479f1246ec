//! Group commit on the leader. OpenRaft 0.9 appends and flushes each proposed entry on its own, so raftsql
//! batches before proposing: autocommit writes that arrive while earlier proposals are in flight are packed
//! into one log entry (one append, one fsync on each node, one SQLite transaction), each request keeping its
//! own savepoint and its own result.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::db::{ExecContext, ExecLimits, Statement};
use crate::error::ClusterError;
use crate::raft::routing::client_write_error;
use crate::raft::rpc::ForwardError;
use crate::raft::types::{Raft, Request, WriteOutcome};
use crate::raft::write_gate::WriteGate;

/// Proposals allowed in flight at once. Below this a write is proposed immediately (no added latency);
/// at it, newcomers queue and the next proposal takes them all.
const MAX_IN_FLIGHT: usize = 4;
/// Upper bound on requests packed into one entry (keeps entries and apply batches reasonable).
const MAX_BATCH: usize = 512;
/// Requests are packed into one entry until it holds this many bytes (a larger request goes alone), so entries
/// stay small enough to replicate within a heartbeat.
pub const ENTRY_PACKING_BYTES: usize = 4 << 20;

struct Pending {
    statements: Vec<Statement>,
    size: usize,
    reply: oneshot::Sender<Result<WriteOutcome, ForwardError>>,
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
    pub async fn propose(&self, statements: Vec<Statement>) -> Result<WriteOutcome, ForwardError> {
        let (reply, rx) = oneshot::channel();
        let size = Statement::total_size(&statements);
        if self.queue.send(Pending { statements, size, reply }).is_err() {
            return Err(ForwardError::Cluster(ClusterError::ShuttingDown));
        }
        rx.await.unwrap_or(Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(
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
    let mut carried: Option<Pending> = None;
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let next = match carried.take() {
            Some(p) => Some(p),
            None => rx.recv().await,
        };
        let Some(first) = next else { return };
        let mut bytes = first.size;
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH && bytes < ENTRY_PACKING_BYTES {
            match rx.try_recv() {
                Ok(p) if bytes + p.size > ENTRY_PACKING_BYTES => {
                    // Too big to join this entry: it starts the next one.
                    carried = Some(p);
                    break;
                }
                Ok(p) => {
                    bytes += p.size;
                    batch.push(p);
                }
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
                let _ = reply.send(Err(ForwardError::Cluster(e.clone())));
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
        Err(_) => ForwardError::Cluster(ClusterError::OutcomeUnknown(
            "the write was proposed but not committed in time".into(),
        )),
        Ok(Err(e)) => client_write_error(e),
    };
    for reply in replies {
        let _ = reply.send(Err(failure.clone()));
    }
}
