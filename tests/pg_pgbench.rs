//! pgbench (PostgreSQL 15) against a three-node cluster of real processes, through the leader and through a
//! follower, in the simple, extended and prepared query modes: a read-write script (explicit transaction
//! updating a random account, reading it back, journaling the change and bumping a counter) and a read-only
//! script. Asserts every transaction was processed and none failed, then that the data is exactly what the
//! processed transactions imply, on every node: counter = journal rows = transactions processed, and each
//! account's balance = the sum of its journaled deltas. Prints pgbench's tps lines. Passes with a printed
//! notice, asserting nothing, only when `pgbench` is not on PATH.

mod cli_support;
mod common;

use std::time::Duration;

use cli_support::{available, client, run, Output};
use common::procs::ProcCluster;
use tokio_postgres::Client;

const CLIENTS: u64 = 4;
const WRITE_TXNS_PER_CLIENT: u64 = 15;
const READ_TXNS_PER_CLIENT: u64 = 50;
const MODES: [&str; 3] = ["simple", "extended", "prepared"];
/// Deadline of one pgbench run; each takes a few seconds.
const RUN: Duration = Duration::from_secs(45);

const WRITE_SCRIPT: &str = r"\set id random(1, 100)
\set delta random(-50, 50)
BEGIN;
UPDATE accounts SET balance = balance + :delta WHERE id = :id;
SELECT balance FROM accounts WHERE id = :id;
INSERT INTO journal (account, delta) VALUES (:id, :delta);
UPDATE counter SET n = n + 1 WHERE id = 1;
COMMIT;
";

const READ_SCRIPT: &str = r"\set id random(1, 100)
SELECT balance FROM accounts WHERE id = :id;
SELECT count(*), sum(balance) FROM accounts;
";

/// What one pgbench run reported.
#[derive(Debug)]
struct Report {
    processed: u64,
    /// The "/N" of "processed: X/N" (only with -t).
    planned: Option<u64>,
    failed: Option<u64>,
    /// "number of transactions retried: N (...)" (only with --max-tries).
    retried: Option<u64>,
    tps_line: String,
}

fn field<'a>(stdout: &'a str, prefix: &str) -> Option<&'a str> {
    stdout.lines().find_map(|l| l.strip_prefix(prefix)).map(str::trim)
}

fn parse(out: &Output) -> Report {
    let processed = field(&out.stdout, "number of transactions actually processed:")
        .unwrap_or_else(|| panic!("no processed line:\n{}\n{}", out.stdout, out.stderr));
    let (processed, planned) = match processed.split_once('/') {
        Some((done, planned)) => (done.parse().unwrap(), Some(planned.parse().unwrap())),
        None => (processed.parse().unwrap(), None),
    };
    let count =
        |prefix| field(&out.stdout, prefix).map(|f| f.split_whitespace().next().unwrap().parse::<u64>().expect(prefix));
    let (failed, retried) = (count("number of failed transactions:"), count("number of transactions retried:"));
    let tps_line = out.stdout.lines().find(|l| l.starts_with("tps = ")).expect("tps line").to_string();
    Report { processed, planned, failed, retried, tps_line }
}

/// Runs pgbench with `script` against `port`; `-t N` or `-T secs` in `limit`.
fn pgbench(port: u16, script: &std::path::Path, mode: &str, limit: &[&str], extra: &[&str]) -> Report {
    let mut cmd = client("pgbench");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "raftsql", "-n"])
        .arg("-f")
        .arg(script)
        .args(["-c", &CLIENTS.to_string(), "-j", "2", "-M", mode])
        .args(limit)
        .args(extra)
        .arg("raftsql");
    let out = run(&mut cmd, None, RUN);
    let what = format!("pgbench -M {mode} {limit:?} {} on port {port}", script.display());
    out.expect_code(0, &what);
    // Aborted clients and connection errors are reported on stderr.
    assert!(
        !out.stderr.contains("aborted") && !out.stderr.contains("pgbench: error") && !out.stderr.contains("fatal"),
        "{what}: stderr:\n{}\nstdout:\n{}",
        out.stderr,
        out.stdout
    );
    let r = parse(&out);
    assert_eq!(r.failed.unwrap_or(0), 0, "{what}: failed transactions\n{}", out.stdout);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgbench_read_write_and_read_only_on_leader_and_follower() {
    if !available("pgbench", "pgbench_read_write_and_read_only_on_leader_and_follower") {
        return;
    }
    let c = ProcCluster::start(3).await;
    let leader = c.leader().await;
    let follower = c.follower().await;

    let db = c.pg_client(leader).await;
    let values = (1..=100).map(|i| format!("({i}, 0)")).collect::<Vec<_>>().join(", ");
    db.batch_execute(&format!(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
         INSERT INTO accounts (id, balance) VALUES {values};
         CREATE TABLE journal (id SERIAL PRIMARY KEY, account INTEGER NOT NULL, delta INTEGER NOT NULL);
         CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
         INSERT INTO counter VALUES (1, 0);"
    ))
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let write = dir.path().join("read_write.sql");
    let read = dir.path().join("read_only.sql");
    std::fs::write(&write, WRITE_SCRIPT).unwrap();
    std::fs::write(&read, READ_SCRIPT).unwrap();

    let mut written = 0;
    let (wt, rt) = (WRITE_TXNS_PER_CLIENT.to_string(), READ_TXNS_PER_CLIENT.to_string());
    for (role, id) in [("leader", leader), ("follower", follower)] {
        let port = c.pg_port(id);
        for mode in MODES {
            // Conflicting writers may get 40001; pgbench retries those transactions from the start.
            let r = pgbench(port, &write, mode, &["-t", &wt], &["--max-tries=10"]);
            assert_eq!(
                (r.processed, r.planned),
                (CLIENTS * WRITE_TXNS_PER_CLIENT, Some(CLIENTS * WRITE_TXNS_PER_CLIENT))
            );
            let retried = r.retried.expect("retried line with --max-tries");
            println!(
                "pgbench read-write, {role} (node {id}), -M {mode}, -c {CLIENTS} -t {wt}: {}, {retried} retried",
                r.tps_line
            );
            written += r.processed;

            let r = pgbench(port, &read, mode, &["-t", &rt], &[]);
            assert_eq!(
                (r.processed, r.planned),
                (CLIENTS * READ_TXNS_PER_CLIENT, Some(CLIENTS * READ_TXNS_PER_CLIENT))
            );
            println!("pgbench read-only,  {role} (node {id}), -M {mode}, -c {CLIENTS} -t {rt}: {}", r.tps_line);
        }
    }
    // A time-limited read-only run on the follower.
    let r = pgbench(c.pg_port(follower), &read, "prepared", &["-T", "3"], &[]);
    assert!(r.processed > 0 && r.planned.is_none(), "{r:?}");
    println!(
        "pgbench read-only,  follower (node {follower}), -M prepared, -c {CLIENTS} -T 3: {} ({} transactions)",
        r.tps_line, r.processed
    );

    // Every processed transaction applied exactly once, the same on every node.
    for id in 1..=3 {
        let db = c.pg_client(id).await;
        let n = int(&db, "SELECT CAST(n AS BIGINT) FROM counter WHERE id = 1").await;
        assert_eq!(n as u64, written, "node {id}: counter");
        assert_eq!(int(&db, "SELECT count(*) FROM journal").await as u64, written, "node {id}: journal rows");
        assert_eq!(int(&db, "SELECT count(*) FROM accounts").await, 100, "node {id}");
        let balances = int(&db, "SELECT sum(balance) FROM accounts").await;
        let deltas = int(&db, "SELECT sum(delta) FROM journal").await;
        assert_eq!(balances, deltas, "node {id}: sum of balances vs sum of journaled deltas");
        let wrong = int(
            &db,
            "SELECT count(*) FROM accounts a WHERE a.balance <> \
             (SELECT COALESCE(sum(j.delta), 0) FROM journal j WHERE j.account = a.id)",
        )
        .await;
        assert_eq!(wrong, 0, "node {id}: accounts whose balance is not the sum of their deltas");
    }
}

/// The single bigint a query returns.
async fn int(db: &Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}
