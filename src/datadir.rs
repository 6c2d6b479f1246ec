//! The data directory's identity. A directory remembers the node id and the `--peers` list it was
//! created with, so starting it as another node or with another cluster's peers fails with a clear message
//! instead of silently joining the wrong history; `--restore-from` fills a new directory from a backup.

use std::path::Path;

use crate::config::Config;
use crate::error::StartError;

const IDENTITY_FILE: &str = "raftsql-node.txt";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StartError + '_ {
    move |source| StartError::Io { path: path.display().to_string(), source }
}

fn peers_text(config: &Config) -> String {
    config.peers.iter().map(|(id, addr)| format!("{id}={addr}")).collect::<Vec<_>>().join(",")
}

/// Checks (or records, on first use) the directory's identity, and restores a backup into a new directory.
pub fn prepare(config: &Config) -> Result<(), StartError> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let file = dir.join(IDENTITY_FILE);
    let expected = format!("id={}\npeers={}\n", config.id, peers_text(config));
    match std::fs::read_to_string(&file) {
        Ok(recorded) => {
            let field = |text: &str, key: &str| {
                text.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or("").to_string()
            };
            if field(&recorded, "id") != config.id.to_string() {
                return Err(StartError::Config(format!(
                    "data directory {} belongs to node {}, not node {}",
                    dir.display(),
                    field(&recorded, "id"),
                    config.id
                )));
            }
            let (was, now) = (field(&recorded, "peers"), peers_text(config));
            if !config.peers.is_empty() && !was.is_empty() && was != now {
                return Err(StartError::Config(format!(
                    "data directory {} was created with --peers {was}, not {now}: every node of a cluster keeps \
                     the --peers list it started with (change membership with the cluster commands instead)",
                    dir.display()
                )));
            }
            if config.restore_from.is_some() {
                return Err(StartError::Config(format!(
                    "--restore-from needs a new data directory; {} already holds a node",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(backup) = &config.restore_from {
                restore(backup, &dir.join("state.db"))?;
            }
            std::fs::write(&file, expected).map_err(io(&file))?;
        }
        Err(e) => return Err(io(&file)(e)),
    }
    Ok(())
}

/// Copies a backup into place as the node's database, without the old cluster's Raft metadata (the new
/// cluster's log starts from nothing; every initial node restores the same file).
fn restore(backup: &Path, db: &Path) -> Result<(), StartError> {
    let bad = |e: rusqlite::Error| StartError::Config(format!("{} is not a usable backup: {e}", backup.display()));
    {
        let src =
            rusqlite::Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(bad)?;
        let mut dst = rusqlite::Connection::open(db).map_err(bad)?;
        let b = rusqlite::backup::Backup::new(&src, &mut dst).map_err(bad)?;
        b.step(-1).map_err(bad)?;
    }
    let conn = rusqlite::Connection::open(db).map_err(bad)?;
    conn.execute_batch(&format!("DELETE FROM {}", crate::db::writer::META_TABLE)).map_err(bad)?;
    tracing::info!(backup = %backup.display(), "database restored from backup");
    Ok(())
}
