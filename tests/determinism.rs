//! Every replicated statement ends the same way on every replica, in bounded time and memory: runaway
//! statements stop on their execution budget everywhere (54001) without bricking the cluster, SQLite's own
//! randomness and per-connection state cannot make replicas differ, and a node-local storage failure stops
//! that node instead of being recorded as the statement's result.

mod common;

use std::time::{Duration, Instant};

use common::{int, stmt, TestCluster};
use raftsql::db::Value;
use raftsql::error::{ExecError, SqlError};
use raftsql::raft::state_machine::StorageFault;
use raftsql::raft::RaftOptions;

/// A budget small enough for a debug build to reach it in well under a second.
const TEST_STEPS: u64 = 3_000_000;

fn small_budget(o: &mut RaftOptions) {
    o.statement_limits.max_steps = TEST_STEPS;
    o.statement_limits.max_result_bytes = 1 << 20;
    o.max_result_bytes = 1 << 20;
}

fn sql_code(r: Result<raftsql::db::QueryResult, ExecError>) -> i32 {
    match r {
        Err(ExecError::Sql(e)) => e.code,
        other => panic!("expected a SQL error, got {other:?}"),
    }
}

const RUNAWAY: &str =
    "INSERT INTO t SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) \
                       SELECT x FROM c) s";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_runaway_statement_fails_everywhere_and_the_cluster_stays_writable() {
    let mut cluster = TestCluster::start_with(3, small_budget).await;
    let leader = cluster.leader().await;
    let follower = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE t (n INTEGER)").await.unwrap();

    let started = Instant::now();
    assert_eq!(sql_code(cluster.exec(follower, RUNAWAY).await), SqlError::BUDGET_EXCEEDED);
    assert!(started.elapsed() < Duration::from_secs(20), "the budget stops it: {:?}", started.elapsed());

    // Writes go on, reads are linearizable, and the failed statement left nothing behind.
    cluster.exec(follower, "INSERT INTO t VALUES (1)").await.unwrap();
    assert_eq!(int(&cluster.exec(leader, "SELECT count(*) FROM t").await.unwrap()), 1);

    // Runaway statements packed into the same entries as good writes: SQLite rolls the whole transaction back
    // when a statement that writes is stopped, and the good writes applied before it in the batch are redone.
    let mut writes = Vec::new();
    for i in 0..24 {
        let node = cluster.node(if i % 2 == 0 { leader } else { follower }).core().clone();
        let sql = if i % 6 == 3 { RUNAWAY.to_string() } else { format!("INSERT INTO t VALUES ({})", 100 + i) };
        writes.push(tokio::spawn(
            async move { node.execute(&sql, vec![], raftsql::raft::Consistency::Linearizable).await },
        ));
    }
    let mut ok = 0;
    for (i, w) in writes.into_iter().enumerate() {
        match w.await.unwrap() {
            Ok(_) => ok += 1,
            Err(ExecError::Sql(e)) => assert_eq!(e.code, SqlError::BUDGET_EXCEEDED, "write {i}: {e:?}"),
            Err(e) => panic!("write {i}: {e:?}"),
        }
    }
    assert_eq!(ok, 20);
    assert_eq!(int(&cluster.exec(leader, "SELECT count(*) FROM t").await.unwrap()), 21);
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;

    // A restarted node does not replay its way into the same trap.
    cluster.restart(follower).await;
    cluster.exec(follower, "INSERT INTO t VALUES (2)").await.unwrap();
    cluster.assert_identical(&ids).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bounded_memory_for_values_results_and_returning() {
    let cluster = TestCluster::start_with(3, small_budget).await;
    let leader = cluster.leader().await;
    let follower = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE b (x BLOB)").await.unwrap();
    // Growing blobs in a recursive query stop on the budget.
    let grow = "INSERT INTO b SELECT x FROM (WITH RECURSIVE c(x, i) AS (SELECT zeroblob(100000), 1 UNION ALL \
                SELECT zeroblob(100000), i + 1 FROM c) SELECT x FROM c) s";
    assert_eq!(sql_code(cluster.exec(follower, grow).await), SqlError::BUDGET_EXCEEDED);
    // Values under any size threshold, made by a built-in function, row after row: each costs its bytes too.
    let strings = "INSERT INTO b SELECT x FROM (WITH RECURSIVE c(x, i) AS (SELECT printf('%.7000c', 'x'), 1 UNION ALL \
                   SELECT printf('%.7000c', 'x'), i + 1 FROM c) SELECT x FROM c) s";
    let started = Instant::now();
    assert_eq!(sql_code(cluster.exec(follower, strings).await), SqlError::BUDGET_EXCEEDED);
    assert!(started.elapsed() < Duration::from_secs(20), "stopped after {:?}", started.elapsed());
    // One value cannot exceed the fixed length limit (SQLITE_TOOBIG, the same everywhere).
    let e = cluster.exec(follower, "INSERT INTO b VALUES (zeroblob(100000000))").await;
    assert_eq!(sql_code(e), 18, "SQLITE_TOOBIG");
    // A read cannot return more than the node's result limit.
    cluster.exec(leader, "INSERT INTO b SELECT zeroblob(100000) FROM (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 20) SELECT i FROM c)").await.unwrap();
    assert_eq!(sql_code(cluster.exec(follower, "SELECT x FROM b").await), SqlError::RESULT_TOO_LARGE);
    // Neither can a replicated statement's RETURNING, and then it has no effect anywhere.
    let e = cluster.exec(follower, "UPDATE b SET x = zeroblob(200000) RETURNING x").await;
    assert_eq!(sql_code(e), SqlError::RESULT_TOO_LARGE);
    let r = cluster.exec(leader, "SELECT count(*) FROM b WHERE length(x) = 100000").await.unwrap();
    assert_eq!(int(&r), 20);
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_randomness_and_connection_state_cannot_split_replicas() {
    let mut cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let follower = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE r (id INTEGER PRIMARY KEY, v INT)").await.unwrap();
    cluster.exec(leader, "CREATE TABLE d (a, b)").await.unwrap();
    // Once the largest rowid is taken, SQLite picks new rowids at random, from a generator every thread of the
    // process draws from: that key is refused, by insert and by update.
    let e = cluster.exec(leader, "INSERT INTO r VALUES (9223372036854775807, 0)").await;
    assert_eq!(sql_code(e), SqlError::RESERVED_ROWID);
    cluster.exec(leader, "INSERT INTO r VALUES (9223372036854775799, 0)").await.unwrap();
    let e = cluster.exec(follower, "UPDATE r SET id = 9223372036854775807 WHERE id = 9223372036854775799").await;
    assert_eq!(sql_code(e), SqlError::RESERVED_ROWID);
    for i in 1..=5 {
        cluster
            .exec(if i % 2 == 0 { leader } else { follower }, &format!("INSERT INTO r (v) VALUES ({i})"))
            .await
            .unwrap();
    }
    cluster
        .node(leader)
        .write(vec![stmt("INSERT INTO r (v) VALUES (6)"), stmt("INSERT INTO r (v) VALUES (7)")])
        .await
        .unwrap();
    assert_eq!(int(&cluster.exec(leader, "SELECT count(*) FROM r").await.unwrap()), 8);
    assert_eq!(int(&cluster.exec(leader, "SELECT max(id) FROM r").await.unwrap()), i64::MAX - 1);
    // The table is full now: the next key would be the reserved one.
    assert_eq!(sql_code(cluster.exec(follower, "INSERT INTO r (v) VALUES (8)").await), SqlError::RESERVED_ROWID);

    // Functions whose result is not a function of the data and the entry are refused in writes.
    for f in ["total_changes()", "changes()", "last_insert_rowid()", "sqlite_version()", "sqlite_source_id()"] {
        let r = cluster.exec(follower, &format!("INSERT INTO d VALUES ({f}, 1)")).await;
        match r {
            Err(ExecError::Sql(e)) => {
                assert_eq!(e.code, SqlError::NONDETERMINISTIC, "{f}: {e:?}");
                assert!(e.message.contains(f.trim_end_matches("()")), "{f}: {}", e.message);
            }
            other => panic!("{f}: expected a refusal, got {other:?}"),
        }
    }
    // The host's time zone neither.
    let r = cluster.exec(leader, "INSERT INTO d VALUES (datetime('now', 'localtime'), 1)").await;
    match r {
        Err(ExecError::Sql(e)) => assert!(e.message.contains("local time"), "{e:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Reads may use them.
    let r = cluster.exec(follower, "SELECT sqlite_version(), changes()").await.unwrap();
    assert!(matches!(r.rows[0][0], Value::Text(_)));
    // The entry's clock and seeded functions are fine.
    cluster.exec(leader, "INSERT INTO d VALUES (datetime('now'), random())").await.unwrap();

    // A node that replays the whole log from the start ends with the same rows, random rowids included.
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    cluster.spawn(4).await;
    let node4 = cluster.node(4).node().clone();
    cluster.node(leader).add_learner(4, node4).await.unwrap();
    cluster.assert_identical(&[leader, 4]).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_local_storage_failure_stops_that_node_and_it_catches_up_after() {
    let mut cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let victim = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE t (id INTEGER PRIMARY KEY, pad TEXT)").await.unwrap();
    cluster.node(victim).core().state_machine.inject_fault(StorageFault::DiskFull).await.unwrap();
    // Rows big enough to need new pages: the victim's apply fails with SQLITE_FULL.
    for i in 0..20 {
        let r = cluster.exec(leader, &format!("INSERT INTO t (pad) VALUES (hex(zeroblob(3000)) || {i})")).await;
        assert!(r.is_ok(), "the majority applied write {i}: {r:?}");
    }
    // The victim stops rather than record "disk full" as the result of a statement that succeeded elsewhere.
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.node(victim).metrics().running_state.is_ok() {
        assert!(Instant::now() < deadline, "the victim should have stopped");
        tokio::time::sleep(Duration::from_millis(20)).await; // poll interval of a wait with a deadline
    }
    // What the binary waits on to exit (code 70) and what makes /health answer 503.
    let reason = tokio::time::timeout(Duration::from_secs(5), cluster.node(victim).wait_fatal()).await.unwrap();
    assert!(reason.to_lowercase().contains("full"), "{reason}");
    assert!(cluster.node(victim).core().fatal_error().is_some());
    let others: Vec<u64> = cluster.running().into_iter().filter(|id| *id != victim).collect();
    cluster.exec(leader, "INSERT INTO t (pad) VALUES ('after')").await.unwrap();
    // Restarted with the cause gone, it applies what it missed.
    cluster.restart(victim).await;
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    let r = cluster.local_rows(victim, "SELECT count(*) FROM t").await;
    assert_eq!(r[0][0], Value::Integer(21));
    assert_eq!(others.len(), 2);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deferred_foreign_keys_fail_the_commit_not_the_cluster() {
    let cluster = TestCluster::start(3).await;
    let leader = cluster.leader().await;
    let follower = cluster.follower().await;
    cluster.exec(leader, "CREATE TABLE p (id INTEGER PRIMARY KEY)").await.unwrap();
    cluster
        .exec(leader, "CREATE TABLE c (id INTEGER PRIMARY KEY, p INT REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)")
        .await
        .unwrap();
    // Autocommit: the statement is its own transaction, checked at its end (this used to make every node's
    // batch COMMIT fail, stop, restart and fail again).
    assert_eq!(sql_code(cluster.exec(follower, "INSERT INTO c VALUES (1, 42)").await), 787);
    cluster.exec(follower, "INSERT INTO p VALUES (42)").await.unwrap();
    cluster.exec(follower, "INSERT INTO c VALUES (1, 42)").await.unwrap();
    // In a transaction: a violation repaired before COMMIT is fine; one left is refused at COMMIT, rolled back.
    let mut s = raftsql::query::Session::new(cluster.node(follower).core().clone());
    s.begin(false);
    s.execute(stmt("INSERT INTO c VALUES (2, 7)")).await.unwrap();
    s.execute(stmt("INSERT INTO p VALUES (7)")).await.unwrap();
    s.commit().await.unwrap();
    s.begin(false);
    s.execute(stmt("INSERT INTO c VALUES (3, 8)")).await.unwrap();
    match s.commit().await {
        Err(ExecError::Sql(e)) => assert_eq!(e.code, 787, "{e:?}"),
        other => panic!("COMMIT with a broken deferred key: {other:?}"),
    }
    cluster.exec(leader, "INSERT INTO p VALUES (8)").await.unwrap();
    let rows = cluster.exec(leader, "SELECT id FROM c ORDER BY id").await.unwrap().rows;
    assert_eq!(rows, vec![vec![Value::Integer(1)], vec![Value::Integer(2)]]);
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    cluster.shutdown().await;
}
