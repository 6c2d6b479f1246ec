//! `GET /backup`: a consistent copy of the database (one read transaction, SQLite's backup API, writes go on)
//! into a temporary file that is unlinked as soon as it is open, then streamed. The transfer has a deadline and
//! a client that stops reading is dropped, so a backup never holds disk space for long.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::http::respond;
use crate::raft::NodeCore;

/// How long one write to the client may block (a client that stops reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the whole transfer may last.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);

/// Streams a consistent copy of the database.
pub async fn stream(socket: &mut TcpStream, core: &NodeCore) -> std::io::Result<()> {
    let dir = core.options.data_dir.join("snapshots");
    let tmp = dir.join(format!("backup-{:x}.tmp", rand::random::<u64>()));
    let (db, dest) = (core.reads.path().to_path_buf(), tmp.clone());
    // The copy runs to its end (it reads a local file) even if the client is gone: the caller keeps the backup
    // slot until then, and the file is removed after it.
    let copied = tokio::task::spawn_blocking(move || crate::db::snapshot::copy_database(&db, &dest, &[])).await;
    let opened = match copied {
        Ok(Ok(_)) => tokio::fs::File::open(&tmp).await,
        _ => Err(std::io::Error::other("the copy failed")),
    };
    // Once open, the file is reachable only through this handle: its space is freed when the transfer ends,
    // however it ends.
    let _ = tokio::fs::remove_file(&tmp).await;
    let mut file = match opened {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "backup failed");
            return respond(socket, "500 Internal Server Error", "text/plain", b"backup failed\n").await;
        }
    };
    let size = file.metadata().await?.len();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.sqlite3\r\nContent-Length: {size}\r\n\
         Content-Disposition: attachment; filename=\"raftsql-backup.db\"\r\nConnection: close\r\n\r\n"
    );
    let transfer = async {
        socket.write_all(head.as_bytes()).await?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf).await?;
            if n == 0 {
                break;
            }
            tokio::time::timeout(WRITE_TIMEOUT, socket.write_all(&buf[..n]))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading"))??;
        }
        socket.shutdown().await
    };
    tokio::time::timeout(TRANSFER_TIMEOUT, transfer)
        .await
        .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "backup transfer took too long")))
}
