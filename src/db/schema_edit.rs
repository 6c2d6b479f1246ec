//! The ALTER TABLE changes SQLite cannot make with its own ALTER TABLE: adding and dropping CHECK and FOREIGN KEY
//! constraints, setting and dropping a column's default or NOT NULL, changing a column's type, and the
//! `IF [NOT] EXISTS` forms of ADD/DROP COLUMN, which need the schema at hand.
//!
//! None of these changes how rows are stored on disk, so they are made the way SQLite documents for such
//! changes: the table's `CREATE TABLE` text in `sqlite_schema` is edited (parsed with sqlparser, changed,
//! printed again), the schema version bumped and the schema reloaded, all inside the statement's transaction;
//! then the rows already there are checked against what was added (23514, 23503, 23502), as PostgreSQL checks
//! them. A table rebuild (create, copy, drop, rename) was the alternative: with foreign keys on, dropping the
//! old table would fire ON DELETE actions on other tables.
//!
//! The frontend sends these as one replicated statement, `MARKER` followed by the JSON of the edits, which every
//! replica applies to its own schema (the same schema, so the same result).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sqlparser::ast::{
    ColumnOption, ColumnOptionDef, CreateTable, DataType, Expr, Ident, ObjectName, Statement, TableConstraint,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

use crate::db::authorizer::ClientStatement;
use crate::db::sqlstate;

/// How a schema-edit statement begins.
pub const MARKER: &str = "/* raftsql schema edit */ ";

/// One change to one table. SQL fragments are SQLite SQL (the frontend translated them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SchemaEdit {
    /// A statement SQLite runs itself (one ALTER TABLE may mix both kinds of actions).
    Sql(String),
    /// `ADD [CONSTRAINT name] CHECK (...)` or `FOREIGN KEY ...`: `constraint` is the table constraint's SQL.
    AddConstraint { table: String, name: String, constraint: String },
    /// `DROP CONSTRAINT [IF EXISTS] name`: a named table or column constraint, a foreign key by PostgreSQL's
    /// default name, or the unique index standing for a key.
    DropConstraint { table: String, name: String, if_exists: bool },
    /// `ALTER COLUMN c SET DEFAULT e` (`Some`) or `DROP DEFAULT` (`None`).
    SetDefault { table: String, column: String, default: Option<String> },
    /// `ALTER COLUMN c SET NOT NULL` (true) or `DROP NOT NULL` (false).
    SetNotNull { table: String, column: String, not_null: bool },
    /// `ALTER COLUMN c TYPE t [USING e]`: the new declared type (with its collation, if any) and the expression
    /// computing the new values (`c` itself without USING).
    SetType { table: String, column: String, decl: String, collation: Option<String>, using: String },
    /// `ADD COLUMN IF NOT EXISTS`: `definition` is the SQLite column definition.
    /// `then`: what follows the column's addition only when it is added (its default's value for the rows
    /// there, the default, NOT NULL: see `dialect::ddl`).
    AddColumnIfNotExists {
        table: String,
        column: String,
        definition: String,
        #[serde(default)]
        then: Vec<SchemaEdit>,
    },
    /// `DROP COLUMN IF EXISTS`.
    DropColumnIfExists { table: String, column: String },
    /// `TRUNCATE ... RESTART IDENTITY`: the table's serial counter starts again (SQLite's `sqlite_sequence`).
    RestartIdentity { table: String },
    /// `COMMENT ON TABLE t` / `COLUMN t.c IS 'text'` (`None`: `IS NULL`, the comment goes).
    Comment { table: String, column: Option<String>, text: Option<String> },
    /// `CREATE`, `ALTER` or `DROP SEQUENCE`.
    Sequence(crate::db::sequences::SequenceEdit),
}

/// How the meta table's keys of comments begin; the rest is the JSON array `[table, column or ""]`.
pub const COMMENT_KEY_PREFIX: &str = "comment:";

/// The replicated statement carrying `edits`.
pub fn statement(edits: &[SchemaEdit]) -> String {
    format!("{MARKER}{}", serde_json::to_string(edits).unwrap_or_default())
}

/// The edits of a schema-edit statement; `None` for any other SQL.
pub fn parse(sql: &str) -> Option<Result<Vec<SchemaEdit>, String>> {
    let json = sql.strip_prefix(MARKER)?;
    Some(serde_json::from_str(json).map_err(|e| format!("malformed schema edit: {e}")))
}

/// A failure: SQLite's (a statement that failed) or PostgreSQL's (a check that failed).
pub type EditResult<T> = Result<T, rusqlite::Error>;

fn fail(code: &str, message: String) -> rusqlite::Error {
    sqlstate::raise(code, &message)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn same(a: &Ident, b: &str) -> bool {
    a.value.eq_ignore_ascii_case(b)
}

/// Applies `edits` in order on the writer, inside the caller's transaction.
pub fn apply(conn: &Connection, edits: &[SchemaEdit]) -> EditResult<()> {
    for edit in edits {
        apply_one(conn, edit)?;
    }
    Ok(())
}

fn apply_one(conn: &Connection, edit: &SchemaEdit) -> EditResult<()> {
    match edit {
        // Client SQL, under the client's rules; several statements run one after the other, each prepared
        // when the one before has run (a single prepare of `DROP VIEW v; CREATE VIEW v ...` would fail).
        SchemaEdit::Sql(sql) => {
            let _client = ClientStatement::enter();
            conn.execute_batch(sql)
        }
        SchemaEdit::AddConstraint { table, name, constraint } => {
            let parsed = parse_constraint(constraint)?;
            edit_table(conn, table, |ct| {
                ct.constraints.push(parsed.clone());
                Ok(())
            })?;
            check_rows(conn, table, name, &parsed)
        }
        SchemaEdit::DropConstraint { table, name, if_exists } => drop_constraint(conn, table, name, *if_exists),
        SchemaEdit::Sequence(edit) => crate::db::sequences::apply(conn, edit),
        SchemaEdit::SetDefault { table, column, default } => {
            // SQLite takes an expression other than a literal as a default only in parentheses.
            let default = default.as_deref().map(parse_expr).transpose()?.map(|d| match d {
                Expr::Value(_) | Expr::Nested(_) => d,
                Expr::UnaryOp { ref expr, .. } if matches!(**expr, Expr::Value(_)) => d,
                other => Expr::Nested(Box::new(other)),
            });
            edit_column(conn, table, column, |options, _| {
                options.retain(|o| !matches!(o.option, ColumnOption::Default(_)));
                if let Some(d) = &default {
                    options.push(ColumnOptionDef { name: None, option: ColumnOption::Default(d.clone()) });
                }
                Ok(())
            })
        }
        SchemaEdit::SetNotNull { table, column, not_null } => {
            // Checked before the edit: SQLite's planner takes `c IS NULL` to be false for a NOT NULL column.
            if *not_null && exists(conn, &format!("SELECT 1 FROM {} WHERE {} IS NULL", quote(table), quote(column)))? {
                return Err(fail("23502", format!("column \"{column}\" of relation \"{table}\" contains null values")));
            }
            edit_column(conn, table, column, |options, primary| {
                options.retain(|o| !matches!(o.option, ColumnOption::NotNull | ColumnOption::Null));
                if *not_null {
                    options.push(ColumnOptionDef { name: None, option: ColumnOption::NotNull });
                } else if primary {
                    return Err(fail("42P16", format!("column \"{column}\" is in a primary key")));
                }
                Ok(())
            })
        }
        SchemaEdit::SetType { table, column, decl, collation, using } => {
            set_type(conn, table, column, decl, collation, using)
        }
        SchemaEdit::AddColumnIfNotExists { table, column, definition, then } => {
            if !has_column(conn, table, column)? {
                conn.execute_batch(&format!("ALTER TABLE {} ADD COLUMN {definition}", quote(table)))?;
                apply(conn, then)?;
            }
            Ok(())
        }
        SchemaEdit::RestartIdentity { table } => {
            let counters =
                exists(conn, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'")?;
            if counters {
                conn.execute("DELETE FROM sqlite_sequence WHERE name = ?1 COLLATE NOCASE", [table])?;
            }
            Ok(())
        }
        SchemaEdit::Comment { table, column, text } => comment(conn, table, column.as_deref(), text.as_deref()),
        SchemaEdit::DropColumnIfExists { table, column } => {
            if has_column(conn, table, column)? {
                for t in crate::db::canonical_columns::trigger_names(table) {
                    conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {}", quote(&t)))?;
                }
                conn.execute_batch(&format!("ALTER TABLE {} DROP COLUMN {}", quote(table), quote(column)))?;
            }
            Ok(())
        }
    }
}

fn exists(conn: &Connection, sql: &str) -> EditResult<bool> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    Ok(rows.next()?.is_some())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> EditResult<bool> {
    no_such_table(conn, table)?;
    exists(
        conn,
        &format!("SELECT 1 FROM pragma_table_info({}) WHERE name = {} COLLATE NOCASE", lit(table), lit(column)),
    )
}

/// Sets or removes a comment, kept in the meta table under `comment:["table","column"]` (the catalogs'
/// `pg_description` reads it; `canonical_columns::sync` drops the comments of objects that are gone).
fn comment(conn: &Connection, table: &str, column: Option<&str>, text: Option<&str>) -> EditResult<()> {
    let relation = exists(
        conn,
        &format!("SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = {}", lit(table)),
    )?;
    if !relation {
        return Err(fail("42P01", format!("relation \"{table}\" does not exist")));
    }
    if let Some(c) = column {
        if !exists(conn, &format!("SELECT 1 FROM pragma_table_info({}) WHERE name = {}", lit(table), lit(c)))? {
            return Err(fail("42703", format!("column \"{c}\" of relation \"{table}\" does not exist")));
        }
    }
    let key = format!("{COMMENT_KEY_PREFIX}{}", serde_json::json!([table, column.unwrap_or("")]));
    let meta = crate::db::writer::META_TABLE;
    match text {
        Some(t) => conn.execute(&format!("INSERT OR REPLACE INTO {meta} (key, value) VALUES (?1, ?2)"), [&key, t])?,
        None => conn.execute(&format!("DELETE FROM {meta} WHERE key = ?1"), [&key])?,
    };
    Ok(())
}

/// Drops the comments of tables, views and columns that no longer exist (after any schema change), so a new
/// object of an old name starts without one, as in PostgreSQL. (A renamed table loses its comment.)
pub fn drop_orphan_comments(conn: &Connection) -> rusqlite::Result<()> {
    let at = COMMENT_KEY_PREFIX.len() + 1;
    conn.execute(
        &format!(
            "DELETE FROM {meta} WHERE key LIKE '{COMMENT_KEY_PREFIX}%' AND NOT EXISTS (SELECT 1 FROM sqlite_schema s \
             WHERE s.type IN ('table', 'view') AND s.name = json_extract(substr(key, {at}), '$[0]') \
             AND (json_extract(substr(key, {at}), '$[1]') = '' OR EXISTS (SELECT 1 FROM pragma_table_info(s.name) p \
                  WHERE p.name = json_extract(substr(key, {at}), '$[1]'))))",
            meta = crate::db::writer::META_TABLE
        ),
        [],
    )?;
    Ok(())
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn no_such_table(conn: &Connection, table: &str) -> EditResult<()> {
    let found = exists(
        conn,
        &format!("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = {} COLLATE NOCASE", lit(table)),
    )?;
    if found {
        Ok(())
    } else {
        Err(fail("42P01", format!("relation \"{table}\" does not exist")))
    }
}

fn parse_expr(sql: &str) -> EditResult<sqlparser::ast::Expr> {
    Parser::new(&SQLiteDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| fail("42601", format!("schema edit: {e}")))
}

fn parse_constraint(sql: &str) -> EditResult<TableConstraint> {
    let ct = parse_create(&format!("CREATE TABLE x (a INT, {sql})"))?;
    ct.constraints.into_iter().next().ok_or_else(|| fail("42601", format!("schema edit: no constraint in {sql}")))
}

fn parse_create(sql: &str) -> EditResult<CreateTable> {
    let parsed = Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| fail("XX000", format!("schema edit: {e}")))?;
    match parsed.into_iter().next() {
        Some(Statement::CreateTable(ct)) => Ok(ct),
        _ => Err(fail("XX000", format!("schema edit: not a CREATE TABLE: {sql}"))),
    }
}

/// Rewrites `table`'s CREATE TABLE text through `change`, and makes SQLite use it.
fn edit_table(
    conn: &Connection,
    table: &str,
    change: impl FnOnce(&mut CreateTable) -> EditResult<()>,
) -> EditResult<()> {
    no_such_table(conn, table)?;
    let (name, sql): (String, String) = conn.query_row(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
        [table],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut ct = parse_create(&sql)?;
    change(&mut ct)?;
    compiles(conn, &ct)?;
    let edited = ct.to_string();
    let version: i64 = conn.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    // Defensive mode forbids writing the schema; it is lifted for these statements only.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, false)?;
    let written = (|| {
        conn.execute_batch("PRAGMA writable_schema = ON")?;
        conn.execute("UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = ?2", [&edited, &name])?;
        conn.execute_batch(&format!("PRAGMA schema_version = {}", version + 1))?;
        conn.execute_batch("PRAGMA writable_schema = RESET")
    })();
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    written
}

/// Fails (a SQL error, the same on every replica) unless SQLite can read `ct` back as a table's definition: a
/// schema text it cannot parse would stop every node at the reload that follows the edit. Checked by preparing
/// (not running) the same definition under another name.
fn compiles(conn: &Connection, ct: &CreateTable) -> EditResult<()> {
    let mut probe = ct.clone();
    probe.name = ObjectName::from(vec![Ident::with_quote('"', "__raftsql_schema_probe")]);
    match conn.prepare(&probe.to_string()) {
        Ok(_) => Ok(()),
        Err(e) => Err(fail("0A000", format!("raftsql cannot keep this table definition: {e}"))),
    }
}

/// Edits one column's definition: `change` gets its options and whether it is in the primary key.
fn edit_column(
    conn: &Connection,
    table: &str,
    column: &str,
    change: impl FnOnce(&mut Vec<ColumnOptionDef>, bool) -> EditResult<()>,
) -> EditResult<()> {
    edit_table(conn, table, |ct| {
        let in_table_key = ct.constraints.iter().any(|c| match c {
            TableConstraint::PrimaryKey { columns, .. } => {
                columns.iter().any(|k| k.column.expr.to_string().trim_matches('"').eq_ignore_ascii_case(column))
            }
            _ => false,
        });
        let col = ct
            .columns
            .iter_mut()
            .find(|c| same(&c.name, column))
            .ok_or_else(|| fail("42703", format!("column \"{column}\" of relation \"{table}\" does not exist")))?;
        let primary = in_table_key
            || col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. }));
        change(&mut col.options, primary)
    })
}

/// Checks the rows already in `table` against a constraint just added.
fn check_rows(conn: &Connection, table: &str, name: &str, constraint: &TableConstraint) -> EditResult<()> {
    match constraint {
        TableConstraint::Check { expr, .. } => {
            // The client's expression runs under the client's rules (deterministic functions only).
            let _client = ClientStatement::enter();
            if exists(conn, &format!("SELECT 1 FROM {} WHERE NOT ({expr})", quote(table)))? {
                return Err(fail(
                    "23514",
                    format!("check constraint \"{name}\" of relation \"{table}\" is violated by some row"),
                ));
            }
        }
        TableConstraint::ForeignKey { .. }
            if exists(conn, &format!("SELECT 1 FROM pragma_foreign_key_check({})", lit(table)))? =>
        {
            return Err(fail(
                "23503",
                format!("insert or update on table \"{table}\" violates foreign key constraint \"{name}\""),
            ));
        }
        _ => {}
    }
    Ok(())
}

fn constraint_name(c: &TableConstraint) -> Option<&Ident> {
    match c {
        TableConstraint::Check { name, .. }
        | TableConstraint::ForeignKey { name, .. }
        | TableConstraint::Unique { name, .. }
        | TableConstraint::PrimaryKey { name, .. } => name.as_ref(),
        _ => None,
    }
}

/// PostgreSQL's name for an unnamed foreign key: `table_col1_col2_fkey` (what the catalogs show).
fn default_fkey_name(table: &str, c: &TableConstraint) -> Option<String> {
    let TableConstraint::ForeignKey { columns, .. } = c else { return None };
    let cols: Vec<&str> = columns.iter().map(|i| i.value.as_str()).collect();
    Some(format!("{table}_{}_fkey", cols.join("_")))
}

fn drop_constraint(conn: &Connection, table: &str, name: &str, if_exists: bool) -> EditResult<()> {
    no_such_table(conn, table)?;
    // A key added by ALTER TABLE is a unique index of that name (and, for a primary key, NOT NULL triggers).
    let index = exists(
        conn,
        &format!(
            "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = {} AND tbl_name = {} COLLATE NOCASE",
            lit(name),
            lit(table)
        ),
    )?;
    if index {
        let triggers: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 AND name LIKE ?2 ESCAPE '\\'",
            )?
            .query_map([table, &format!("{}\\_%\\_not\\_null\\_%", name.replace('_', "\\_"))], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for t in triggers {
            conn.execute_batch(&format!("DROP TRIGGER {}", quote(&t)))?;
        }
        return conn.execute_batch(&format!("DROP INDEX {}", quote(name)));
    }
    let mut found = false;
    edit_table(conn, table, |ct| {
        let before = ct.constraints.len();
        ct.constraints.retain(|c| {
            let named = constraint_name(c).is_some_and(|n| same(n, name));
            let default = constraint_name(c).is_none()
                && default_fkey_name(table, c).is_some_and(|n| n.eq_ignore_ascii_case(name));
            !(named || default)
        });
        found = ct.constraints.len() < before;
        for col in &mut ct.columns {
            let before = col.options.len();
            col.options.retain(|o| !o.name.as_ref().is_some_and(|n| same(n, name)));
            found |= col.options.len() < before;
        }
        Ok(())
    })?;
    if !found && !if_exists {
        return Err(fail("42704", format!("constraint \"{name}\" of relation \"{table}\" does not exist")));
    }
    Ok(())
}

fn set_type(
    conn: &Connection,
    table: &str,
    column: &str,
    decl: &str,
    collation: &Option<String>,
    using: &str,
) -> EditResult<()> {
    edit_table(conn, table, |ct| {
        let col = ct
            .columns
            .iter_mut()
            .find(|c| same(&c.name, column))
            .ok_or_else(|| fail("42703", format!("column \"{column}\" of relation \"{table}\" does not exist")))?;
        col.data_type = DataType::Custom(ObjectName::from(vec![Ident::new(decl)]), Vec::new());
        col.options.retain(|o| !matches!(o.option, ColumnOption::Collation(_)));
        if let Some(c) = collation {
            col.options.push(ColumnOptionDef {
                name: None,
                option: ColumnOption::Collation(ObjectName::from(vec![Ident::new(c)])),
            });
        }
        Ok(())
    })?;
    // Store every value again under the new type's affinity (and its triggers), and rebuild the indexes, whose
    // order may follow another collation now.
    // A numeric column's triggers must be in place for the rewrite to store canonical values.
    crate::db::canonical_columns::sync(conn)?;
    {
        let _client = ClientStatement::enter();
        conn.execute_batch(&format!("UPDATE {} SET {} = {using}", quote(table), quote(column)))?;
    }
    conn.execute_batch(&format!("REINDEX {}", quote(table)))?;
    let upper = decl.to_ascii_uppercase();
    let expected = if upper.contains("INT") {
        Some(("integer", "integer"))
    } else if upper.starts_with("FLOAT") || upper.starts_with("REAL") || upper.starts_with("DOUBLE") {
        Some(("real', 'integer", "double precision"))
    } else {
        None
    };
    if let Some((classes, type_name)) = expected {
        let sql = format!(
            "SELECT {c} FROM {} WHERE typeof({c}) NOT IN ('{classes}', 'null') LIMIT 1",
            quote(table),
            c = quote(column)
        );
        let bad: Option<String> =
            conn.query_row(&sql, [], |r| r.get::<_, rusqlite::types::Value>(0)).ok().map(|v| match v {
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            });
        if let Some(value) = bad {
            return Err(fail("22P02", format!("invalid input syntax for type {type_name}: \"{value}\"")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
