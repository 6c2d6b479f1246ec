//! Leadership transfer cannot cost the cluster its fault tolerance: the election switches a transfer turns off
//! come back on by themselves after a lease (even if the node orchestrating the transfer dies), and a failed
//! transfer restores them at once.

mod common;

use common::TestCluster;
use raftsql::raft::rpc::AdminRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn elections_switched_off_come_back_after_their_lease() {
    let mut cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    // What a transfer whose orchestrator died would leave behind: no node may start an election.
    for id in cluster.running() {
        let off = AdminRequest::SetElections { on: false, for_ms: 1500 };
        cluster.node(id).core().serve_admin(off).await.unwrap();
    }
    cluster.kill(leader).await;
    let rest = cluster.running();
    let new_leader = cluster.leader_among(&rest).await;
    assert_ne!(new_leader, leader);
    cluster.exec(new_leader, "CREATE TABLE after (i INT)").await.unwrap();
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_transfer_leaves_elections_on() {
    let mut cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let target = cluster.follower().await;
    cluster.isolate(target);
    let r = cluster.node(leader).core().transfer_leader(target).await;
    assert!(r.is_err(), "an unreachable node cannot take over: {r:?}");
    cluster.heal();
    // Elections work right away: the failed transfer switched them back on.
    cluster.kill(leader).await;
    let rest = cluster.running();
    let started = std::time::Instant::now();
    let new_leader = cluster.leader_among(&rest).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(12), "took {:?}", started.elapsed());
    cluster.exec(new_leader, "CREATE TABLE after (i INT)").await.unwrap();
    cluster.shutdown().await;
}
