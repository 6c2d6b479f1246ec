//! One client connection (pgwire): its state, the handler set pgwire asks for, and running one statement under
//! the session's statement timeout and the client's cancel request. The protocol phases live beside it:
//! startup and authentication (`startup.rs`), simple query (`simple_query.rs`), extended query
//! (`extended_query.rs`), COPY (`copy.rs`), row encoding (`rows.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::sink::{Sink, SinkExt};
use pgwire::api::auth::StartupHandler;
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::{ClientInfo, ConnectionHandle, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::response::TransactionStatus;
use pgwire::messages::PgWireBackendMessage;
use tokio::sync::Mutex;

use crate::db::Value;
use crate::pg::errors::error;
use crate::pg::exec::{self, Outcome};
use crate::pg::parser::Parser;
use crate::pg::server::PgShared;
use crate::pg::settings::Settings;
use crate::pg::startup::Authenticator;
use crate::query::{Session, TxnStatus};

/// One client connection's state and handlers.
pub struct PgConnection {
    pub(crate) shared: Arc<PgShared>,
    pub(crate) session: Mutex<Session>,
    pub(crate) settings: Arc<std::sync::Mutex<Settings>>,
    pub(crate) parser: Arc<Parser>,
    /// Whether this connection took one of the `--max-connections` slots (released on drop).
    pub(crate) admitted: AtomicBool,
    pub(crate) auth: Authenticator,
    /// The COPY FROM STDIN in progress, between its CopyInResponse and the client's CopyDone or CopyFail.
    pub(crate) copy_in: Mutex<Option<crate::pg::copy::CopyIn>>,
    /// SQL cursors (DECLARE ... CURSOR).
    pub(crate) cursors: Arc<std::sync::Mutex<crate::pg::cursors::Cursors>>,
    /// Names of the named prepared statements (PREPARE and the extended protocol's Parse), for DEALLOCATE ALL.
    pub(crate) statement_names: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Warnings and notices a statement raised, sent before its completion (NoticeResponse).
    pub(crate) notices: std::sync::Mutex<Vec<ErrorInfo>>,
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
    fn copy_handler(&self) -> Arc<impl pgwire::api::copy::CopyHandler> {
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
        let cursors: Arc<std::sync::Mutex<crate::pg::cursors::Cursors>> = Default::default();
        PgConnection {
            session: Mutex::new(Session::new(core.clone())),
            parser: Arc::new(Parser::new(core, settings.clone(), cursors.clone())),
            settings,
            auth: Authenticator::new(&shared),
            shared,
            admitted: AtomicBool::new(false),
            copy_in: Mutex::new(None),
            cursors,
            statement_names: Default::default(),
            notices: Default::default(),
        }
    }

    pub(crate) fn status(session: &Session) -> TransactionStatus {
        match session.status() {
            TxnStatus::Idle => TransactionStatus::Idle,
            TxnStatus::InTransaction => TransactionStatus::Transaction,
            TxnStatus::Failed => TransactionStatus::Error,
        }
    }

    /// Whether a statement (or a COPY) is under way on this connection.
    pub(crate) fn busy(&self) -> bool {
        self.session.try_lock().is_err() || self.copy_in.try_lock().map_or(true, |c| c.is_some())
    }

    /// Sends the notices the last statement raised.
    pub(crate) async fn send_notices<C>(&self, client: &mut C) -> Result<(), PgWireError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let notices = std::mem::take(&mut *crate::pg::unlock(&self.notices));
        for n in notices {
            client.feed(PgWireBackendMessage::NoticeResponse(n.into())).await?;
        }
        Ok(())
    }

    /// Runs one statement with the session's statement timeout and the client's cancel request.
    pub(crate) async fn run_statement<C>(
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
