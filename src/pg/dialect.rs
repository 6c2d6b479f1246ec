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
    tokens: Vec<TokenWithSpan>,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
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

/// A word token's text, lowercased.
fn word(tok: &Token) -> Option<String> {
    match tok {
        Token::Word(w) => Some(w.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// Recognises `RESET name | ALL`, `ABORT [WORK | TRANSACTION]`, `COPY`, `VACUUM`, `ANALYZE` and the session
/// commands of `session_sql.rs`, which sqlparser does not parse (or not all of them). VACUUM and ANALYZE are accepted without effect: SQLite reuses
/// free pages by itself, and a VACUUM would rewrite the whole file on every node.
fn reset_or_abort(words: &[Token]) -> Result<Option<StatementKind>, DialectError> {
    let first = words.first().and_then(word);
    let rest: Vec<Option<String>> = words.iter().skip(1).map(word).collect();
    match first.as_deref() {
        Some("reset") => {
            let names: Option<Vec<String>> = rest.into_iter().collect();
            match names {
                Some(n) if !n.is_empty() => Ok(Some(StatementKind::Reset(setting_name(&n.join(" "))))),
                _ => Err(DialectError::syntax("syntax error at or near \"RESET\"")),
            }
        }
        Some("copy") => Ok(Some(StatementKind::Copy(Box::new(copy::parse_copy(words)?)))),
        Some("vacuum") => Ok(Some(StatementKind::NoOp("VACUUM".into()))),
        Some("lock") if rest.len() > 1 || rest.first().is_some_and(|w| w.as_deref() != Some("table")) => {
            Ok(Some(StatementKind::LockTable { nowait: rest.last().is_some_and(|w| w.as_deref() == Some("nowait")) }))
        }
        Some("analyze" | "analyse") => Ok(Some(StatementKind::NoOp("ANALYZE".into()))),
        Some("abort") => match rest.as_slice() {
            [] => Ok(Some(StatementKind::Rollback)),
            [Some(w)] if w == "work" || w == "transaction" => Ok(Some(StatementKind::Rollback)),
            _ => Err(DialectError::syntax("syntax error at or near \"ABORT\"")),
        },
        Some(first) => session_sql::session_command(first, words),
        None => Ok(None),
    }
}

/// Canonical name of a run-time setting as used by SET/SHOW/RESET.
pub(super) fn setting_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "time zone" => "timezone".into(),
        "transaction isolation level" => "transaction_isolation".into(),
        "names" => "client_encoding".into(),
        _ => lower,
    }
}

/// `EXPLAIN stmt`: SQLite's query plan of the statement's translation (nothing runs). ANALYZE, which would run
/// it, is refused.
fn explain(
    stmt: Statement,
    analyze: bool,
    options: Option<Vec<sqlparser::ast::UtilityOption>>,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
    let analyze = analyze || options.iter().flatten().any(|o| o.name.value.eq_ignore_ascii_case("analyze"));
    if analyze {
        return Err(DialectError::unsupported("EXPLAIN ANALYZE is not supported (EXPLAIN shows SQLite's query plan)"));
    }
    let inner = translate_statement(stmt, session)?;
    if inner.sqlite_sql.is_empty() || crate::db::schema_edit::parse(&inner.sqlite_sql).is_some() {
        return Err(DialectError::unsupported("EXPLAIN of this statement is not supported"));
    }
    Ok(Translated {
        sqlite_sql: format!("EXPLAIN QUERY PLAN {}", inner.sqlite_sql),
        kind: StatementKind::Explain,
        returns_rows: true,
        result_types: vec![Some(PgType::Text)],
        row_lock: None,
        ..inner
    })
}

/// A statement that is only classified, not run on SQLite.
fn control(kind: StatementKind) -> Translated {
    Translated {
        sqlite_sql: String::new(),
        kind,
        param_count: 0,
        param_hints: Vec::new(),
        tables: Vec::new(),
        returns_rows: false,
        result_types: Vec::new(),
        functions: Vec::new(),
        row_lock: None,
    }
}

/// Text of a SET value expression: string contents, identifier or number text.
fn set_value(e: &Expr) -> String {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) | Value::DoubleQuotedString(s) => s.clone(),
            Value::Number(n, _) => n.clone(),
            Value::Boolean(b) => if *b { "on" } else { "off" }.into(),
            other => other.to_string(),
        },
        Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default") => "default".into(),
        Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}

/// Classifies session statements (transactions, SET, SHOW, ...); `None` for statements that run on SQLite.
fn session_kind(stmt: &Statement) -> Result<Option<StatementKind>, DialectError> {
    Ok(Some(match stmt {
        Statement::StartTransaction { modes, statements, exception, has_end_keyword, .. } => {
            if !statements.is_empty() || exception.is_some() || *has_end_keyword {
                return Err(DialectError::unsupported("BEGIN ... END blocks are not supported"));
            }
            let read_only = modes.contains(&TransactionMode::AccessMode(TransactionAccessMode::ReadOnly));
            StatementKind::Begin { read_only }
        }
        Statement::Commit { chain: false, .. } => StatementKind::Commit,
        Statement::Rollback { chain: false, savepoint: None } => StatementKind::Rollback,
        Statement::Rollback { chain: false, savepoint: Some(s) } => StatementKind::RollbackTo(s.value.clone()),
        Statement::Commit { .. } | Statement::Rollback { .. } => {
            return Err(DialectError::unsupported("AND CHAIN is not supported"))
        }
        Statement::Savepoint { name } => StatementKind::Savepoint(name.value.clone()),
        Statement::ReleaseSavepoint { name } => StatementKind::Release(name.value.clone()),
        Statement::ShowVariable { variable } => {
            let parts: Vec<&str> = variable.iter().map(|i| i.value.as_str()).collect();
            StatementKind::Show(setting_name(&parts.join(" ")))
        }
        Statement::Set(set) => match set {
            Set::SingleAssignment { scope, variable, values, .. } => StatementKind::Set {
                name: setting_name(&object_name_text(variable)),
                value: values.iter().map(set_value).collect::<Vec<_>>().join(", "),
                local: matches!(scope, Some(ContextModifier::Local)),
            },
            Set::SetTimeZone { local, value } => {
                StatementKind::Set { name: "timezone".into(), value: set_value(value), local: *local }
            }
            Set::SetNames { charset_name, .. } => {
                StatementKind::Set { name: "client_encoding".into(), value: charset_name.value.clone(), local: false }
            }
            Set::SetTransaction { .. } => StatementKind::Other("SET".into()),
            other => return Err(DialectError::unsupported(format!("{} is not supported", leading_words(other)))),
        },
        // A cluster's database has one schema, `public` (SQLite's main database): creating it again is harmless
        // with IF NOT EXISTS, any other schema is refused.
        Statement::CreateSchema { schema_name: sqlparser::ast::SchemaName::Simple(name), if_not_exists, .. }
            if object_name_text(name).eq_ignore_ascii_case("public") =>
        {
            if !*if_not_exists {
                return Err(DialectError { sqlstate: "42P06", message: "schema \"public\" already exists".into() });
            }
            StatementKind::NoOp("CREATE SCHEMA".into())
        }
        Statement::CreateSchema { .. } => {
            return Err(DialectError::unsupported(
                "schemas other than public are not supported (a raftsql database has one schema, public)",
            ))
        }
        _ => return Ok(None),
    }))
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

/// Translates one parsed statement.
fn translate_statement(mut stmt: Statement, session: Option<&SessionValues>) -> Result<Translated, DialectError> {
    if let Some(kind) = session_kind(&stmt)? {
        return Ok(control(kind));
    }
    if let Statement::Explain { analyze, statement, options, .. } = stmt {
        return explain(*statement, analyze, options, session);
    }
    if let Some(kind) = session_sql::set_config_call(&stmt) {
        return Ok(Translated { returns_rows: true, result_types: vec![Some(PgType::Text)], ..control(kind) });
    }
    let kind = match &stmt {
        Statement::Query(_) => StatementKind::Select,
        Statement::Insert(_) => StatementKind::Insert,
        Statement::Update { .. } => StatementKind::Update,
        Statement::Delete(_) => StatementKind::Delete,
        Statement::CreateTable(_) => StatementKind::CreateTable,
        Statement::CreateIndex(_) => StatementKind::CreateIndex,
        Statement::CreateView { .. } => StatementKind::CreateView,
        Statement::AlterTable { .. } => StatementKind::AlterTable,
        Statement::Truncate { .. } => StatementKind::Truncate,
        Statement::Drop { object_type: ObjectType::Table, .. } => StatementKind::DropTable,
        Statement::Drop { object_type: ObjectType::Index, .. } => StatementKind::DropIndex,
        Statement::Drop { object_type: ObjectType::View, .. } => StatementKind::DropView,
        other => return Err(unsupported_statement(other)),
    };
    if let Statement::Query(q) = &mut stmt {
        name_columns(q);
    }
    let mut result_types = crate::pg::infer::infer_statement(&stmt, &crate::pg::infer::NoContext);
    let mut x = Xform::new(session);
    if let ControlFlow::Break(e) = stmt.visit(&mut x) {
        return Err(e);
    }
    if let Statement::Query(q) = &stmt {
        numeric::result_types(q, &mut result_types);
    }
    let mut returns_rows = false;
    let row_lock = match &stmt {
        // SKIP LOCKED waits like a plain FOR UPDATE: with one writer at a time no row is ever locked by another
        // transaction once the gate is held, so none is skipped.
        Statement::Query(q) if !q.locks.is_empty() => {
            Some(q.locks.iter().any(|l| matches!(l.nonblock, Some(sqlparser::ast::NonBlock::Nowait))))
        }
        _ => None,
    };
    let sqlite_sql = match &mut stmt {
        Statement::Query(q) => {
            returns_rows = true;
            check_query(q)?;
            q.to_string()
        }
        Statement::Insert(ins) => {
            returns_rows = ins.returning.is_some();
            insert_sql(ins, &mut x)?
        }
        Statement::Update { table, assignments, returning, or, limit, .. } => {
            returns_rows = returning.is_some();
            if or.is_some() || limit.is_some() || !table.joins.is_empty() {
                return Err(DialectError::unsupported("this form of UPDATE is not supported"));
            }
            let target = match &table.relation {
                TableFactor::Table { name, .. } => Some(object_name_text(name)),
                _ => None,
            };
            for a in assignments.iter() {
                if let (AssignmentTarget::ColumnName(col), Some(n)) = (&a.target, param_index(&a.value)) {
                    x.hint(n, ParamHint::Column { table: target.clone(), column: last_part(col) });
                }
            }
            stmt.to_string()
        }
        Statement::Delete(del) => {
            returns_rows = del.returning.is_some();
            check_delete(del)?;
            stmt.to_string()
        }
        Statement::CreateTable(ct) => create_table_sql(ct)?,
        Statement::CreateIndex(ci) => create_index_sql(ci)?,
        Statement::CreateView {
            or_alter,
            or_replace,
            materialized,
            name,
            columns,
            query,
            if_not_exists,
            temporary,
            ..
        } => {
            if *or_alter || *materialized || (*or_replace && *if_not_exists) {
                return Err(DialectError::unsupported(format!("{} is not supported", leading_words(&stmt))));
            }
            check_query(query)?;
            let cols: Vec<String> = columns.iter().map(|c| c.name.to_string()).collect();
            let cols = if cols.is_empty() { String::new() } else { format!(" ({})", cols.join(", ")) };
            let create = format!(
                "CREATE {}VIEW {}{}{} AS {}",
                if *temporary { "TEMPORARY " } else { "" },
                if *if_not_exists { "IF NOT EXISTS " } else { "" },
                name,
                cols,
                query
            );
            // SQLite has no CREATE OR REPLACE: the view is dropped first, in the same replicated statement.
            if *or_replace {
                use crate::db::schema_edit::{statement, SchemaEdit};
                statement(&[SchemaEdit::Sql(format!("DROP VIEW IF EXISTS {name}")), SchemaEdit::Sql(create)])
            } else {
                create
            }
        }
        Statement::AlterTable { name, if_exists, operations, .. } => {
            if *if_exists {
                return Err(DialectError::unsupported("ALTER TABLE IF EXISTS is not supported"));
            }
            let actions: Vec<crate::db::schema_edit::SchemaEdit> =
                operations.iter().map(|op| alter_action(name, op)).collect::<Result<_, _>>()?;
            alter_statement(actions)
        }
        // Serial counters go on unless RESTART IDENTITY (serial columns are AUTOINCREMENT rowids).
        Statement::Truncate { table_names, identity, .. } => {
            use crate::db::schema_edit::{statement, SchemaEdit};
            let restart = matches!(identity, Some(sqlparser::ast::TruncateIdentityOption::Restart));
            let mut edits = Vec::new();
            for t in table_names.iter() {
                edits.push(SchemaEdit::Sql(format!("DELETE FROM {}", t.name)));
                if restart {
                    edits.push(SchemaEdit::RestartIdentity { table: object_name_text(&t.name) });
                }
            }
            if restart {
                statement(&edits)
            } else {
                let parts: Vec<String> = table_names.iter().map(|t| format!("DELETE FROM {}", t.name)).collect();
                parts.join("; ")
            }
        }
        Statement::Drop { object_type, if_exists, names, .. } => {
            let mut parts = Vec::new();
            for n in names.iter_mut() {
                strip_schema(n)?;
                parts.push(format!("DROP {object_type} {}{n}", if *if_exists { "IF EXISTS " } else { "" }));
            }
            parts.join("; ")
        }
        other => return Err(unsupported_statement(other)),
    };
    let sqlite_sql = crate::pg::catalog::expand(sqlite_sql, || session.map(SessionValues::catalog).unwrap_or_default());
    let mut translated = x.finish(sqlite_sql, kind, returns_rows);
    translated.result_types = result_types;
    translated.row_lock = row_lock;
    Ok(translated)
}

fn string_literal(v: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(v.to_string()).into())
}

/// A call's positional arguments; `None` for `f(SELECT ...)`.
fn positional_args(f: &Function) -> Option<Vec<&Expr>> {
    match &f.args {
        FunctionArguments::None => Some(Vec::new()),
        FunctionArguments::List(l) => Some(
            l.args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
        ),
        FunctionArguments::Subquery(_) => None,
    }
}

/// The literal a session information function stands for, if `f` is one.
fn session_value(f: &Function, s: &SessionValues) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    let args = positional_args(f)?;
    match name.as_str() {
        "current_user" | "session_user" | "user" | "current_role" if args.is_empty() => {
            Some(Ok(string_literal(&s.user)))
        }
        "pg_backend_pid" if args.is_empty() => Some(Ok(Expr::Value(Value::Number(s.pid.to_string(), false).into()))),
        "current_database" | "current_catalog" if args.is_empty() => Some(Ok(string_literal(&s.database))),
        // Every node takes writes: none is a standby, for drivers that look for a primary.
        "pg_is_in_recovery" if args.is_empty() => Some(Ok(Expr::Value(Value::Boolean(false).into()))),
        "current_setting" => {
            let Some(Expr::Value(v)) = args.first() else { return None };
            let Value::SingleQuotedString(key) = &v.value else { return None };
            let missing_ok = matches!(args.get(1), Some(Expr::Value(m)) if matches!(m.value, Value::Boolean(true)));
            Some(match s.settings.get(&key.to_ascii_lowercase()) {
                Some(value) => Ok(string_literal(value)),
                None if missing_ok => Ok(Expr::Value(Value::Null.into())),
                None => Err(DialectError {
                    sqlstate: "42704",
                    message: format!("unrecognized configuration parameter \"{key}\""),
                }),
            })
        }
        _ => None,
    }
}

/// The name PostgreSQL gives an unnamed result column: the column's name, the function's name, the cast's
/// type, or `?column?`.
fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(if i.quote_style.is_some() { i.value.clone() } else { i.value.to_lowercase() }),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|i| if i.quote_style.is_some() { i.value.clone() } else { i.value.to_lowercase() })
        }
        Expr::Function(f) => Some(last_part(&f.name).to_lowercase()),
        Expr::Nested(inner) => column_name(inner),
        Expr::Cast { expr, data_type, .. } => match expr.as_ref() {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Function(_) => column_name(expr),
            _ => Some(
                PgType::from_data_type(data_type)
                    .or_else(|| xform::array_element(data_type))
                    .map(|t| format!("{t:?}").to_lowercase())
                    .unwrap_or_else(|| "?column?".into()),
            ),
        },
        Expr::TypedString(ts) => Some(
            PgType::from_data_type(&ts.data_type)
                .map(|t| format!("{t:?}").to_lowercase())
                .unwrap_or_else(|| "?column?".into()),
        ),
        Expr::Value(v) if matches!(v.value, Value::Boolean(_)) => Some("bool".into()),
        Expr::Case { .. } => Some("case".into()),
        Expr::Exists { .. } => Some("exists".into()),
        Expr::Substring { .. } => Some("substring".into()),
        Expr::Position { .. } => Some("position".into()),
        Expr::Ceil { .. } => Some("ceil".into()),
        Expr::Floor { .. } => Some("floor".into()),
        Expr::Trim { trim_where, .. } => Some(
            match trim_where {
                Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            }
            .into(),
        ),
        _ => Some("?column?".into()),
    }
}

/// Names the top-level select list's unnamed columns as PostgreSQL does (SQLite would use the expression's
/// text, e.g. `count(*)` instead of `count`, and keep the case of unquoted identifiers).
fn name_columns(q: &mut Query) {
    let SetExpr::Select(select) = q.body.as_mut() else { return };
    for item in select.projection.iter_mut() {
        if let SelectItem::UnnamedExpr(e) = item {
            // SQLite already names a column reference by the column, unless it was written in capitals.
            let plain_ref = match e {
                Expr::Identifier(i) => i.quote_style.is_some() || i.value == i.value.to_lowercase(),
                Expr::CompoundIdentifier(p) => {
                    p.last().is_some_and(|i| i.quote_style.is_some() || i.value == i.value.to_lowercase())
                }
                _ => false,
            };
            if plain_ref {
                continue;
            }
            if let Some(name) = column_name(e) {
                let expr = std::mem::replace(e, Expr::Value(Value::Null.into()));
                *item = SelectItem::ExprWithAlias { expr, alias: Ident::with_quote('"', name) };
            }
        }
    }
}

/// Rejects query features SQLite cannot run (after the visitor has rewritten the rest).
fn check_query(q: &mut Query) -> Result<(), DialectError> {
    q.locks.clear(); // FOR UPDATE / FOR SHARE: taken as the write gate (`Translated::row_lock`), not in SQLite.
    if q.for_clause.is_some() {
        return Err(DialectError::unsupported("FOR XML/JSON is not supported"));
    }
    check_set_expr(&q.body)
}

fn check_set_expr(body: &SetExpr) -> Result<(), DialectError> {
    match body {
        SetExpr::Select(s) => {
            if matches!(s.distinct, Some(sqlparser::ast::Distinct::On(_))) {
                return Err(DialectError::unsupported("SELECT DISTINCT ON is not supported"));
            }
            if s.into.is_some() {
                return Err(DialectError::unsupported("SELECT INTO is not supported"));
            }
            Ok(())
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        _ => Ok(()),
    }
}

fn check_delete(del: &Delete) -> Result<(), DialectError> {
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    if del.using.is_some() || !del.tables.is_empty() || from.len() != 1 || from.iter().any(|t| !t.joins.is_empty()) {
        return Err(DialectError::unsupported("DELETE ... USING is not supported"));
    }
    if del.limit.is_some() || !del.order_by.is_empty() {
        return Err(DialectError::unsupported("DELETE ... ORDER BY / LIMIT is not supported"));
    }
    Ok(())
}

/// Renders an INSERT and records its column/position parameter hints.
fn insert_sql(ins: &mut Insert, x: &mut Xform) -> Result<String, DialectError> {
    let table = match &ins.table {
        TableObject::TableName(n) => object_name_text(n),
        TableObject::TableFunction(_) => {
            return Err(DialectError::unsupported("INSERT INTO FUNCTION is not supported"))
        }
    };
    if ins.or.is_some() || ins.ignore || ins.overwrite || ins.replace_into || !ins.assignments.is_empty() {
        return Err(DialectError::unsupported("this form of INSERT is not supported"));
    }
    if let Some(src) = ins.source.as_mut() {
        check_query(src)?;
    }
    drop_default_values(ins)?;
    if let Some(src) = ins.source.as_mut() {
        if let SetExpr::Values(values) = src.body.as_ref() {
            for row in &values.rows {
                for (i, e) in row.iter().enumerate() {
                    let Some(n) = param_index(e) else { continue };
                    let hint = match ins.columns.get(i) {
                        Some(c) => ParamHint::Column { table: Some(table.clone()), column: c.value.clone() },
                        None if ins.columns.is_empty() => {
                            ParamHint::TablePosition { table: table.clone(), position: i }
                        }
                        None => continue,
                    };
                    x.hint(n, hint);
                }
            }
        }
    }
    match &mut ins.on {
        None => {}
        Some(OnInsert::OnConflict(oc)) => {
            if matches!(oc.conflict_target, Some(sqlparser::ast::ConflictTarget::OnConstraint(_))) {
                return Err(DialectError::unsupported("ON CONFLICT ON CONSTRAINT is not supported"));
            }
            if let OnConflictAction::DoUpdate(du) = &oc.action {
                for a in &du.assignments {
                    if let (AssignmentTarget::ColumnName(col), Some(n)) = (&a.target, param_index(&a.value)) {
                        x.hint(n, ParamHint::Column { table: Some(table.clone()), column: last_part(col) });
                    }
                }
            }
            // SQLite needs a WHERE in `INSERT ... SELECT ... ON CONFLICT` to tell ON CONFLICT from a join's ON.
            if let Some(SetExpr::Select(sel)) = ins.source.as_mut().map(|s| s.body.as_mut()) {
                if sel.selection.is_none() {
                    sel.selection = Some(Expr::Value(Value::Boolean(true).into()));
                }
            }
        }
        Some(_) => return Err(DialectError::unsupported("ON DUPLICATE KEY UPDATE is not supported")),
    }
    Ok(ins.to_string())
}

/// Removes a `public.` schema qualifier; other schemas are not supported.
/// `DEFAULT` in a VALUES list, which SQLite lacks: the columns it stands in are left out of the INSERT (so they
/// take their defaults), or the row becomes `DEFAULT VALUES`. Every row must use DEFAULT in the same columns.
fn drop_default_values(ins: &mut Insert) -> Result<(), DialectError> {
    let is_default = |e: &Expr| matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
    let Some(SetExpr::Values(values)) = ins.source.as_deref().map(|q| q.body.as_ref()) else { return Ok(()) };
    let positions = |row: &Vec<Expr>| -> Vec<usize> {
        row.iter().enumerate().filter(|(_, e)| is_default(e)).map(|(i, _)| i).collect()
    };
    let Some(first) = values.rows.first().map(positions) else { return Ok(()) };
    if values.rows.iter().all(|r| positions(r).is_empty()) {
        return Ok(());
    }
    if values.rows.iter().any(|r| positions(r) != first) {
        return Err(DialectError::unsupported(
            "DEFAULT in different columns of the rows of one VALUES list is not supported",
        ));
    }
    let width = values.rows[0].len();
    if first.len() == width && values.rows.len() == 1 {
        ins.source = None;
        ins.columns.clear();
        return Ok(());
    }
    if ins.columns.is_empty() {
        return Err(DialectError::unsupported("DEFAULT in VALUES without a column list is not supported"));
    }
    if first.len() == width {
        return Err(DialectError::unsupported("several rows of only DEFAULT are not supported"));
    }
    let keep = |i: &usize| !first.contains(i);
    ins.columns = ins.columns.drain(..).enumerate().filter(|(i, _)| keep(i)).map(|(_, c)| c).collect();
    if let Some(SetExpr::Values(values)) = ins.source.as_deref_mut().map(|q| q.body.as_mut()) {
        for row in &mut values.rows {
            *row = row.drain(..).enumerate().filter(|(i, _)| keep(i)).map(|(_, e)| e).collect();
        }
    }
    Ok(())
}

fn strip_schema(name: &mut ObjectName) -> Result<(), DialectError> {
    if name.0.len() == 2 {
        let schema = name.0[0].as_ident().map(|i| i.value.to_ascii_lowercase());
        if schema.as_deref() == Some("public") {
            name.0.remove(0);
        }
    }
    if name.0.len() > 1 {
        return Err(DialectError::unsupported(format!("schema-qualified name {name} is not supported")));
    }
    Ok(())
}

/// Last part of an object name, unquoted.
fn last_part(name: &ObjectName) -> String {
    name.0.last().and_then(ObjectNamePart::as_ident).map(|i| i.value.clone()).unwrap_or_default()
}

/// The parameter number of a `$n` / `?n` placeholder expression.
fn param_index(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(ValueWithSpan { value: Value::Placeholder(p), .. }) => {
            p.strip_prefix(['$', '?']).and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0)
        }
        Expr::Nested(inner) => param_index(inner),
        _ => None,
    }
}

/// `(qualifier, column)` of a column reference.
fn column_ref(e: &Expr) -> Option<(Option<String>, String)> {
    match e {
        Expr::Identifier(i) => Some((None, i.value.clone())),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some((Some(parts[parts.len() - 2].value.clone()), parts[parts.len() - 1].value.clone()))
        }
        Expr::Nested(inner) => column_ref(inner),
        _ => None,
    }
}

/// A plain function call expression `name(args)`.
fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a))).collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// Wraps an expression in parentheses unless it is atomic, so replacing a node keeps precedence.
fn nested(e: Expr) -> Expr {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Function(_) | Expr::Nested(_) => e,
        other => Expr::Nested(Box::new(other)),
    }
}

/// `CAST(e AS target)` in SQLite form.
fn sqlite_cast(e: Expr, target: &str) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: DataType::Custom(ObjectName(vec![ObjectNamePart::Identifier(Ident::new(target))]), Vec::new()),
        format: None,
    }
}

/// PostgreSQL's text → boolean rules as a SQLite CASE expression.
fn bool_cast(e: Expr) -> Expr {
    let lowered = call("lower", vec![sqlite_cast(e, "TEXT")]);
    let list = |words: &[&str]| Expr::InList {
        expr: Box::new(lowered.clone()),
        list: words.iter().map(|w| Expr::Value(Value::SingleQuotedString((*w).into()).into())).collect(),
        negated: false,
    };
    let num = |n: &str| Expr::Value(Value::Number(n.into(), false).into());
    Expr::Nested(Box::new(Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: None,
        conditions: vec![
            sqlparser::ast::CaseWhen { condition: list(&["t", "true", "1", "yes", "on", "y"]), result: num("1") },
            sqlparser::ast::CaseWhen { condition: list(&["f", "false", "0", "no", "off", "n"]), result: num("0") },
        ],
        else_result: Some(Box::new(Expr::Value(Value::Null.into()))),
    }))
}

/// Rewrites `CAST(e AS dt)` for SQLite.
fn translate_cast(e: Expr, dt: &DataType) -> Result<Expr, DialectError> {
    if let Some(x) = catalog_refs::object_cast(&e, dt) {
        return x;
    }
    if let Some(elem) = xform::array_element(dt) {
        return array_literal(e, elem);
    }
    let pg = PgType::from_data_type(dt).ok_or_else(|| unsupported_type(dt))?;
    Ok(match pg {
        PgType::Bool => bool_cast(e),
        PgType::Numeric => numeric::cast(e, dt)?,
        PgType::Jsonb => json::cast(e, true),
        PgType::Json => json::cast(e, false),
        _ => match pg.sqlite_cast_target() {
            Some(t) => sqlite_cast(e, t),
            None => nested(e),
        },
    })
}

/// `'{a,b}'::varchar[]`: an array literal becomes the JSON array raftsql stores arrays as (`types::array`); a
/// value already converted (a literal cast twice, a parameter) stays as it is.
fn array_literal(e: Expr, elem: PgType) -> Result<Expr, DialectError> {
    let inner = match &e {
        Expr::Nested(x) => x.as_ref(),
        other => other,
    };
    match inner {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) if s.starts_with('[') => Ok(e),
            Value::SingleQuotedString(s) => {
                let ty = crate::pg::parser::array_type(elem);
                match crate::pg::types::decode_param(Some(s.as_bytes()), false, &ty) {
                    Ok(crate::db::Value::Text(json)) => Ok(string_literal(&json)),
                    Ok(_) => Err(DialectError::unsupported("this array literal is not supported")),
                    Err(te) => Err(DialectError { sqlstate: te.sqlstate, message: te.message }),
                }
            }
            Value::Placeholder(_) => Ok(e),
            _ => Err(DialectError::unsupported("arrays are not supported")),
        },
        _ => Err(DialectError::unsupported("arrays other than literals and parameters are not supported")),
    }
}

/// The 54001 error for trees nested too deeply.
fn too_deep() -> DialectError {
    DialectError { sqlstate: "54001", message: "stack depth limit exceeded: expression is nested too deeply".into() }
}

/// Length of the left spine of a binary-operator chain (`a + b + c ...`), counted without recursion.
fn spine_len(mut e: &Expr) -> usize {
    let mut n = 0;
    while let Expr::BinaryOp { left, .. } = e {
        n += 1;
        e = left;
    }
    n
}

/// Drops a deep binary-operator chain iteratively, so that dropping it cannot overflow the stack.
fn dismantle_expr(e: Expr) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let Expr::BinaryOp { left, right, .. } = e {
            stack.push(*left);
            stack.push(*right);
        }
    }
}

/// Depth of nested set operations (`SELECT .. UNION SELECT .. UNION ..`), counted without recursion.
fn set_depth(body: &SetExpr) -> usize {
    let mut max = 0;
    let mut stack = vec![(body, 1usize)];
    while let Some((b, d)) = stack.pop() {
        max = max.max(d);
        if let SetExpr::SetOperation { left, right, .. } = b {
            stack.push((left, d + 1));
            stack.push((right, d + 1));
        }
    }
    max
}

/// Drops deep set operations iteratively.
fn dismantle_set(body: SetExpr) {
    let mut stack = vec![body];
    while let Some(b) = stack.pop() {
        if let SetExpr::SetOperation { left, right, .. } = b {
            stack.push(*left);
            stack.push(*right);
        }
    }
}

mod catalog_arrays;
mod catalog_refs;
pub mod copy;
mod ddl;
mod json;
mod numeric;
mod series;
pub mod session_sql;
mod xform;

use ddl::{alter_action, alter_statement, create_index_sql, create_table_sql};
pub(crate) use numeric::typmod as numeric_typmod;
use xform::Xform;

#[cfg(test)]
mod tests;
