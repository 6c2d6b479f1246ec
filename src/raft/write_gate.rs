//! The leader's write gate. An interactive write transaction holds it exclusively from its first write to
//! its end, so its steps form one contiguous run in the log; autocommit batches hold it shared while they
//! are proposed, so they wait behind a transaction (up to the lock timeout) instead of interleaving with it.
//! Transactions idle longer than the idle timeout are rolled back so a vanished client cannot hold the gate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::error::ClusterError;
use crate::raft::types::TxnId;

struct Holder {
    _guard: OwnedRwLockWriteGuard<()>,
    last_used: Instant,
    /// The session's idle_in_transaction_session_timeout, if it set one.
    idle_timeout: Option<Duration>,
}

/// Limits a session puts on its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnLimits {
    /// How long to wait for the write gate (lock_timeout).
    pub lock_timeout: Duration,
    /// Roll the transaction back after this long without a statement (idle_in_transaction_session_timeout).
    pub idle_timeout: Option<Duration>,
}

/// The gate and the transactions holding it on this node (only meaningful while it leads).
#[derive(Default)]
pub struct WriteGate {
    lock: Arc<RwLock<()>>,
    holders: Mutex<HashMap<TxnId, Holder>>,
}

impl WriteGate {
    /// Shared access for an autocommit batch, waiting at most `timeout`.
    pub async fn shared(&self, timeout: Duration) -> Result<OwnedRwLockReadGuard<()>, ClusterError> {
        tokio::time::timeout(timeout, self.lock.clone().read_owned()).await.map_err(|_| {
            ClusterError::LockTimeout(
                "canceling statement due to lock timeout: a write transaction holds the write gate".into(),
            )
        })
    }

    /// Exclusive access for transaction `txn` from now until `release`, waiting at most `timeout`.
    pub async fn acquire(&self, txn: TxnId, limits: TxnLimits) -> Result<(), ClusterError> {
        let guard = tokio::time::timeout(limits.lock_timeout, self.lock.clone().write_owned()).await.map_err(|_| {
            ClusterError::LockTimeout(
                "canceling statement due to lock timeout: another write transaction holds the write gate".into(),
            )
        })?;
        self.lock_holders()
            .insert(txn, Holder { _guard: guard, last_used: Instant::now(), idle_timeout: limits.idle_timeout });
        Ok(())
    }

    /// Whether `txn` holds the gate (and marks it as used now).
    pub fn touch(&self, txn: TxnId) -> bool {
        match self.lock_holders().get_mut(&txn) {
            Some(h) => {
                h.last_used = Instant::now();
                true
            }
            None => false,
        }
    }

    /// Releases the gate held by `txn`, if it holds it.
    pub fn release(&self, txn: TxnId) {
        self.lock_holders().remove(&txn);
    }

    /// Releases every holder (leadership lost: their transactions are rolled back by the log).
    pub fn release_all(&self) {
        self.lock_holders().clear();
    }

    /// Transactions idle for longer than their session's limit, or `default` when it set none or a longer one
    /// (`default` is the server's limit: a session cannot hold the cluster's writes for longer).
    pub fn idle_longer_than(&self, default: Duration) -> Vec<TxnId> {
        self.lock_holders()
            .iter()
            .filter(|(_, h)| h.last_used.elapsed() > h.idle_timeout.map_or(default, |t| t.min(default)))
            .map(|(id, _)| *id)
            .collect()
    }

    fn lock_holders(&self) -> std::sync::MutexGuard<'_, HashMap<TxnId, Holder>> {
        self.holders.lock().unwrap_or_else(|e| e.into_inner())
    }
}
