//! Sequences: `CREATE/ALTER/DROP SEQUENCE` as schema edits, and their state. A sequence is one row of the meta
//! table, `sequence:<name>` → JSON of its parameters and position (`Sequence`), changed only by replicated
//! statements (the edits here, `nextval`/`setval` in `sequences/functions.rs`), so every replica hands out the
//! same numbers. A sequence lives in the SQLite transaction of the statement that used it: a statement or
//! transaction that fails gives its numbers back (PostgreSQL never does), the same on every replica.
//!
//! The sequences PostgreSQL keeps for serial and identity columns are not rows here: SQLite's own
//! `AUTOINCREMENT` counter (`sqlite_sequence`) is that sequence (`sequences/serial.rs`).

mod functions;
mod owner;
mod serial;

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::db::schema_edit::SchemaEdit;
use crate::db::sqlstate;
use crate::db::writer::META_TABLE;

use functions::relation_name;
pub use functions::{
    mark, register, split_statement, take_used, wants_write, with_session, SequenceUse, SessionSequences,
};
pub use owner::{drop_orphans, OwnedBy};

/// How the meta table's keys of sequences begin; the rest is the sequence's name.
pub const KEY_PREFIX: &str = "sequence:";

/// OIDs of sequences are this plus a number given at `CREATE SEQUENCE` (the serials' are 3 900 000 000 + rowid).
pub const OID_BASE: u64 = 3_950_000_000;

/// A sequence as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub oid: u64,
    /// `int2`, `int4` or `int8`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The last value handed out, or the next one while `is_called` is false (PostgreSQL's pair).
    pub last_value: i64,
    pub is_called: bool,
    /// `OWNED BY`: the owning table's `sqlite_schema` rowid and the column (`owner.rs`).
    #[serde(default)]
    pub owner_table: Option<i64>,
    #[serde(default)]
    pub owner_column: Option<String>,
}

/// The options of `CREATE SEQUENCE` or `ALTER SEQUENCE`; `None` leaves the default (create) or the current
/// value (alter).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SequenceOptions {
    pub data_type: Option<String>,
    pub increment: Option<i64>,
    /// `MINVALUE n` or `NO MINVALUE` (`Bound::Default`).
    pub min: Option<Bound>,
    pub max: Option<Bound>,
    pub start: Option<i64>,
    /// `RESTART WITH n`, or a bare `RESTART` (`Bound::Default`: the start).
    pub restart: Option<Bound>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
    pub owned_by: Option<OwnedBy>,
}

/// A bound given, or the default asked for (`NO MAXVALUE`). Not `Option<i64>`: JSON would make `Some(None)` and
/// `None` alike.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Bound {
    Default,
    To(i64),
}

impl Bound {
    fn or(self, default: i64) -> i64 {
        match self {
            Bound::Default => default,
            Bound::To(v) => v,
        }
    }
}

/// One sequence statement, as the frontend sends it in a schema edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SequenceEdit {
    Create {
        name: String,
        if_not_exists: bool,
        options: SequenceOptions,
    },
    Alter {
        name: String,
        if_exists: bool,
        options: SequenceOptions,
        rename: Option<String>,
    },
    /// With `cascade`, the column defaults calling `nextval` on a dropped sequence go too.
    Drop {
        names: Vec<String>,
        if_exists: bool,
        cascade: bool,
    },
}

type Result<T> = std::result::Result<T, rusqlite::Error>;

fn fail(code: &str, message: String) -> rusqlite::Error {
    sqlstate::raise(code, &message)
}

/// The range of an integer type, and its name as PostgreSQL writes it in messages.
pub fn type_range(data_type: &str) -> (i64, i64, &'static str) {
    match data_type {
        "int2" => (i16::MIN.into(), i16::MAX.into(), "smallint"),
        "int4" => (i32::MIN.into(), i32::MAX.into(), "integer"),
        _ => (i64::MIN, i64::MAX, "bigint"),
    }
}

/// Reads sequence `name`, if there is one.
pub fn load(conn: &Connection, name: &str) -> Result<Option<Sequence>> {
    let json: Option<String> = conn
        .query_row(&format!("SELECT value FROM {META_TABLE} WHERE key = ?1"), [format!("{KEY_PREFIX}{name}")], |r| {
            r.get(0)
        })
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| fail("XX000", format!("damaged sequence \"{name}\": {e}"))))
        .transpose()
}

/// Writes sequence `name`.
pub fn store(conn: &Connection, name: &str, seq: &Sequence) -> Result<()> {
    let json = serde_json::to_string(seq).map_err(|e| fail("XX000", e.to_string()))?;
    conn.execute(
        &format!("INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?1, ?2)"),
        [format!("{KEY_PREFIX}{name}"), json],
    )?;
    Ok(())
}

fn remove(conn: &Connection, name: &str) -> Result<()> {
    conn.execute(&format!("DELETE FROM {META_TABLE} WHERE key = ?1"), [format!("{KEY_PREFIX}{name}")])?;
    Ok(())
}

/// Applies one sequence statement.
pub fn apply(conn: &Connection, edit: &SequenceEdit) -> Result<()> {
    match edit {
        SequenceEdit::Create { name, if_not_exists, options } => {
            if load(conn, name)?.is_some() || relation_exists(conn, name)? {
                return match if_not_exists {
                    true => Ok(()),
                    false => Err(fail("42P07", format!("relation \"{name}\" already exists"))),
                };
            }
            let oid = conn.query_row(
                &format!(
                    "SELECT coalesce(max(json_extract(value, '$.oid')), {OID_BASE}) + 1 FROM {META_TABLE} \
                     WHERE key LIKE '{KEY_PREFIX}%'"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
            let mut seq = configure(None, options, oid)?;
            own(conn, &mut seq, options)?;
            store(conn, name, &seq)
        }
        SequenceEdit::Alter { name, if_exists, options, rename } => {
            let Some(current) = load(conn, name)? else {
                if let Some(owner) = serial::owner(conn, name)? {
                    return restart_serial(conn, name, &owner, options, rename.is_some());
                }
                return not_a_sequence(conn, name, *if_exists, "relation");
            };
            let mut altered = configure(Some(&current), options, current.oid)?;
            own(conn, &mut altered, options)?;
            match rename {
                Some(new) if new != name => {
                    if load(conn, new)?.is_some() || relation_exists(conn, new)? {
                        return Err(fail("42P07", format!("relation \"{new}\" already exists")));
                    }
                    remove(conn, name)?;
                    store(conn, new, &altered)
                }
                _ => store(conn, name, &altered),
            }
        }
        SequenceEdit::Drop { names, if_exists, cascade } => {
            for name in names {
                if load(conn, name)?.is_none() {
                    if serial::owner(conn, name)?.is_some() {
                        return Err(depended_on(names, name));
                    }
                    not_a_sequence(conn, name, *if_exists, "sequence")?;
                    continue;
                }
                let dependents = dependents(conn, name)?;
                if !dependents.is_empty() && !cascade {
                    return Err(depended_on(names, name));
                }
                for (table, column) in dependents {
                    let drop_default = SchemaEdit::SetDefault { table, column, default: None };
                    crate::db::schema_edit::apply(conn, &[drop_default])?;
                }
                remove(conn, name)?;
            }
            Ok(())
        }
    }
}

/// Records the owner `OWNED BY` names, if the statement has one.
fn own(conn: &Connection, seq: &mut Sequence, options: &SequenceOptions) -> Result<()> {
    if let Some(owned) = &options.owned_by {
        let owner = owner::resolve(conn, owned)?;
        seq.owner_table = owner.as_ref().map(|(table, _)| *table);
        seq.owner_column = owner.map(|(_, column)| column);
    }
    Ok(())
}

/// Sequence `name`, one of `names` to drop, is a column's default (2BP01, in PostgreSQL's words).
fn depended_on(names: &[String], name: &str) -> rusqlite::Error {
    match names.len() {
        1 => fail("2BP01", format!("cannot drop sequence {name} because other objects depend on it")),
        _ => fail("2BP01", "cannot drop desired object(s) because other objects depend on them".into()),
    }
}

/// `ALTER SEQUENCE` of a serial column's sequence: only `RESTART [WITH n]`, which sets the table's counter.
fn restart_serial(
    conn: &Connection,
    name: &str,
    owner: &serial::Owner,
    options: &SequenceOptions,
    rename: bool,
) -> Result<()> {
    let only_restart = SequenceOptions { restart: None, ..options.clone() } == SequenceOptions::default();
    match options.restart {
        Some(restart) if only_restart && !rename => owner.set(conn, name, restart.or(1), false),
        None if only_restart && !rename => Ok(()),
        _ => Err(fail(
            "0A000",
            format!(
                "the sequence of column {} of table {} is the table's own counter in raftsql: only RESTART can \
                 change it",
                owner.column, owner.table
            ),
        )),
    }
}

/// The error for a sequence statement naming no sequence (nothing with IF EXISTS, PostgreSQL's notice aside);
/// `what` is how PostgreSQL's message calls what is missing.
fn not_a_sequence(conn: &Connection, name: &str, if_exists: bool, what: &str) -> Result<()> {
    if relation_exists(conn, name)? {
        return Err(fail("42809", format!("\"{name}\" is not a sequence")));
    }
    match if_exists {
        true => Ok(()),
        false => Err(fail("42P01", format!("{what} \"{name}\" does not exist"))),
    }
}

/// The columns (table, column) whose default calls `nextval` on sequence `name`: what PostgreSQL records as
/// depending on it.
fn dependents(conn: &Connection, name: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT t.name, p.name, p.dflt_value FROM sqlite_schema t JOIN pragma_table_info(t.name) p \
         WHERE t.type = 'table' AND p.dflt_value LIKE '%nextval%'",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    let mut found = Vec::new();
    for row in rows {
        let (table, column, default) = row?;
        if called_sequences(&default).iter().any(|s| relation_name(s).is_ok_and(|s| s == name)) {
            found.push((table, column));
        }
    }
    Ok(found)
}

/// The string literals given to `nextval(` in a default expression.
fn called_sequences(default: &str) -> Vec<String> {
    let lower = default.to_ascii_lowercase();
    let mut names = Vec::new();
    for (at, _) in lower.match_indices("nextval(") {
        let rest = default[at + "nextval(".len()..].trim_start();
        let Some(body) = rest.strip_prefix('\'') else { continue };
        let mut name = String::new();
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    name.push('\'');
                }
                '\'' => break,
                c => name.push(c),
            }
        }
        names.push(name);
    }
    names
}

/// Whether a table, view or index, or a serial column's sequence, has this name (one namespace in PostgreSQL).
fn relation_exists(conn: &Connection, name: &str) -> Result<bool> {
    let listed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view', 'index') AND name = ?1 \
         COLLATE NOCASE)",
        [name],
        |r| r.get(0),
    )?;
    Ok(listed || serial::owner(conn, name)?.is_some())
}

/// A sequence made (`current` is `None`) or changed by `o`, checked as PostgreSQL checks it.
pub fn configure(current: Option<&Sequence>, o: &SequenceOptions, oid: u64) -> Result<Sequence> {
    let data_type = match &o.data_type {
        Some(t) if matches!(t.as_str(), "int2" | "int4" | "int8") => t.clone(),
        Some(_) => return Err(fail("22023", "sequence type must be smallint, integer, or bigint".into())),
        None => current.map_or("int8".to_string(), |c| c.data_type.clone()),
    };
    let (type_min, type_max, type_name) = type_range(&data_type);
    let increment = o.increment.or(current.map(|c| c.increment)).unwrap_or(1);
    if increment == 0 {
        return Err(fail("22023", "INCREMENT must not be zero".into()));
    }
    // A bound that was its old type's limit follows a change of type, as in PostgreSQL.
    let old_limit = |bound: fn(&Sequence) -> i64, limit: fn(&str) -> i64| {
        current.filter(|c| o.data_type.is_some() && bound(c) == limit(&c.data_type)).is_none()
    };
    let kept_max = current.map(|c| c.max).filter(|_| old_limit(|c| c.max, |t| type_range(t).1));
    let kept_min = current.map(|c| c.min).filter(|_| old_limit(|c| c.min, |t| type_range(t).0));
    let max = match o.max {
        Some(bound) => bound.or(default_max(increment, type_max)),
        None => kept_max.unwrap_or_else(|| default_max(increment, type_max)),
    };
    let min = match o.min {
        Some(bound) => bound.or(default_min(increment, type_min)),
        None => kept_min.unwrap_or_else(|| default_min(increment, type_min)),
    };
    if max < type_min || max > type_max {
        return Err(fail("22023", format!("MAXVALUE ({max}) is out of range for sequence data type {type_name}")));
    }
    if min < type_min || min > type_max {
        return Err(fail("22023", format!("MINVALUE ({min}) is out of range for sequence data type {type_name}")));
    }
    if min >= max {
        return Err(fail("22023", format!("MINVALUE ({min}) must be less than MAXVALUE ({max})")));
    }
    let start = o.start.or(current.map(|c| c.start)).unwrap_or(if increment > 0 { min } else { max });
    if start < min {
        return Err(fail("22023", format!("START value ({start}) cannot be less than MINVALUE ({min})")));
    }
    if start > max {
        return Err(fail("22023", format!("START value ({start}) cannot be greater than MAXVALUE ({max})")));
    }
    let (last_value, is_called) = match (o.restart, current) {
        (Some(restart), _) => (restart.or(start), false),
        (None, Some(c)) => (c.last_value, c.is_called),
        (None, None) => (start, false),
    };
    if last_value < min {
        return Err(fail("22023", format!("RESTART value ({last_value}) cannot be less than MINVALUE ({min})")));
    }
    if last_value > max {
        return Err(fail("22023", format!("RESTART value ({last_value}) cannot be greater than MAXVALUE ({max})")));
    }
    let cache = o.cache.or(current.map(|c| c.cache)).unwrap_or(1);
    if cache <= 0 {
        return Err(fail("22023", format!("CACHE ({cache}) must be greater than zero")));
    }
    let cycle = o.cycle.or(current.map(|c| c.cycle)).unwrap_or(false);
    let owner_table = current.and_then(|c| c.owner_table);
    let owner_column = current.and_then(|c| c.owner_column.clone());
    Ok(Sequence {
        oid,
        data_type,
        start,
        increment,
        min,
        max,
        cache,
        cycle,
        last_value,
        is_called,
        owner_table,
        owner_column,
    })
}

/// `nextval` past the end of a sequence without CYCLE (2200H); `end` is "maximum" or "minimum".
fn reached(end: &str, name: &str, bound: i64) -> rusqlite::Error {
    fail("2200H", format!("nextval: reached {end} value of sequence \"{name}\" ({bound})"))
}

/// `setval` outside a sequence's range (22003).
fn out_of_bounds(value: i64, name: &str, min: i64, max: i64) -> rusqlite::Error {
    fail("22003", format!("setval: value {value} is out of bounds for sequence \"{name}\" ({min}..{max})"))
}

/// The next value of `seq`, which moves on to it.
fn advance(seq: &mut Sequence, name: &str) -> Result<i64> {
    if !seq.is_called {
        seq.is_called = true;
        return Ok(seq.last_value);
    }
    let next = seq.last_value.checked_add(seq.increment);
    seq.last_value = if seq.increment > 0 {
        match next {
            Some(n) if n <= seq.max => n,
            _ if seq.cycle => seq.min,
            _ => return Err(reached("maximum", name, seq.max)),
        }
    } else {
        match next {
            Some(n) if n >= seq.min => n,
            _ if seq.cycle => seq.max,
            _ => return Err(reached("minimum", name, seq.min)),
        }
    };
    Ok(seq.last_value)
}

fn default_max(increment: i64, type_max: i64) -> i64 {
    if increment > 0 {
        type_max
    } else {
        -1
    }
}

fn default_min(increment: i64, type_min: i64) -> i64 {
    if increment > 0 {
        1
    } else {
        type_min
    }
}

#[cfg(test)]
mod tests;
