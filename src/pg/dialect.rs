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
    AlterTableOperation, AssignmentTarget, BinaryOperator, CastKind, ColumnDef, ColumnOption, ContextModifier,
    CreateIndex, CreateTable, DataType, Delete, Expr, FromTable, Function, FunctionArg, FunctionArgExpr,
    FunctionArgumentList, FunctionArguments, Ident, IndexType, Insert, LimitClause, ObjectName, ObjectNamePart,
    ObjectType, OffsetRows, OnConflictAction, OnInsert, Query, SelectItem, Set, SetExpr, Statement, TableConstraint,
    TableFactor, TableObject, TransactionAccessMode, TransactionMode, UnaryOperator, Value, ValueWithSpan, VisitMut,
    VisitorMut,
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
}

/// What a session knows that SQLite cannot: the values of `current_user`, `pg_backend_pid()` and
/// `current_setting(...)`, substituted as literals when a statement is translated.
#[derive(Debug, Clone, Default)]
pub struct SessionValues {
    pub user: String,
    pub pid: i32,
    /// Session parameters by lowercase name.
    pub settings: BTreeMap<String, String>,
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
/// to overflow even a small (2 MiB) thread stack in a debug build.
const INLINE_TOKENS: usize = 64;
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

/// Recognises `RESET name | ALL` and `ABORT [WORK | TRANSACTION]`, which sqlparser does not parse, and rejects COPY.
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
        // COPY ... FROM STDIN is followed by data that sqlparser would try to parse.
        Some("copy") => Err(DialectError::unsupported("COPY is not supported yet")),
        Some("abort") => match rest.as_slice() {
            [] => Ok(Some(StatementKind::Rollback)),
            [Some(w)] if w == "work" || w == "transaction" => Ok(Some(StatementKind::Rollback)),
            _ => Err(DialectError::syntax("syntax error at or near \"ABORT\"")),
        },
        _ => Ok(None),
    }
}

/// Canonical name of a run-time setting as used by SET/SHOW/RESET.
fn setting_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "time zone" => "timezone".into(),
        "transaction isolation level" => "transaction_isolation".into(),
        "names" => "client_encoding".into(),
        _ => lower,
    }
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
        Statement::Discard { object_type } => StatementKind::Other(format!("DISCARD {object_type}")),
        Statement::Deallocate { .. } => StatementKind::Other("DEALLOCATE".into()),
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
    match stmt {
        Statement::Copy { .. } => DialectError::unsupported("COPY is not supported yet"),
        _ => DialectError::unsupported(format!("{} is not supported", leading_words(stmt))),
    }
}

/// Translates one parsed statement.
fn translate_statement(mut stmt: Statement, session: Option<&SessionValues>) -> Result<Translated, DialectError> {
    if let Some(kind) = session_kind(&stmt)? {
        return Ok(control(kind));
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
    let result_types = crate::pg::infer::infer_statement(&stmt, &crate::pg::infer::NoContext);
    let mut x = Xform { session: session.cloned(), ..Xform::default() };
    if let ControlFlow::Break(e) = stmt.visit(&mut x) {
        return Err(e);
    }
    let mut returns_rows = false;
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
            if *or_alter || *or_replace || *materialized {
                return Err(DialectError::unsupported(format!("{} is not supported", leading_words(&stmt))));
            }
            check_query(query)?;
            let cols: Vec<String> = columns.iter().map(|c| c.name.to_string()).collect();
            let cols = if cols.is_empty() { String::new() } else { format!(" ({})", cols.join(", ")) };
            format!(
                "CREATE {}VIEW {}{}{} AS {}",
                if *temporary { "TEMPORARY " } else { "" },
                if *if_not_exists { "IF NOT EXISTS " } else { "" },
                name,
                cols,
                query
            )
        }
        Statement::AlterTable { name, if_exists, operations, .. } => {
            if *if_exists {
                return Err(DialectError::unsupported("ALTER TABLE IF EXISTS is not supported"));
            }
            let ops: Result<Vec<String>, DialectError> = operations.iter().map(|op| alter_sql(name, op)).collect();
            ops?.join("; ")
        }
        Statement::Truncate { table_names, .. } => {
            let parts: Vec<String> = table_names.iter().map(|t| format!("DELETE FROM {}", t.name)).collect();
            parts.join("; ")
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
    let mut translated = x.finish(sqlite_sql, kind, returns_rows);
    translated.result_types = result_types;
    Ok(translated)
}

fn string_literal(v: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(v.to_string()).into())
}

/// The literal a session information function stands for, if `f` is one.
fn session_value(f: &Function, s: &SessionValues) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    let args: Vec<&Expr> = match &f.args {
        FunctionArguments::None => Vec::new(),
        FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        FunctionArguments::Subquery(_) => return None,
    };
    match name.as_str() {
        "current_user" | "session_user" | "user" | "current_role" if args.is_empty() => {
            Some(Ok(string_literal(&s.user)))
        }
        "pg_backend_pid" if args.is_empty() => Some(Ok(Expr::Value(Value::Number(s.pid.to_string(), false).into()))),
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
    q.locks.clear(); // FOR UPDATE / FOR SHARE: SQLite transactions are serializable already.
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

/// Renders a column definition for SQLite; `serial_pk` tells whether a serial column may become the rowid.
fn column_sql(col: &ColumnDef) -> Result<(String, bool), DialectError> {
    let mut serial = column_type(&col.data_type)? == ColumnType::Serial;
    let identity = col.options.iter().any(|o| {
        matches!(&o.option, ColumnOption::Generated { generation_expr: None, .. } | ColumnOption::Identity(_))
    });
    if identity {
        if !matches!(PgType::from_data_type(&col.data_type), Some(PgType::Int2 | PgType::Int4 | PgType::Int8)) {
            return Err(DialectError::unsupported("identity columns must be integers"));
        }
        serial = true;
    }
    let mut out = col.name.to_string();
    out.push(' ');
    match column_type(&col.data_type)? {
        _ if serial => out.push_str("INTEGER PRIMARY KEY"),
        ColumnType::Declared(t) => out.push_str(&t),
        ColumnType::Serial => out.push_str("INTEGER PRIMARY KEY"),
    }
    for o in &col.options {
        let keep = match &o.option {
            ColumnOption::Null | ColumnOption::NotNull | ColumnOption::Default(_) | ColumnOption::Unique { .. } => {
                !serial
            }
            ColumnOption::Generated { generation_expr: None, .. } | ColumnOption::Identity(_) => false,
            ColumnOption::Check(_) => true,
            ColumnOption::ForeignKey { .. } => true,
            other => {
                return Err(DialectError::unsupported(format!("column option {other} is not supported")));
            }
        };
        if keep {
            // SQLite takes only literals bare after DEFAULT; any other expression needs parentheses.
            if let ColumnOption::Default(e) = &o.option {
                if matches!(e, Expr::Value(_)) {
                    out.push_str(&format!(" DEFAULT {e}"));
                } else {
                    out.push_str(&format!(" DEFAULT ({e})"));
                }
                continue;
            }
            let mut o = o.clone();
            if let ColumnOption::ForeignKey { foreign_table, .. } = &mut o.option {
                strip_schema(foreign_table)?;
            }
            out.push(' ');
            out.push_str(&o.to_string());
        }
    }
    Ok((out, serial))
}

/// Renders CREATE TABLE for SQLite with mapped column types and serial handling.
fn create_table_sql(ct: &mut CreateTable) -> Result<String, DialectError> {
    if ct.or_replace || ct.like.is_some() || ct.clone.is_some() || ct.inherits.is_some() || ct.partition_by.is_some() {
        return Err(DialectError::unsupported("this form of CREATE TABLE is not supported"));
    }
    let head = format!(
        "CREATE {}TABLE {}{}",
        if ct.temporary { "TEMPORARY " } else { "" },
        if ct.if_not_exists { "IF NOT EXISTS " } else { "" },
        ct.name
    );
    if let Some(q) = ct.query.as_mut() {
        if !ct.columns.is_empty() {
            return Err(DialectError::unsupported("CREATE TABLE AS with a column list is not supported"));
        }
        check_query(q)?;
        return Ok(format!("{head} AS {q}"));
    }
    let mut defs = Vec::new();
    let mut serials = Vec::new();
    let mut other_pk = false;
    // Primary key columns are NOT NULL in PostgreSQL; SQLite lets NULL into a primary key that is not the rowid.
    let table_pk: Vec<String> = ct
        .constraints
        .iter()
        .filter_map(|c| match c {
            TableConstraint::PrimaryKey { columns, .. } => Some(columns),
            _ => None,
        })
        .flatten()
        .map(|c| c.column.expr.to_string().trim_matches('"').to_lowercase())
        .collect();
    for col in &ct.columns {
        let (mut sql, serial) = column_sql(col)?;
        let is_pk = table_pk.contains(&col.name.value.to_lowercase())
            || col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. }));
        let has_not_null = col.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
        if is_pk && !serial && !has_not_null {
            sql.push_str(" NOT NULL");
        }
        if serial {
            serials.push(col.name.value.clone());
        } else if col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. })) {
            other_pk = true;
        }
        defs.push(sql);
    }
    let mut constraints = Vec::new();
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey { columns, .. } => {
                let names: Vec<String> = columns.iter().map(|c| c.column.expr.to_string()).collect();
                let unquoted: Vec<String> = names.iter().map(|n| n.trim_matches('"').to_string()).collect();
                if serials.len() == 1 && unquoted.len() == 1 && unquoted[0] == serials[0] {
                    continue; // the serial column already carries PRIMARY KEY
                }
                other_pk = true;
                constraints.push(format!("PRIMARY KEY ({})", names.join(", ")));
            }
            TableConstraint::Unique { .. } | TableConstraint::Check { .. } => constraints.push(c.to_string()),
            TableConstraint::ForeignKey { .. } => {
                let mut c = c.clone();
                if let TableConstraint::ForeignKey { foreign_table, .. } = &mut c {
                    strip_schema(foreign_table)?;
                }
                constraints.push(c.to_string());
            }
            other => return Err(DialectError::unsupported(format!("table constraint {other} is not supported"))),
        }
    }
    if serials.len() > 1 || (!serials.is_empty() && other_pk) {
        return Err(DialectError::unsupported("serial column that is not the primary key is not supported"));
    }
    defs.extend(constraints);
    Ok(format!("{head} ({})", defs.join(", ")))
}

/// Renders CREATE INDEX for SQLite.
fn create_index_sql(ci: &mut CreateIndex) -> Result<String, DialectError> {
    match &ci.using {
        None | Some(IndexType::BTree) => {}
        Some(other) => return Err(DialectError::unsupported(format!("index method {other} is not supported"))),
    }
    if !ci.include.is_empty() || !ci.with.is_empty() || ci.nulls_distinct.is_some() {
        return Err(DialectError::unsupported("this form of CREATE INDEX is not supported"));
    }
    let cols: Vec<String> = ci
        .columns
        .iter()
        .map(|c| {
            let dir = match c.column.options.asc {
                Some(true) => " ASC",
                Some(false) => " DESC",
                None => "",
            };
            format!("{}{dir}", c.column.expr)
        })
        .collect();
    let name = match &mut ci.name {
        Some(n) => {
            strip_schema(n)?;
            n.to_string()
        }
        None => {
            let mut parts = vec![object_name_text(&ci.table_name)];
            parts.extend(ci.columns.iter().map(|c| c.column.expr.to_string().trim_matches('"').to_string()));
            parts.push("idx".into());
            Ident::with_quote('"', parts.join("_")).to_string()
        }
    };
    let pred = ci.predicate.as_ref().map(|p| format!(" WHERE {p}")).unwrap_or_default();
    Ok(format!(
        "CREATE {}INDEX {}{name} ON {} ({}){pred}",
        if ci.unique { "UNIQUE " } else { "" },
        if ci.if_not_exists { "IF NOT EXISTS " } else { "" },
        ci.table_name,
        cols.join(", ")
    ))
}

/// Renders one ALTER TABLE action for SQLite.
fn alter_sql(table: &ObjectName, op: &AlterTableOperation) -> Result<String, DialectError> {
    let action = match op {
        AlterTableOperation::AddColumn { if_not_exists: false, column_def, column_position: None, .. } => {
            let (sql, serial) = column_sql(column_def)?;
            if serial {
                return Err(DialectError::unsupported("adding a serial column is not supported"));
            }
            format!("ADD COLUMN {sql}")
        }
        AlterTableOperation::DropColumn { column_names, if_exists: false, .. } if column_names.len() == 1 => {
            format!("DROP COLUMN {}", column_names[0])
        }
        AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
            format!("RENAME COLUMN {old_column_name} TO {new_column_name}")
        }
        AlterTableOperation::RenameTable { table_name } => {
            let (sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n)) = table_name;
            let mut n = n.clone();
            strip_schema(&mut n)?;
            format!("RENAME TO {n}")
        }
        other => return Err(DialectError::unsupported(format!("ALTER TABLE {other} is not supported"))),
    };
    Ok(format!("ALTER TABLE {table} {action}"))
}

/// Removes a `public.` schema qualifier; other schemas are not supported.
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
    let pg = PgType::from_data_type(dt).ok_or_else(|| unsupported_type(dt))?;
    Ok(match pg {
        PgType::Bool => bool_cast(e),
        _ => match pg.sqlite_cast_target() {
            Some(t) => sqlite_cast(e, t),
            None => nested(e),
        },
    })
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

/// The AST visitor: collects tables and hints, rewrites expressions, values and LIMIT clauses.
#[derive(Default)]
struct Xform {
    session: Option<SessionValues>,
    hints: BTreeMap<usize, ParamHint>,
    max_param: usize,
    tables: Vec<String>,
    aliases: Vec<(String, String)>,
    ctes: Vec<String>,
    depth: usize,
}

/// Deepest expression nesting accepted; deeper trees would risk overflowing the stack when visited or rendered.
const MAX_EXPR_DEPTH: usize = 2000;

impl Xform {
    /// Records a hint for `$n`, keeping the most specific one.
    fn hint(&mut self, n: usize, h: ParamHint) {
        let cur = self.hints.get(&n).map(ParamHint::priority).unwrap_or(0);
        if h.priority() > cur {
            self.hints.insert(n, h);
        }
    }

    fn column_hint(&mut self, col: &Expr, param: &Expr) {
        if let (Some((table, column)), Some(n)) = (column_ref(col), param_index(param)) {
            self.hint(n, ParamHint::Column { table, column });
        }
    }

    /// Resolves hint tables and builds the result.
    fn finish(mut self, sqlite_sql: String, kind: StatementKind, returns_rows: bool) -> Translated {
        let single = if self.tables.len() == 1 { self.tables.first().cloned() } else { None };
        let param_hints = (1..=self.max_param)
            .map(|n| match self.hints.remove(&n) {
                Some(ParamHint::Column { table, column }) => {
                    let table = match table {
                        Some(q) => {
                            Some(self.aliases.iter().find(|(a, _)| *a == q).map(|(_, t)| t.clone()).unwrap_or(q))
                        }
                        None => single.clone(),
                    };
                    ParamHint::Column { table, column }
                }
                Some(h) => h,
                None => ParamHint::Unknown,
            })
            .collect();
        Translated {
            sqlite_sql,
            kind,
            param_count: self.max_param,
            param_hints,
            tables: self.tables,
            returns_rows,
            result_types: Vec::new(),
        }
    }
}

fn unsupported_expr(what: &str) -> ControlFlow<DialectError> {
    ControlFlow::Break(DialectError::unsupported(format!("{what} is not supported")))
}

impl VisitorMut for Xform {
    type Break = DialectError;

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<DialectError> {
        if set_depth(&q.body) > MAX_EXPR_DEPTH {
            let empty = SetExpr::Values(sqlparser::ast::Values { explicit_row: false, rows: Vec::new() });
            dismantle_set(std::mem::replace(q.body.as_mut(), empty));
            return ControlFlow::Break(too_deep());
        }
        if let Some(with) = &q.with {
            self.ctes.extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
        }
        if let Some(fetch) = q.fetch.take() {
            if fetch.with_ties || fetch.percent {
                return unsupported_expr("FETCH WITH TIES / PERCENT");
            }
            let qty = fetch.quantity.unwrap_or(Expr::Value(Value::Number("1".into(), false).into()));
            match &mut q.limit_clause {
                Some(LimitClause::LimitOffset { limit, .. }) => *limit = Some(qty),
                _ => {
                    q.limit_clause = Some(LimitClause::LimitOffset { limit: Some(qty), offset: None, limit_by: vec![] })
                }
            }
        }
        match &mut q.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, limit_by }) => {
                if !limit_by.is_empty() {
                    return unsupported_expr("LIMIT BY");
                }
                if let Some(o) = offset {
                    o.rows = OffsetRows::None;
                    if let Some(n) = param_index(&o.value) {
                        self.hint(n, ParamHint::Limit);
                    }
                    if limit.is_none() {
                        *limit = Some(Expr::Value(Value::Number("-1".into(), false).into()));
                    }
                }
                if let Some(n) = limit.as_ref().and_then(param_index) {
                    self.hint(n, ParamHint::Limit);
                }
            }
            Some(LimitClause::OffsetCommaLimit { .. }) => return unsupported_expr("LIMIT offset, count"),
            None => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<DialectError> {
        if let Err(e) = strip_schema(name) {
            return ControlFlow::Break(e);
        }
        let t = object_name_text(name);
        if !self.ctes.contains(&t) && !self.tables.contains(&t) {
            self.tables.push(t);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<DialectError> {
        match tf {
            TableFactor::Table { name, alias, args, .. } => {
                if args.is_some() {
                    return unsupported_expr("table functions");
                }
                if let Some(a) = alias {
                    self.aliases.push((a.name.value.clone(), last_part(name)));
                }
                ControlFlow::Continue(())
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            TableFactor::UNNEST { .. } => unsupported_expr("UNNEST"),
            _ => unsupported_expr("this FROM item"),
        }
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<DialectError> {
        self.depth += 1;
        if self.depth + spine_len(e) > MAX_EXPR_DEPTH {
            dismantle_expr(std::mem::replace(e, Expr::Value(Value::Null.into())));
            return ControlFlow::Break(too_deep());
        }
        match e {
            Expr::BinaryOp { left, op, right } => {
                use BinaryOperator as B;
                if matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq) {
                    self.column_hint(left, right);
                    self.column_hint(right, left);
                }
            }
            Expr::InList { expr, list, .. } => list.iter().for_each(|p| self.column_hint(expr, p)),
            Expr::Between { expr, low, high, .. } => {
                self.column_hint(expr, low);
                self.column_hint(expr, high);
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => self.column_hint(expr, pattern),
            Expr::Cast { expr, data_type, .. } => {
                if let Some(n) = param_index(expr) {
                    match PgType::from_data_type(data_type) {
                        Some(t) => self.hint(n, ParamHint::Cast(t)),
                        None => return ControlFlow::Break(unsupported_type(data_type)),
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<DialectError> {
        use BinaryOperator as B;
        self.depth = self.depth.saturating_sub(1);
        let replacement = match e {
            Expr::Cast { expr, data_type, format: None, .. } => {
                let inner = std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()));
                if param_index(&inner).is_some() {
                    inner
                } else {
                    match translate_cast(inner, data_type) {
                        Ok(x) => x,
                        Err(err) => return ControlFlow::Break(err),
                    }
                }
            }
            Expr::TypedString(ts) => {
                if matches!(ts.data_type, DataType::Interval { .. }) {
                    return unsupported_expr("intervals");
                }
                let value = Expr::Value(ts.value.clone());
                match translate_cast(value, &ts.data_type) {
                    Ok(x) => x,
                    Err(err) => return ControlFlow::Break(err),
                }
            }
            Expr::ILike { negated, any: false, expr, pattern, escape_char } => Expr::Like {
                negated: *negated,
                any: false,
                expr: expr.clone(),
                pattern: pattern.clone(),
                escape_char: escape_char.clone(),
            },
            Expr::Function(f) if self.session.as_ref().and_then(|s| session_value(f, s)).is_some() => {
                match self.session.as_ref().and_then(|s| session_value(f, s)) {
                    Some(Ok(x)) => x,
                    Some(Err(err)) => return ControlFlow::Break(err),
                    None => return ControlFlow::Continue(()),
                }
            }
            Expr::Function(f) if matches!(f.args, FunctionArguments::None) => {
                let name = last_part(&f.name).to_ascii_lowercase();
                match name.as_str() {
                    "current_user" | "session_user" | "user" | "current_role" => call("current_user", vec![]),
                    "current_catalog" => call("current_database", vec![]),
                    "localtimestamp" => {
                        f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("CURRENT_TIMESTAMP"))]);
                        return ControlFlow::Continue(());
                    }
                    "localtime" => {
                        f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("CURRENT_TIME"))]);
                        return ControlFlow::Continue(());
                    }
                    _ => return ControlFlow::Continue(()),
                }
            }
            Expr::Substring { expr, substring_from, substring_for, .. } => {
                let mut args = vec![expr.as_ref().clone()];
                args.push(
                    substring_from.as_deref().cloned().unwrap_or(Expr::Value(Value::Number("1".into(), false).into())),
                );
                args.extend(substring_for.as_deref().cloned());
                call("substr", args)
            }
            Expr::Position { expr, r#in } => call("instr", vec![r#in.as_ref().clone(), expr.as_ref().clone()]),
            Expr::Trim { expr, trim_where, trim_what, trim_characters: None } => {
                let f = match trim_where {
                    Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                    Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "trim",
                };
                let mut args = vec![expr.as_ref().clone()];
                args.extend(trim_what.as_deref().cloned());
                call(f, args)
            }
            // PostgreSQL raises division_by_zero where SQLite returns NULL: divide through a function that
            // raises the same error.
            Expr::BinaryOp { left, op, right } if matches!(op, B::Divide | B::Modulo) => {
                let f = if matches!(op, B::Divide) { "raftsql_div" } else { "raftsql_mod" };
                let l = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                let r = std::mem::replace(right.as_mut(), Expr::Value(Value::Null.into()));
                call(f, vec![l, r])
            }
            Expr::BinaryOp { op, .. } => {
                let ok = matches!(
                    op,
                    B::Plus
                        | B::Minus
                        | B::Multiply
                        | B::Divide
                        | B::Modulo
                        | B::StringConcat
                        | B::Gt
                        | B::Lt
                        | B::GtEq
                        | B::LtEq
                        | B::Eq
                        | B::NotEq
                        | B::And
                        | B::Or
                        | B::BitwiseOr
                        | B::BitwiseAnd
                        | B::PGBitwiseShiftLeft
                        | B::PGBitwiseShiftRight
                        | B::Arrow
                        | B::LongArrow
                );
                if !ok {
                    return unsupported_expr(&format!("operator {op}"));
                }
                return ControlFlow::Continue(());
            }
            Expr::UnaryOp { op, .. } => {
                if !matches!(
                    op,
                    UnaryOperator::Plus | UnaryOperator::Minus | UnaryOperator::Not | UnaryOperator::PGBitwiseNot
                ) {
                    return unsupported_expr(&format!("operator {op}"));
                }
                return ControlFlow::Continue(());
            }
            Expr::Array(_) | Expr::CompoundFieldAccess { .. } | Expr::AnyOp { .. } | Expr::AllOp { .. } => {
                return ControlFlow::Break(DialectError::unsupported("arrays are not supported"))
            }
            Expr::Interval(_) => return unsupported_expr("intervals"),
            Expr::AtTimeZone { .. } => return unsupported_expr("AT TIME ZONE"),
            Expr::Extract { .. } => return unsupported_expr("EXTRACT"),
            Expr::SimilarTo { .. } | Expr::RLike { .. } => return unsupported_expr("regular expressions"),
            Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => return unsupported_expr("grouping sets"),
            Expr::Cast { .. }
            | Expr::Overlay { .. }
            | Expr::Struct { .. }
            | Expr::Map(_)
            | Expr::Dictionary(_)
            | Expr::Lambda(_)
            | Expr::Convert { .. }
            | Expr::Named { .. }
            | Expr::MatchAgainst { .. }
            | Expr::ILike { .. }
            | Expr::Like { any: true, .. }
            | Expr::Trim { .. }
            | Expr::Prefixed { .. } => return unsupported_expr("this expression"),
            _ => return ControlFlow::Continue(()),
        };
        *e = replacement;
        ControlFlow::Continue(())
    }

    fn post_visit_value(&mut self, v: &mut Value) -> ControlFlow<DialectError> {
        match v {
            Value::Placeholder(p) => {
                let n = match p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) if n > 0 && n <= 65535 => n,
                    _ => {
                        return ControlFlow::Break(DialectError {
                            sqlstate: "42P02",
                            message: format!("there is no parameter {p}"),
                        })
                    }
                };
                self.max_param = self.max_param.max(n);
                *p = format!("?{n}");
            }
            Value::EscapedStringLiteral(s) | Value::NationalStringLiteral(s) | Value::UnicodeStringLiteral(s) => {
                *v = Value::SingleQuotedString(std::mem::take(s));
            }
            Value::DollarQuotedString(d) => *v = Value::SingleQuotedString(std::mem::take(&mut d.value)),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Translated {
        let mut v = translate(sql).unwrap();
        assert_eq!(v.len(), 1, "{sql}");
        v.remove(0)
    }

    fn out(sql: &str) -> String {
        one(sql).sqlite_sql
    }

    fn err(sql: &str) -> DialectError {
        translate(sql).unwrap_err()
    }

    fn col(table: Option<&str>, column: &str) -> ParamHint {
        ParamHint::Column { table: table.map(String::from), column: column.into() }
    }

    #[test]
    fn placeholders_and_select_hints() {
        let t = one("SELECT * FROM t WHERE id = $1 AND name = $2 LIMIT $3");
        assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE id = ?1 AND name = ?2 LIMIT ?3");
        assert_eq!(t.param_count, 3);
        assert_eq!(t.param_hints, vec![col(Some("t"), "id"), col(Some("t"), "name"), ParamHint::Limit]);
        assert_eq!(t.tables, vec!["t"]);
        assert!(t.returns_rows);
        assert_eq!(t.kind, StatementKind::Select);
    }

    #[test]
    fn insert_without_columns_gives_positions() {
        let t = one("INSERT INTO t VALUES ($1, $2)");
        assert_eq!(t.sqlite_sql, "INSERT INTO t VALUES (?1, ?2)");
        assert_eq!(
            t.param_hints,
            vec![
                ParamHint::TablePosition { table: "t".into(), position: 0 },
                ParamHint::TablePosition { table: "t".into(), position: 1 }
            ]
        );
        assert!(!t.returns_rows);
    }

    #[test]
    fn insert_with_columns_gives_columns() {
        let t = one("INSERT INTO public.t (a, b) VALUES ($2, $1)");
        assert_eq!(t.sqlite_sql, "INSERT INTO t (a, b) VALUES (?2, ?1)");
        assert_eq!(t.param_hints, vec![col(Some("t"), "b"), col(Some("t"), "a")]);
    }

    #[test]
    fn update_hints() {
        let t = one("UPDATE t SET a = $1 WHERE b = $2");
        assert_eq!(t.sqlite_sql, "UPDATE t SET a = ?1 WHERE b = ?2");
        assert_eq!(t.kind, StatementKind::Update);
        assert_eq!(t.param_hints, vec![col(Some("t"), "a"), col(Some("t"), "b")]);
    }

    #[test]
    fn cast_hints_drop_the_cast() {
        let t = one("SELECT $1::int8, CAST($2 AS text), $3");
        assert_eq!(t.sqlite_sql, "SELECT ?1 AS \"int8\", ?2 AS \"text\", ?3 AS \"?column?\"");
        assert_eq!(
            t.param_hints,
            vec![ParamHint::Cast(PgType::Int8), ParamHint::Cast(PgType::Text), ParamHint::Unknown]
        );
    }

    #[test]
    fn cast_beats_column_hint() {
        let t = one("SELECT * FROM t WHERE id = $1::int4");
        assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE id = ?1");
        assert_eq!(t.param_hints, vec![ParamHint::Cast(PgType::Int4)]);
    }

    #[test]
    fn hints_in_between_like_and_aliases() {
        let t = one(
            "SELECT 1 FROM t x JOIN u ON x.id = u.t_id WHERE x.a IN ($1, $2) AND b BETWEEN $3 AND $4 AND u.c ILIKE $5",
        );
        assert_eq!(t.tables, vec!["t", "u"]);
        assert_eq!(
            t.param_hints,
            vec![col(Some("t"), "a"), col(Some("t"), "a"), col(None, "b"), col(None, "b"), col(Some("u"), "c")]
        );
    }

    #[test]
    fn gaps_in_parameter_numbers() {
        let t = one("SELECT $3");
        assert_eq!(t.param_count, 3);
        assert_eq!(t.param_hints, vec![ParamHint::Unknown; 3]);
        assert_eq!(err("SELECT $0").sqlstate, "42P02");
    }

    #[test]
    fn casts_of_values() {
        assert_eq!(
            out("SELECT '1'::int, a::bigint, b::float8, c::numeric(10,2), d::varchar(3), e::bytea FROM t"),
            "SELECT CAST('1' AS INTEGER) AS \"int4\", CAST(a AS INTEGER) AS \"a\", CAST(b AS REAL) AS \"b\", \
             CAST(c AS NUMERIC) AS \"c\", CAST(d AS TEXT) AS \"d\", CAST(e AS BLOB) AS \"e\" FROM t"
        );
        assert_eq!(out("SELECT CAST(a + 1 AS date) * 2 FROM t"), "SELECT (a + 1) * 2 AS \"?column?\" FROM t");
        assert_eq!(
            out("SELECT '2020-01-01'::date, DATE '2020-01-02', x::uuid FROM t"),
            "SELECT '2020-01-01' AS \"date\", '2020-01-02' AS \"date\", x AS \"x\" FROM t"
        );
    }

    #[test]
    fn bool_cast() {
        assert_eq!(
            out("SELECT 'yes'::boolean"),
            "SELECT (CASE WHEN lower(CAST('yes' AS TEXT)) IN ('t', 'true', '1', 'yes', 'on', 'y') THEN 1 \
             WHEN lower(CAST('yes' AS TEXT)) IN ('f', 'false', '0', 'no', 'off', 'n') THEN 0 ELSE NULL END) AS \"bool\""
        );
    }

    #[test]
    fn unsupported_types() {
        assert_eq!(err("SELECT x::int[] FROM t").message, "arrays are not supported");
        assert_eq!(err("SELECT $1::int[]").sqlstate, "0A000");
        assert_eq!(err("SELECT x::regclass FROM t").sqlstate, "0A000");
        assert_eq!(err("SELECT ARRAY[1, 2]").message, "arrays are not supported");
        assert_eq!(err("SELECT 1 FROM t WHERE a = ANY($1)").sqlstate, "0A000");
    }

    #[test]
    fn create_table_types() {
        assert_eq!(
            out("CREATE TABLE IF NOT EXISTS public.t (a int, b integer, c int4, d bigint, e int8, f smallint, g int2, \
                 h real, i float4, j double precision, k float8, l float, m numeric(10,2), n decimal, o text, \
                 p varchar(20), q character varying, r char(3), s character(2), u bytea, v boolean, w bool, x date, \
                 y time, z timestamp, aa timestamp without time zone, ab timestamptz, ac timestamp with time zone, \
                 ad json, ae jsonb, af uuid)"),
            "CREATE TABLE IF NOT EXISTS t (a INT4, b INT4, c INT4, d INT8, e INT8, f INT2, g INT2, h FLOAT4, i FLOAT4, \
             j FLOAT8, k FLOAT8, l FLOAT8, m NUMERIC, n NUMERIC, o TEXT, p VARCHAR(20), q VARCHAR, r CHAR(3), \
             s CHAR(2), u BLOB, v BOOLEAN, w BOOLEAN, x DATE, y TIME, z TIMESTAMP, aa TIMESTAMP, ab TIMESTAMPTZ, \
             ac TIMESTAMPTZ, ad JSON, ae JSONB, af UUID)"
        );
        assert_eq!(one("CREATE TABLE t (a int)").kind, StatementKind::CreateTable);
        assert_eq!(err("CREATE TABLE t (a money)").sqlstate, "0A000");
        assert_eq!(err("CREATE TABLE t (a int[])").message, "arrays are not supported");
    }

    #[test]
    fn create_table_constraints() {
        assert_eq!(
            out("CREATE TABLE t (id int PRIMARY KEY, a text NOT NULL DEFAULT 'x' UNIQUE, b int REFERENCES public.u(id) \
                 ON DELETE CASCADE, c timestamptz DEFAULT now(), d int CHECK (d > 0), UNIQUE (a, b), \
                 FOREIGN KEY (b) REFERENCES u (id))"),
            "CREATE TABLE t (id INT4 PRIMARY KEY NOT NULL, a TEXT NOT NULL DEFAULT 'x' UNIQUE, b INT4 REFERENCES u (id) ON \
             DELETE CASCADE, c TIMESTAMPTZ DEFAULT (now()), d INT4 CHECK (d > 0), UNIQUE (a, b), FOREIGN KEY (b) \
             REFERENCES u(id))"
        );
    }

    #[test]
    fn serial_columns() {
        assert_eq!(
            out("CREATE TABLE t (id serial PRIMARY KEY, name text NOT NULL)"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"
        );
        assert_eq!(
            out("CREATE TABLE t (id bigserial NOT NULL, x int, PRIMARY KEY (id))"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x INT4)"
        );
        assert_eq!(
            out("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, x INT4)"
        );
        assert_eq!(
            out("CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)"),
            "CREATE TABLE t (id INTEGER PRIMARY KEY)"
        );
        let e = err("CREATE TABLE t (id serial, x int PRIMARY KEY)");
        assert_eq!(
            (e.sqlstate, e.message.as_str()),
            ("0A000", "serial column that is not the primary key is not supported")
        );
        assert_eq!(err("CREATE TABLE t (id serial, x int, PRIMARY KEY (id, x))").sqlstate, "0A000");
    }

    #[test]
    fn alter_table() {
        let t = one("ALTER TABLE t ADD COLUMN c int8 DEFAULT 1");
        assert_eq!(t.sqlite_sql, "ALTER TABLE t ADD COLUMN c INT8 DEFAULT 1");
        assert_eq!(t.kind, StatementKind::AlterTable);
        assert_eq!(out("ALTER TABLE t RENAME COLUMN a TO b"), "ALTER TABLE t RENAME COLUMN a TO b");
        assert_eq!(out("ALTER TABLE t RENAME TO u"), "ALTER TABLE t RENAME TO u");
        assert_eq!(out("ALTER TABLE t DROP COLUMN a"), "ALTER TABLE t DROP COLUMN a");
        assert_eq!(err("ALTER TABLE t ADD COLUMN id serial").sqlstate, "0A000");
        assert_eq!(err("ALTER TABLE t ALTER COLUMN a SET NOT NULL").sqlstate, "0A000");
    }

    #[test]
    fn expressions() {
        assert_eq!(
            out("SELECT * FROM t WHERE a ILIKE 'x%' AND b NOT ILIKE $1"),
            "SELECT * FROM t WHERE a LIKE 'x%' AND b NOT LIKE ?1"
        );
        assert_eq!(
            out("SELECT current_user, session_user, user, CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP"),
            "SELECT current_user() AS \"current_user\", current_user() AS \"session_user\", current_user() AS \"user\", CURRENT_TIMESTAMP AS \"current_timestamp\", CURRENT_DATE AS \"current_date\", CURRENT_TIMESTAMP AS \"localtimestamp\""
        );
        assert_eq!(
            out("SELECT now(), version(), current_database(), current_setting('x'), pg_backend_pid(), gen_random_uuid(), random()"),
            "SELECT now() AS \"now\", version() AS \"version\", current_database() AS \"current_database\", \
             current_setting('x') AS \"current_setting\", pg_backend_pid() AS \"pg_backend_pid\", \
             gen_random_uuid() AS \"gen_random_uuid\", random() AS \"random\""
        );
        assert_eq!(
            out("SELECT COALESCE(a, 'x') || b, CASE WHEN a THEN 1 ELSE 2 END, TRUE, FALSE FROM t"),
            "SELECT COALESCE(a, 'x') || b AS \"?column?\", CASE WHEN a THEN 1 ELSE 2 END AS \"case\", true AS \"bool\", \
             false AS \"bool\" FROM t"
        );
        assert_eq!(out(r"SELECT E'a\nb''c\'d'"), "SELECT 'a\nb''c''d' AS \"?column?\"");
        assert_eq!(out("SELECT $$it's$$"), "SELECT 'it''s' AS \"?column?\"");
        assert_eq!(out("SELECT \"Weird Col\" FROM \"T\""), "SELECT \"Weird Col\" FROM \"T\"");
        assert_eq!(
            out("SELECT substring(a from 2 for 3), position('x' in a), trim(both 'x' from a) FROM t"),
            "SELECT substr(a, 2, 3) AS \"substring\", instr(a, 'x') AS \"position\", trim(a, 'x') AS \"btrim\" FROM t"
        );
        assert_eq!(err("SELECT a ~ 'x' FROM t").sqlstate, "0A000");
    }

    #[test]
    fn limit_offset_fetch() {
        assert_eq!(out("SELECT a FROM t LIMIT ALL"), "SELECT a FROM t");
        assert_eq!(out("SELECT a FROM t LIMIT ALL OFFSET 5"), "SELECT a FROM t LIMIT -1 OFFSET 5");
        assert_eq!(out("SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY"), "SELECT a FROM t LIMIT 3 OFFSET 2");
        assert_eq!(
            out("SELECT a FROM t ORDER BY a DESC LIMIT 10 OFFSET 20"),
            "SELECT a FROM t ORDER BY a DESC LIMIT 10 OFFSET 20"
        );
        let t = one("SELECT a FROM t LIMIT $1 OFFSET $2");
        assert_eq!(t.param_hints, vec![ParamHint::Limit, ParamHint::Limit]);
    }

    #[test]
    fn queries_render_as_is() {
        let sql = "WITH c AS (SELECT a FROM u) SELECT t.a, count(*) FROM t LEFT JOIN c ON t.a = c.a \
                   WHERE t.b IN (SELECT b FROM v) GROUP BY t.a HAVING count(*) > 1 UNION SELECT 1, 2";
        let t = one(sql);
        assert_eq!(t.sqlite_sql, sql.split_whitespace().collect::<Vec<_>>().join(" "));
        assert_eq!(t.tables, vec!["u", "t", "v"]);
        assert!(one("VALUES (1, 2)").returns_rows);
        assert_eq!(out("SELECT a FROM t FOR UPDATE"), "SELECT a FROM t");
    }

    #[test]
    fn truncate() {
        let t = one("TRUNCATE TABLE t");
        assert_eq!((t.sqlite_sql.as_str(), t.kind.clone()), ("DELETE FROM t", StatementKind::Truncate));
        assert_eq!(out("TRUNCATE a, public.b"), "DELETE FROM a; DELETE FROM b");
        assert_eq!(t.kind.command_tag(0), "TRUNCATE TABLE");
    }

    #[test]
    fn upsert_and_returning() {
        let t = one("INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b WHERE t.b <> $3 RETURNING *");
        assert_eq!(
            t.sqlite_sql,
            "INSERT INTO t (a, b) VALUES (?1, ?2) ON CONFLICT(a) DO UPDATE SET b = EXCLUDED.b WHERE t.b <> ?3 RETURNING *"
        );
        assert!(t.returns_rows);
        assert_eq!(t.param_hints[2], col(Some("t"), "b"));
        assert_eq!(
            out("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING"),
            "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            out("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING"),
            "INSERT INTO t SELECT * FROM u WHERE true ON CONFLICT DO NOTHING"
        );
        assert_eq!(out("INSERT INTO t DEFAULT VALUES"), "INSERT INTO t DEFAULT VALUES");
        let u = one("UPDATE t SET a = a + 1 RETURNING a");
        assert!(u.returns_rows);
        let d = one("DELETE FROM t WHERE id = $1 RETURNING id");
        assert_eq!((d.sqlite_sql.as_str(), d.returns_rows), ("DELETE FROM t WHERE id = ?1 RETURNING id", true));
        assert!(!one("DELETE FROM t").returns_rows);
        assert_eq!(err("INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT c DO NOTHING").sqlstate, "0A000");
    }

    #[test]
    fn transaction_control() {
        use StatementKind as K;
        let kinds = |sql: &str| translate(sql).unwrap().into_iter().map(|t| t.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(
                "BEGIN; BEGIN WORK; BEGIN TRANSACTION; START TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY; \
                   START TRANSACTION READ WRITE"
            ),
            vec![
                K::Begin { read_only: false },
                K::Begin { read_only: false },
                K::Begin { read_only: false },
                K::Begin { read_only: true },
                K::Begin { read_only: false }
            ]
        );
        assert_eq!(
            kinds("COMMIT; END; ROLLBACK; ABORT; SAVEPOINT s; RELEASE s; RELEASE SAVEPOINT s; ROLLBACK TO s; ROLLBACK TO SAVEPOINT s"),
            vec![
                K::Commit,
                K::Commit,
                K::Rollback,
                K::Rollback,
                K::Savepoint("s".into()),
                K::Release("s".into()),
                K::Release("s".into()),
                K::RollbackTo("s".into()),
                K::RollbackTo("s".into())
            ]
        );
        assert_eq!(one("COMMIT").sqlite_sql, "");
    }

    #[test]
    fn set_show_reset() {
        let set = |n: &str, v: &str, l: bool| StatementKind::Set { name: n.into(), value: v.into(), local: l };
        assert_eq!(one("SET search_path TO public").kind, set("search_path", "public", false));
        assert_eq!(one("SET LOCAL statement_timeout = '5s'").kind, set("statement_timeout", "5s", true));
        assert_eq!(one("SET SESSION DateStyle = ISO").kind, set("datestyle", "ISO", false));
        assert_eq!(one("SET extra_float_digits = 3").kind, set("extra_float_digits", "3", false));
        assert_eq!(one("SET TIME ZONE 'UTC'").kind, set("timezone", "UTC", false));
        assert_eq!(one("SET NAMES 'UTF8'").kind, set("client_encoding", "UTF8", false));
        assert_eq!(one("SET x TO DEFAULT").kind, set("x", "default", false));
        assert_eq!(one("SHOW TIME ZONE").kind, StatementKind::Show("timezone".into()));
        assert_eq!(one("SHOW ALL").kind, StatementKind::Show("all".into()));
        assert_eq!(one("SHOW server_version").kind, StatementKind::Show("server_version".into()));
        assert_eq!(one("RESET ALL").kind, StatementKind::Reset("all".into()));
        assert_eq!(one("RESET search_path").kind, StatementKind::Reset("search_path".into()));
        assert_eq!(one("RESET TIME ZONE").kind, StatementKind::Reset("timezone".into()));
        assert_eq!(err("RESET").sqlstate, "42601");
    }

    #[test]
    fn indexes_views_drops() {
        let t = one("CREATE INDEX IF NOT EXISTS i ON t USING btree (a, b DESC)");
        assert_eq!(
            (t.sqlite_sql.as_str(), t.kind.clone()),
            ("CREATE INDEX IF NOT EXISTS i ON t (a, b DESC)", StatementKind::CreateIndex)
        );
        assert_eq!(out("CREATE UNIQUE INDEX u ON t (a) WHERE b > 0"), "CREATE UNIQUE INDEX u ON t (a) WHERE b > 0");
        assert_eq!(out("CREATE INDEX ON t (a, b)"), "CREATE INDEX \"t_a_b_idx\" ON t (a, b)");
        assert_eq!(err("CREATE INDEX i ON t USING gin (a)").sqlstate, "0A000");
        let d = one("DROP TABLE IF EXISTS a, b CASCADE");
        assert_eq!(
            (d.sqlite_sql.as_str(), d.kind),
            ("DROP TABLE IF EXISTS a; DROP TABLE IF EXISTS b", StatementKind::DropTable)
        );
        assert_eq!(one("DROP INDEX i").kind, StatementKind::DropIndex);
        assert_eq!(out("DROP INDEX IF EXISTS i"), "DROP INDEX IF EXISTS i");
        let v = one("CREATE VIEW v AS SELECT a FROM t WHERE b = 'x'::text");
        assert_eq!(
            (v.sqlite_sql.as_str(), v.kind),
            ("CREATE VIEW v AS SELECT a FROM t WHERE b = CAST('x' AS TEXT)", StatementKind::CreateView)
        );
        assert_eq!(one("DROP VIEW v").kind, StatementKind::DropView);
        assert_eq!(err("CREATE OR REPLACE VIEW v AS SELECT 1").sqlstate, "0A000");
    }

    #[test]
    fn multi_statement_comments_and_empty() {
        let v = translate("SELECT 1; -- one\n/* two */ SELECT 'a;b';;").unwrap();
        assert_eq!(
            v.iter().map(|t| t.sqlite_sql.as_str()).collect::<Vec<_>>(),
            vec!["SELECT 1 AS \"?column?\"", "SELECT 'a;b' AS \"?column?\""]
        );
        assert!(translate("").unwrap().is_empty());
        assert!(translate(" ; ;\n-- only a comment\n/* c */;").unwrap().is_empty());
        let v = translate("BEGIN; INSERT INTO t VALUES (1); COMMIT").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].sqlite_sql, "INSERT INTO t VALUES (1)");
    }

    #[test]
    fn syntax_errors() {
        let e = err("SELEC 1");
        assert_eq!((e.sqlstate, e.message.as_str()), ("42601", "syntax error at or near \"SELEC\""));
        assert_eq!(err("SELECT 1 +").message, "syntax error at end of input");
        assert_eq!(err("SELECT 'unterminated").sqlstate, "42601");
        assert_eq!(err("SELECT 1; SELEC 2").sqlstate, "42601");
        assert_eq!(err("SELECT (1").sqlstate, "42601");
    }

    #[test]
    fn unsupported_statements() {
        let e = err("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql");
        assert_eq!((e.sqlstate, e.message.as_str()), ("0A000", "CREATE FUNCTION is not supported"));
        assert_eq!(
            err("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql").message,
            "CREATE FUNCTION is not supported"
        );
        assert_eq!(err("COPY t FROM STDIN").message, "COPY is not supported yet");
        assert_eq!(err("LISTEN x").message, "LISTEN is not supported");
        assert_eq!(err("NOTIFY x").message, "NOTIFY is not supported");
        assert_eq!(err("CREATE SCHEMA s").message, "CREATE SCHEMA is not supported");
        assert_eq!(err("SELECT * FROM other.t").sqlstate, "0A000");
        assert_eq!(err("DELETE FROM t USING u WHERE t.a = u.a").sqlstate, "0A000");
    }

    #[test]
    fn command_tags() {
        use StatementKind as K;
        assert_eq!(K::Select.command_tag(5), "SELECT 5");
        assert_eq!(K::Insert.command_tag(3), "INSERT 0 3");
        assert_eq!(K::Update.command_tag(2), "UPDATE 2");
        assert_eq!(K::Delete.command_tag(1), "DELETE 1");
        assert_eq!(K::CreateTable.command_tag(0), "CREATE TABLE");
        assert_eq!(K::DropIndex.command_tag(0), "DROP INDEX");
        assert_eq!(K::Begin { read_only: true }.command_tag(0), "BEGIN");
        assert_eq!(K::RollbackTo("s".into()).command_tag(0), "ROLLBACK");
        assert_eq!(K::Release("s".into()).command_tag(0), "RELEASE");
        assert_eq!(K::Set { name: "a".into(), value: "b".into(), local: false }.command_tag(0), "SET");
        assert_eq!(K::Show("a".into()).command_tag(0), "SHOW");
        assert_eq!(K::Reset("all".into()).command_tag(0), "RESET");
        assert_eq!(one("DISCARD ALL").kind.command_tag(0), "DISCARD ALL");
    }

    #[test]
    fn pg_type_names() {
        assert_eq!(PgType::from_name("INTEGER"), Some(PgType::Int4));
        assert_eq!(PgType::from_name("bigserial"), Some(PgType::Int8));
        assert_eq!(PgType::from_name("Double  Precision"), Some(PgType::Float8));
        assert_eq!(PgType::from_name("timestamp with time zone"), Some(PgType::Timestamptz));
        assert_eq!(PgType::from_name("character varying"), Some(PgType::Varchar));
        assert_eq!(PgType::from_name("bpchar"), Some(PgType::Bpchar));
        assert_eq!(PgType::from_name("money"), None);
        assert_eq!(
            PgType::from_data_type(&DataType::Float(sqlparser::ast::ExactNumberInfo::Precision(10))),
            Some(PgType::Float4)
        );
    }

    #[test]
    fn deep_and_hostile_input_does_not_panic() {
        let long_chain = format!("SELECT 1{}", "+1".repeat(100_000));
        assert_eq!(err(&long_chain).sqlstate, "54001");
        let ok_chain = format!("SELECT 1 FROM t WHERE {}", vec!["a = 1"; 500].join(" OR "));
        assert!(translate(&ok_chain).is_ok());
        let unions = format!("SELECT 1{}", " UNION SELECT 1".repeat(5_000));
        assert_eq!(err(&unions).sqlstate, "54001");
        let parens = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(err(&parens).sqlstate, "42601");
        for s in ["$", "$1", "'", "\"", "E'\\", "::", ";;;", "SELECT $99999999999999999999", "\u{0}", "ÿ 日本"] {
            let _ = translate(s);
        }
    }

    #[test]
    fn schema_public_is_stripped() {
        let t = one("SELECT * FROM public.t JOIN public.u ON t.id = u.id");
        assert_eq!(t.sqlite_sql, "SELECT * FROM t JOIN u ON t.id = u.id");
        assert_eq!(t.tables, vec!["t", "u"]);
    }

    #[test]
    fn cte_names_are_not_tables() {
        assert_eq!(one("WITH c AS (SELECT * FROM t) SELECT * FROM c").tables, vec!["t"]);
    }

    #[test]
    fn json_arrows_and_distinct_from_pass_through() {
        assert_eq!(
            out("SELECT data -> 'a', data ->> 'b' FROM t WHERE a IS DISTINCT FROM b"),
            "SELECT data -> 'a' AS \"?column?\", data ->> 'b' AS \"?column?\" FROM t WHERE a IS DISTINCT FROM b"
        );
    }

    #[test]
    fn distinct_on_is_unsupported() {
        assert_eq!(err("SELECT DISTINCT ON (a) a FROM t").sqlstate, "0A000");
        assert_eq!(out("SELECT DISTINCT a FROM t"), "SELECT DISTINCT a FROM t");
    }

    #[test]
    fn on_conflict_set_gives_column_hint() {
        let t = one("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = $1");
        assert_eq!(t.param_hints, vec![col(Some("t"), "b")]);
    }

    #[test]
    fn ambiguous_column_table_is_none() {
        let t = one("SELECT * FROM t, u WHERE a = $1 AND u.b = $2");
        assert_eq!(t.param_hints, vec![col(None, "a"), col(Some("u"), "b")]);
    }

    #[test]
    fn parameters_in_subqueries_and_functions() {
        let t = one("SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = $1) AND lower(d) = lower($2)");
        assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = ?1) AND lower(d) = lower(?2)");
        assert_eq!(t.param_hints, vec![col(None, "c"), ParamHint::Unknown]);
    }

    #[test]
    fn discard_and_deallocate_are_other() {
        assert_eq!(one("DISCARD ALL").kind, StatementKind::Other("DISCARD ALL".into()));
        assert_eq!(one("DEALLOCATE ALL").kind, StatementKind::Other("DEALLOCATE".into()));
    }

    #[test]
    fn localtimestamp_becomes_current_timestamp() {
        assert_eq!(out("SELECT LOCALTIMESTAMP"), "SELECT CURRENT_TIMESTAMP AS \"localtimestamp\"");
    }

    #[test]
    fn create_table_as_select() {
        assert_eq!(
            out("CREATE TABLE t2 AS SELECT a FROM t WHERE b = 1"),
            "CREATE TABLE t2 AS SELECT a FROM t WHERE b = 1"
        );
    }

    #[test]
    fn select_without_from_and_placeholders_in_projection() {
        let t = one("SELECT $1 || 'x', $2::bool");
        assert_eq!(t.sqlite_sql, "SELECT ?1 || 'x' AS \"?column?\", ?2 AS \"bool\"");
        assert_eq!(t.param_hints, vec![ParamHint::Unknown, ParamHint::Cast(PgType::Bool)]);
        assert!(t.tables.is_empty());
    }

    #[test]
    fn intervals_and_at_time_zone_are_unsupported() {
        assert_eq!(err("SELECT now() - INTERVAL '1 day'").sqlstate, "0A000");
        assert_eq!(err("SELECT now() AT TIME ZONE 'UTC'").sqlstate, "0A000");
    }
}
