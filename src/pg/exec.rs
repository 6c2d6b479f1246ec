//! Runs one translated statement for a PostgreSQL session: transaction control and session commands are
//! answered here, everything else goes through the query layer's Session. Shared by the simple and the
//! extended query protocol.

use crate::pg::rows::ResultColumn;
use std::time::Duration;

use pgwire::api::Type;
use pgwire::error::ErrorInfo;

use crate::db::exec::Access;
use crate::db::{QueryResult, Value};
use crate::error::{ExecError, SqlError};
use crate::pg::dialect::{PgType, StatementKind, Translated};
use crate::pg::errors::{error, exec_error};
use crate::pg::settings::Settings;
use crate::pg::types::{type_for_decl, type_for_value};
use crate::pg::unlock;
use crate::query::{Session, TxnEnd};
use crate::raft::Consistency;

/// What a statement produced, before encoding.
pub enum Outcome {
    /// Rows with their column names and types, and the command tag without the row count
    /// (`SELECT`, `INSERT 0`, ...): the count is appended as rows are sent.
    Rows { fields: Vec<ResultColumn>, rows: Vec<Vec<Value>>, tag_prefix: String },
    /// A command without rows and its complete tag.
    Command { tag: String, parameter_status: Vec<(String, String)> },
}

/// The tag of a row-returning statement without its count.
pub fn tag_prefix(kind: &StatementKind) -> &'static str {
    match kind {
        StatementKind::Insert => "INSERT 0",
        StatementKind::Update => "UPDATE",
        StatementKind::Delete => "DELETE",
        _ => "SELECT",
    }
}

/// Result column types: declared types where SQLite knows them, then the types inferred from the
/// PostgreSQL expressions, otherwise from the first non-NULL value.
pub fn fields_from_result(r: &QueryResult, inferred: &[Option<crate::pg::dialect::PgType>]) -> Vec<ResultColumn> {
    let inferred = if inferred.len() == r.columns.len() { inferred } else { &[] };
    r.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let first = r.rows.iter().map(|row| &row[i]).find(|v| !matches!(v, Value::Null));
            let from_values = || first.map(type_for_value).unwrap_or(Type::TEXT);
            let ty = type_for_decl(c.decl_type.as_deref())
                .or_else(|| {
                    // An inferred type the values contradict (a float where bigint was guessed) gives way.
                    inferred
                        .get(i)
                        .copied()
                        .flatten()
                        .map(crate::pg::parser::pg_type)
                        .filter(|t| first.is_none_or(|v| fits(t, v)))
                        // Arithmetic of integers, which the translation could only call "a number".
                        .map(|t| {
                            if t == Type::NUMERIC && matches!(first, Some(Value::Integer(_))) {
                                Type::INT8
                            } else {
                                t
                            }
                        })
                })
                .unwrap_or_else(from_values);
            ResultColumn::declared(c.name.clone(), ty, c.decl_type.as_deref())
        })
        .collect()
}

/// Whether a stored value can be shown as type `t` without changing it.
fn fits(t: &Type, v: &Value) -> bool {
    match v {
        Value::Integer(_) => *t != Type::BYTEA,
        Value::Real(_) => matches!(*t, Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC | Type::TEXT | Type::VARCHAR),
        Value::Text(_) => {
            !matches!(*t, Type::INT2 | Type::INT4 | Type::INT8 | Type::FLOAT4 | Type::FLOAT8 | Type::BYTEA)
        }
        Value::Blob(_) => matches!(*t, Type::BYTEA | Type::UUID),
        Value::Null => true,
    }
}

fn command(tag: impl Into<String>) -> Outcome {
    Outcome::Command { tag: tag.into(), parameter_status: Vec::new() }
}

/// Applies the session parameters that the query layer acts on.
pub fn apply_settings(session: &mut Session, settings: &Settings) {
    session.consistency = match settings.get("raftsql.read_consistency").as_deref() {
        Some("stale") => Consistency::Stale,
        _ => Consistency::Linearizable,
    };
    session.lock_timeout = settings.duration("lock_timeout").unwrap_or(Duration::from_secs(10));
    session.idle_timeout = settings.duration("idle_in_transaction_session_timeout");
    session.time_zone = settings.time_zone();
    session.default_read_only = settings
        .get("default_transaction_read_only")
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "on" | "true" | "yes" | "1"));
}

/// The inferred result types of `t`, with the schema's help when a column has neither a declared type nor a type
/// the translation could infer (`coalesce(price, 0)`): one inference over the schema, on a read connection.
async fn result_types(session: &Session, t: &Translated, result: &QueryResult) -> Vec<Option<PgType>> {
    let known = |i: usize| result.columns[i].decl_type.is_some() || t.result_types.get(i).copied().flatten().is_some();
    if t.source.is_none() || (0..result.columns.len()).all(known) {
        return t.result_types.clone();
    }
    let (t, columns) = (t.clone(), result.columns.len());
    session
        .node()
        .reads
        .with_connection(move |conn| crate::pg::parser::schema_result_types(conn, &t, &[], columns))
        .await
}

/// Runs one statement. Errors inside a transaction block put it in the failed state.
pub async fn run(
    session: &mut Session,
    settings: &std::sync::Mutex<Settings>,
    t: &Translated,
    params: Vec<Value>,
) -> Result<Outcome, ErrorInfo> {
    let result = run_inner(session, settings, t, params).await;
    if result.is_err() {
        session.fail();
    }
    result
}

/// SET (with `local`: SET LOCAL) `name` = `value`, applied to what the session acts on; the ParameterStatus to
/// report, if the parameter is reported.
fn set_parameter(
    session: &mut Session,
    settings: &std::sync::Mutex<Settings>,
    name: &str,
    value: &str,
    local: bool,
) -> Result<Option<(String, String)>, ErrorInfo> {
    let mut s = unlock(settings);
    let change = if local { s.set_local(name, value) } else { s.set(name, value) };
    let change = change.map_err(|e| error(e.sqlstate, e.message))?;
    apply_settings(session, &s);
    Ok(change)
}

async fn run_inner(
    session: &mut Session,
    settings: &std::sync::Mutex<Settings>,
    t: &Translated,
    params: Vec<Value>,
) -> Result<Outcome, ErrorInfo> {
    let exec = |e: ExecError| exec_error(&e);
    match &t.kind {
        StatementKind::Begin { read_only } => {
            session.begin(*read_only);
            Ok(command("BEGIN"))
        }
        StatementKind::Commit => match session.commit().await.map_err(exec)? {
            TxnEnd::Committed => Ok(command("COMMIT")),
            TxnEnd::RolledBack => Ok(command("ROLLBACK")),
        },
        StatementKind::Rollback => {
            session.rollback().await.map_err(exec)?;
            Ok(command("ROLLBACK"))
        }
        StatementKind::Savepoint(name) => {
            session.savepoint(name).await.map_err(exec)?;
            Ok(command("SAVEPOINT"))
        }
        StatementKind::Release(name) => {
            session.release(name).await.map_err(exec)?;
            Ok(command("RELEASE"))
        }
        StatementKind::RollbackTo(name) => {
            session.rollback_to(name).await.map_err(exec)?;
            Ok(command("ROLLBACK"))
        }
        // SET LOCAL outside a transaction block has no effect (PostgreSQL warns).
        StatementKind::Set { local: true, .. } if session.status() == crate::query::TxnStatus::Idle => {
            Ok(command("SET"))
        }
        StatementKind::Set { name, value, local } => {
            let change = set_parameter(session, settings, name, value, *local)?;
            Ok(Outcome::Command { tag: "SET".into(), parameter_status: change.into_iter().collect() })
        }
        StatementKind::SetConfig { name, value, local } => {
            let in_txn = session.status() != crate::query::TxnStatus::Idle;
            set_parameter(session, settings, name, value, *local && in_txn)?;
            // Rows carry no ParameterStatus: a reported parameter (TimeZone, application_name) changed this way
            // is not announced to the client, unlike with SET.
            Ok(Outcome::Rows {
                fields: vec![ResultColumn::new("set_config", Type::TEXT)],
                rows: vec![vec![Value::Text(value.clone())]],
                tag_prefix: "SELECT".into(),
            })
        }
        StatementKind::Reset(name) => {
            let changes = {
                let mut s = unlock(settings);
                let changes = s.reset(name);
                apply_settings(session, &s);
                changes
            };
            Ok(Outcome::Command { tag: "RESET".into(), parameter_status: changes })
        }
        StatementKind::Show(name) => {
            let s = unlock(settings);
            if name == "all" {
                let rows = s
                    .all()
                    .into_iter()
                    .map(|(k, v)| vec![Value::Text(k), Value::Text(v), Value::Text(String::new())])
                    .collect();
                return Ok(Outcome::Rows {
                    fields: crate::pg::settings::show_all_columns(),
                    rows,
                    tag_prefix: "SHOW".into(),
                });
            }
            let value = match name.as_str() {
                // Every node accepts writes: only a READ ONLY transaction is read-only.
                "transaction_read_only" => Some(if session.read_only() { "on" } else { "off" }.to_string()),
                _ => s.get(name),
            };
            let value =
                value.ok_or_else(|| error("42704", format!("unrecognized configuration parameter \"{name}\"")))?;
            Ok(Outcome::Rows {
                fields: vec![ResultColumn::new(crate::pg::settings::display_name(name), Type::TEXT)],
                rows: vec![vec![Value::Text(value)]],
                tag_prefix: "SHOW".into(),
            })
        }
        StatementKind::NoOp(tag) => Ok(command(tag.clone())),
        // Outside a transaction block it only warns (`session_commands`), as in PostgreSQL.
        StatementKind::SetTransaction { read_only } => {
            if let Some(read_only) = read_only {
                session.set_read_only(*read_only).map_err(exec)?;
            }
            Ok(command("SET"))
        }
        StatementKind::DiscardSequences => {
            session.discard_sequences();
            Ok(command("DISCARD SEQUENCES"))
        }
        StatementKind::Explain => {
            let result = session
                .execute_expecting(session.statement(&t.sqlite_sql, params), Some(Access::ReadOnly))
                .await
                .map_err(exec)?;
            Ok(Outcome::Rows {
                fields: vec![ResultColumn::new("QUERY PLAN", Type::TEXT)],
                rows: crate::pg::explain::plan_rows(&result.rows),
                tag_prefix: "EXPLAIN".into(),
            })
        }
        StatementKind::LockTable { nowait } => {
            session.lock_tables(*nowait).await.map_err(exec)?;
            Ok(command("LOCK TABLE".to_string()))
        }
        kind => {
            if crate::pg::cluster_sql::wants(t) {
                if crate::pg::cluster_sql::administers(t) && !session.superuser {
                    return Err(error("42501", "must be superuser to change the cluster's membership or leader"));
                }
                let result = crate::pg::cluster_sql::run(session.node(), t, params).await.map_err(exec)?;
                return Ok(Outcome::Rows {
                    fields: fields_from_result(&result, &t.result_types),
                    rows: result.rows,
                    tag_prefix: "SELECT".into(),
                });
            }
            // The parsed kind says whether this reads (a query moving a sequence writes); SQLite's own read-only
            // check still guards the read path.
            let sequence_function = t.functions.iter().find(|f| *f == "nextval" || *f == "setval");
            let reads = matches!(kind, StatementKind::Select) && sequence_function.is_none();
            let expected = if reads { Access::ReadOnly } else { Access::Write };
            // Nothing for SQLite to run (a statement raftsql only acknowledges): never a log entry.
            if t.sqlite_sql.trim().is_empty() {
                return Ok(command(kind.command_tag(0)));
            }
            let statement = session.statement(&t.sqlite_sql, params);
            let result = match t.row_lock {
                Some(nowait) => session.execute_locking(statement, nowait).await,
                None => session.execute_expecting(statement, Some(expected)).await,
            }
            .map_err(|e| match &e {
                // The query layer refuses a write in a read-only transaction; PostgreSQL's message names it.
                ExecError::Sql(s) if s.code == SqlError::READ_ONLY_TRANSACTION && !reads && t.row_lock.is_none() => {
                    let what = match kind {
                        StatementKind::Select => format!("{}()", sequence_function.map_or("nextval", String::as_str)),
                        StatementKind::Insert => "INSERT".into(),
                        StatementKind::Update => "UPDATE".into(),
                        StatementKind::Delete => "DELETE".into(),
                        other => other.command_tag(0),
                    };
                    error("25006", format!("cannot execute {what} in a read-only transaction"))
                }
                _ => exec(e),
            })?;
            session.remember_sequences(&result);
            if t.returns_rows {
                let inferred = result_types(session, t, &result).await;
                Ok(Outcome::Rows {
                    fields: fields_from_result(&result, &inferred),
                    rows: result.rows,
                    tag_prefix: tag_prefix(kind).into(),
                })
            } else {
                Ok(command(kind.command_tag(result.rows_affected)))
            }
        }
    }
}
