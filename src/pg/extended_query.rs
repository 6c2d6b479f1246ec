//! The extended query protocol: Parse (in `parser.rs`), Bind with text and binary parameters, Describe, Execute
//! with the rows encoded as Describe announced them, and Sync reporting the session's transaction status.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::sink::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::{CopyResponse, DescribePortalResponse, DescribeStatementResponse, Response, Tag};
use pgwire::api::stmt::StoredStatement;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::extendedquery::{
    Close, CloseComplete, Describe, Execute, Parse, ParseComplete, Sync as PgSync, TARGET_TYPE_BYTE_PORTAL,
    TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::ReadyForQuery;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;

use crate::db::datetime::zone::with_zone;
use crate::pg::dialect::StatementKind;
use crate::pg::errors::{error, user_error};
use crate::pg::exec::Outcome;
use crate::pg::handler::PgConnection;
use crate::pg::parser::{Parser, Prepared};
use crate::pg::rows::{field_infos, query_response};
use crate::pg::types::decode_param;
use crate::pg::unlock;

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

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // pgwire's Parse, and the name kept for DEALLOCATE ALL.
        let name = message.name.clone().unwrap_or_default();
        match StoredStatement::parse(client, &message, self.query_parser()).await? {
            Some(stmt) => client.portal_store().put_statement(Arc::new(stmt)),
            None => client.portal_store().put_empty_statement(&name),
        }
        if !name.is_empty() {
            unlock(&self.statement_names).insert(name);
        }
        client.send(PgWireBackendMessage::ParseComplete(ParseComplete::new())).await?;
        Ok(())
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(pgwire::api::DEFAULT_NAME);
        if message.target_type == TARGET_TYPE_BYTE_STATEMENT {
            client.portal_store().rm_statement(name);
            unlock(&self.statement_names).remove(name);
        } else {
            client.portal_store().rm_portal(name);
        }
        client.send(PgWireBackendMessage::CloseComplete(CloseComplete::new())).await?;
        Ok(())
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // A SQL cursor is a portal too (psycopg's named cursors describe theirs after DECLARE).
        if message.target_type == TARGET_TYPE_BYTE_PORTAL {
            let name = message.name.as_deref().unwrap_or(pgwire::api::DEFAULT_NAME);
            if client.portal_store().get_portal(name).is_none() {
                let fields = unlock(&self.cursors).fields(name);
                if let Some(fields) = fields {
                    let response = DescribePortalResponse::new(field_infos(&fields, &Format::UnifiedText));
                    pgwire::api::query::send_describe_response(client, &response).await?;
                    return Ok(());
                }
            }
        }
        self._on_describe(client, message).await
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
        if let StatementKind::Copy(copy) = &prepared.translated.kind {
            if copy.from {
                let r = self.start_copy_in(&mut session, copy).await.map_err(|e| {
                    session.fail();
                    user_error(e)
                })?;
                let stream = futures::stream::empty();
                return Ok(Response::CopyIn(CopyResponse::new(r.format, r.columns as usize, stream)));
            }
            let rows = self.copy_out(client, &mut session, copy, false).await.inspect_err(|_| session.fail())?;
            return Ok(Response::Execution(Tag::new("COPY").with_rows(rows as usize)));
        }
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
            match with_zone(session.time_zone, || decode_param(bytes.as_deref(), binary, ty)) {
                Ok(v) => params.push(v),
                Err(e) => {
                    session.fail();
                    return Err(e.into());
                }
            }
        }
        let result = self.run_command(client, &mut session, &prepared.translated, params, false).await;
        self.send_notices(client).await?;
        match result {
            Ok(Outcome::Rows { fields, rows, tag_prefix }) => {
                // Rows are encoded as Describe announced them when the statement knew its columns.
                let fields = if prepared.fields.len() == fields.len() { prepared.fields.clone() } else { fields };
                let infos = field_infos(&fields, &portal.result_column_format);
                Ok(Response::Query(query_response(infos, rows, tag_prefix, session.time_zone)))
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
