//! The PostgreSQL protocol handlers of one client connection (pgwire): simple query (several statements run as
//! one implicit transaction) and the extended protocol (Parse with parameter type inference, Bind with text and
//! binary parameters, Describe, Execute with row limits, Sync reporting the session's transaction status).
//! Startup and authentication are in `startup.rs`.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{BufMut, BytesMut};
use futures::sink::{Sink, SinkExt};
use futures::stream;
use pgwire::api::auth::StartupHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldFormat, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::StoredStatement;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, ConnectionHandle, PgWireConnectionState, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use pgwire::messages::extendedquery::{Execute, Sync as PgSync};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery, TransactionStatus};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use tokio::sync::Mutex;

use crate::db::Value;
use crate::pg::dialect::{translate_with, SessionValues, StatementKind};
use crate::pg::errors::{error, user_error};
use crate::pg::exec::{self, Outcome};
use crate::pg::parser::{Parser, Prepared};
use crate::pg::server::PgShared;
use crate::pg::settings::Settings;
use crate::pg::startup::Authenticator;
use crate::pg::types::{decode_param, encode_binary, encode_text};
use crate::query::{Session, TxnStatus};

/// One client connection's state and handlers.
pub struct PgConnection {
    pub(crate) shared: Arc<PgShared>,
    pub(crate) session: Mutex<Session>,
    pub(crate) settings: Arc<std::sync::Mutex<Settings>>,
    parser: Arc<Parser>,
    /// Whether this connection took one of the `--max-connections` slots (released on drop).
    pub(crate) admitted: AtomicBool,
    pub(crate) auth: Authenticator,
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        // The client is gone: its open transaction is rolled back now rather than at the idle timeout.
        self.session.get_mut().abandon();
        if self.admitted.load(Ordering::Relaxed) {
            self.shared.release_slot();
        }
    }
}

/// The handler set pgwire asks for; every role is played by the connection itself.
pub struct Handlers(pub Arc<PgConnection>);

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.0.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.0.clone()
    }
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.0.clone()
    }
    fn cancel_handler(&self) -> Arc<impl pgwire::api::cancel::CancelHandler> {
        Arc::new(pgwire::api::cancel::DefaultCancelHandler::new(self.0.shared.connections.clone()))
    }
}

impl PgConnection {
    pub fn new(shared: Arc<PgShared>) -> PgConnection {
        let core = shared.core.clone();
        let settings = Arc::new(std::sync::Mutex::new(Settings::new(&HashMap::new())));
        PgConnection {
            session: Mutex::new(Session::new(core.clone())),
            parser: Arc::new(Parser::new(core, settings.clone())),
            settings,
            auth: Authenticator::new(&shared),
            shared,
            admitted: AtomicBool::new(false),
        }
    }

    fn status(session: &Session) -> TransactionStatus {
        match session.status() {
            TxnStatus::Idle => TransactionStatus::Idle,
            TxnStatus::InTransaction => TransactionStatus::Transaction,
            TxnStatus::Failed => TransactionStatus::Error,
        }
    }

    /// Runs one statement with the session's statement timeout and the client's cancel request.
    async fn run_statement<C>(
        &self,
        client: &mut C,
        session: &mut Session,
        t: &crate::pg::dialect::Translated,
        params: Vec<Value>,
        watch_cancel: bool,
    ) -> Result<Outcome, ErrorInfo>
    where
        C: ClientInfo,
    {
        let timeout = self.settings.lock().unwrap_or_else(|e| e.into_inner()).duration("statement_timeout");
        // pgwire already watches for a CancelRequest around Execute; the simple-query path is ours.
        let cancel = match client.session_extensions().get::<Arc<ConnectionHandle>>() {
            Some(h) if watch_cancel => Some(h.start_query().await),
            _ => None,
        };
        let started = std::time::Instant::now();
        let work = exec::run(session, &self.settings, t, params);
        let timed = async {
            match timeout {
                Some(d) => tokio::time::timeout(d, work)
                    .await
                    .unwrap_or_else(|_| Err(error("57014", "canceling statement due to statement timeout"))),
                None => work.await,
            }
        };
        let result = match cancel {
            Some(rx) => tokio::select! {
                r = timed => r,
                Ok(()) = rx => Err(error("57014", "canceling statement due to user request")),
            },
            None => timed.await,
        };
        if result.is_err() {
            session.fail();
        }
        self.shared.stats.record(&t.kind, started.elapsed(), result.as_ref().err().map(|e| e.code.as_str()));
        result
    }
}

/// The values of the session information functions for this connection.
pub fn session_values<C: ClientInfo>(settings: &std::sync::Mutex<Settings>, client: &C) -> SessionValues {
    let settings = settings.lock().unwrap_or_else(|e| e.into_inner());
    SessionValues {
        user: client.metadata().get("user").cloned().unwrap_or_else(|| "raftsql".into()),
        pid: client.pid_and_secret_key().0,
        settings: settings.all().into_iter().collect(),
    }
}

/// Encodes one row for a DataRow message, each value in its column's type and format.
fn encode_row(values: &[Value], fields: &[FieldInfo]) -> PgWireResult<DataRow> {
    let mut buf = BytesMut::with_capacity(64);
    for (v, f) in values.iter().zip(fields) {
        let encoded = match f.format() {
            FieldFormat::Binary => encode_binary(v, f.datatype()),
            FieldFormat::Text => encode_text(v, f.datatype()),
        }?;
        match encoded {
            None => buf.put_i32(-1),
            Some(bytes) => {
                buf.put_i32(bytes.len() as i32);
                buf.put_slice(&bytes);
            }
        }
    }
    Ok(DataRow::new(buf, fields.len() as i16))
}

fn field_infos(fields: &[(String, Type)], format: &Format) -> Vec<FieldInfo> {
    fields
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| FieldInfo::new(name.clone(), None, None, ty.clone(), format.format_for(i)))
        .collect()
}

/// A QueryResponse over rows already in memory.
fn query_response(fields: Vec<FieldInfo>, rows: Vec<Vec<Value>>, tag: String) -> QueryResponse {
    let fields = Arc::new(fields);
    let encoded: Vec<PgWireResult<DataRow>> = rows.iter().map(|r| encode_row(r, &fields)).collect();
    let mut response = QueryResponse::new(fields, stream::iter(encoded));
    response.command_tag = tag;
    response
}

#[async_trait]
impl SimpleQueryHandler for PgConnection {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let mut session = self.session.lock().await;
        self.simple_query(client, &mut session, &query.query).await?;
        let status = Self::status(&session);
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(status);
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await?;
        Ok(())
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // `on_query` is overridden and never calls this.
        Err(user_error(error("XX000", "internal: simple query path not used")))
    }
}

impl PgConnection {
    async fn send_error<C>(client: &mut C, info: ErrorInfo) -> PgWireResult<()>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.feed(PgWireBackendMessage::ErrorResponse(info.into())).await?;
        Ok(())
    }

    /// A simple-query string: its statements run in order; without an explicit transaction, several
    /// statements form one implicit transaction (all or nothing), as in PostgreSQL.
    async fn simple_query<C>(&self, client: &mut C, session: &mut Session, sql: &str) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let values = session_values(&self.settings, client);
        let statements = match translate_with(sql, Some(&values)) {
            Ok(s) => s,
            Err(e) => {
                session.fail();
                self.shared.stats.record_error(e.sqlstate);
                return Self::send_error(client, error(e.sqlstate, e.message)).await;
            }
        };
        if statements.is_empty() {
            client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
            return Ok(());
        }
        let controls_txn = statements.iter().any(|t| {
            matches!(
                t.kind,
                StatementKind::Begin { .. }
                    | StatementKind::Commit
                    | StatementKind::Rollback
                    | StatementKind::Savepoint(_)
                    | StatementKind::Release(_)
                    | StatementKind::RollbackTo(_)
            )
        });
        let implicit = statements.len() > 1 && !controls_txn && session.status() == TxnStatus::Idle;
        if implicit {
            session.begin(false);
        }
        for t in &statements {
            match self.run_statement(client, session, t, Vec::new(), true).await {
                Ok(Outcome::Rows { fields, rows, tag_prefix }) => {
                    let fields = field_infos(&fields, &Format::UnifiedText);
                    let response = query_response(fields, rows, tag_prefix);
                    pgwire::api::query::send_query_response(client, response, true).await?;
                }
                Ok(Outcome::Command { tag, parameter_status }) => {
                    client.feed(PgWireBackendMessage::CommandComplete(Tag::new(&tag).into())).await?;
                    for (k, v) in parameter_status {
                        client.feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(k, v))).await?;
                    }
                }
                Err(info) => {
                    if implicit {
                        let _ = session.rollback().await;
                    }
                    return Self::send_error(client, info).await;
                }
            }
        }
        if implicit {
            if let Err(e) = session.commit().await {
                let _ = session.rollback().await;
                return Self::send_error(client, crate::pg::errors::exec_error(&e)).await;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ExtendedQueryHandler for PgConnection {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let result = self._on_execute(client, message).await;
        // The session, not pgwire's guess from command tags, knows the transaction status.
        let status = Self::status(&*self.session.lock().await);
        client.set_transaction_status(status);
        result
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(pgwire::api::DEFAULT_NAME);
        let status = Self::status(&*self.session.lock().await);
        client.set_transaction_status(status);
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await?;
        client.flush().await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        let mut session = self.session.lock().await;
        let types = prepared.merged_param_types(&portal.statement.parameter_types);
        if portal.parameters.len() != types.len() {
            session.fail();
            return Err(user_error(error(
                "08P01",
                format!(
                    "bind message supplies {} parameters, but prepared statement requires {}",
                    portal.parameters.len(),
                    types.len()
                ),
            )));
        }
        let mut params = Vec::with_capacity(types.len());
        for (i, (bytes, ty)) in portal.parameters.iter().zip(&types).enumerate() {
            let binary = portal.parameter_format.is_binary(i);
            match decode_param(bytes.as_deref(), binary, ty) {
                Ok(v) => params.push(v),
                Err(e) => {
                    session.fail();
                    return Err(e.into());
                }
            }
        }
        match self.run_statement(client, &mut session, &prepared.translated, params, false).await {
            Ok(Outcome::Rows { fields, rows, tag_prefix }) => {
                // Rows are encoded as Describe announced them when the statement knew its columns.
                let fields = if prepared.fields.len() == fields.len() { prepared.fields.clone() } else { fields };
                let infos = field_infos(&fields, &portal.result_column_format);
                Ok(Response::Query(query_response(infos, rows, tag_prefix)))
            }
            Ok(Outcome::Command { tag, parameter_status }) => {
                for (k, v) in parameter_status {
                    client.feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(k, v))).await?;
                }
                Ok(Response::Execution(Tag::new(&tag)))
            }
            Err(info) => Err(user_error(info)),
        }
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<Self::Statement>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let p = &target.statement;
        let params = p.merged_param_types(&target.parameter_types);
        Ok(DescribeStatementResponse::new(params, field_infos(&p.fields, &Format::UnifiedText)))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        portal: &Portal<Self::Statement>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let p = &portal.statement.statement;
        Ok(DescribePortalResponse::new(field_infos(&p.fields, &portal.result_column_format)))
    }
}
