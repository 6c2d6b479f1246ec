//! The membership as members see it: a node's own status, the cluster view behind `raftsql_nodes`, this
//! node's addresses recorded in the membership, joining a running cluster and removing a member.

use std::time::Duration;

use crate::error::ClusterError;
use crate::raft::node::NodeCore;
use crate::raft::rpc::{admin_call, AdminRequest, LeaderRequest, NodeStatus};
use crate::raft::types::NodeId;

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
        self.admin(LeaderRequest::UpdateNode { id: self.id, node: self.node.clone() }).await
    }

    /// Asks the member at `target` (a Raft address) to add this node: as a learner, caught up, then promoted
    /// to voter when `voter` is true.
    pub async fn request_join(&self, target: &str, voter: bool) -> Result<(), ClusterError> {
        let req = AdminRequest::Join { id: self.id, node: self.node.clone(), voter };
        admin_call(target, &self.secret, self.id, req, Duration::from_secs(120))
            .await
            .map(|_| ())
            .map_err(ClusterError::Unavailable)
    }

    /// Every member of the cluster, each asked for its own status (a member that does not answer within
    /// half a second is shown unreachable).
    pub async fn cluster_view(&self) -> Vec<MemberRow> {
        let me = self.status();
        let asks = me.nodes.iter().map(|(id, node)| async move {
            if *id == self.id {
                return Some(self.status());
            }
            crate::raft::rpc::fetch_status(&node.raft_addr, &self.secret, Duration::from_millis(500)).await.ok()
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
        self.admin(LeaderRequest::RemoveNode(id)).await
    }
}
