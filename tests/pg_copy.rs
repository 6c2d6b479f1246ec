//! COPY and pgbench's initialization against a three-node cluster of real processes, through a follower:
//! psql's `\copy` in text, CSV and with PostgreSQL's errors compared line by line with a real PostgreSQL 15;
//! tokio-postgres COPY (extended protocol) in text and binary, atomic (a bad row deep in the data leaves
//! nothing) and sent in few large log entries; `pgbench -i` with client- and server-side generation followed by
//! the built-in tpcb-like, simple-update and select-only scripts with no failed transaction, and the same data
//! on every node.

mod cli_support;
mod common;

use std::time::Duration;

use bytes::Bytes;
use cli_support::oracle::Oracle;
use cli_support::{client, psql, run};
use common::procs::ProcCluster;
use futures::{SinkExt, StreamExt};

const RUN: Duration = Duration::from_secs(120);

/// A psql script of `\copy` (data inline) and queries whose output, errors included, PostgreSQL and raftsql
/// must print alike.
const SCRIPT: &str = r#"CREATE TABLE t (a int PRIMARY KEY, b text, c boolean, d numeric, e bytea);
\copy t from stdin
1	hello	t	1.5	\\x0102
2	\N	f	\N	\N
3	tab\there, "quoted"	true	3	\\x
\.
\copy t (a, b) from stdin
4	only two
\.
\copy t from stdin
5	x
\.
\copy t from stdin
6	x	t	1	\\x00	extra
\.
\copy t from stdin
7	x	maybe	1	\N
\.
\copy t from stdin
eight	x	t	1	\N
\.
\copy t from stdin with (format csv, header)
a,b,c,d,e
9,"multi
line, ""q""",t,,
10,,f,2.25,\x41
\.
\copy t from stdin with csv null 'NULL' quote '''' force not null b
11,NULL,t,NULL,NULL
12,'it''s',f,1,NULL
\.
\copy t (zz) from stdin
\.
\copy nope from stdin
\.
SELECT * FROM t ORDER BY a;
\copy t to stdout
\copy t to stdout with (format csv, header, force_quote (b))
\copy (SELECT a, b FROM t WHERE a > 8 ORDER BY a) to stdout with csv delimiter '|' null 'NULL'
COPY t TO STDOUT WITH (FORMAT csv, QUOTE '"', DELIMITER ',', HEADER false);
COPY t FROM STDIN (FORMAT text, QUOTE '"');
COPY t TO STDOUT (FORMAT binary, NULL 'x');
SELECT count(*) FROM t;
"#;

/// Runs `script` with psql (errors don't stop it), returning what it printed, errors included.
fn psql_script(mut cmd: std::process::Command, script: &str) -> String {
    let out = run(cmd.args(["-v", "ON_ERROR_STOP=0", "-f", "-"]), Some(script), RUN);
    format!("{}\n--- stderr ---\n{}", out.stdout, out.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psql_copy_matches_postgresql() {
    let oracle = Oracle::start();
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let port = cluster.nodes[follower as usize - 1].pg_port;
    let ours = psql_script(psql(port), SCRIPT);
    let theirs = psql_script(psql(oracle.port), SCRIPT);
    assert_eq!(ours, theirs, "raftsql (left) and PostgreSQL 15 (right) printed differently");
    // What the test expects to see, so that two equally wrong outputs cannot pass.
    for line in [
        "COPY 3",
        "psql:<stdin>:12: ERROR:  missing data for column \"c\"",
        "CONTEXT:  COPY t, line 1: \"5\tx\"",
        "ERROR:  extra data after last expected column",
        "CONTEXT:  COPY t, line 1, column c: \"maybe\"",
        "ERROR:  invalid input syntax for type integer: \"eight\"",
        "ERROR:  column \"zz\" of relation \"t\" does not exist",
        "ERROR:  relation \"nope\" does not exist",
        "ERROR:  COPY quote available only in CSV mode",
        "10|NULL",
        "1,\"hello\",t,1.5,\\x0102",
        "11,\"NULL\",t,,",
    ] {
        assert!(ours.contains(line), "missing {line:?} in:\n{ours}");
    }
}

async fn log_index(cluster: &ProcCluster, id: u64) -> u64 {
    let (code, body) = cluster.http_get(id, "/status");
    assert_eq!(code, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["node"]["last_log_index"].as_u64().unwrap()
}

/// `n` rows of tab-separated text: `i`, a 40-byte string, `i * 2`.
fn text_rows(from: u64, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for i in from..from + n {
        out.extend_from_slice(format!("{i}\t{:040}\t{}\n", i, i * 2).as_bytes());
    }
    out
}

/// Sends `data` in 64 KiB CopyData pieces (cut anywhere, as clients do); returns the row count or the error.
async fn copy_in(client: &tokio_postgres::Client, sql: &str, data: Vec<u8>) -> Result<u64, tokio_postgres::Error> {
    let sink = client.copy_in::<_, Bytes>(sql).await?;
    futures::pin_mut!(sink);
    for piece in data.chunks(64 << 10) {
        sink.send(Bytes::copy_from_slice(piece)).await?;
    }
    sink.finish().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copy_is_atomic_batched_and_the_same_everywhere() {
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let c = cluster.pg_client(follower).await;
    c.batch_execute("CREATE TABLE big (id int8 PRIMARY KEY, pad text NOT NULL, twice int4)").await.unwrap();

    // 200,000 rows (about 10 MB) in a handful of log entries, not one per row.
    let before = log_index(&cluster, follower).await;
    let n = copy_in(&c, "COPY big FROM STDIN", text_rows(1, 200_000)).await.unwrap();
    assert_eq!(n, 200_000);
    let entries = log_index(&cluster, follower).await - before;
    assert!(entries <= 40, "200,000 rows took {entries} log entries");
    let row = c.query_one("SELECT count(*), sum(twice), max(length(pad)) FROM big", &[]).await.unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i32>(2)), (200_000, 40_000_200_000, 40));

    // A bad row deep in the data (after several batches went to the leader): nothing of this COPY remains.
    let mut data = text_rows(200_001, 150_000);
    data.extend_from_slice(b"350001\tpad\tnot-a-number\n");
    data.extend(text_rows(350_002, 10));
    let e = copy_in(&c, "COPY big FROM STDIN", data).await.unwrap_err();
    let db = e.as_db_error().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(db.code().code(), "22P02", "{db:?}");
    assert_eq!(db.message(), "invalid input syntax for type integer: \"not-a-number\"");
    assert_eq!(db.where_(), Some("COPY big, line 150001, column twice: \"not-a-number\""));
    // A duplicate key fails the whole COPY too (the check is SQLite's, at the leader).
    let e = copy_in(&c, "COPY big (id, pad) FROM STDIN", b"999999\tnew\n5\tduplicate\n".to_vec()).await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("23505"), "{e:?}");
    // Inside a transaction: the rows are the transaction's, and go with its ROLLBACK.
    c.batch_execute("BEGIN").await.unwrap();
    assert_eq!(copy_in(&c, "COPY big FROM STDIN", text_rows(400_000, 1000)).await.unwrap(), 1000);
    let inside: i64 = c.query_one("SELECT count(*) FROM big", &[]).await.unwrap().get(0);
    assert_eq!(inside, 201_000);
    c.batch_execute("ROLLBACK").await.unwrap();
    // The connection goes on normally after all this.
    let after: i64 = c.query_one("SELECT count(*) FROM big", &[]).await.unwrap().get(0);
    assert_eq!(after, 200_000);

    // COPY TO (text and binary) gives back what went in; binary COPY FROM loads it into another table.
    let text = copy_out(&c, "COPY (SELECT * FROM big WHERE id <= 3 ORDER BY id) TO STDOUT").await;
    assert_eq!(text, text_rows(1, 3));
    c.batch_execute("CREATE TABLE copy2 (id int8, pad text, twice int4)").await.unwrap();
    let binary = copy_out(&c, "COPY big TO STDOUT (FORMAT binary)").await;
    assert_eq!(copy_in(&c, "COPY copy2 FROM STDIN (FORMAT binary)", binary).await.unwrap(), 200_000);
    let same: i64 = c
        .query_one(
            "SELECT count(*) FROM big JOIN copy2 USING (id) WHERE big.pad = copy2.pad AND big.twice = copy2.twice",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(same, 200_000);

    // Every node holds the same rows.
    for id in 1..=3 {
        let other = cluster.pg_client(id).await;
        let row = other.query_one("SELECT count(*), sum(twice) FROM copy2", &[]).await.unwrap();
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (200_000, 40_000_200_000), "node {id}");
    }
}

async fn copy_out(client: &tokio_postgres::Client, sql: &str) -> Vec<u8> {
    let stream = client.copy_out(sql).await.unwrap();
    futures::pin_mut!(stream);
    let mut out = Vec::new();
    while let Some(piece) = stream.next().await {
        out.extend_from_slice(&piece.unwrap());
    }
    out
}

/// Runs pgbench with `args` against 127.0.0.1:`port`; returns stdout after checking it exited 0.
fn pgbench(port: u16, args: &[&str]) -> String {
    let mut cmd = client("pgbench");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "raftsql"]).args(args).arg("raftsql");
    let out = run(&mut cmd, None, RUN);
    out.expect_code(0, &format!("pgbench {args:?}"));
    out.stdout + &out.stderr
}

fn field(out: &str, prefix: &str) -> u64 {
    let line = out.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in:\n{out}"));
    line.split_whitespace().next().unwrap().split('/').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pgbench_initializes_and_runs_its_builtin_scripts() {
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let port = cluster.nodes[follower as usize - 1].pg_port;
    let c = cluster.pg_client(follower).await;
    for init in ["dtgvp", "dtGvp"] {
        let out = pgbench(port, &["-i", "-s", "1", "-I", init]);
        assert!(out.contains("done in"), "{out}");
        let counts = c
            .query_one(
                "SELECT (SELECT count(*) FROM pgbench_accounts), (SELECT count(*) FROM pgbench_tellers), \
                 (SELECT count(*) FROM pgbench_branches), (SELECT sum(abalance) FROM pgbench_accounts)",
                &[],
            )
            .await
            .unwrap();
        let got: (i64, i64, i64, i64) = (counts.get(0), counts.get(1), counts.get(2), counts.get(3));
        assert_eq!(got, (100_000, 10, 1, 0), "after pgbench -i -I {init}");
    }
    // The primary keys pgbench adds refuse duplicates and NULLs, as PostgreSQL's do.
    let e = c.batch_execute("INSERT INTO pgbench_branches (bid, bbalance) VALUES (1, 0)").await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("23505"));
    let e = c.batch_execute("INSERT INTO pgbench_branches (bid, bbalance) VALUES (NULL, 0)").await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("23502"));

    let mut history = 0;
    for script in ["tpcb-like", "simple-update", "select-only"] {
        // -n: no VACUUM and TRUNCATE of pgbench_history before the run, so the journal adds up over the runs.
        let out = pgbench(port, &["-n", "-b", script, "-c", "4", "-t", "25", "-M", "extended"]);
        assert_eq!(field(&out, "number of transactions actually processed: "), 100, "{script}:\n{out}");
        assert_eq!(field(&out, "number of failed transactions: "), 0, "{script}:\n{out}");
        if script != "select-only" {
            history += 100;
        }
    }
    // Every processed write transaction journaled one row, and moved the same delta everywhere.
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM pgbench_history), (SELECT sum(delta) FROM pgbench_history), \
             (SELECT sum(abalance) FROM pgbench_accounts)",
            &[],
        )
        .await
        .unwrap();
    let types: Vec<String> = row.columns().iter().map(|c| c.type_().to_string()).collect();
    assert_eq!(types, ["int8", "int8", "int8"]);
    let (journaled, delta, balance): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(journaled, history);
    assert_eq!(delta, balance);
    for id in 1..=3 {
        let other = cluster.pg_client(id).await;
        let row = other.query_one("SELECT count(*), sum(delta) FROM pgbench_history", &[]).await.unwrap();
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (history, delta), "node {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_copy_lets_other_writers_in_before_its_client_stops_sending() {
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let copier = cluster.pg_client(follower).await;
    let other = cluster.pg_client(cluster.leader().await).await;
    copier.batch_execute("CREATE TABLE slow (id int8 PRIMARY KEY, pad text, twice int4)").await.unwrap();
    other.batch_execute("CREATE TABLE side (id int PRIMARY KEY); SET lock_timeout = '3s'").await.unwrap();

    // Enough good rows that a batch goes to the leader (the COPY's transaction then holds the write gate), then a
    // bad row; the client keeps the COPY open.
    let sink = copier.copy_in::<_, Bytes>("COPY slow FROM STDIN").await.unwrap();
    futures::pin_mut!(sink);
    let mut data = text_rows(1, 120_000);
    data.extend_from_slice(b"120001\tpad\tnot-a-number\n");
    for piece in data.chunks(64 << 10) {
        sink.send(Bytes::copy_from_slice(piece)).await.unwrap();
    }
    // Another client writes meanwhile: the failed COPY's transaction is already rolled back.
    tokio::time::timeout(Duration::from_secs(10), other.batch_execute("INSERT INTO side VALUES (1)"))
        .await
        .expect("a write waited on a failed COPY")
        .unwrap();
    // The rest of the COPY's data is read and dropped, then its client hears the error.
    for piece in text_rows(120_002, 1000).chunks(64 << 10) {
        sink.send(Bytes::copy_from_slice(piece)).await.unwrap();
    }
    let e = sink.finish().await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("22P02"), "{e:?}");
    let n: i64 = other.query_one("SELECT count(*) FROM slow", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}
