//! Keeps the values of `numeric`, `jsonb`, array and date/time columns in canonical form (and those of a `GENERATED ALWAYS`
//! identity column the table's own): for each table with `NUMERIC_TEXT`, `JSONB` or array (`_INT4`, ...)
//! columns, an AFTER INSERT and an AFTER UPDATE trigger rewrite a value that is not the canonical text of the
//! column's type (`1.5` into `numeric(10,2)` is stored `1.50`; `12345678901234567890.5` that would not fit
//! gives 22003; `{"b":1,"a":2}` in a jsonb column is stored `{"a": 2, "b": 1}`, so equal jsonb values are equal
//! texts).
//!
//! Triggers catch every way a value arrives (INSERT, UPDATE, upsert, INSERT ... SELECT, COPY) without the
//! translator knowing the schema. They are derived from the schema alone: after any statement that changed the
//! schema, the writer calls `sync`, which makes the triggers match the tables' columns again. That runs in the
//! apply path on every replica, so every replica has the same triggers.

use std::collections::BTreeMap;

use rusqlite::Connection;

const INSERT_PREFIX: &str = "__raftsql_canonical_ins_";
const UPDATE_PREFIX: &str = "__raftsql_canonical_upd_";

const ALWAYS_INSERT_PREFIX: &str = "__raftsql_canonical_always_ins_";
const ALWAYS_UPDATE_PREFIX: &str = "__raftsql_canonical_always_upd_";

/// The names of the triggers `sync` keeps on `table` (a DROP COLUMN drops them first: SQLite will not drop a
/// column a trigger names).
pub fn trigger_names(table: &str) -> [String; 4] {
    [
        format!("{INSERT_PREFIX}{table}"),
        format!("{UPDATE_PREFIX}{table}"),
        format!("{ALWAYS_INSERT_PREFIX}{table}"),
        format!("{ALWAYS_UPDATE_PREFIX}{table}"),
    ]
}

/// The triggers that keep a `GENERATED ALWAYS AS IDENTITY` column's values the table's own (428C9 for an
/// explicit value, as PostgreSQL): in a BEFORE INSERT trigger SQLite shows a rowid not given as -1 (an explicit
/// -1 or NULL looks the same and gets through), and an UPDATE may not change it.
fn identity_always_triggers(conn: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String)>> {
    use crate::db::serial_columns::{marked_table, SerialKind};
    let always = marked_table(conn, table).is_some_and(|(_, kind)| kind == SerialKind::IdentityAlways);
    if !always {
        return Ok(Vec::new());
    }
    let column: Option<String> = conn
        .prepare_cached("SELECT name FROM pragma_table_info(?1) WHERE pk = 1 AND upper(type) = 'INTEGER'")?
        .query_row([table], |r| r.get(0))
        .ok();
    let Some(column) = column else { return Ok(Vec::new()) };
    let (t, c) = (quote(table), quote(&column));
    let text = |m: String| m.replace('\'', "''");
    let [_, _, ins, upd] = trigger_names(table);
    Ok(vec![
        (
            ins.clone(),
            format!(
                "CREATE TRIGGER {} BEFORE INSERT ON {t} FOR EACH ROW WHEN NEW.{c} <> -1 BEGIN SELECT RAISE(ABORT, '{}'); END",
                quote(&ins),
                text(format!("[428C9] cannot insert a non-DEFAULT value into column \"{column}\""))
            ),
        ),
        (
            upd.clone(),
            format!(
                "CREATE TRIGGER {} BEFORE UPDATE OF {c} ON {t} FOR EACH ROW WHEN NEW.{c} IS NOT OLD.{c} \
                 BEGIN SELECT RAISE(ABORT, '{}'); END",
                quote(&upd),
                text(format!("[428C9] column \"{column}\" can only be updated to DEFAULT"))
            ),
        ),
    ])
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQL of the canonical value of column `c` (`NEW."c"`) and of the test that it is not canonical yet, for a
/// column declared `decl`; `None` for columns kept as they are.
fn canonical_sql(decl: &str, c: &str) -> Option<(String, String)> {
    if decl.trim().eq_ignore_ascii_case("JSONB") {
        return Some((format!("pg_jsonb(NEW.{c})"), format!("pg_jsonb_unfit(NEW.{c})")));
    }
    // Arrays (`_INT4`, ...): PostgreSQL's text form or a JSON array becomes the canonical JSON array.
    if let Some(element) = decl.trim().strip_prefix('_') {
        let element = element.to_ascii_uppercase().replace('\'', "");
        return Some((format!("pg_array(NEW.{c}, '{element}')"), format!("pg_array_unfit(NEW.{c}, '{element}')")));
    }
    // Dates and times: one text per value (a timestamptz in UTC, offset written), so they compare and sort
    // in time order (`db::datetime`).
    if let Some(f) = crate::db::datetime::functions::Target::of_decl(decl).map(|t| t.function()) {
        return Some((format!("{f}(NEW.{c})"), format!("NEW.{c} IS NOT {f}(NEW.{c})")));
    }
    let (p, s) = numeric_typmod(decl)?;
    Some((format!("pg_numeric(NEW.{c}, {p}, {s})"), format!("pg_numeric_unfit(NEW.{c}, {p}, {s})")))
}

/// `(precision, scale)` of a `NUMERIC_TEXT[(p[,s])]` declared type, (-1, -1) without a modifier; `None` for other
/// types.
fn numeric_typmod(decl: &str) -> Option<(i64, i64)> {
    let upper = decl.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("NUMERIC_TEXT")?.trim();
    if rest.is_empty() {
        return Some((-1, -1));
    }
    let inside = rest.strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = inside.split(',').map(|p| p.trim().parse::<i64>());
    let p = parts.next()?.ok()?;
    let s = match parts.next() {
        Some(s) => s.ok()?,
        None => 0,
    };
    Some((p, s))
}

/// The trigger SQL a table needs for its numeric columns (name → CREATE TRIGGER), none if it has none.
fn wanted_triggers(conn: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT name, type FROM pragma_table_info(?1)")?;
    let columns: Vec<(String, (String, String))> = stmt
        .query_map([table], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|c| c.ok())
        .filter_map(|(name, decl)| canonical_sql(&decl, &quote(&name)).map(|t| (name, t)))
        .collect();
    let identity = identity_always_triggers(conn, table)?;
    if columns.is_empty() {
        return Ok(identity);
    }
    let t = quote(table);
    let unfit: Vec<String> = columns.iter().map(|(_, (_, unfit))| unfit.clone()).collect();
    let sets: Vec<String> = columns.iter().map(|(c, (value, _))| format!("{} = {value}", quote(c))).collect();
    let names: Vec<String> = columns.iter().map(|(c, _)| quote(c)).collect();
    let body = format!(
        "FOR EACH ROW WHEN {} BEGIN UPDATE {t} SET {} WHERE rowid = NEW.rowid; END",
        unfit.join(" OR "),
        sets.join(", ")
    );
    let [ins, upd, ..] = trigger_names(table);
    let mut triggers = vec![
        (ins.clone(), format!("CREATE TRIGGER {} AFTER INSERT ON {t} {body}", quote(&ins))),
        (upd.clone(), format!("CREATE TRIGGER {} AFTER UPDATE OF {} ON {t} {body}", quote(&upd), names.join(", "))),
    ];
    triggers.extend(identity);
    Ok(triggers)
}

/// Makes the numeric triggers match the schema: creates missing ones, replaces changed ones, drops those of
/// tables without numeric columns. Cheap when nothing changed (one read of the schema).
pub fn sync(conn: &Connection) -> rusqlite::Result<()> {
    let tables: Vec<String> = conn
        .prepare_cached(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE '\\_\\_raftsql%' ESCAPE '\\' AND sql NOT LIKE '%WITHOUT ROWID%' \
             AND (sql LIKE '%NUMERIC\\_TEXT%' ESCAPE '\\' OR sql LIKE '%JSONB%' OR sql LIKE '% \\_%' ESCAPE '\\' \
             OR sql LIKE '%DATE%' OR sql LIKE '%TIME%' OR sql LIKE '%INTERVAL%' \
             OR sql LIKE '%\\_\\_raftsql\\_identity\\_always%' ESCAPE '\\')",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let existing: BTreeMap<String, String> = conn
        .prepare_cached(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_\\_raftsql\\_canonical\\_%' \
             ESCAPE '\\'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut wanted = BTreeMap::new();
    for table in &tables {
        wanted.extend(wanted_triggers(conn, table)?);
    }
    for (name, sql) in &existing {
        if wanted.get(name) != Some(sql) {
            conn.execute_batch(&format!("DROP TRIGGER {}", quote(name)))?;
        }
    }
    for (name, sql) in &wanted {
        if existing.get(name) != Some(sql) {
            conn.execute_batch(sql)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        crate::db::numeric_functions::register(&c).unwrap();
        c
    }

    fn column(c: &Connection, sql: &str) -> Vec<String> {
        c.prepare(sql).unwrap().query_map([], |r| r.get::<_, String>(0)).unwrap().map(|r| r.unwrap()).collect()
    }

    #[test]
    fn triggers_store_canonical_values_and_follow_the_schema() {
        let c = conn();
        c.execute_batch("CREATE TABLE m (id INTEGER PRIMARY KEY, v NUMERIC_TEXT(6,2) COLLATE pg_numeric, w NUMERIC_TEXT COLLATE pg_numeric)")
            .unwrap();
        sync(&c).unwrap();
        c.execute_batch("INSERT INTO m VALUES (1, 1.5, '1e3'), (2, '2.345', 7); UPDATE m SET v = 3 WHERE id = 2")
            .unwrap();
        assert_eq!(column(&c, "SELECT v || '/' || w FROM m ORDER BY id"), ["1.50/1000", "3.00/7"]);
        let err = c.execute_batch("INSERT INTO m VALUES (3, 12345, 0)").unwrap_err();
        assert!(err.to_string().contains("[22003] numeric field overflow"), "{err}");
        // Dropping a numeric column: triggers off first, then back for what remains.
        for t in trigger_names("m") {
            c.execute_batch(&format!("DROP TRIGGER IF EXISTS {}", quote(&t))).unwrap();
        }
        c.execute_batch("ALTER TABLE m DROP COLUMN v").unwrap();
        sync(&c).unwrap();
        c.execute_batch("INSERT INTO m VALUES (4, 2.50)").unwrap();
        assert_eq!(column(&c, "SELECT w FROM m WHERE id = 4"), ["2.5"]);
        c.execute_batch("ALTER TABLE m RENAME TO n").unwrap();
        sync(&c).unwrap();
        assert_eq!(
            column(&c, "SELECT name FROM sqlite_schema WHERE type = 'trigger' ORDER BY name"),
            ["__raftsql_canonical_ins_n", "__raftsql_canonical_upd_n"]
        );
    }
}
