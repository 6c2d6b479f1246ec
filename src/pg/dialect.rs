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
    if let Some(sequence_statement) = sequences::translate(words) {
        return sequence_statement;
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
        Statement::Comment { .. } => StatementKind::Comment,
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
        Statement::Comment { object_type, object_name, comment, .. } => {
            comment_statement(object_type, object_name, comment)?
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

/// `current_setting(e)` of a name known only when the statement runs (a parameter): the session's value for it,
/// NULL for a name it does not have.
fn settings_lookup(name: &Expr, s: &SessionValues) -> Expr {
    let conditions = s.settings.iter().map(|(key, value)| (string_literal(key), string_literal(value))).collect();
    case_when(Some(call("lower", vec![name.clone()])), conditions, None)
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
            let key = match args.first() {
                Some(Expr::Value(v)) => match &v.value {
                    Value::SingleQuotedString(key) => key,
                    _ => return Some(Ok(settings_lookup(args[0], s))),
                },
                Some(other) => return Some(Ok(settings_lookup(other, s))),
                None => return None,
            };
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

/// `=`, `<>`, `<`, `<=`, `>`, `>=`.
fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
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

/// `CASE [operand] WHEN c THEN r ... [ELSE e] END`.
fn case_when(operand: Option<Expr>, conditions: Vec<(Expr, Expr)>, else_result: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: operand.map(Box::new),
        conditions: conditions
            .into_iter()
            .map(|(condition, result)| sqlparser::ast::CaseWhen { condition, result })
            .collect(),
        else_result: else_result.map(Box::new),
    }
}

/// An identifier as PostgreSQL resolves it: as written when quoted, else in lower case.
fn ident_name(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// Wraps an expression in parentheses unless it is atomic, so replacing a node keeps precedence.
fn nested(e: Expr) -> Expr {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Function(_) | Expr::Nested(_) => e,
        other => Expr::Nested(Box::new(other)),
    }
}

mod aggregates;
mod arrays;
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
mod xform;

use casts::{array_element, bool_text, cast_expr, sqlite_cast, translate_cast};
use depth::{dismantle_expr, dismantle_set, set_depth, spine_len, too_deep};
use explain::explain;
use insert::insert_sql;
use names::name_columns;
pub(crate) use session_kinds::setting_name;
use session_kinds::{control, reset_or_abort, session_kind};

use ddl::{alter_action, alter_statement, comment_statement, create_index_sql, create_table_sql};
pub(crate) use numeric::typmod as numeric_typmod;
use xform::Xform;

#[cfg(test)]
mod tests;
