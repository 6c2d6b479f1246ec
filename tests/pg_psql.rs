//! psql (the PostgreSQL 15 client) against a three-node cluster of real processes, through the leader and
//! through a follower: exact output of DDL/DML with `-A -t`, scripts on stdin with `ON_ERROR_STOP`, the
//! implicit transaction of a multi-statement `-c`, command tags as psql prints them, SQLSTATEs with
//! `VERBOSITY=verbose`, `ON_ERROR_ROLLBACK` (savepoints psql issues itself), session settings and the version
//! psql sees. Every test passes with a printed notice, and asserts nothing, only when `psql` is not on PATH.

mod cli_support;
mod common;

use std::time::{Duration, Instant};

use cli_support::{available, psql, run, Output};
use common::procs::ProcCluster;

/// Generous per-invocation deadline: every psql call here finishes in well under a second.
const CALL: Duration = Duration::from_secs(30);

fn have_psql(test: &str) -> bool {
    available("psql", test)
}

/// `psql -A -t -v ON_ERROR_STOP=1` with one `-c` per command, all in one session.
fn at(port: u16, commands: &[&str]) -> Output {
    let mut cmd = psql(port);
    cmd.args(["-A", "-t", "-v", "ON_ERROR_STOP=1"]);
    for c in commands {
        cmd.args(["-c", c]);
    }
    run(&mut cmd, None, CALL)
}

/// Exact stdout of a clean (exit 0, empty stderr) `-A -t` run.
fn at_ok(port: u16, commands: &[&str]) -> String {
    let out = at(port, commands);
    out.expect_clean(&format!("psql -At on port {port}: {commands:?}"));
    out.stdout
}

/// A script on stdin (`-f -`), unaligned and tuples-only, with extra psql options.
fn script(port: u16, options: &[&str], text: &str) -> Output {
    let mut cmd = psql(port);
    cmd.args(["-A", "-t", "-v", "VERBOSITY=verbose"]).args(options).args(["-f", "-"]);
    run(&mut cmd, Some(text), CALL)
}

/// Default (aligned, not quiet) output of one session with one `-c` per command.
fn aligned(port: u16, commands: &[&str]) -> Output {
    let mut cmd = psql(port);
    cmd.args(["-v", "ON_ERROR_STOP=1"]);
    for c in commands {
        cmd.args(["-c", c]);
    }
    run(&mut cmd, None, CALL)
}

async fn cluster() -> (ProcCluster, u64, u64) {
    let c = ProcCluster::start(3).await;
    let leader = c.leader().await;
    let follower = c.follower().await;
    (c, leader, follower)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_dml_on_leader_and_follower() {
    if !have_psql("psql_dml_on_leader_and_follower") {
        return;
    }
    let (c, leader, follower) = cluster().await;
    for (id, other) in [(leader, follower), (follower, leader)] {
        let (port, other_port) = (c.pg_port(id), c.pg_port(other));
        let t = format!("items_{id}");
        assert_eq!(
            at_ok(port, &[&format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)")]),
            "CREATE TABLE\n",
            "node {id}"
        );
        // RETURNING rows, then the tag (psql prints the tag of INSERT/UPDATE/DELETE ... RETURNING even with -t).
        assert_eq!(
            at_ok(
                port,
                &[&format!(
                    "INSERT INTO {t} (id, name, qty) VALUES (1, 'apple', 3), (2, 'pear', 5), (3, 'it''s | odd', NULL) \
                     RETURNING id, name"
                )]
            ),
            "1|apple\n2|pear\n3|it's | odd\nINSERT 0 3\n",
            "node {id}"
        );
        assert_eq!(
            at_ok(port, &[&format!("SELECT id, name, qty FROM {t} ORDER BY id")]),
            "1|apple|3\n2|pear|5\n3|it's | odd|\n",
            "node {id}"
        );
        assert_eq!(
            at_ok(port, &[&format!("UPDATE {t} SET qty = qty + 10 WHERE name = 'pear' RETURNING id, qty")]),
            "2|15\nUPDATE 1\n",
            "node {id}"
        );
        assert_eq!(at_ok(port, &[&format!("UPDATE {t} SET qty = 0 WHERE id > 100")]), "UPDATE 0\n", "node {id}");
        assert_eq!(at_ok(port, &[&format!("DELETE FROM {t} WHERE id = 1")]), "DELETE 1\n", "node {id}");
        assert_eq!(
            at_ok(port, &[&format!("DELETE FROM {t} WHERE qty IS NULL RETURNING name")]),
            "it's | odd\nDELETE 1\n",
            "node {id}"
        );
        // The other node reads the same rows at once (linearizable reads).
        assert_eq!(
            at_ok(other_port, &[&format!("SELECT id, name, qty FROM {t} ORDER BY id")]),
            "2|pear|15\n",
            "node {other} reading {t}"
        );
        assert_eq!(
            at_ok(other_port, &[&format!("SELECT count(*), sum(qty) FROM {t}")]),
            "1|15\n",
            "node {other} reading {t}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_scripts_on_error_stop_and_implicit_transactions() {
    if !have_psql("psql_scripts_on_error_stop_and_implicit_transactions") {
        return;
    }
    let (c, leader, follower) = cluster().await;
    let (fp, lp) = (c.pg_port(follower), c.pg_port(leader));

    // A script: comments, several statements per line, a semicolon inside a string, a transaction block.
    let out = script(
        fp,
        &["-v", "ON_ERROR_STOP=1"],
        "-- a ledger, created and filled in one script\n\
         CREATE TABLE ledger (id INTEGER PRIMARY KEY, note TEXT NOT NULL); -- trailing comment\n\
         BEGIN; INSERT INTO ledger VALUES (1, 'one'); INSERT INTO ledger VALUES (2, 'two; with a semicolon');\n\
         /* a block\n   comment */ SELECT count(*) FROM ledger;\n\
         COMMIT; SELECT id, note FROM ledger ORDER BY id;\n",
    );
    out.expect_clean("ledger script");
    assert_eq!(out.stdout, "CREATE TABLE\nBEGIN\nINSERT 0 1\nINSERT 0 1\n2\nCOMMIT\n1|one\n2|two; with a semicolon\n");

    // An error in the middle with ON_ERROR_STOP: exit code 3, the statements after it never run.
    let out = script(
        fp,
        &["-v", "ON_ERROR_STOP=1"],
        "INSERT INTO ledger VALUES (3, 'three');\n\
         INSERT INTO ledger VALUES (1, 'duplicate');\n\
         INSERT INTO ledger VALUES (4, 'four');\n\
         INSERT INTO ledger VALUES (5, 'five');\n",
    );
    out.expect_code(3, "script stopped by a unique violation");
    assert_eq!(out.stdout, "INSERT 0 1\n");
    assert!(
        out.stderr.contains("psql:<stdin>:2: ERROR:  23505: duplicate key value violates unique constraint"),
        "{}",
        out.stderr
    );
    assert_eq!(at_ok(lp, &["SELECT id FROM ledger ORDER BY id"]), "1\n2\n3\n");

    // Without ON_ERROR_STOP: after an error inside BEGIN every statement fails with 25P02 until the end of
    // the block, and COMMIT answers ROLLBACK.
    let out = script(
        lp,
        &[],
        "BEGIN;\n\
         INSERT INTO ledger VALUES (7, 'seven');\n\
         INSERT INTO ledger VALUES (1, 'duplicate');\n\
         SELECT count(*) FROM ledger;\n\
         INSERT INTO ledger VALUES (8, 'eight');\n\
         COMMIT;\n\
         SELECT count(*) FROM ledger;\n",
    );
    out.expect_code(0, "aborted transaction script");
    assert_eq!(out.stdout, "BEGIN\nINSERT 0 1\nROLLBACK\n3\n");
    let errors: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(errors.len(), 3, "{}", out.stderr);
    assert!(errors[0].starts_with("psql:<stdin>:3: ERROR:  23505: "), "{}", out.stderr);
    for (i, line) in [4, 5].into_iter().enumerate() {
        assert_eq!(
            errors[i + 1],
            format!(
                "psql:<stdin>:{line}: ERROR:  25P02: current transaction is aborted, commands ignored until end of \
                 transaction block"
            )
        );
    }

    // ON_ERROR_ROLLBACK: psql wraps every statement of the block in its own savepoint and rolls back only the
    // failed one, so the rest of the block commits.
    let out = script(
        fp,
        &["-v", "ON_ERROR_ROLLBACK=on"],
        "BEGIN;\n\
         INSERT INTO ledger VALUES (8, 'eight');\n\
         INSERT INTO ledger VALUES (1, 'duplicate');\n\
         INSERT INTO ledger VALUES (9, 'nine');\n\
         COMMIT;\n",
    );
    out.expect_code(0, "ON_ERROR_ROLLBACK script");
    assert_eq!(out.stdout, "BEGIN\nINSERT 0 1\nINSERT 0 1\nCOMMIT\n");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_eq!(at_ok(lp, &["SELECT id FROM ledger ORDER BY id"]), "1\n2\n3\n8\n9\n");

    // A multi-statement -c is one implicit transaction: the duplicate undoes the first INSERT too.
    let out = at(lp, &["INSERT INTO ledger VALUES (20, 'x'); INSERT INTO ledger VALUES (1, 'dup')"]);
    out.expect_code(1, "multi-statement -c with a duplicate");
    assert!(out.stderr.contains("duplicate key value violates unique constraint"), "{}", out.stderr);
    let out = at(fp, &["INSERT INTO ledger VALUES (21, 'x'); INSERT INTO ledger VALUES (1, 'dup')"]);
    out.expect_code(1, "multi-statement -c with a duplicate, on the follower");
    // ...and a clean one applies every statement, each result printed (psql 15 prints every result).
    assert_eq!(
        at_ok(
            fp,
            &["INSERT INTO ledger VALUES (22, 'a'); INSERT INTO ledger VALUES (23, 'b'); SELECT count(*) FROM ledger"]
        ),
        "INSERT 0 1\nINSERT 0 1\n7\n"
    );
    assert_eq!(at_ok(lp, &["SELECT id FROM ledger ORDER BY id"]), "1\n2\n3\n8\n9\n22\n23\n");
    assert_eq!(at_ok(fp, &["SELECT note FROM ledger WHERE id = 2"]), "two; with a semicolon\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_command_tags_and_aligned_output() {
    if !have_psql("psql_command_tags_and_aligned_output") {
        return;
    }
    let (c, leader, follower) = cluster().await;
    for id in [follower, leader] {
        let t = format!("tags_{id}");
        let commands = [
            format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT)"),
            format!("CREATE INDEX {t}_v ON {t} (v)"),
            format!("ALTER TABLE {t} ADD COLUMN w INTEGER"),
            format!("INSERT INTO {t} (id, v) VALUES (1, 'a'), (2, 'b')"),
            format!("UPDATE {t} SET w = 7 WHERE id = 1"),
            format!("UPDATE {t} SET w = 8 WHERE id = 99"),
            format!("DELETE FROM {t} WHERE id = 2"),
            "BEGIN".to_string(),
            format!("INSERT INTO {t} (id, v) VALUES (3, 'c')"),
            "SAVEPOINT s1".to_string(),
            format!("INSERT INTO {t} (id, v) VALUES (4, 'd')"),
            "ROLLBACK TO SAVEPOINT s1".to_string(),
            "RELEASE SAVEPOINT s1".to_string(),
            "COMMIT".to_string(),
            "BEGIN".to_string(),
            format!("DELETE FROM {t}"),
            "ROLLBACK".to_string(),
            format!("SELECT id, v, w FROM {t} ORDER BY id"),
            format!("SELECT id FROM {t} WHERE id > 100"),
            format!("DROP INDEX {t}_v"),
            "SET application_name = 'tags'".to_string(),
        ];
        let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
        let out = aligned(c.pg_port(id), &refs);
        out.expect_clean(&format!("tags on node {id}"));
        assert_eq!(
            out.stdout,
            "CREATE TABLE\n\
             CREATE INDEX\n\
             ALTER TABLE\n\
             INSERT 0 2\n\
             UPDATE 1\n\
             UPDATE 0\n\
             DELETE 1\n\
             BEGIN\n\
             INSERT 0 1\n\
             SAVEPOINT\n\
             INSERT 0 1\n\
             ROLLBACK\n\
             RELEASE\n\
             COMMIT\n\
             BEGIN\n\
             DELETE 2\n\
             ROLLBACK\n \
             id | v | w \n\
             ----+---+---\n  \
             1 | a | 7\n  \
             3 | c |  \n\
             (2 rows)\n\
             \n \
             id \n\
             ----\n\
             (0 rows)\n\
             \n\
             DROP INDEX\n\
             SET\n",
            "node {id}"
        );
        let out = aligned(c.pg_port(id), &[&format!("DROP TABLE {t}")]);
        out.expect_clean("drop");
        assert_eq!(out.stdout, "DROP TABLE\n");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_session_settings_and_server_version() {
    if !have_psql("psql_session_settings_and_server_version") {
        return;
    }
    let (c, leader, follower) = cluster().await;
    for id in [leader, follower] {
        let port = c.pg_port(id);
        assert_eq!(at_ok(port, &["SHOW TimeZone"]), "UTC\n", "node {id}");
        // psql reports itself as the application; a SET lasts for the session, across -c commands.
        assert_eq!(
            at_ok(port, &["SHOW application_name", "SET application_name = 'x'; SHOW application_name"]),
            "psql\nSET\nx\n",
            "node {id}"
        );
        let version = at_ok(port, &["SELECT version()"]);
        assert!(version.starts_with("PostgreSQL 15"), "node {id}: version() = {version:?}");
        let server_version = at_ok(port, &["SHOW server_version"]);
        assert!(server_version.starts_with("15."), "node {id}: server_version = {server_version:?}");
        let num: u32 = at_ok(port, &["SHOW server_version_num"]).trim().parse().expect("server_version_num");
        assert!((150000..160000).contains(&num), "node {id}: server_version_num = {num}");
        // What psql itself recorded from the connection's ParameterStatus messages.
        let seen = at_ok(port, &[r"\echo :SERVER_VERSION_NAME :SERVER_VERSION_NUM"]);
        assert_eq!(seen, format!("{} {num}\n", server_version.trim()), "node {id}");
        assert_eq!(at_ok(port, &["SHOW client_encoding", "SHOW DateStyle"]), "UTF8\nISO, MDY\n", "node {id}");
    }
}

/// Closing a connection that has an open write transaction must roll it back at once, as PostgreSQL does.
/// BUG (server): the transaction keeps the cluster's write gate until its 60 s idle timeout; meanwhile every
/// other write fails after 10 s with "canceling statement due to lock timeout: a write transaction holds the
/// write gate".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_disconnect_inside_transaction_releases_writes() {
    if !have_psql("psql_disconnect_inside_transaction_releases_writes") {
        return;
    }
    let (c, leader, follower) = cluster().await;
    let (lp, fp) = (c.pg_port(leader), c.pg_port(follower));
    assert_eq!(at_ok(lp, &["CREATE TABLE g (id INTEGER PRIMARY KEY)"]), "CREATE TABLE\n");
    for (port, first) in [(lp, 1), (fp, 10)] {
        // ON_ERROR_STOP ends psql (and its connection) inside the block, after the error.
        let out = script(
            port,
            &["-v", "ON_ERROR_STOP=1"],
            &format!(
                "BEGIN;\nINSERT INTO g VALUES ({first});\nINSERT INTO g VALUES ({first});\nINSERT INTO g VALUES ({});\n\
                 COMMIT;\n",
                first + 1
            ),
        );
        out.expect_code(3, "script stopped inside a transaction");
        assert_eq!(out.stdout, "BEGIN\nINSERT 0 1\n");
        // A block left open by a client that simply goes away (end of input, no COMMIT).
        let out = script(port, &[], &format!("BEGIN;\nINSERT INTO g VALUES ({});\n", first + 2));
        out.expect_clean("script ending inside a transaction");
        // The next writes, on every node, go through at once (not after a lock timeout).
        for id in [leader, follower] {
            let started = Instant::now();
            let out = at(c.pg_port(id), &[&format!("INSERT INTO g VALUES ({})", 100 + first + id as i32)]);
            out.expect_clean(&format!("write on node {id} after the disconnect"));
            assert!(started.elapsed() < Duration::from_secs(5), "write waited {:?}", started.elapsed());
        }
    }
    assert_eq!(at_ok(fp, &["SELECT count(*) FROM g WHERE id < 100"]), "0\n", "nothing of the abandoned blocks");
}

/// PostgreSQL names unnamed result columns after the function (`count`, `upper`), the cast's type, or
/// `?column?`; clients reading rows by column name rely on it. Numbers are right-aligned by psql, which
/// also checks the columns' types.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_result_column_names_match_postgres() {
    if !have_psql("psql_result_column_names_match_postgres") {
        return;
    }
    let (c, leader, _) = cluster().await;
    let port = c.pg_port(leader);
    at_ok(port, &["CREATE TABLE n (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO n VALUES (1, 'a'), (2, 'b')"]);
    let out = aligned(
        port,
        &[
            "SELECT count(*), max(id), sum(id) FROM n",
            "SELECT 1, 'a' || 'b', upper(v), v AS named, 7::int8 FROM n WHERE id = 1",
        ],
    );
    out.expect_clean("column names");
    assert_eq!(
        out.stdout,
        " count | max | sum \n\
         -------+-----+-----\n     \
         2 |   2 |   3\n\
         (1 row)\n\
         \n \
         ?column? | ?column? | upper | named | int8 \n\
         ----------+----------+-------+-------+------\n        \
         1 | ab       | A     | a     |    7\n\
         (1 row)\n\
         \n"
    );
}

/// SHOW's result column is named after the parameter as PostgreSQL spells it (`SHOW timezone` gives a
/// `TimeZone` column).
/// BUG (server): the column is named in lower case: `psql -c "SHOW TimeZone"` prints the header `timezone`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_show_column_is_the_canonical_parameter_name() {
    if !have_psql("psql_show_column_is_the_canonical_parameter_name") {
        return;
    }
    let (c, leader, _) = cluster().await;
    let out = aligned(c.pg_port(leader), &["SHOW TimeZone", "SHOW timezone", "SHOW application_name"]);
    out.expect_clean("SHOW headers");
    assert_eq!(
        out.stdout,
        " TimeZone \n----------\n UTC\n(1 row)\n\n \
         TimeZone \n----------\n UTC\n(1 row)\n\n \
         application_name \n------------------\n psql\n(1 row)\n\n"
    );
}

/// RESET restores the value the session started with, including what the client sent in its startup packet
/// (psql sends application_name=psql).
/// BUG (server): after `SET application_name = 'y'; RESET application_name`, SHOW gives an empty string.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_reset_restores_the_connection_value() {
    if !have_psql("psql_reset_restores_the_connection_value") {
        return;
    }
    let (c, _, follower) = cluster().await;
    assert_eq!(
        at_ok(
            c.pg_port(follower),
            &["SET application_name = 'y'", "SHOW application_name", "RESET application_name", "SHOW application_name"]
        ),
        "SET\ny\nRESET\npsql\n"
    );
}

/// Boolean expressions are `boolean` in PostgreSQL: psql prints `t`/`f`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_boolean_expressions_print_as_t_f() {
    if !have_psql("psql_boolean_expressions_print_as_t_f") {
        return;
    }
    let (c, _, follower) = cluster().await;
    let port = c.pg_port(follower);
    at_ok(port, &["CREATE TABLE b (id INTEGER PRIMARY KEY, ok BOOLEAN)", "INSERT INTO b VALUES (1, true), (2, false)"]);
    assert_eq!(at_ok(port, &["SELECT id, ok FROM b ORDER BY id"]), "1|t\n2|f\n");
    assert_eq!(at_ok(port, &["SELECT true, false, 1 = 1, NULL IS NULL, 2 < 1"]), "t|f|t|t|f\n");
    assert_eq!(
        at_ok(port, &["SELECT id, id > 1, EXISTS (SELECT 1 FROM b WHERE ok) FROM b ORDER BY id"]),
        "1|f|t\n2|t|t\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_read_only_transactions_name_the_refused_command() {
    if !have_psql("psql_read_only_transactions_name_the_refused_command") {
        return;
    }
    let (c, _, follower) = cluster().await;
    let port = c.pg_port(follower);
    at_ok(port, &["CREATE TABLE ro (id INTEGER PRIMARY KEY)", "CREATE SEQUENCE ro_s"]);
    for (commands, refused) in [
        (vec!["BEGIN READ ONLY", "INSERT INTO ro VALUES (1)"], "INSERT"),
        (vec!["BEGIN", "SET TRANSACTION READ ONLY", "SELECT nextval('ro_s')"], "nextval()"),
        (vec!["SET default_transaction_read_only = on", "CREATE TABLE ro2 (id int)"], "CREATE TABLE"),
    ] {
        let out = at(port, &commands);
        let expected = format!("ERROR:  cannot execute {refused} in a read-only transaction");
        assert!(out.stderr.contains(&expected), "{commands:?}: {}", out.stderr);
    }
    // Nothing was written, and every node is still up.
    for id in 1..=3 {
        assert_eq!(at_ok(c.pg_port(id), &["SELECT count(*) FROM ro"]), "0\n");
    }
}
