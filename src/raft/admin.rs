//! Node administration served by the node that receives it: its status, joins, removals, and leadership
//! transfer (OpenRaft 0.9.25 has none, so raftsql makes one from election and heartbeat switches that turn
//! themselves back on after a lease, whatever happens to the node orchestrating the transfer).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::ClusterError;
use crate::raft::node::NodeCore;
use crate::raft::routing::Retry;
use crate::raft::rpc::{AdminRequest, AdminResponse, LeaderRequest, RpcRequest, RpcResponse};
use crate::raft::types::{Node, NodeId, Raft};

/// Generations of the election and heartbeat switches: a lease that expires only restores the switch if no
/// later order changed it.
#[derive(Debug, Default)]
pub struct SwitchLeases {
    elections: AtomicU64,
    heartbeats: AtomicU64,
}

impl SwitchLeases {
    fn generation(&self, elections: bool) -> &AtomicU64 {
        if elections {
            &self.elections
        } else {
            &self.heartbeats
        }
    }
}

/// Turns this node's elections (or heartbeats) on or off.
fn flip_switch(raft: &Raft, elections: bool, on: bool) {
    if elections {
        raft.runtime_config().elect(on)
    } else {
        raft.runtime_config().heartbeat(on)
    }
}

impl NodeCore {
    /// Serves an admin request addressed to this node.
    pub async fn serve_admin(&self, req: AdminRequest) -> Result<AdminResponse, ClusterError> {
        match req {
            AdminRequest::Status => Ok(AdminResponse::Status(self.status())),
            AdminRequest::Join { id, node, voter } => Box::pin(self.join_node(id, node, voter)).await,
            AdminRequest::RemoveMember(id) => Box::pin(self.remove_member(id)).await.map(|_| AdminResponse::Done),
            AdminRequest::TransferLeader(id) => Box::pin(self.transfer_leader(id)).await.map(|_| AdminResponse::Done),
            AdminRequest::SetElections { on, for_ms } => {
                self.set_switch(true, on, for_ms);
                Ok(AdminResponse::Done)
            }
            AdminRequest::SetHeartbeats { on, for_ms } => {
                self.set_switch(false, on, for_ms);
                Ok(AdminResponse::Done)
            }
            AdminRequest::Elect => {
                self.raft.trigger().elect().await.map_err(|e| ClusterError::Unavailable(e.to_string()))?;
                Ok(AdminResponse::Done)
            }
        }
    }

    /// Turns elections (or heartbeats) on or off; off only for `for_ms`, after which they come back on unless
    /// another order came meanwhile.
    fn set_switch(&self, elections: bool, on: bool, for_ms: u64) {
        let mine = self.switches.generation(elections).fetch_add(1, Ordering::SeqCst) + 1;
        flip_switch(&self.raft, elections, on);
        if !on {
            let raft = self.raft.clone();
            let switches = self.switches.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(for_ms)).await;
                if switches.generation(elections).load(Ordering::SeqCst) == mine {
                    tracing::warn!(elections, "a leadership transfer's lease ran out: switching back on");
                    flip_switch(&raft, elections, true);
                }
            });
        }
    }

    /// Adds a joining node through the leader, wherever it is, then makes it a voter if asked.
    async fn join_node(&self, id: NodeId, node: Node, voter: bool) -> Result<AdminResponse, ClusterError> {
        self.admin(LeaderRequest::AddLearner { id, node }).await?;
        if voter {
            let m = self.raft.metrics().borrow().membership_config.clone();
            let mut voters: Vec<NodeId> = m.membership().voter_ids().collect();
            if !voters.contains(&id) {
                voters.push(id);
                self.admin(LeaderRequest::ChangeVoters(voters)).await?;
            }
        }
        Ok(AdminResponse::Done)
    }

    /// Runs a membership change on the leader (idempotent: retried until the write timeout).
    pub(crate) async fn admin(&self, req: LeaderRequest) -> Result<(), ClusterError> {
        let deadline = Instant::now() + self.options.write_timeout;
        self.on_leader(req, Retry::Always, deadline).await.map(|_| ())
    }

    /// Sends an admin request to member `id` at `addr` (or serves it here when `id` is this node).
    async fn admin_on(&self, id: NodeId, addr: &str, req: AdminRequest) -> Result<(), ClusterError> {
        if id == self.id {
            return self.serve_admin(req).await.map(|_| ());
        }
        match self.forward.call(id, addr, RpcRequest::Admin(req), Duration::from_secs(2)).await {
            Ok(RpcResponse::Admin(r)) => r.map(|_| ()),
            other => Err(ClusterError::Unavailable(format!("node {id} did not answer: {other:?}"))),
        }
    }

    /// Hands leadership to `to`: every other member stops starting elections and the leader stops its
    /// heartbeats (both for a lease a little longer than the transfer may take), and once the leader's lease
    /// has run out `to` is asked to start an election, which it wins. Switches are restored at the end, and by
    /// their leases if this node dies first. Fails when `to` did not become leader within the write timeout
    /// (steady writes keep the old leader's lease alive).
    pub async fn transfer_leader(&self, to: NodeId) -> Result<(), ClusterError> {
        let members = self.status().nodes;
        let Some((_, target)) = members.iter().find(|(id, _)| *id == to).cloned() else {
            return Err(ClusterError::Unavailable(format!("node {to} is not a member")));
        };
        let leader = self.wait_for_leader(self.options.write_timeout).await?;
        if leader == to {
            return Ok(());
        }
        let lease_ms = (self.options.write_timeout + Duration::from_secs(5)).as_millis() as u64;
        let others: Vec<(NodeId, String)> =
            members.iter().filter(|(id, _)| *id != to).map(|(id, n)| (*id, n.raft_addr.clone())).collect();
        for (id, addr) in &others {
            if let Err(e) = self.admin_on(*id, addr, AdminRequest::SetElections { on: false, for_ms: lease_ms }).await {
                tracing::warn!(node = id, error = %e, "could not pause elections for the transfer");
            }
        }
        let leader_addr = members.iter().find(|(id, _)| *id == leader).map(|(_, n)| n.raft_addr.clone());
        let deadline = Instant::now() + self.options.write_timeout;
        let outcome = async {
            if let Some(addr) = &leader_addr {
                self.admin_on(leader, addr, AdminRequest::SetHeartbeats { on: false, for_ms: lease_ms }).await?;
            }
            loop {
                let _ = self.admin_on(to, &target.raft_addr, AdminRequest::Elect).await;
                let now_leader =
                    crate::raft::rpc::fetch_status(&target.raft_addr, &self.secret, Duration::from_millis(500))
                        .await
                        .ok()
                        .and_then(|s| s.current_leader);
                if now_leader == Some(to) {
                    return Ok(());
                }
                if Instant::now() >= deadline {
                    return Err(ClusterError::Unavailable(format!("node {to} did not take over leadership in time")));
                }
                tokio::time::sleep(Duration::from_millis(self.options.heartbeat_ms)).await;
            }
        }
        .await;
        // Restore the switches, retrying: a member left without elections would silently cost fault tolerance
        // (its lease restores it anyway).
        let mut restore: Vec<(NodeId, String, AdminRequest)> = others
            .iter()
            .map(|(id, addr)| (*id, addr.clone(), AdminRequest::SetElections { on: true, for_ms: 0 }))
            .collect();
        if let Some(addr) = leader_addr {
            restore.push((leader, addr, AdminRequest::SetHeartbeats { on: true, for_ms: 0 }));
        }
        for attempt in 0..3 {
            let mut failed = Vec::new();
            for (id, addr, req) in restore {
                if let Err(e) = self.admin_on(id, &addr, req.clone()).await {
                    tracing::warn!(node = id, attempt, error = %e, "could not restore elections/heartbeats");
                    failed.push((id, addr, req));
                }
            }
            restore = failed;
            if restore.is_empty() {
                break;
            }
        }
        outcome
    }

    /// Hands leadership to the most caught-up other voter (used before a graceful shutdown).
    pub async fn step_down(&self) -> Result<(), ClusterError> {
        let m = self.raft.metrics().borrow().clone();
        if !m.state.is_leader() {
            return Ok(());
        }
        let voters: Vec<NodeId> = m.membership_config.membership().voter_ids().filter(|v| *v != self.id).collect();
        let best = m
            .replication
            .as_ref()
            .and_then(|r| {
                voters.iter().max_by_key(|v| r.get(v).cloned().flatten().map(|l| l.index).unwrap_or(0)).copied()
            })
            .or_else(|| voters.first().copied());
        match best {
            Some(to) => self.transfer_leader(to).await,
            None => Ok(()),
        }
    }
}
