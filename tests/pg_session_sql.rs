//! Session-level SQL against a real PostgreSQL 15: PREPARE/EXECUTE/DEALLOCATE, cursors, DISCARD ALL,
//! transactional SET and SET LOCAL, set_config(), `SHOW transaction_read_only`, `pg_is_in_recovery()`,
//! `current_database()`: one psql script, run through a follower of a three-node cluster and through
//! PostgreSQL, must print the same, errors and warnings included. Then what drivers and libpq rely on: DEALLOCATE
//! of a statement prepared through the extended protocol, and libpq's `target_session_attrs` choosing a node.

mod cli_support;
mod common;

use std::time::Duration;

use cli_support::oracle::Oracle;
use cli_support::{client, psql, run};
use common::procs::ProcCluster;

const RUN: Duration = Duration::from_secs(60);

const SCRIPT: &str = r#"select pg_catalog.version() like 'PostgreSQL 15%' as v;
select current_database(), current_catalog, pg_is_in_recovery();
show transaction_read_only;
begin read only;
show transaction_read_only;
commit;
create table tt (a int, b text);
insert into tt values (1, 'one'), (2, 'two'), (3, 'three');
prepare q (int) as select b from tt where a = $1;
execute q(2);
execute q(1 + 2);
execute q;
prepare q as select 1;
deallocate q;
execute q(1);
deallocate prepare q;
prepare ins as insert into tt values ($1, $2);
execute ins(4, 'four');
deallocate all;
execute ins(5, 'x');
declare c cursor for select a from tt order by a;
begin;
declare c cursor for select a, b from tt order by a;
declare c cursor for select 1;
rollback;
begin;
declare c scroll cursor for select a, b from tt order by a;
fetch 2 from c;
fetch next c;
move forward 1 in c;
fetch all from c;
fetch backward 2 from c;
fetch absolute -1 c;
fetch prior c;
fetch relative 0 from c;
fetch c;
close c;
fetch c;
fetch c;
rollback;
begin;
declare h cursor with hold for select a from tt where a > 2 order by a;
declare n cursor for select 1;
commit;
fetch all h;
fetch n;
close all;
set application_name = 'outer';
begin;
set application_name = 'inner';
set local statement_timeout = '5s';
show statement_timeout;
rollback;
show application_name;
begin;
set local statement_timeout = '5s';
set application_name = 'kept';
commit;
show statement_timeout;
show application_name;
set local statement_timeout = '7s';
show statement_timeout;
begin;
discard all;
rollback;
prepare gone as select 1;
discard all;
execute gone;
show application_name;
select set_config('application_name', 'viaf', false);
show application_name;
vacuum analyze tt;
analyze;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn session_commands_match_postgresql() {
    let oracle = Oracle::start();
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let script = |port: u16| {
        let out = run(psql(port).args(["-v", "ON_ERROR_STOP=0", "-f", "-"]), Some(SCRIPT), RUN);
        format!("{}\n--- stderr ---\n{}", out.stdout, out.stderr)
    };
    let ours = script(cluster.nodes[follower as usize - 1].pg_port);
    let theirs = script(oracle.port);
    assert_eq!(ours, theirs, "raftsql (left) and PostgreSQL 15 (right) printed differently");
    for line in [
        "DETAIL:  Expected 1 parameters but got 0.",
        "ERROR:  prepared statement \"ins\" does not exist",
        "ERROR:  DECLARE CURSOR can only be used in transaction blocks",
        "ERROR:  cursor \"c\" already exists",
        "ERROR:  current transaction is aborted, commands ignored until end of transaction block",
        "WARNING:  SET LOCAL can only be used in transaction blocks",
        "ERROR:  DISCARD ALL cannot run inside a transaction block",
        "ERROR:  cursor \"n\" does not exist",
        " raftsql          | raftsql         | f",
        "MOVE 1",
        " viaf",
    ] {
        assert!(ours.contains(line), "missing {line:?} in:\n{ours}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deallocate_reaches_protocol_statements_and_libpq_finds_a_primary() {
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let c = cluster.pg_client(follower).await;
    // DEALLOCATE ALL drops the statements the extended protocol prepared (tokio-postgres's names are its own;
    // psycopg's by-name DEALLOCATE is tested in tests/python).
    let st = c.prepare("SELECT $1::int8 + 1").await.unwrap();
    assert_eq!(c.query_one(&st, &[&41i64]).await.unwrap().get::<_, i64>(0), 42);
    c.batch_execute("DEALLOCATE ALL").await.unwrap();
    let e = c.query_one(&st, &[&41i64]).await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("26000"), "{e:?}");
    // The current database is the one the client named; any name reaches the cluster's one database.
    let other = run(
        client("psql").args([
            "-X",
            "-At",
            "-c",
            "SELECT current_database()",
            &format!("host=127.0.0.1 port={} user=raftsql dbname=appdb", cluster.nodes[0].pg_port),
        ]),
        None,
        RUN,
    );
    assert_eq!(other.stdout, "appdb\n", "{}", other.stderr);

    // libpq's multi-host failover: every node takes writes, so read-write and primary accept the first node
    // listed, and standby finds none.
    let hosts: Vec<String> = cluster.nodes.iter().map(|_| "127.0.0.1".to_string()).collect();
    let ports: Vec<String> = cluster.nodes.iter().map(|n| n.pg_port.to_string()).collect();
    for (attrs, expect_ok) in [("read-write", true), ("primary", true), ("any", true), ("standby", false)] {
        let conninfo = format!(
            "host={} port={} user=raftsql dbname=raftsql target_session_attrs={attrs}",
            hosts.join(","),
            ports.join(",")
        );
        let out = run(client("psql").args(["-X", "-At", "-c", "SELECT 1", &conninfo]), None, RUN);
        assert_eq!(out.code == 0, expect_ok, "{attrs}: {}{}", out.stdout, out.stderr);
        if !expect_ok {
            assert!(out.stderr.contains("server is not in hot standby mode"), "{attrs}: {}", out.stderr);
        }
    }
}

/// Everything the server sends until it closes the connection.
fn read_to_end(mut socket: std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut out = Vec::new();
    let _ = socket.read_to_end(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_are_told_when_a_node_shuts_down() {
    use std::io::{Read, Write};
    let mut cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    // A client speaking the protocol itself (trust authentication), so that what the server sends before closing
    // is read byte for byte, whatever a driver makes of an unsolicited error.
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", cluster.nodes[follower as usize - 1].pg_port)).unwrap();
    let mut startup = Vec::new();
    startup.extend_from_slice(&196_608i32.to_be_bytes());
    for (k, v) in [("user", "raftsql"), ("database", "raftsql")] {
        startup.extend_from_slice(format!("{k}\0{v}\0").as_bytes());
    }
    startup.push(0);
    let mut message = ((startup.len() + 4) as i32).to_be_bytes().to_vec();
    message.extend(startup);
    socket.write_all(&message).unwrap();
    // Read until ReadyForQuery ('Z', length 5, status).
    socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut seen = Vec::new();
    while !seen.windows(6).any(|w| w == [b'Z', 0, 0, 0, 5, b'I']) {
        let mut buf = [0u8; 4096];
        let n = socket.read(&mut buf).unwrap();
        assert!(n > 0, "closed before ReadyForQuery");
        seen.extend_from_slice(&buf[..n]);
    }
    // An idle client hears FATAL 57P01 (admin_shutdown), as from PostgreSQL's fast shutdown, then the close.
    assert_eq!(cluster.terminate(follower), Some(0));
    let rest = read_to_end(socket);
    assert_eq!(rest.first(), Some(&b'E'), "{rest:?}");
    let text = String::from_utf8_lossy(&rest);
    assert!(text.contains("SFATAL") && text.contains("C57P01"), "{text:?}");
    assert!(text.contains("terminating connection due to administrator command"), "{text:?}");
}
