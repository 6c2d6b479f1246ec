//! The sequence of a serial or identity column, `<table>_<column>_seq` as PostgreSQL names it: SQLite's
//! `AUTOINCREMENT` counter of the table (`sqlite_sequence`), which gives a new row the key after the larger of
//! the counter and the largest key. `nextval` moves that counter, so the rows inserted later get keys after
//! the value handed out; `setval` sets it (a key already in the table still wins, where PostgreSQL's sequence
//! would go on to collide with it).

use rusqlite::{Connection, OptionalExtension};

use crate::db::serial_columns;

/// The table and column whose key a serial sequence gives.
pub struct Owner {
    pub table: String,
    pub column: String,
    /// The largest key the column's type holds (the row key 2^63-1 is reserved: `determinism`).
    max: i64,
}

/// The serial column whose sequence is called `name`, if any.
pub fn owner(conn: &Connection, name: &str) -> rusqlite::Result<Option<Owner>> {
    if !name.ends_with("_seq") {
        return Ok(None);
    }
    // Called by every nextval: only the tables whose name begins the sequence's get their columns listed.
    let mut stmt = conn.prepare(
        "SELECT s.name, s.sql, p.name FROM sqlite_schema s JOIN pragma_table_info(s.name) p \
         WHERE s.type = 'table' AND s.name NOT LIKE '\\_\\_raftsql%' ESCAPE '\\' \
           AND substr(?1, 1, length(s.name) + 1) = s.name || '_' AND p.pk = 1 \
           AND upper(p.type) = 'INTEGER' AND s.name || '_' || p.name || '_seq' = ?1",
    )?;
    let found: Option<(String, String, String)> =
        stmt.query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
    Ok(found.and_then(|(table, sql, column)| {
        let (declared, _) = serial_columns::marked(&sql)?;
        let max = match declared {
            "INT2" => i16::MAX.into(),
            "INT4" => i32::MAX.into(),
            _ => i64::MAX - 1,
        };
        Some(Owner { table, column, max })
    }))
}

impl Owner {
    /// The key the table's next row would get without an explicit one, less one.
    fn current(&self, conn: &Connection) -> rusqlite::Result<i64> {
        let table = crate::db::writer::quote_ident(&self.table);
        conn.query_row(
            &format!(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0), \
                 coalesce((SELECT max(rowid) FROM {table}), 0))"
            ),
            [&self.table],
            |r| r.get(0),
        )
    }

    fn set_counter(&self, conn: &Connection, value: i64) -> rusqlite::Result<()> {
        if conn.execute("UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1", rusqlite::params![self.table, value])?
            == 0
        {
            conn.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                rusqlite::params![self.table, value],
            )?;
        }
        Ok(())
    }

    /// `nextval`: the next key, which no row inserted later will get.
    pub fn next(&self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        let next = self.current(conn)?.saturating_add(1);
        if next > self.max {
            return Err(super::reached("maximum", name, self.max));
        }
        self.set_counter(conn, next)?;
        Ok(next)
    }

    /// `setval(value, is_called)`.
    pub fn set(&self, conn: &Connection, name: &str, value: i64, is_called: bool) -> rusqlite::Result<()> {
        if value < 1 || value > self.max {
            return Err(super::out_of_bounds(value, name, 1, self.max));
        }
        self.set_counter(conn, if is_called { value } else { value - 1 })
    }
}
