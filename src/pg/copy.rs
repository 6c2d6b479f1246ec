//! COPY FROM STDIN and COPY TO STDOUT, in both query protocols.
//!
//! COPY FROM is atomic: it runs in the session's transaction, or in one of its own, and its rows go to the leader
//! as batches of rows for one INSERT (prepared once per batch on every node) in steps of about `BATCH_BYTES` (one Raft entry each, not a round trip per row); the
//! write gate keeps other writers out until it commits. Each field is decoded as a parameter of its column's
//! type would be (text or binary), so COPY accepts what PostgreSQL accepts. A malformed row fails the COPY with
//! PostgreSQL's error and its line in the error's context; the rest of the data is read and dropped.

pub mod reader;
pub mod writer;

use std::fmt::Debug;
use std::time::Instant;

use async_trait::async_trait;
use futures::sink::{Sink, SinkExt};
use pgwire::api::copy::CopyHandler;
use pgwire::api::results::Tag;
use pgwire::api::{ClientInfo, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse, CopyOutResponse};
use pgwire::messages::PgWireBackendMessage;

use crate::db::writer::quote_ident;
use crate::db::{Statement, Value};
use crate::pg::dialect::copy::{CopyFormat, CopySource, CopyStatement};
use crate::pg::dialect::{translate_with, StatementKind};
use crate::pg::errors::{error, exec_error, user_error};
use crate::pg::exec::Outcome;
use crate::pg::handler::PgConnection;
use crate::pg::settings::session_values;
use crate::pg::types::{decode_param, type_for_decl};
use crate::query::{Session, TxnStatus};
use reader::RowReader;
use writer::RowWriter;

/// Parameter bytes gathered before a batch of rows goes to the leader as one transaction step.
const BATCH_BYTES: usize = 4 << 20;

/// A COPY FROM STDIN in progress on a connection.
pub struct CopyIn {
    table: String,
    columns: Vec<(String, Type)>,
    reader: RowReader,
    binary: bool,
    /// `INSERT INTO "t" ("a", "b") VALUES (?, ?)`, run once for each row.
    insert: String,
    pending: Vec<Value>,
    pending_bytes: usize,
    rows: u64,
    /// The COPY opened the transaction itself (it was not inside one) and commits it at the end.
    implicit: bool,
    failed: Option<ErrorInfo>,
    /// The batch on its way to the leader while the next one is read (one at a time, so they stay in order).
    in_flight: Option<tokio::task::JoinHandle<Result<u64, crate::error::ExecError>>>,
    started: Instant,
    /// The session's zone, in which a timestamptz without an offset is read.
    time_zone: crate::db::datetime::zone::Zone,
}

/// The table's columns (name, type), or those named, in the order named; 42P01 / 42703 as PostgreSQL.
fn target_columns(
    conn: &rusqlite::Connection,
    table: &str,
    named: &[String],
) -> Result<Vec<(String, Type)>, ErrorInfo> {
    let mut stmt = conn
        .prepare("SELECT name, type FROM pragma_table_info(?1)")
        .map_err(|e| error("XX000", format!("reading the columns of \"{table}\": {e}")))?;
    let all: Vec<(String, Option<String>)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| error("XX000", format!("reading the columns of \"{table}\": {e}")))?;
    if all.is_empty() || table.starts_with("__raftsql") {
        return Err(error("42P01", format!("relation \"{table}\" does not exist")));
    }
    let typed =
        |(name, decl): &(String, Option<String>)| (name.clone(), type_for_decl(decl.as_deref()).unwrap_or(Type::TEXT));
    if named.is_empty() {
        return Ok(all.iter().map(typed).collect());
    }
    let mut out = Vec::with_capacity(named.len());
    for name in named {
        let col = all
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| error("42703", format!("column \"{name}\" of relation \"{table}\" does not exist")))?;
        if out.iter().any(|(n, _): &(String, Type)| *n == col.0) {
            return Err(error("42701", format!("column \"{name}\" specified more than once")));
        }
        out.push(typed(col));
    }
    Ok(out)
}

impl CopyIn {
    /// Decodes one row's fields and queues them; sends a batch when enough is queued.
    fn add_row(&mut self, fields: Vec<reader::Field>) -> Result<(), ErrorInfo> {
        for (field, (name, ty)) in fields.into_iter().zip(&self.columns) {
            let decoded = crate::db::datetime::zone::with_zone(self.time_zone, || {
                decode_param(field.as_deref(), self.binary, ty)
            });
            let value = decoded.map_err(|e| {
                let shown = field.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
                let mut info = error(e.sqlstate, e.message);
                info.where_context = Some(if self.binary {
                    format!("COPY {}, line {}, column {name}", self.table, self.reader.line())
                } else {
                    format!("COPY {}, line {}, column {name}: \"{shown}\"", self.table, self.reader.line())
                });
                info
            })?;
            self.pending_bytes += value.approx_size();
            self.pending.push(value);
        }
        self.rows += 1;
        Ok(())
    }

    /// The queued rows, as one INSERT of one row to run once for each.
    fn take_batch(&mut self) -> Statement {
        self.pending_bytes = 0;
        Statement::new(self.insert.clone(), std::mem::take(&mut self.pending))
    }

    fn context(&self, mut info: ErrorInfo) -> ErrorInfo {
        if info.where_context.is_none() {
            let line = self.reader.line_text();
            info.where_context = Some(if self.binary || line.is_empty() {
                format!("COPY {}, line {}", self.table, self.reader.line())
            } else {
                format!("COPY {}, line {}: \"{line}\"", self.table, self.reader.line())
            });
        }
        info
    }
}

impl PgConnection {
    /// Starts a COPY FROM STDIN: checks the target, opens a transaction if the session has none, and keeps the
    /// COPY's state for the CopyData to come. Returns the CopyInResponse to send.
    pub(crate) async fn start_copy_in(
        &self,
        session: &mut Session,
        copy: &CopyStatement,
    ) -> Result<CopyInResponse, ErrorInfo> {
        let CopySource::Table { name, columns } = &copy.source else {
            return Err(error("42601", "COPY FROM needs a table"));
        };
        match session.status() {
            TxnStatus::Failed => return Err(exec_error(&crate::query::session::failed_error())),
            TxnStatus::InTransaction if session.read_only() => {
                return Err(error("25006", "cannot execute COPY FROM in a read-only transaction"))
            }
            _ => {}
        }
        // The table may have been created a moment ago through another node: catch up first.
        session.node().read_barrier().await.map_err(|e| exec_error(&e.into()))?;
        let (table, named) = (name.clone(), columns.clone());
        let columns = session.node().reads.with_connection(move |conn| target_columns(conn, &table, &named)).await?;
        let binary = copy.options.format == CopyFormat::Binary;
        let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
        let quoted: Vec<String> = names.iter().map(|n| quote_ident(n)).collect();
        let implicit = session.status() == TxnStatus::Idle;
        if implicit {
            session.begin(false);
        }
        let format = i8::from(binary);
        let response = CopyInResponse::new(format, columns.len() as i16, vec![i16::from(format); columns.len()]);
        *self.copy_in.lock().await = Some(CopyIn {
            insert: format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote_ident(name),
                quoted.join(", "),
                vec!["?"; columns.len()].join(", ")
            ),
            reader: RowReader::new(copy.options.clone(), names),
            table: name.clone(),
            columns,
            binary,
            pending: Vec::new(),
            pending_bytes: 0,
            rows: 0,
            implicit,
            failed: None,
            in_flight: None,
            started: Instant::now(),
            time_zone: session.time_zone,
        });
        Ok(response)
    }

    /// Reads the rows that `data` completes; sends a batch when one is full. A failure is kept for CopyDone.
    async fn copy_rows(&self, copy: &mut CopyIn, data: Option<&[u8]>) {
        if copy.failed.is_some() {
            return;
        }
        let at_end = data.is_none();
        if let Some(d) = data {
            copy.reader.push(d);
        }
        let result = async {
            loop {
                match copy.reader.next_row(at_end) {
                    Ok(Some(fields)) => copy.add_row(fields).map_err(|e| copy.context(e))?,
                    Ok(None) => break,
                    Err(e) => return Err(copy.context(error(e.sqlstate, e.message))),
                }
                if copy.pending_bytes >= BATCH_BYTES {
                    self.send_batch(copy).await?;
                }
            }
            if at_end {
                if !copy.pending.is_empty() {
                    self.send_batch(copy).await?;
                }
                self.batch_done(copy).await?;
            }
            Ok(())
        }
        .await;
        if let Err(info) = result {
            self.end_failed_copy(copy, info).await;
        }
    }

    /// Sends the queued rows once the batch before them is through.
    async fn send_batch(&self, copy: &mut CopyIn) -> Result<(), ErrorInfo> {
        self.batch_done(copy).await?;
        let batch = copy.take_batch();
        let step = self.session.lock().await.send_rows(batch).await.map_err(|e| exec_error(&e))?;
        copy.in_flight = Some(tokio::spawn(step));
        Ok(())
    }

    /// Waits for the batch on its way, if any; its failure fails the session's transaction.
    async fn batch_done(&self, copy: &mut CopyIn) -> Result<(), ErrorInfo> {
        let Some(step) = copy.in_flight.take() else { return Ok(()) };
        let result = match step.await {
            Ok(r) => r.map(|_| ()).map_err(|e| exec_error(&e)),
            Err(e) => Err(error("XX000", format!("COPY batch task failed: {e}"))),
        };
        if result.is_err() {
            self.session.lock().await.fail();
        }
        result
    }

    /// A failed COPY: its own transaction is rolled back now (freeing the write gate while the client is still
    /// sending), a surrounding one is failed.
    async fn end_failed_copy(&self, copy: &mut CopyIn, info: ErrorInfo) {
        copy.pending.clear();
        // The rollback must follow the batch on its way, whatever became of it.
        let _ = self.batch_done(copy).await;
        let mut session = self.session.lock().await;
        if copy.implicit {
            let _ = session.rollback().await;
        } else {
            session.fail();
        }
        copy.failed = Some(info);
    }

    /// Ends the COPY in progress: the last rows, then COMMIT of its own transaction. Returns its row count.
    async fn finish_copy_in<C>(&self, client: &mut C) -> Result<u64, ErrorInfo>
    where
        C: ClientInfo,
    {
        let Some(mut copy) = self.copy_in.lock().await.take() else {
            return Err(error("08P01", "CopyDone without a COPY in progress"));
        };
        self.copy_rows(&mut copy, None).await;
        let mut session = self.session.lock().await;
        let result = match copy.failed.take() {
            Some(info) => Err(info),
            None if copy.implicit => match session.commit().await {
                Ok(crate::query::TxnEnd::Committed) => Ok(copy.rows),
                Ok(crate::query::TxnEnd::RolledBack) => Err(error("40001", "COPY's transaction was rolled back")),
                Err(e) => {
                    let _ = session.rollback().await;
                    Err(exec_error(&e))
                }
            },
            None => Ok(copy.rows),
        };
        client.set_transaction_status(PgConnection::status(&session));
        let kind = StatementKind::Insert;
        self.shared.stats.record(&kind, copy.started.elapsed(), result.as_ref().err().map(|e| e.code.as_str()));
        result
    }

    /// Runs a COPY TO STDOUT: the table's rows or the query's, sent as CopyOutResponse, one CopyData a row and
    /// CopyDone. The caller sends the CommandComplete with the returned row count. `watch_cancel` as for
    /// `run_statement` (pgwire watches for cancel requests itself around an extended-protocol Execute).
    pub(crate) async fn copy_out<C>(
        &self,
        client: &mut C,
        session: &mut Session,
        copy: &CopyStatement,
        watch_cancel: bool,
    ) -> Result<u64, PgWireError>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = match &copy.source {
            CopySource::Query(q) => q.clone(),
            CopySource::Table { name, columns } if columns.is_empty() => format!("SELECT * FROM {}", quote_ident(name)),
            CopySource::Table { name, columns } => {
                let cols: Vec<String> = columns.iter().map(|c| quote_ident(c)).collect();
                format!("SELECT {} FROM {}", cols.join(", "), quote_ident(name))
            }
        };
        let values = session_values(&self.settings, &self.cursors, client);
        let mut translated =
            translate_with(&sql, Some(&values)).map_err(|e| user_error(error(e.sqlstate, e.message)))?;
        if translated.len() != 1 || !translated[0].returns_rows {
            return Err(user_error(error("0A000", "COPY query must return rows")));
        }
        let t = translated.remove(0);
        let (fields, rows) = match self.run_statement(client, session, &t, Vec::new(), watch_cancel).await {
            Ok(Outcome::Rows { fields, rows, .. }) => (fields, rows),
            Ok(Outcome::Command { .. }) => return Err(user_error(error("0A000", "COPY query must return rows"))),
            Err(info) => return Err(user_error(info)),
        };
        let columns: Vec<(String, Type)> = fields.iter().map(|c| (c.name.clone(), c.ty.clone())).collect();
        let writer = RowWriter::new(copy.options.clone(), &columns, session.time_zone);
        let binary = copy.options.format == CopyFormat::Binary;
        let format = i8::from(binary);
        let response = CopyOutResponse::new(format, fields.len() as i16, vec![i16::from(format); fields.len()]);
        client.feed(PgWireBackendMessage::CopyOutResponse(response)).await?;
        if binary {
            client.feed(PgWireBackendMessage::CopyData(CopyData::new(writer::binary_header().into()))).await?;
        } else if copy.options.header {
            let names: Vec<String> = fields.iter().map(|c| c.name.clone()).collect();
            client.feed(PgWireBackendMessage::CopyData(CopyData::new(writer.header(&names).into()))).await?;
        }
        for row in &rows {
            let bytes = writer.row(row).map_err(|e| user_error(error(e.sqlstate, e.message)))?;
            client.feed(PgWireBackendMessage::CopyData(CopyData::new(bytes.into()))).await?;
        }
        if binary {
            client.feed(PgWireBackendMessage::CopyData(CopyData::new(writer::binary_trailer().into()))).await?;
        }
        client.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
        Ok(rows.len() as u64)
    }
}

#[async_trait]
impl CopyHandler for PgConnection {
    async fn on_copy_data<C>(&self, _client: &mut C, copy_data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut slot = self.copy_in.lock().await;
        if let Some(copy) = slot.as_mut() {
            self.copy_rows(copy, Some(&copy_data.data)).await;
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let rows = self.finish_copy_in(client).await.map_err(user_error)?;
        client.send(PgWireBackendMessage::CommandComplete(Tag::new("COPY").with_rows(rows as usize).into())).await?;
        Ok(())
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Some(mut copy) = self.copy_in.lock().await.take() {
            let info = error("57014", format!("COPY from stdin failed: {}", fail.message));
            self.end_failed_copy(&mut copy, info).await;
        }
        client.set_transaction_status(PgConnection::status(&*self.session.lock().await));
        user_error(error("57014", format!("COPY from stdin failed: {}", fail.message)))
    }
}
