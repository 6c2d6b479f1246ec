//! Authentication, TLS and connection limits with real clients: SCRAM-SHA-256 against stored verifiers
//! (tokio-postgres), TLS after SSLRequest and cleartext passwords only over TLS (psql), 53300 beyond
//! --max-connections, and a malformed message that ends only its own connection.

mod common;

use std::io::{Read, Write};
use std::process::Command;

use common::procs::ProcCluster;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

fn self_signed(dir: &std::path::Path) -> (String, String) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed to make a test certificate")
        .status
        .success();
    assert!(ok, "openssl failed");
    (cert.display().to_string(), key.display().to_string())
}

fn psql(port: u16, user: &str, password: &str, sslmode: &str, sql: &str) -> (bool, String) {
    let out = Command::new("psql")
        .arg(format!("host=127.0.0.1 port={port} user={user} dbname=raftsql sslmode={sslmode}"))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGPASSWORD", password)
        .output()
        .expect("psql");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_tls_and_password_over_tls() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path());
    let c = ProcCluster::start_with(
        1,
        vec![
            "--user".into(),
            "alice:s3cret".into(),
            "--tls-cert".into(),
            cert.clone(),
            "--tls-key".into(),
            key.clone(),
        ],
    )
    .await;
    let port = c.pg_port(1);

    // SCRAM-SHA-256 with tokio-postgres (no TLS).
    let conn = format!("host=127.0.0.1 port={port} user=alice password=s3cret dbname=raftsql");
    let (client, connection) = tokio_postgres::connect(&conn, NoTls).await.unwrap();
    tokio::spawn(connection);
    let who: String = client.query_one("SELECT current_user", &[]).await.unwrap().get(0);
    assert_eq!(who, "alice");
    let bad =
        tokio_postgres::connect(&format!("host=127.0.0.1 port={port} user=alice password=nope dbname=raftsql"), NoTls)
            .await
            .err()
            .expect("a wrong password must be refused");
    assert_eq!(bad.code(), Some(&SqlState::INVALID_PASSWORD), "{bad:?}");
    assert!(tokio_postgres::connect(&format!("host=127.0.0.1 port={port} user=mallory password=s3cret"), NoTls)
        .await
        .is_err());

    // TLS after SSLRequest (psql sslmode=require), and the same server still speaks plaintext SCRAM.
    let (ok, out) = psql(port, "alice", "s3cret", "require", "SELECT 'over tls'");
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "over tls");
    let (ok, out) = psql(port, "alice", "s3cret", "disable", "SELECT 'plain'");
    assert!(ok, "{out}");
    drop(c);

    // Cleartext passwords: accepted over TLS, refused without it.
    let users = certs.path().join("users");
    let line = Command::new(env!("CARGO_BIN_EXE_raftsql"))
        .args(["passwd", "bob"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(b"hunter2\n")?;
            child.wait_with_output()
        })
        .unwrap();
    std::fs::write(&users, &line.stdout).unwrap();
    assert!(String::from_utf8_lossy(&line.stdout).starts_with("bob SCRAM-SHA-256$4096:"));
    let c = ProcCluster::start_with(
        1,
        vec![
            "--users-file".into(),
            users.display().to_string(),
            "--auth-method".into(),
            "password".into(),
            "--tls-cert".into(),
            cert,
            "--tls-key".into(),
            key,
        ],
    )
    .await;
    let port = c.pg_port(1);
    let (ok, out) = psql(port, "bob", "hunter2", "require", "SELECT current_user");
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "bob");
    let (ok, out) = psql(port, "bob", "hunter2", "disable", "SELECT 1");
    assert!(!ok && out.contains("only accepted over TLS"), "{out}");
    let (ok, _) = psql(port, "bob", "wrong", "require", "SELECT 1");
    assert!(!ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_and_malformed_messages() {
    let c = ProcCluster::start_with(1, vec!["--max-connections".into(), "2".into()]).await;
    let conn = c.conn_str(1);
    let mut clients = Vec::new();
    for _ in 0..2 {
        let (client, connection) = tokio_postgres::connect(&conn, NoTls).await.unwrap();
        tokio::spawn(connection);
        clients.push(client);
    }
    let refused = tokio_postgres::connect(&conn, NoTls).await.err().expect("a third connection must be refused");
    assert_eq!(refused.code(), Some(&SqlState::TOO_MANY_CONNECTIONS), "{refused:?}");
    // Closing one frees its slot.
    drop(clients.pop());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let again = loop {
        match tokio_postgres::connect(&conn, NoTls).await {
            Ok(ok) => break ok,
            Err(e) if std::time::Instant::now() < deadline => {
                assert_eq!(e.code(), Some(&SqlState::TOO_MANY_CONNECTIONS));
                tokio::time::sleep(std::time::Duration::from_millis(20)).await; // poll interval of a wait with a deadline
            }
            Err(e) => panic!("slot not released: {e:?}"),
        }
    };
    tokio::spawn(again.1);

    // Garbage on a raw socket: a startup packet with an absurd length, then a message with a bogus type.
    let addr = format!("127.0.0.1:{}", c.pg_port(1));
    let mut raw = std::net::TcpStream::connect(&addr).unwrap();
    raw.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    raw.write_all(&[0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]).unwrap();
    let mut buf = Vec::new();
    let _ = raw.read_to_end(&mut buf); // the server closes this connection (possibly after an error message)
                                       // The established session is untouched.
    let one: i32 = clients[0].query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}
