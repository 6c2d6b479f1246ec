//! The session-level SQL commands of a connection, for both query protocols: `PREPARE`/`EXECUTE`/`DEALLOCATE`
//! (sharing one namespace with the extended protocol's named statements, as in PostgreSQL), cursors, `DISCARD
//! ALL`; and what ends with a transaction (SET's changes on rollback, SET LOCAL, cursors without HOLD).

use std::sync::Arc;

use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{MemPortalStore, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, Type};
use pgwire::error::ErrorInfo;

use crate::db::Value;
use crate::pg::cursors::Cursor;
use crate::pg::dialect::session_sql::FetchDirection;
use crate::pg::dialect::{translate_with, PgType, StatementKind, Translated};
use crate::pg::errors::{error, exec_error};
use crate::pg::exec::Outcome;
use crate::pg::handler::PgConnection;
use crate::pg::parser::{pg_type, Prepared};
use crate::pg::settings::session_values;
use crate::pg::types::decode_param;
use crate::pg::unlock;
use crate::query::{Session, TxnStatus};

/// The connection's named statements: pgwire's store, whose statement type is known to be `Prepared`.
fn statements<C: ClientPortalStore>(client: &C) -> Result<&MemPortalStore<Prepared>, ErrorInfo>
where
    C::PortalStore: PortalStore,
{
    client
        .portal_store()
        .as_any()
        .downcast_ref::<MemPortalStore<Prepared>>()
        .ok_or_else(|| error("XX000", "internal: unexpected statement store"))
}

/// An evaluated EXECUTE argument as the parameter type expects it (as if the client had sent its text).
fn as_param(v: Value, ty: &Type) -> Result<Value, ErrorInfo> {
    let text = match &v {
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Null | Value::Blob(_) => return Ok(v),
    };
    decode_param(Some(text.as_bytes()), false, ty).map_err(|e| error(e.sqlstate, e.message))
}

impl PgConnection {
    /// Runs one statement of either protocol: session commands here, everything else by `run_statement`. Keeps
    /// what lasts only as long as a transaction (settings, cursors) in step with the session.
    pub(crate) async fn run_command<C>(
        &self,
        client: &mut C,
        session: &mut Session,
        t: &Translated,
        params: Vec<Value>,
        watch_cancel: bool,
    ) -> Result<Outcome, ErrorInfo>
    where
        C: ClientInfo + ClientPortalStore + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
    {
        if session.status() == TxnStatus::Idle {
            unlock(&self.settings).begin_transaction();
        }
        let session_command = matches!(
            t.kind,
            StatementKind::Prepare { .. }
                | StatementKind::Deallocate(_)
                | StatementKind::Fetch { .. }
                | StatementKind::CloseCursor(_)
                | StatementKind::DiscardAll
        );
        if session_command && session.status() == TxnStatus::Failed {
            return Err(exec_error(&crate::query::session::failed_error()));
        }
        let outside_only = match &t.kind {
            StatementKind::Set { local: true, .. } => Some("SET LOCAL can only be used in transaction blocks"),
            StatementKind::SetTransaction { .. } => Some("SET TRANSACTION can only be used in transaction blocks"),
            StatementKind::Other(tag) | StatementKind::NoOp(tag) if tag == "SET CONSTRAINTS" => {
                Some("SET CONSTRAINTS can only be used in transaction blocks")
            }
            _ => None,
        };
        if let (Some(message), TxnStatus::Idle) = (outside_only, session.status()) {
            let mut warning = error("25P01", message);
            warning.severity = "WARNING".into();
            unlock(&self.notices).push(warning);
        }
        let mut result = match &t.kind {
            StatementKind::Prepare { name, types, body } => self.prepare(client, name, types, body).await,
            StatementKind::Execute { name, args } => self.execute(client, session, name, args, watch_cancel).await,
            StatementKind::Deallocate(name) => self.deallocate(client, name.as_deref()),
            StatementKind::Declare { name, hold, query } => {
                self.declare(client, session, name, *hold, query, watch_cancel).await
            }
            StatementKind::Fetch { name, direction, move_only } => self.fetch(name, *direction, *move_only),
            StatementKind::CloseCursor(Some(name)) => match unlock(&self.cursors).close(name) {
                true => Ok(command("CLOSE CURSOR")),
                false => Err(error("34000", format!("cursor \"{name}\" does not exist"))),
            },
            StatementKind::CloseCursor(None) => {
                unlock(&self.cursors).close_all();
                Ok(command("CLOSE CURSOR ALL"))
            }
            StatementKind::DiscardAll => self.discard_all(client, session),
            _ => self.run_statement(client, session, t, params, watch_cancel).await,
        };
        if result.is_err() {
            session.fail();
        }
        if session.status() == TxnStatus::Idle {
            // The transaction (or the autocommit statement) ended; an explicit one committed only with COMMIT.
            let committed = match &result {
                Ok(Outcome::Command { tag, .. }) if matches!(t.kind, StatementKind::Commit) => tag == "COMMIT",
                _ => !matches!(t.kind, StatementKind::Rollback | StatementKind::Commit),
            };
            let restored = unlock(&self.settings).end_transaction(committed);
            if !restored.is_empty() {
                crate::pg::exec::apply_settings(session, &unlock(&self.settings));
            }
            unlock(&self.cursors).end_transaction();
            if let Ok(Outcome::Command { parameter_status, .. }) = &mut result {
                parameter_status.extend(restored);
            }
        }
        result
    }

    /// PREPARE name [(types)] AS body.
    async fn prepare<C>(&self, client: &C, name: &str, types: &[String], body: &str) -> Result<Outcome, ErrorInfo>
    where
        C: ClientInfo + ClientPortalStore + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
    {
        let store = statements(client)?;
        if store.get_statement(name).is_some() {
            return Err(error("42P05", format!("prepared statement \"{name}\" already exists")));
        }
        let types = types
            .iter()
            .map(|t| {
                PgType::from_name(t)
                    .map(|p| Some(pg_type(p)))
                    .ok_or_else(|| error("42704", format!("type \"{t}\" does not exist")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parser = ExtendedQueryHandler::query_parser(self);
        let prepared = parser
            .parse_sql(client, body, &types)
            .await
            .map_err(ErrorInfo::from)?
            .ok_or_else(|| error("42601", "syntax error at end of input"))?;
        let store = statements(client)?;
        store.put_statement(Arc::new(StoredStatement::new(name.to_string(), prepared, types)));
        unlock(&self.statement_names).insert(name.to_string());
        Ok(command("PREPARE"))
    }

    /// EXECUTE name [(args)]: the arguments are evaluated (they may be any expressions), then the statement
    /// runs with them as its parameters.
    async fn execute<C>(
        &self,
        client: &mut C,
        session: &mut Session,
        name: &str,
        args: &[String],
        watch_cancel: bool,
    ) -> Result<Outcome, ErrorInfo>
    where
        C: ClientInfo + ClientPortalStore + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
    {
        let stored = statements(client)?
            .get_statement(name)
            .and_then(|e| e.value().map(|s| (s.statement.clone(), s.parameter_types.clone())))
            .ok_or_else(|| error("26000", format!("prepared statement \"{name}\" does not exist")))?;
        let (prepared, client_types) = stored;
        let types = prepared.merged_param_types(&client_types);
        if args.len() != types.len() {
            let mut e = error("42601", format!("wrong number of parameters for prepared statement \"{name}\""));
            e.detail = Some(format!("Expected {} parameters but got {}.", types.len(), args.len()));
            return Err(e);
        }
        let mut params = Vec::with_capacity(args.len());
        if !args.is_empty() {
            let sql = format!("SELECT {}", args.join(", "));
            let values = session_values(&self.settings, &self.cursors, client);
            let mut select = translate_with(&sql, Some(&values)).map_err(|e| error(e.sqlstate, e.message))?;
            let select = select.remove(0);
            match self.run_statement(client, session, &select, Vec::new(), watch_cancel).await? {
                Outcome::Rows { mut rows, .. } if rows.len() == 1 => {
                    for (v, ty) in rows.remove(0).into_iter().zip(&types) {
                        params.push(as_param(v, ty)?);
                    }
                }
                _ => return Err(error("XX000", "internal: EXECUTE's arguments gave no row")),
            }
        }
        let outcome = self.run_statement(client, session, &prepared.translated, params, watch_cancel).await?;
        Ok(match outcome {
            Outcome::Rows { fields, rows, tag_prefix } => {
                let fields = if prepared.fields.len() == fields.len() { prepared.fields.clone() } else { fields };
                Outcome::Rows { fields, rows, tag_prefix }
            }
            other => other,
        })
    }

    /// DEALLOCATE name | ALL, of SQL and protocol statements alike.
    fn deallocate<C>(&self, client: &C, name: Option<&str>) -> Result<Outcome, ErrorInfo>
    where
        C: ClientPortalStore,
        C::PortalStore: PortalStore,
    {
        let store = statements(client)?;
        let mut names = unlock(&self.statement_names);
        match name {
            Some(name) => {
                if store.get_statement(name).is_none() {
                    return Err(error("26000", format!("prepared statement \"{name}\" does not exist")));
                }
                store.rm_statement(name);
                names.remove(name);
                Ok(command("DEALLOCATE"))
            }
            None => {
                for n in std::mem::take(&mut *names) {
                    store.rm_statement(&n);
                }
                Ok(command("DEALLOCATE ALL"))
            }
        }
    }

    /// DECLARE name CURSOR [WITH HOLD] FOR query: the query's rows, read now.
    async fn declare<C>(
        &self,
        client: &mut C,
        session: &mut Session,
        name: &str,
        hold: bool,
        query: &str,
        watch_cancel: bool,
    ) -> Result<Outcome, ErrorInfo>
    where
        C: ClientInfo + ClientPortalStore + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
    {
        if !hold && session.status() == TxnStatus::Idle {
            return Err(error("25P01", "DECLARE CURSOR can only be used in transaction blocks"));
        }
        if unlock(&self.cursors).contains(name) {
            return Err(error("42P03", format!("cursor \"{name}\" already exists")));
        }
        let values = session_values(&self.settings, &self.cursors, client);
        let mut translated = translate_with(query, Some(&values)).map_err(|e| error(e.sqlstate, e.message))?;
        if translated.len() != 1 || !translated[0].returns_rows {
            return Err(error("42P11", "cannot open a query that returns no rows as a cursor"));
        }
        let t = translated.remove(0);
        match self.run_statement(client, session, &t, Vec::new(), watch_cancel).await? {
            Outcome::Rows { fields, rows, .. } => {
                unlock(&self.cursors).insert(name.to_string(), Cursor::new(fields, rows, hold, query.to_string()));
                Ok(command("DECLARE CURSOR"))
            }
            Outcome::Command { .. } => Err(error("42P11", "cannot open a query that returns no rows as a cursor")),
        }
    }

    /// FETCH / MOVE.
    fn fetch(&self, name: &str, direction: FetchDirection, move_only: bool) -> Result<Outcome, ErrorInfo> {
        let mut cursors = unlock(&self.cursors);
        let cursor =
            cursors.get_mut(name).ok_or_else(|| error("34000", format!("cursor \"{name}\" does not exist")))?;
        let rows = cursor.fetch(direction);
        Ok(if move_only {
            command(&format!("MOVE {}", rows.len()))
        } else {
            Outcome::Rows { fields: cursor.fields.clone(), rows, tag_prefix: "FETCH".into() }
        })
    }

    /// DISCARD ALL: the session as a new connection would find it (what poolers send between clients).
    fn discard_all<C>(&self, client: &C, session: &mut Session) -> Result<Outcome, ErrorInfo>
    where
        C: ClientPortalStore,
        C::PortalStore: PortalStore,
    {
        if session.status() != TxnStatus::Idle {
            return Err(error("25001", "DISCARD ALL cannot run inside a transaction block"));
        }
        unlock(&self.cursors).close_all();
        self.deallocate(client, None)?;
        session.discard_sequences();
        let changes = {
            let mut s = unlock(&self.settings);
            let changes = s.reset("all");
            crate::pg::exec::apply_settings(session, &s);
            changes
        };
        Ok(Outcome::Command { tag: "DISCARD ALL".into(), parameter_status: changes })
    }
}

fn command(tag: &str) -> Outcome {
    Outcome::Command { tag: tag.into(), parameter_status: Vec::new() }
}
