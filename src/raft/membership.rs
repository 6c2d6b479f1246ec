//! Cluster administration served by the leader: membership changes (learners, voters, removal, node
//! addresses), joining nodes, requests forwarded by followers, and a node's view of the cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use openraft::error::{CheckIsLeaderError, ClientWriteError, RaftError};
use openraft::ChangeMembers;

use crate::error::ClusterError;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{ForwardError, ForwardRequest, ForwardResponse, NodeStatus, RpcRequest, RpcResponse};
use crate::raft::types::{Node, NodeId};
use crate::raft::write_gate::TxnLimits;

impl NodeCore {
    /// Runs an administrative request on the leader, forwarding it when this node follows. Membership
    /// requests are idempotent, so they are retried until the deadline when leadership moves.
    pub(crate) async fn admin(&self, req: ForwardRequest) -> Result<(), ClusterError> {
        let deadline = Instant::now() + self.options.write_timeout;
        loop {
            let leader = self.wait_for_leader(deadline.saturating_duration_since(Instant::now())).await?;
            let outcome = match self.leader_hint() {
                _ if leader == self.id => self.handle_forward(req.clone()).await,
                Some((id, node)) => {
                    let call = RpcRequest::Forward(req.clone());
                    match self.forward.call(id, &node.raft_addr, call, self.options.write_timeout).await {
                        Ok(RpcResponse::Forward(res)) => res,
                        _ => Err(ForwardError::NotLeader { leader: None }),
                    }
                }
                None => Err(ForwardError::NotLeader { leader: None }),
            };
            match outcome {
                Ok(_) => return Ok(()),
                Err(ForwardError::Cluster(e)) => return Err(e),
                Err(ForwardError::NotLeader { .. }) if Instant::now() < deadline => self.wait_for_change().await,
                Err(ForwardError::NotLeader { .. }) => {
                    return Err(ClusterError::Unavailable("no leader accepted the request in time".into()))
                }
            }
        }
    }

    /// Serves a request forwarded by another node (or an admin request of this one) as the leader.
    pub async fn handle_forward(&self, req: ForwardRequest) -> Result<ForwardResponse, ForwardError> {
        let not_leader =
            |leader: Option<NodeId>, node: Option<Node>| ForwardError::NotLeader { leader: leader.zip(node) };
        match req {
            ForwardRequest::Write(statements) => match self.propose_locally(statements).await {
                Ok(resp) => Ok(ForwardResponse::Write(resp)),
                Err(Ok(hint)) => Err(ForwardError::NotLeader { leader: hint }),
                Err(Err(e)) => Err(ForwardError::Cluster(e)),
            },
            ForwardRequest::ReadIndex => match self.raft.get_read_log_id().await {
                Ok((read_log_id, _)) => Ok(ForwardResponse::ReadIndex(read_log_id.map(|l| l.index).unwrap_or(0))),
                Err(RaftError::APIError(CheckIsLeaderError::ForwardToLeader(f))) => {
                    Err(not_leader(f.leader_id, f.leader_node))
                }
                Err(e) => Err(ForwardError::Cluster(ClusterError::Unavailable(e.to_string()))),
            },
            ForwardRequest::AddLearner { id, node } => {
                membership_result(self.raft.add_learner(id, node, true).await, not_leader)
            }
            ForwardRequest::ChangeVoters(voters) => {
                let voters: BTreeSet<NodeId> = voters.into_iter().collect();
                membership_result(self.raft.change_membership(voters, true).await, not_leader)
            }
            ForwardRequest::RemoveNode(id) => {
                let m = self.raft.metrics().borrow().membership_config.clone();
                let is_voter = m.membership().voter_ids().any(|v| v == id);
                if is_voter {
                    let change = ChangeMembers::RemoveVoters(BTreeSet::from([id]));
                    membership_result(self.raft.change_membership(change, false).await, not_leader)?;
                }
                let change = ChangeMembers::RemoveNodes(BTreeSet::from([id]));
                membership_result(self.raft.change_membership(change, false).await, not_leader)
            }
            ForwardRequest::Join { id, node, voter } => Box::pin(self.join_node(id, node, voter)).await,
            ForwardRequest::Txn { txn, step, lock_timeout_ms, idle_timeout_ms } => self
                .leader_txn_step(
                    txn,
                    step,
                    TxnLimits {
                        lock_timeout: Duration::from_millis(lock_timeout_ms),
                        idle_timeout: (idle_timeout_ms > 0).then(|| Duration::from_millis(idle_timeout_ms)),
                    },
                )
                .await
                .map(ForwardResponse::Write),
            ForwardRequest::RemoveMember(id) => {
                Box::pin(self.remove_member(id)).await.map(|_| ForwardResponse::Done).map_err(ForwardError::Cluster)
            }
            ForwardRequest::TransferLeader(id) => {
                Box::pin(self.transfer_leader(id)).await.map(|_| ForwardResponse::Done).map_err(ForwardError::Cluster)
            }
            ForwardRequest::SetHeartbeats(on) => {
                self.raft.runtime_config().heartbeat(on);
                Ok(ForwardResponse::Done)
            }
            ForwardRequest::SetElections(on) => {
                self.raft.runtime_config().elect(on);
                Ok(ForwardResponse::Done)
            }
            ForwardRequest::Elect => {
                self.raft.trigger().elect().await.map_err(|e| {
                    tracing::debug!(error = %e, "elect");
                    ForwardError::Cluster(ClusterError::ShuttingDown)
                })?;
                Ok(ForwardResponse::Done)
            }
            ForwardRequest::Status => Ok(ForwardResponse::Status(self.status())),
            ForwardRequest::UpdateNode { id, node } => {
                let change = ChangeMembers::SetNodes(BTreeMap::from([(id, node)]));
                membership_result(self.raft.change_membership(change, true).await, not_leader)
            }
        }
    }
}

fn membership_result<T>(
    r: Result<T, RaftError<NodeId, ClientWriteError<NodeId, Node>>>,
    not_leader: impl Fn(Option<NodeId>, Option<Node>) -> ForwardError,
) -> Result<ForwardResponse, ForwardError> {
    match r {
        Ok(_) => Ok(ForwardResponse::Done),
        Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f))) => Err(not_leader(f.leader_id, f.leader_node)),
        Err(RaftError::APIError(ClientWriteError::ChangeMembershipError(e))) => {
            Err(ForwardError::Cluster(ClusterError::Unavailable(e.to_string())))
        }
        Err(RaftError::Fatal(e)) => Err(ForwardError::Cluster(ClusterError::OutcomeUnknown(e.to_string()))),
    }
}

impl NodeCore {
    /// This node's view of the cluster.
    pub fn status(&self) -> NodeStatus {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership();
        NodeStatus {
            id: self.id,
            state: format!("{:?}", m.state),
            term: m.current_term,
            current_leader: m.current_leader,
            last_log_index: m.last_log_index,
            last_applied: m.last_applied.map(|l| l.index),
            voters: membership.voter_ids().collect(),
            learners: membership.learner_ids().collect(),
            nodes: membership.nodes().map(|(id, n)| (*id, n.clone())).collect(),
        }
    }

    /// Records this node's advertised addresses in the membership.
    pub async fn update_own_addresses(&self) -> Result<(), ClusterError> {
        self.admin(ForwardRequest::UpdateNode { id: self.id, node: self.node.clone() }).await
    }

    /// Asks the member at `target` (a Raft address) to add this node: as a learner, caught up, then promoted
    /// to voter when `voter` is true.
    pub async fn request_join(&self, target: &str, voter: bool) -> Result<(), ClusterError> {
        let req = RpcRequest::Forward(ForwardRequest::Join { id: self.id, node: self.node.clone(), voter });
        match self.forward.call_any(target, req, Duration::from_secs(120)).await {
            Ok(RpcResponse::Forward(Ok(_))) => Ok(()),
            Ok(RpcResponse::Forward(Err(ForwardError::Cluster(e)))) => Err(e),
            Ok(other) => Err(ClusterError::Unavailable(format!("unexpected answer {other:?}"))),
            Err(e) => Err(ClusterError::Unavailable(format!("{e:?}"))),
        }
    }

    /// Adds a joining node through the leader, wherever it is.
    async fn join_node(&self, id: NodeId, node: Node, voter: bool) -> Result<ForwardResponse, ForwardError> {
        self.admin(ForwardRequest::AddLearner { id, node }).await.map_err(ForwardError::Cluster)?;
        if voter {
            let m = self.raft.metrics().borrow().membership_config.clone();
            let mut voters: Vec<NodeId> = m.membership().voter_ids().collect();
            if !voters.contains(&id) {
                voters.push(id);
                self.admin(ForwardRequest::ChangeVoters(voters)).await.map_err(ForwardError::Cluster)?;
            }
        }
        Ok(ForwardResponse::Done)
    }
}

/// One row of the `raftsql_nodes` view: a member as the cluster sees it, with what the member itself reports.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub id: NodeId,
    pub raft_addr: String,
    pub pg_addr: String,
    pub voter: bool,
    pub is_leader: bool,
    pub term: Option<u64>,
    pub last_log_index: Option<u64>,
    pub applied_index: Option<u64>,
    pub reachable: bool,
}

impl NodeCore {
    /// Every member of the cluster, each asked for its own status (a member that does not answer within
    /// half a second is shown unreachable).
    pub async fn cluster_view(&self) -> Vec<MemberRow> {
        let me = self.status();
        let asks = me.nodes.iter().map(|(id, node)| async move {
            if *id == self.id {
                return Some(self.status());
            }
            crate::raft::rpc::fetch_status(&node.raft_addr, Duration::from_millis(500)).await.ok()
        });
        let answers = futures::future::join_all(asks).await;
        me.nodes
            .iter()
            .zip(answers)
            .map(|((id, node), answer)| MemberRow {
                id: *id,
                raft_addr: node.raft_addr.clone(),
                pg_addr: node.pg_addr.clone(),
                voter: me.voters.contains(id),
                is_leader: me.current_leader == Some(*id),
                term: answer.as_ref().map(|s| s.term),
                last_log_index: answer.as_ref().and_then(|s| s.last_log_index),
                applied_index: answer.as_ref().and_then(|s| s.last_applied),
                reachable: answer.is_some(),
            })
            .collect()
    }

    /// The leader's PostgreSQL address, as the membership records it.
    pub fn leader_pg_addr(&self) -> Option<String> {
        self.leader_hint().map(|(_, node)| node.pg_addr).filter(|a| !a.is_empty())
    }

    /// Removes a member (voter or learner) through the leader.
    pub async fn remove_member(&self, id: NodeId) -> Result<(), ClusterError> {
        self.admin(ForwardRequest::RemoveNode(id)).await
    }

    /// Hands leadership to `to`. OpenRaft 0.9 has no leadership transfer, so raftsql makes one: every other
    /// member stops starting elections, the leader stops its heartbeats, and once the leader's lease has run
    /// out `to` is asked to start an election, which it wins. Elections and heartbeats are restored whatever
    /// happens. Fails when `to` did not become leader within the write timeout (steady writes keep the old
    /// leader's lease alive).
    pub async fn transfer_leader(&self, to: NodeId) -> Result<(), ClusterError> {
        let members = self.status().nodes;
        let Some((_, target)) = members.iter().find(|(id, _)| *id == to).cloned() else {
            return Err(ClusterError::Unavailable(format!("node {to} is not a member")));
        };
        let leader = self.wait_for_leader(self.options.write_timeout).await?;
        if leader == to {
            return Ok(());
        }
        let call = |id: NodeId, addr: String, req: ForwardRequest| async move {
            if id == self.id {
                return self.handle_forward(req).await.map(|_| ());
            }
            match self.forward.call(id, &addr, RpcRequest::Forward(req), Duration::from_secs(2)).await {
                Ok(RpcResponse::Forward(r)) => r.map(|_| ()),
                other => Err(ForwardError::Cluster(ClusterError::Unavailable(format!("{other:?}")))),
            }
        };
        let others: Vec<(NodeId, String)> =
            members.iter().filter(|(id, _)| *id != to).map(|(id, n)| (*id, n.raft_addr.clone())).collect();
        for (id, addr) in &others {
            let _ = call(*id, addr.clone(), ForwardRequest::SetElections(false)).await;
        }
        let leader_addr = members.iter().find(|(id, _)| *id == leader).map(|(_, n)| n.raft_addr.clone());
        let deadline = Instant::now() + self.options.write_timeout;
        let outcome = async {
            if let Some(addr) = &leader_addr {
                call(leader, addr.clone(), ForwardRequest::SetHeartbeats(false)).await.map_err(forward_to_cluster)?;
            }
            loop {
                let _ = call(to, target.raft_addr.clone(), ForwardRequest::Elect).await;
                let now_leader = crate::raft::rpc::fetch_status(&target.raft_addr, Duration::from_millis(500))
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
                // retry interval
            }
        }
        .await;
        if let Some(addr) = &leader_addr {
            let _ = call(leader, addr.clone(), ForwardRequest::SetHeartbeats(true)).await;
        }
        for (id, addr) in &others {
            let _ = call(*id, addr.clone(), ForwardRequest::SetElections(true)).await;
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

fn forward_to_cluster(e: ForwardError) -> ClusterError {
    match e {
        ForwardError::Cluster(c) => c,
        ForwardError::NotLeader { .. } => ClusterError::Unavailable("leadership moved".into()),
    }
}
