//! Statements answered by the session rather than SQLite, recognised from the AST or, for what sqlparser does not parse (RESET, ABORT, COPY, LOCK, VACUUM...), from the tokens.

use super::*;

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
pub(super) fn reset_or_abort(words: &[Token]) -> Result<Option<StatementKind>, DialectError> {
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

/// `SET CONSTRAINTS { ALL | name, ... } { DEFERRED | IMMEDIATE }` (Django sends both around fixture loading).
/// Deferrable foreign keys are deferred already (SQLite checks them at COMMIT), so DEFERRED changes nothing;
/// IMMEDIATE checks what is pending now, as PostgreSQL does retroactively (23503), through a statement the
/// writer runs in the transaction. `None` for any other statement.
pub(super) fn set_constraints(words: &[Token]) -> Option<Result<Translated, DialectError>> {
    let lower: Vec<Option<String>> = words.iter().map(word).collect();
    if lower.first()?.as_deref() != Some("set") || lower.get(1)?.as_deref() != Some("constraints") {
        return None;
    }
    let mode = match lower.last().cloned().flatten().as_deref() {
        Some("deferred") => false,
        Some("immediate") => true,
        _ => return Some(Err(DialectError::syntax("syntax error at end of input"))),
    };
    if words.len() < 4 {
        return Some(Err(DialectError::syntax("syntax error at or near \"CONSTRAINTS\"")));
    }
    let kind = StatementKind::Other("SET CONSTRAINTS".into());
    Some(Ok(match mode {
        false => control(StatementKind::NoOp("SET CONSTRAINTS".into())),
        true => Translated { sqlite_sql: "SELECT raftsql_check_deferred_constraints()".into(), ..control(kind) },
    }))
}

/// Canonical name of a run-time setting as used by SET/SHOW/RESET.
pub(crate) fn setting_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "time zone" => "timezone".into(),
        "transaction isolation level" => "transaction_isolation".into(),
        "names" => "client_encoding".into(),
        _ => lower,
    }
}

/// A statement that is only classified, not run on SQLite.
pub(super) fn control(kind: StatementKind) -> Translated {
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
        source: None,
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
pub(super) fn session_kind(stmt: &Statement) -> Result<Option<StatementKind>, DialectError> {
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
            // The access mode matters (a read-only transaction refuses writes); every isolation level is
            // serializable here.
            Set::SetTransaction { modes, session, .. } => {
                let read_only = modes.iter().rev().find_map(|m| match m {
                    TransactionMode::AccessMode(TransactionAccessMode::ReadOnly) => Some(true),
                    TransactionMode::AccessMode(TransactionAccessMode::ReadWrite) => Some(false),
                    _ => None,
                });
                match (session, read_only) {
                    // SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY: the session's default.
                    (true, Some(r)) => StatementKind::Set {
                        name: "default_transaction_read_only".into(),
                        value: if r { "on" } else { "off" }.into(),
                        local: false,
                    },
                    (true, None) => StatementKind::NoOp("SET".into()),
                    (false, read_only) => StatementKind::SetTransaction { read_only },
                }
            }
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
