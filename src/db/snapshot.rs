//! Consistent copies of the live database for Raft snapshots. The copy is taken inside one read transaction
//! (WAL lets the writer go on meanwhile), page by page through SQLite's backup API, so memory stays flat
//! whatever the size of the database; the metadata read in the same transaction says which log id it holds.

use std::fs::File;
use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;

use crate::db::read_pool::open_reader;
use crate::db::writer::{read_meta, META_TABLE};

/// Copies the database at `live` into a new file `dest` (fsynced), returning the metadata values `keys`
/// as they are in the copy.
pub fn copy_database(live: &Path, dest: &Path, keys: &[&str]) -> rusqlite::Result<Vec<Option<Vec<u8>>>> {
    let src = open_reader(live)?;
    src.execute_batch("BEGIN")?;
    // The first read opens the read transaction; the backup below reuses it, so the copy and the metadata
    // describe the same instant.
    let has_meta: bool =
        src.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [META_TABLE], |r| {
            r.get::<_, i64>(0).map(|n| n > 0)
        })?;
    let mut values = Vec::with_capacity(keys.len());
    for key in keys {
        values.push(if has_meta { read_meta(&src, key)? } else { None });
    }
    {
        let mut dst = Connection::open(dest)?;
        // No rollback journal for a file nobody reads before it is complete (and its header would draw from
        // SQLite's process-wide random generator, which the writer reseeds per replicated statement).
        dst.pragma_update(None, "journal_mode", "OFF")?;
        let backup = Backup::new(&src, &mut dst)?;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::Busy | StepResult::Locked => std::thread::sleep(std::time::Duration::from_millis(5)),
                _ => {}
            }
        }
    }
    src.execute_batch("COMMIT")?;
    File::open(dest).and_then(|f| f.sync_all()).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    Ok(values)
}
