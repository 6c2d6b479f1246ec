//! Randomized determinism: a seeded generator writes statements of every kind known to have split or bricked
//! replicas (random rowids past the largest one, random functions, the clock, runaway and oversized
//! statements, per-connection functions, host time zones, RETURNING, DDL, interactive transactions), many at
//! once so they share log entries, through a three-node cluster whose nodes are restarted in between; then
//! every table's contents must be identical on every node, and on a fourth node that replays the whole log.
//! `RAFTSQL_RANDOM_ROUNDS` (default 4) sets the length; a failure prints the seed (`RAFTSQL_RANDOM_SEED`).

mod common;

use common::rng::Rng;
use common::TestCluster;
use raftsql::error::ExecError;
use raftsql::query::Session;
use raftsql::raft::{Consistency, RaftOptions};

fn tune(o: &mut RaftOptions) {
    o.statement_limits.max_steps = 2_000_000;
    o.statement_limits.max_result_bytes = 256 << 10;
    o.snapshot_every = 150;
    o.keep_logs_after_snapshot = 50;
}

/// One generated autocommit statement.
fn statement(rng: &mut Rng) -> String {
    let t = rng.below(3);
    match rng.below(16) {
        0 => format!("INSERT INTO t{t} (v, r) VALUES ({}, random())", rng.below(1000)),
        1 => format!("INSERT INTO t{t} (v, r) VALUES ({}, hex(randomblob(8)))", rng.below(1000)),
        2 => format!("INSERT INTO t{t} (id, v) VALUES (9223372036854775807 - {}, 1)", rng.below(3)),
        3 => format!("INSERT INTO t{t} (v, r) VALUES (length(zeroblob({})), now())", rng.below(100_000)),
        4 => format!("UPDATE t{t} SET v = v + 1, r = gen_random_uuid() WHERE v % {} = 0", rng.below(7) + 1),
        5 => format!("DELETE FROM t{t} WHERE v % {} = 1", rng.below(11) + 2),
        6 => format!(
            "INSERT INTO t{t} (v, r) SELECT v + 1, datetime('now') FROM t{t} WHERE v < {} LIMIT 5",
            rng.below(50)
        ),
        // Runaway: stopped by the budget on every node.
        7 => format!(
            "INSERT INTO t{t} (v) SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) \
             SELECT x FROM c)"
        ),
        8 if rng.below(2) == 0 => format!(
            "INSERT INTO t{t} (v, r) SELECT 1, x FROM (WITH RECURSIVE c(x, i) AS (SELECT printf('%.3000c', 'y'), 1 \
             UNION ALL SELECT printf('%.3000c', 'y'), i + 1 FROM c) SELECT x FROM c)"
        ),
        8 => format!(
            "INSERT INTO t{t} (v, r) SELECT 1, x FROM (WITH RECURSIVE c(x, i) AS (SELECT zeroblob(50000), 1 UNION ALL \
             SELECT zeroblob(50000), i + 1 FROM c) SELECT x FROM c)"
        ),
        // Refused everywhere: per-connection state, build, host time zone.
        9 => format!("INSERT INTO t{t} (v, r) VALUES (changes(), total_changes())"),
        10 => format!("INSERT INTO t{t} (v, r) VALUES (last_insert_rowid(), sqlite_version())"),
        11 => format!("INSERT INTO t{t} (v, r) VALUES (1, datetime('now', 'localtime'))"),
        // Too large a result for a replicated statement.
        12 => format!("UPDATE t{t} SET r = hex(zeroblob(2000)) RETURNING r"),
        13 => format!("CREATE INDEX IF NOT EXISTS i{t}_{} ON t{t} (v)", rng.below(3)),
        14 => format!("DROP INDEX IF EXISTS i{t}_{}", rng.below(3)),
        _ => format!("INSERT INTO t{t} (v, r) VALUES ({}, 'x') RETURNING id, v, r", rng.below(1000)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_statements_leave_every_replica_identical() {
    let mut rng = Rng::from_env("RAFTSQL_RANDOM_SEED", "randomized");
    let seed = rng.0;
    let rounds: u64 = std::env::var("RAFTSQL_RANDOM_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    let mut outcomes: std::collections::BTreeMap<String, usize> = Default::default();
    let mut cluster = TestCluster::start_with(3, tune).await;
    let leader = cluster.leader().await;
    for t in 0..3 {
        cluster.exec(leader, &format!("CREATE TABLE t{t} (id INTEGER PRIMARY KEY, v INTEGER, r)")).await.unwrap();
    }
    for round in 0..rounds {
        let ids = cluster.running();
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let node = cluster.node(ids[rng.below(ids.len() as u64) as usize]).core().clone();
            let sql = statement(&mut rng);
            tasks.push(tokio::spawn(async move {
                let r = node.execute(&sql, vec![], Consistency::Linearizable).await;
                (sql, r)
            }));
        }
        // An interactive transaction beside them: a read, writes that use the clock and random values.
        let core = cluster.node(ids[rng.below(ids.len() as u64) as usize]).core().clone();
        let v = rng.below(1000) as i64;
        tasks.push(tokio::spawn(async move {
            let mut s = Session::new(core);
            s.begin(false);
            let sql = format!("INSERT INTO t0 (v, r) VALUES ({v}, randomblob(4))");
            let mut r = s.execute(raftsql::db::Statement::new("SELECT count(*) FROM t0", vec![])).await;
            if r.is_ok() {
                r = s.execute(raftsql::db::Statement::new(sql.clone(), vec![])).await;
            }
            if r.is_ok() {
                let _ = s.commit().await;
            } else {
                let _ = s.rollback().await;
            }
            (sql, r)
        }));
        for task in tasks {
            let (sql, r) = task.await.unwrap();
            // SQL errors are fine (refusals, budgets, conflicts); the cluster must not fail otherwise.
            let key = match &r {
                Ok(_) => "ok".to_string(),
                Err(ExecError::Sql(e)) => format!("sql error {}", e.code),
                Err(ExecError::Cluster(e)) => {
                    panic!("round {round}: {sql}: cluster error {e:?} (RAFTSQL_RANDOM_SEED={seed})")
                }
            };
            *outcomes.entry(key).or_default() += 1;
        }
        let victim = ids[rng.below(ids.len() as u64) as usize];
        cluster.restart(victim).await;
    }
    eprintln!("outcomes: {outcomes:?}");
    assert!(outcomes.get("ok").copied().unwrap_or(0) >= rounds as usize * 10, "too few writes applied: {outcomes:?}");
    let ids = cluster.running();
    cluster.assert_identical(&ids).await;
    let rows = cluster
        .local_rows(ids[0], "SELECT (SELECT count(*) FROM t0) + (SELECT count(*) FROM t1) + (SELECT count(*) FROM t2)")
        .await;
    eprintln!("rows: {rows:?}");
    // A new node replays the log (and installs a snapshot if the log was purged): the same data again.
    let leader = cluster.leader().await;
    cluster.spawn(4).await;
    let node4 = cluster.node(4).node().clone();
    cluster.node(leader).add_learner(4, node4).await.unwrap();
    cluster.assert_identical(&[leader, 4]).await;
    cluster.shutdown().await;
}
