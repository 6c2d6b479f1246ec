//! Translates PostgreSQL SQL text into SQLite SQL by parsing it with sqlparser (PostgreSqlDialect), rewriting the
//! AST, and rendering it again; also classifies each statement and gathers parameter type hints.
//!
//! A query string is split into statements on top-level `;` tokens (the tokenizer knows strings, comments and
//! dollar quotes), and each statement is parsed and translated on its own. `RESET` and `ABORT`, which sqlparser does
//! not parse, are recognised from their tokens.
//!
//! `sqlite_sql` is one SQLite statement, except for `DROP TABLE a, b`, `TRUNCATE a, b` and multi-action `ALTER
//! TABLE`, which become several SQLite statements joined by `"; "` (run them with a batch execute). Transaction
//! control, SET, SHOW, RESET and other session-only commands have an empty `sqlite_sql`.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    AlterTableOperation, AssignmentTarget, BinaryOperator, CastKind, CeilFloorKind, ColumnDef, ColumnOption,
    ContextModifier, CreateIndex, CreateTable, DataType, DateTimeField, Delete, ExactNumberInfo, Expr, FromTable,
    Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, IndexType, Insert,
    LimitClause, ObjectName, ObjectNamePart, ObjectType, OffsetRows, OnConflictAction, OnInsert, OrderByKind, Query,
    SelectItem, Set, SetExpr, Statement, TableConstraint, TableFactor, TableObject, TransactionAccessMode,
    TransactionMode, UnaryOperator, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::pg::dialect_types::{column_type, object_name_text, unsupported_type, ColumnType};
pub use crate::pg::dialect_types::{DialectError, ParamHint, PgType, StatementKind};

/// One client statement translated for SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct Translated {
    /// SQLite SQL. PostgreSQL `$n` placeholders become `?n` (same numbers).
    pub sqlite_sql: String,
    /// What kind of statement this is.
    pub kind: StatementKind,
    /// Number of parameters: the highest `$n` used (0 if none).
    pub param_count: usize,
    /// What is known about each parameter's type; len == param_count; index i is `$(i+1)`.
    pub param_hints: Vec<ParamHint>,
    /// Tables the statement reads or writes (FROM, JOIN, INSERT INTO, UPDATE, DELETE FROM), in order, unquoted.
    pub tables: Vec<String>,
    /// True when the statement returns rows: SELECT / VALUES / WITH ... SELECT, and INSERT/UPDATE/DELETE with RETURNING.
    pub returns_rows: bool,
    /// Result types inferred from the PostgreSQL expressions, by column position (empty when unknown).
    pub result_types: Vec<Option<PgType>>,
    /// Functions the statement calls (lowercase), as written in PostgreSQL.
    pub functions: Vec<String>,
    /// `SELECT ... FOR UPDATE/SHARE`: `Some(true)` with NOWAIT.
    pub row_lock: Option<bool>,
    /// The PostgreSQL statement as parsed (before its translation), for a statement returning rows: what
    /// inference with the schema reads (`parser::schema_result_types`) without parsing it again.
    pub source: Option<std::sync::Arc<Statement>>,
}

/// What a session knows that SQLite cannot: the values of `current_user`, `pg_backend_pid()` and
/// `current_setting(...)`, substituted as literals when a statement is translated.
#[derive(Debug, Clone, Default)]
pub struct SessionValues {
    pub user: String,
    /// The database the client named at startup (every name reaches the one database a cluster has).
    pub database: String,
    pub pid: i32,
    /// Session parameters by lowercase name.
    pub settings: BTreeMap<String, String>,
    /// Open cursors (name, statement, holdable), for `pg_cursors`.
    pub cursors: Vec<(String, String, bool)>,
}

impl SessionValues {
    /// What the catalogs show of the session.
    pub fn catalog(&self) -> crate::pg::catalog::Session {
        crate::pg::catalog::Session {
            user: self.user.clone(),
            database: self.database.clone(),
            cursors: self.cursors.clone(),
            settings: self.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

/// Splits a query string into statements (a simple-query string may hold several) and translates each.
/// Empty input or only semicolons/comments gives an empty Vec.
pub fn translate(sql: &str) -> Result<Vec<Translated>, DialectError> {
    translate_with(sql, None)
}

/// `translate`, with the session's values substituted for the session information functions.
pub fn translate_with(sql: &str, session: Option<&SessionValues>) -> Result<Vec<Translated>, DialectError> {
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| DialectError::syntax(format!("syntax error: {e}")))?;
    let mut out = Vec::new();
    let mut chunk: Vec<TokenWithSpan> = Vec::new();
    for tok in tokens.into_iter().chain(std::iter::once(TokenWithSpan::wrap(Token::SemiColon))) {
        if tok.token != Token::SemiColon {
            chunk.push(tok);
            continue;
        }
        let words: Vec<Token> =
            chunk.iter().map(|t| t.token.clone()).filter(|t| !matches!(t, Token::Whitespace(_))).collect();
        if !words.is_empty() {
            out.push(translate_one(&words, std::mem::take(&mut chunk), session)?);
        }
        chunk.clear();
    }
    Ok(out)
}

/// Statements with at most this many tokens are translated on the caller's stack; they cannot nest deeply enough
/// to overflow even a small (2 MiB) thread stack in a debug build, where one level of a prefix-operator chain
/// (`NOT NOT ... 1`) takes about 56 KiB of stack (found by tests/fuzz.rs: 37 levels overflowed 2 MiB).
const INLINE_TOKENS: usize = 16;
/// Stack for translating larger statements: the parser builds left-deep trees for long operator chains, and
/// visiting, rendering and dropping them recurses once per level (address space only; pages are used on demand).
const BIG_STACK: usize = 256 << 20;
/// Largest statement accepted, so that dropping the deepest possible tree fits in `BIG_STACK`.
const MAX_TOKENS: usize = 4_000_000;

/// Translates one statement given as tokens (`words` are the same without whitespace/comments).
fn translate_one(
    words: &[Token],
    mut tokens: Vec<TokenWithSpan>,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
    // `TABLE t [ORDER BY ...]` is PostgreSQL's `SELECT * FROM t`, which sqlparser does not read.
    if matches!(words, [Token::Word(w), Token::Word(_), ..] if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("table"))
    {
        if let Some(at) = tokens.iter().position(|t| matches!(&t.token, Token::Word(_))) {
            let parts = [Token::make_keyword("SELECT"), Token::Whitespace(sqlparser::tokenizer::Whitespace::Space)]
                .into_iter()
                .chain([Token::Mul, Token::Whitespace(sqlparser::tokenizer::Whitespace::Space)])
                .chain([Token::make_keyword("FROM")]);
            tokens.splice(at..=at, parts.map(TokenWithSpan::wrap));
        }
    }
    if let Some(sequence_statement) = sequences::translate(words) {
        return sequence_statement;
    }
    if let Some(set_constraints) = session_kinds::set_constraints(words) {
        return set_constraints;
    }
    if let Some(kind) = reset_or_abort(words)? {
        return Ok(control(kind));
    }
    if words.len() <= INLINE_TOKENS {
        return parse_and_translate(tokens, session);
    }
    if words.len() > MAX_TOKENS {
        return Err(DialectError { sqlstate: "54000", message: "statement is too large".into() });
    }
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("sql-translate".into())
            .stack_size(BIG_STACK)
            .spawn_scoped(s, move || parse_and_translate(tokens, session))
            .map_err(|e| DialectError { sqlstate: "53000", message: format!("could not start translation: {e}") })?;
        handle.join().unwrap_or_else(|_| {
            Err(DialectError { sqlstate: "XX000", message: "internal error while translating statement".into() })
        })
    })
}

/// Parses one statement's tokens and translates it.
fn parse_and_translate(
    tokens: Vec<TokenWithSpan>,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let stmt = parser.parse_statement().map_err(|e| syntax_error(&e.to_string()))?;
    let next = parser.peek_token().token;
    if next != Token::EOF {
        return Err(DialectError::syntax(format!("syntax error at or near \"{next}\"")));
    }
    translate_statement(stmt, session)
}

/// Turns a sqlparser error message into a PostgreSQL-style syntax error.
fn syntax_error(msg: &str) -> DialectError {
    let msg = msg.strip_prefix("sql parser error: ").unwrap_or(msg);
    if let Some(idx) = msg.find("found: ") {
        let rest = &msg[idx + "found: ".len()..];
        let tok = rest.split(" at Line:").next().unwrap_or(rest).trim();
        if tok == "EOF" {
            return DialectError::syntax("syntax error at end of input");
        }
        return DialectError::syntax(format!("syntax error at or near \"{tok}\""));
    }
    DialectError::syntax(format!("syntax error: {msg}"))
}

/// The leading keywords of a rendered statement, naming it in "not supported" errors.
fn leading_words(stmt: &impl std::fmt::Display) -> String {
    let text = stmt.to_string();
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("statement").to_ascii_uppercase();
    if !matches!(first.as_str(), "CREATE" | "DROP" | "ALTER" | "SET") {
        return first;
    }
    let mut out = vec![first];
    for w in words {
        let w = w.to_ascii_uppercase();
        let filler = matches!(w.as_str(), "OR" | "REPLACE" | "TEMPORARY" | "TEMP" | "UNLOGGED" | "MATERIALIZED");
        out.push(w);
        if !filler {
            break;
        }
    }
    out.retain(|w| !matches!(w.as_str(), "OR" | "REPLACE" | "TEMPORARY" | "TEMP" | "UNLOGGED"));
    out.join(" ")
}

/// The 0A000 error for a statement raftsql does not support.
fn unsupported_statement(stmt: &Statement) -> DialectError {
    DialectError::unsupported(format!("{} is not supported", leading_words(stmt)))
}

mod aggregates;
mod arrays;
mod ast;
mod casts;
mod catalog_arrays;
mod catalog_refs;
mod catalog_unnest;
pub mod copy;
mod datetime;
mod ddl;
mod depth;
mod explain;
mod insert;
mod json;
mod json_builders;
mod json_table;
mod names;
mod numeric;
mod select_srf;
mod sequences;
mod series;
mod session_kinds;
pub mod session_sql;
mod session_values;
mod statement;
mod tokens;
mod xform;

use casts::{array_element, bool_text, cast_expr, sqlite_cast, translate_cast};
use depth::{dismantle_expr, dismantle_set, set_depth, shallow, spine_len, too_deep};
use explain::explain;
use insert::insert_sql;
use names::name_columns;
pub(crate) use session_kinds::setting_name;
use session_kinds::{control, reset_or_abort, session_kind};

use ast::{
    call, case_when, column_ref, ident_name, is_comparison, last_part, nested, param_index, positional_args,
    string_literal, strip_schema,
};
use ddl::{alter_action, alter_statement, comment_statement, create_index_sql, create_table_sql};
pub(crate) use numeric::typmod as numeric_typmod;
use session_values::session_value;
use statement::{check_query, translate_statement};
use xform::Xform;

#[cfg(test)]
mod tests;
