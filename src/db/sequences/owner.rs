//! `OWNED BY table.column`: a sequence that goes with its table, as PostgreSQL drops it with the table. The owner
//! is kept by the table's `sqlite_schema` rowid (which renames and schema edits keep; the catalogs' OIDs are made
//! of it too) and the column's name (for the catalogs). After any schema change a sequence whose table is gone
//! is dropped (`drop_orphans`); a dropped or renamed column keeps its sequence, where PostgreSQL would drop it.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{fail, Result, KEY_PREFIX};
use crate::db::writer::META_TABLE;

/// What `OWNED BY` names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OwnedBy {
    /// `OWNED BY NONE`.
    Nobody,
    Column {
        table: String,
        column: String,
    },
}

/// The owner to record for `owned`: the table's rowid and the column's name; `None` for `OWNED BY NONE`.
pub fn resolve(conn: &Connection, owned: &OwnedBy) -> Result<Option<(i64, String)>> {
    let OwnedBy::Column { table, column } = owned else { return Ok(None) };
    let rowid: Option<i64> = conn
        .query_row("SELECT rowid FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE", [table], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(rowid) = rowid else {
        return Err(fail("42P01", format!("relation \"{table}\" does not exist")));
    };
    let has_column: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2 COLLATE NOCASE)",
        [table, column],
        |r| r.get(0),
    )?;
    if !has_column {
        return Err(fail("42703", format!("column \"{column}\" of relation \"{table}\" does not exist")));
    }
    Ok(Some((rowid, column.clone())))
}

/// Drops the sequences whose owning table no longer exists (after any schema change), as PostgreSQL drops them
/// with it.
pub fn drop_orphans(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "DELETE FROM {META_TABLE} WHERE key LIKE '{KEY_PREFIX}%' \
             AND json_extract(value, '$.owner_table') IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM sqlite_schema s WHERE s.type = 'table' \
                             AND s.rowid = json_extract(value, '$.owner_table'))"
        ),
        [],
    )?;
    Ok(())
}
