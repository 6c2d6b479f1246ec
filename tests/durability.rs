//! Acknowledged means on disk: every acknowledged write was covered by an `fdatasync` of the Raft log on a
//! quorum before the client heard of it.

mod common;

use std::sync::atomic::Ordering;

use common::TestCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_sequential_write_is_fdatasynced_before_it_is_acknowledged() {
    let cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    cluster.exec(leader, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INT)").await.unwrap();
    let ids = cluster.running();
    let before: Vec<u64> =
        ids.iter().map(|id| cluster.node(*id).core().log_stats.data_syncs.load(Ordering::SeqCst)).collect();
    const N: u64 = 200;
    for i in 0..N {
        cluster.exec(leader, &format!("INSERT INTO t (v) VALUES ({i})")).await.unwrap();
    }
    let synced: Vec<u64> = ids
        .iter()
        .zip(&before)
        .map(|(id, b)| cluster.node(*id).core().log_stats.data_syncs.load(Ordering::SeqCst) - b)
        .collect();
    // One write waits for the previous one, so no two can share a sync: the leader synced at least once per
    // write, and so did at least one follower (a quorum of three needs one).
    let leader_syncs = synced[ids.iter().position(|id| *id == leader).unwrap()];
    assert!(leader_syncs >= N, "leader: {leader_syncs} syncs for {N} acknowledged writes");
    let best_follower = ids.iter().zip(&synced).filter(|(id, _)| **id != leader).map(|(_, s)| *s).max().unwrap();
    assert!(best_follower >= N, "followers: {synced:?} syncs for {N} acknowledged writes");
    cluster.shutdown().await;
}
