//! The simple query protocol: a query string's statements run in order, several of them without an explicit
//! transaction forming one implicit transaction (all or nothing), as in PostgreSQL; COPY hands over to `copy.rs`.

use std::fmt::Debug;

use async_trait::async_trait;
use futures::sink::{Sink, SinkExt};
use pgwire::api::portal::Format;
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::{Response, Tag};
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;

use crate::pg::dialect::{translate_with, StatementKind};
use crate::pg::errors::{error, user_error};
use crate::pg::exec::Outcome;
use crate::pg::handler::PgConnection;
use crate::pg::rows::{field_infos, query_response};
use crate::pg::settings::session_values;
use crate::query::{Session, TxnStatus};

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
        client.set_transaction_status(status);
        if matches!(client.state(), PgWireConnectionState::CopyInProgress(_)) {
            // COPY FROM STDIN started: ReadyForQuery follows its CopyDone or CopyFail.
            client.flush().await?;
            return Ok(());
        }
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
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let values = session_values(&self.settings, &self.cursors, client);
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
        for (i, t) in statements.iter().enumerate() {
            if let StatementKind::Copy(copy) = &t.kind {
                let result = if !copy.from {
                    self.copy_out(client, session, copy, true).await.map(|rows| {
                        PgWireBackendMessage::CommandComplete(Tag::new("COPY").with_rows(rows as usize).into())
                    })
                } else if i + 1 != statements.len() || implicit {
                    Err(user_error(error("0A000", "COPY FROM STDIN must be the only statement of its query string")))
                } else {
                    match self.start_copy_in(session, copy).await {
                        Ok(response) => {
                            client.set_state(PgWireConnectionState::CopyInProgress(false));
                            Ok(PgWireBackendMessage::CopyInResponse(response))
                        }
                        Err(info) => Err(user_error(info)),
                    }
                };
                match result {
                    Ok(message) => client.feed(message).await?,
                    Err(e) => {
                        session.fail();
                        if implicit {
                            let _ = session.rollback().await;
                        }
                        return Self::send_error(client, e.into()).await;
                    }
                }
                continue;
            }
            let result = self.run_command(client, session, t, Vec::new(), true).await;
            self.send_notices(client).await?;
            match result {
                Ok(Outcome::Rows { fields, rows, tag_prefix }) => {
                    let fields = field_infos(&fields, &Format::UnifiedText);
                    let response = query_response(fields, rows, tag_prefix, session.time_zone);
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
