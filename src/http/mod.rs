//! The admin HTTP endpoint (`--http-addr`): `/health` (the process answers and Raft runs), `/ready` (a leader
//! is known and this node is caught up enough to serve a linearizable read), `/status` (JSON view of the
//! cluster), `/metrics` (Prometheus text) and `/backup` (a consistent copy of the database). A deliberately
//! small HTTP/1.1 server: one GET per connection, a bounded number of connections, a deadline for the
//! request head. `/backup` hands out all data: with users configured it needs a superuser's name and password
//! (HTTP Basic); the other paths show no data and stay open.

mod backup;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use crate::pg::PgShared;
use crate::raft::NodeCore;

pub use metrics::metrics;

/// Admin connections served at once; more are closed.
const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves admin requests until `stop` turns true.
pub async fn serve(listener: TcpListener, core: Arc<NodeCore>, pg: Arc<PgShared>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let backups = Arc::new(Semaphore::new(1));
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => {
                    let Ok(slot) = slots.clone().try_acquire_owned() else { continue };
                    let (core, pg, backups) = (core.clone(), pg.clone(), backups.clone());
                    tokio::spawn(async move {
                        if let Err(e) = handle(socket, &core, &pg, &backups).await {
                            tracing::debug!(error = %e, "admin request failed");
                        }
                        drop(slot);
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting an admin connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

async fn respond(socket: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    respond_with(socket, status, content_type, "", body).await
}

async fn respond_with(
    socket: &mut TcpStream,
    status: &str,
    content_type: &str,
    extra_headers: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(body).await?;
    socket.shutdown().await
}

/// The request head (no bodies are accepted), or `None` when the client was too slow or sent nothing.
async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    let read = tokio::time::timeout(HEAD_TIMEOUT, async {
        loop {
            let n = socket.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") || len == buf.len() {
                break;
            }
        }
        Ok::<(), std::io::Error>(())
    })
    .await;
    matches!(read, Ok(Ok(()))).then(|| String::from_utf8_lossy(&buf[..len]).into_owned())
}

/// The user and password of an `Authorization: Basic` header.
fn basic_credentials(head: &str) -> Option<(String, String)> {
    let value = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim().eq_ignore_ascii_case("authorization").then(|| value.trim().to_string())
    })?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

async fn handle(
    mut socket: TcpStream,
    core: &Arc<NodeCore>,
    pg: &Arc<PgShared>,
    backups: &Arc<Semaphore>,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut socket).await else {
        return Ok(());
    };
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" {
        return respond(&mut socket, "405 Method Not Allowed", "text/plain", b"only GET\n").await;
    }
    match path {
        "/health" => match core.fatal_error() {
            None => respond(&mut socket, "200 OK", "application/json", b"{\"status\":\"ok\"}\n").await,
            Some(e) => {
                let body = serde_json::json!({ "status": "fatal", "error": e });
                respond(&mut socket, "503 Service Unavailable", "application/json", format!("{body}\n").as_bytes())
                    .await
            }
        },
        "/ready" => {
            let leader = core.raft.metrics().borrow().current_leader;
            let caught_up = tokio::time::timeout(Duration::from_secs(2), core.read_barrier()).await;
            let ready = leader.is_some() && matches!(caught_up, Ok(Ok(())));
            let body =
                format!("{{\"ready\":{ready},\"leader\":{}}}\n", leader.map_or("null".into(), |l| l.to_string()));
            let status = if ready { "200 OK" } else { "503 Service Unavailable" };
            respond(&mut socket, status, "application/json", body.as_bytes()).await
        }
        "/status" => {
            let status = core.status();
            let body = serde_json::json!({
                "node": status,
                "pg_connections": pg.open_connections(),
            });
            respond(&mut socket, "200 OK", "application/json", format!("{body}\n").as_bytes()).await
        }
        "/metrics" => {
            let text = metrics(core, pg);
            respond(&mut socket, "200 OK", "text/plain; version=0.0.4", text.as_bytes()).await
        }
        "/backup" => {
            let users = &pg.options.users;
            let allowed = match basic_credentials(&head) {
                _ if users.is_empty() => true,
                Some((user, password)) => users.check_password(&user, &password) && users.is_superuser(&user),
                None => false,
            };
            if !allowed {
                let challenge = "WWW-Authenticate: Basic realm=\"raftsql\", charset=\"UTF-8\"\r\n";
                let body = b"a backup needs a superuser's name and password (HTTP Basic)\n";
                return respond_with(&mut socket, "401 Unauthorized", "text/plain", challenge, body).await;
            }
            let Ok(_running) = backups.clone().try_acquire_owned() else {
                return respond(&mut socket, "503 Service Unavailable", "text/plain", b"a backup is already running\n")
                    .await;
            };
            backup::stream(&mut socket, core).await
        }
        _ => respond(&mut socket, "404 Not Found", "text/plain", b"not found\n").await,
    }
}
