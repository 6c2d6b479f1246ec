//! `nextval`, `setval`, `currval` and `lastval`.
//!
//! `nextval` and `setval` change the database, so they run only on the writer, inside a replicated statement:
//! on a read connection they fail and ask for the statement to be sent through the log (`wants_write`). The
//! values they hand out are returned with the statement's result (`take_used`), and the session keeps them.
//! `currval` and `lastval` answer from the session, which is not part of the database: a statement that calls
//! them carries the session's values in a leading comment, `/* raftsql sequences <name>=<value> ... */`
//! (`mark`), read back by whoever runs it (`split_statement`, `with_session`), so every replica sees the same.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, OptionalExtension, MAIN_DB};
use serde::{Deserialize, Serialize};

use super::{advance, fail, load, out_of_bounds, serial, store, Result, KEY_PREFIX};
use crate::db::authorizer::InternalStatement;
use crate::db::writer::META_TABLE;

/// A value `nextval` (or `setval` with `is_called`) gave in a statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceUse {
    pub name: String,
    pub value: i64,
    /// From `nextval`: the sequence becomes `lastval`'s.
    pub by_nextval: bool,
}

/// What a session's `currval` and `lastval` answer: the last value each sequence gave it, and which sequence
/// `nextval` used last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionSequences {
    values: BTreeMap<String, i64>,
    last: Option<String>,
}

impl SessionSequences {
    /// Takes in the values a statement of the session used.
    pub fn remember(&mut self, uses: &[SequenceUse]) {
        for u in uses {
            self.values.insert(u.name.clone(), u.value);
            if u.by_nextval {
                self.last = Some(u.name.clone());
            }
        }
    }

    fn currval(&self, name: &str) -> Option<i64> {
        self.values.get(name).copied()
    }
}

thread_local! {
    /// The session values of the statement running on this thread.
    static SESSION: RefCell<SessionSequences> = RefCell::new(SessionSequences::default());
    /// What the statement running on this thread has used so far.
    static USED: RefCell<Vec<SequenceUse>> = const { RefCell::new(Vec::new()) };
    /// A read connection was asked for `nextval`/`setval`.
    static WANTS_WRITE: Cell<bool> = const { Cell::new(false) };
}

const MARK_PREFIX: &str = "/* raftsql sequences ";
const MARK_SUFFIX: &str = " */ ";

/// `sql` as logged for a session with `session`'s values: led by the comment carrying them when it calls
/// `currval` or `lastval` and the session has any. Names are written in hex, so no name can end the comment.
pub fn mark(session: &SessionSequences, sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    if session.values.is_empty() || !(lower.contains("currval") || lower.contains("lastval")) {
        return sql.to_string();
    }
    let mut words: Vec<String> = session.values.iter().map(|(n, v)| format!("{}={v}", hex(n))).collect();
    if let Some(last) = &session.last {
        words.push(format!("last={}", hex(last)));
    }
    format!("{MARK_PREFIX}{}{MARK_SUFFIX}{sql}", words.join(" "))
}

/// The session values a logged statement carries (none without the comment) and the statement without it.
pub fn split_statement(sql: &str) -> (SessionSequences, &str) {
    let Some((words, rest)) = sql.strip_prefix(MARK_PREFIX).and_then(|r| r.split_once(MARK_SUFFIX)) else {
        return (SessionSequences::default(), sql);
    };
    let mut session = SessionSequences::default();
    for word in words.split(' ') {
        match word.split_once('=') {
            Some(("last", name)) => session.last = unhex(name),
            Some((name, value)) => {
                if let (Some(name), Ok(value)) = (unhex(name), value.parse()) {
                    session.values.insert(name, value);
                }
            }
            None => {}
        }
    }
    (session, rest)
}

fn hex(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> =
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect();
    String::from_utf8(bytes?).ok()
}

/// Runs one statement with the session values it carries; what it used is then `take_used`'s.
pub fn with_session<R>(session: SessionSequences, f: impl FnOnce() -> R) -> R {
    SESSION.with(|s| *s.borrow_mut() = session);
    USED.with(|u| u.borrow_mut().clear());
    WANTS_WRITE.with(|w| w.set(false));
    let out = f();
    SESSION.with(|s| *s.borrow_mut() = SessionSequences::default());
    out
}

/// The values the last statement on this thread used, in order.
pub fn take_used() -> Vec<SequenceUse> {
    USED.with(|u| std::mem::take(&mut *u.borrow_mut()))
}

/// Whether the last statement on this thread failed for calling `nextval`/`setval` on a read connection.
pub fn wants_write() -> bool {
    WANTS_WRITE.with(|w| w.replace(false))
}

/// A sequence name as `nextval('...')` takes it: PostgreSQL's rules for a possibly qualified, possibly quoted
/// name (unquoted parts in lower case), in the one schema raftsql has.
pub fn relation_name(text: &str) -> Result<String> {
    let invalid = || fail("42602", "invalid name syntax".into());
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(invalid()),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c.is_whitespace() {
                    break;
                }
                part.extend(c.to_lowercase());
                chars.next();
            }
        }
        if part.is_empty() {
            return Err(invalid());
        }
        parts.push(part);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some('.') => {}
            Some(_) => return Err(invalid()),
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    }
    match parts.as_slice() {
        [name] => Ok(name.clone()),
        [schema, name] if schema == "public" => Ok(name.clone()),
        [schema, _] => Err(fail("3F000", format!("schema \"{schema}\" does not exist"))),
        _ => Err(fail("0A000", format!("cross-database references are not implemented: \"{}\"", text.trim()))),
    }
}

/// Registers the four functions on a connection (the writer and read connections alike).
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    // Not deterministic: each call may give another value.
    let flags = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("nextval", 1, flags, |c: &mut Context<'_>| {
        let Some(name) = name_argument(c)? else { return Ok(None) };
        let conn = writer(c, "nextval")?;
        let _internal = InternalStatement::enter();
        let value = match serial::owner(&conn, &name)? {
            Some(owner) => owner.next(&conn, &name)?,
            None => {
                let mut seq = existing(&conn, &name)?;
                let value = advance(&mut seq, &name)?;
                store(&conn, &name, &seq)?;
                value
            }
        };
        USED.with(|u| u.borrow_mut().push(SequenceUse { name, value, by_nextval: true }));
        Ok(Some(value))
    })?;
    for arity in [2, 3] {
        conn.create_scalar_function("setval", arity, flags, |c: &mut Context<'_>| {
            let Some(name) = name_argument(c)? else { return Ok(None) };
            let Some(value) = bigint_argument(c, 1)? else { return Ok(None) };
            let is_called = match c.len() {
                3 => match c.get::<Option<bool>>(2)? {
                    Some(b) => b,
                    None => return Ok(None),
                },
                _ => true,
            };
            let conn = writer(c, "setval")?;
            let _internal = InternalStatement::enter();
            match serial::owner(&conn, &name)? {
                Some(owner) => owner.set(&conn, &name, value, is_called)?,
                None => {
                    let mut seq = existing(&conn, &name)?;
                    if value < seq.min || value > seq.max {
                        return Err(out_of_bounds(value, &name, seq.min, seq.max));
                    }
                    seq.last_value = value;
                    seq.is_called = is_called;
                    store(&conn, &name, &seq)?;
                }
            }
            if is_called {
                USED.with(|u| u.borrow_mut().push(SequenceUse { name, value, by_nextval: false }));
            }
            Ok(Some(value))
        })?;
    }
    conn.create_scalar_function("currval", 1, flags, |c: &mut Context<'_>| {
        let Some(name) = name_argument(c)? else { return Ok(None) };
        // SAFETY: the reference does not leave this call of the function, on this thread.
        let conn = unsafe { c.get_connection() }?;
        if serial::owner(&conn, &name)?.is_none() {
            existing(&conn, &name)?;
        }
        match session_value(&name) {
            Some(v) => Ok(Some(v)),
            None => Err(fail("55000", format!("currval of sequence \"{name}\" is not yet defined in this session"))),
        }
    })?;
    // Reads the schema and the meta table (so not SQLITE_DETERMINISTIC: no index may hold its result).
    conn.create_scalar_function("pg_get_serial_sequence", 2, flags, |c: &mut Context<'_>| {
        let (Some(table), Some(column)) = (c.get::<Option<String>>(0)?, c.get::<Option<String>>(1)?) else {
            return Ok(None);
        };
        // SAFETY: the reference does not leave this call of the function, on this thread.
        let conn = unsafe { c.get_connection() }?;
        serial_sequence(&conn, &relation_name(&table)?, &column)
    })?;
    conn.create_scalar_function("lastval", 0, flags, |_c: &mut Context<'_>| {
        let last = USED.with(|u| u.borrow().iter().rev().find(|u| u.by_nextval).map(|u| u.name.clone()));
        let last = last.or_else(|| SESSION.with(|s| s.borrow().last.clone()));
        match last.and_then(|name| session_value(&name)) {
            Some(v) => Ok(v),
            None => Err(fail("55000", "lastval is not yet defined in this session".into())),
        }
    })?;
    Ok(())
}

/// `pg_get_serial_sequence(table, column)`: the sequence a serial or identity column takes its keys from, or the
/// one `OWNED BY` the column, schema-qualified as PostgreSQL writes it; NULL for a column with neither.
fn serial_sequence(conn: &Connection, table: &str, column: &str) -> Result<Option<String>> {
    let found: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT s.rowid, s.name, p.name FROM sqlite_schema s JOIN pragma_table_info(s.name) p \
             WHERE s.type = 'table' AND s.name = ?1 COLLATE NOCASE AND p.name = ?2 COLLATE NOCASE",
            [table, column],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((rowid, table, column)) = found else {
        let table_exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE)",
            [table],
            |r| r.get(0),
        )?;
        return Err(match table_exists {
            true => fail("42703", format!("column \"{column}\" of relation \"{table}\" does not exist")),
            false => fail("42P01", format!("relation \"{table}\" does not exist")),
        });
    };
    let implied = format!("{table}_{column}_seq");
    let name = match serial::owner(conn, &implied)? {
        Some(owner) if owner.table == table => Some(implied),
        _ => conn
            .query_row(
                &format!(
                    "SELECT substr(key, {}) FROM {META_TABLE} WHERE key LIKE '{KEY_PREFIX}%' \
                     AND json_extract(value, '$.owner_table') = ?1 AND json_extract(value, '$.owner_column') = ?2 \
                     ORDER BY key LIMIT 1",
                    KEY_PREFIX.len() + 1
                ),
                rusqlite::params![rowid, column],
                |r| r.get(0),
            )
            .optional()?,
    };
    Ok(name.map(|n| format!("public.{}", quote_ident(&n))))
}

/// An identifier as PostgreSQL's `quote_ident` writes it: bare when plain lower case, else double-quoted.
fn quote_ident(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    match plain {
        true => name.to_string(),
        false => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// Argument `i` as a bigint: an integer, or a text that is one (PostgreSQL reads an untyped literal so); a
/// decimal names no `setval` (42883), other text is not a bigint (22P02).
fn bigint_argument(c: &Context<'_>, i: usize) -> Result<Option<i64>> {
    let text = match c.get_raw(i) {
        rusqlite::types::ValueRef::Null => return Ok(None),
        rusqlite::types::ValueRef::Integer(v) => return Ok(Some(v)),
        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).trim().to_string(),
        other => value_text(other),
    };
    if let Ok(v) = text.parse::<i64>() {
        return Ok(Some(v));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("22003", format!("value \"{text}\" is out of range for type bigint")));
    }
    match text.parse::<f64>() {
        Ok(_) => Err(fail("42883", "function setval(regclass, numeric) does not exist".into())),
        Err(_) => Err(fail("22P02", format!("invalid input syntax for type bigint: \"{text}\""))),
    }
}

/// The first argument, a sequence's name; `None` for NULL (the functions are strict).
fn name_argument(c: &Context<'_>) -> Result<Option<String>> {
    let text = match c.get_raw(0) {
        rusqlite::types::ValueRef::Null => return Ok(None),
        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        other => return Err(fail("42P01", format!("relation \"{}\" does not exist", value_text(other)))),
    };
    relation_name(&text).map(Some)
}

fn value_text(v: rusqlite::types::ValueRef<'_>) -> String {
    match v {
        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
        rusqlite::types::ValueRef::Real(f) => f.to_string(),
        _ => "?".into(),
    }
}

/// The connection a changing function runs on, which must be the writer.
fn writer<'c>(c: &'c Context<'_>, function: &str) -> Result<rusqlite::functions::ConnectionRef<'c>> {
    // SAFETY: the reference does not leave this call of the function, on this thread.
    let conn = unsafe { c.get_connection() }?;
    if conn.is_readonly(MAIN_DB)? {
        WANTS_WRITE.with(|w| w.set(true));
        return Err(fail("25006", format!("cannot execute {function}() in a read-only transaction")));
    }
    Ok(conn)
}

/// Sequence `name`, which must exist.
fn existing(conn: &Connection, name: &str) -> Result<super::Sequence> {
    load(conn, name)?.ok_or_else(|| fail("42P01", format!("relation \"{name}\" does not exist")))
}

/// What `currval(name)` answers: this statement's latest value for it, else the session's.
fn session_value(name: &str) -> Option<i64> {
    let now = USED.with(|u| u.borrow().iter().rev().find(|u| u.name == name).map(|u| u.value));
    now.or_else(|| SESSION.with(|s| s.borrow().currval(name)))
}
