//! Startup and authentication of a PostgreSQL connection: the connection limit (53300, counted after the
//! startup packet as PostgreSQL does), trust, SCRAM-SHA-256 or cleartext-over-TLS authentication against the
//! configured users, the backend key for cancel requests, and the session's settings and privileges from its
//! startup parameters (`is_superuser` from `--superuser`).

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use async_trait::async_trait;
use futures::sink::Sink;
use pgwire::api::auth::cleartext::CleartextPasswordAuthStartupHandler;
use pgwire::api::auth::sasl::scram::ScramAuth;
use pgwire::api::auth::sasl::SASLAuthStartupHandler;
use pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata, ServerParameterProvider,
    StartupHandler,
};
use pgwire::api::{ClientInfo, ConnectionHandle};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::startup::SecretKey;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::pg::auth::UserAuthSource;
use crate::pg::errors::{fatal, user_error};
use crate::pg::exec;
use crate::pg::handler::PgConnection;
use crate::pg::server::{AuthMethod, PgShared};
use crate::pg::settings::Settings;
use crate::users::Users;

/// The ParameterStatus values sent after authentication, from the client's startup parameters and what the
/// configured users make of the client (`is_superuser`).
pub struct ReportedParameters(pub Arc<Users>);

/// A connection's settings at startup: its startup parameters, and whether its user is a superuser.
fn startup_settings<C: ClientInfo>(client: &C, users: &Users) -> Settings {
    let mut settings = Settings::new(client.metadata());
    let user = client.metadata().get("user").map(String::as_str).unwrap_or("");
    settings.set_superuser(users.is_superuser(user));
    settings
}

impl ServerParameterProvider for ReportedParameters {
    fn server_parameters<C>(&self, client: &C) -> Option<HashMap<String, String>>
    where
        C: ClientInfo,
    {
        Some(startup_settings(client, &self.0).reported().into_iter().collect())
    }
}

/// How this connection authenticates its client.
pub enum Authenticator {
    Trust,
    Scram(SASLAuthStartupHandler<ReportedParameters>),
    Password(CleartextPasswordAuthStartupHandler<UserAuthSource, ReportedParameters>),
}

impl Authenticator {
    pub fn new(shared: &PgShared) -> Authenticator {
        let source = UserAuthSource(shared.options.users.clone());
        match shared.options.auth {
            AuthMethod::Trust => Authenticator::Trust,
            AuthMethod::Scram => Authenticator::Scram(
                SASLAuthStartupHandler::new(Arc::new(ReportedParameters(shared.options.users.clone())))
                    .with_scram(ScramAuth::new(Arc::new(source)))
                    .with_connection_manager(shared.connections.clone()),
            ),
            AuthMethod::Password => Authenticator::Password(
                CleartextPasswordAuthStartupHandler::new(source, ReportedParameters(shared.options.users.clone()))
                    .with_connection_manager(shared.connections.clone()),
            ),
        }
    }
}

#[async_trait]
impl StartupHandler for PgConnection {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let is_startup = matches!(message, PgWireFrontendMessage::Startup(_));
        if is_startup {
            if !self.shared.take_slot() {
                return Err(user_error(fatal("53300", "sorry, too many clients already")));
            }
            self.admitted.store(true, Ordering::Relaxed);
        }
        match &self.auth {
            Authenticator::Trust => {
                let PgWireFrontendMessage::Startup(ref startup) = message else { return Ok(()) };
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let pid = (rand::random::<u32>() >> 1) as i32;
                let secret = SecretKey::I32(rand::random::<i32>());
                client.set_pid_and_secret_key(pid, secret.clone());
                let (handle, guard) = self.shared.connections.register(pid, secret);
                client.session_extensions().insert::<Arc<ConnectionHandle>>(handle);
                client.session_extensions().insert(guard);
                self.init_settings(client).await;
                finish_authentication(client, &ReportedParameters(self.shared.options.users.clone())).await
            }
            Authenticator::Scram(h) => {
                h.on_startup(client, message).await?;
                if is_startup {
                    self.init_settings(client).await;
                }
                Ok(())
            }
            Authenticator::Password(h) => {
                if is_startup && !client.is_secure() {
                    return Err(user_error(fatal(
                        "28000",
                        "password authentication is only accepted over TLS: connect with sslmode=require",
                    )));
                }
                h.on_startup(client, message).await?;
                if is_startup {
                    self.init_settings(client).await;
                }
                Ok(())
            }
        }
    }
}

impl PgConnection {
    /// Session parameters from the startup packet.
    async fn init_settings<C: ClientInfo>(&self, client: &C) {
        let settings = startup_settings(client, &self.shared.options.users);
        {
            let mut session = self.session.lock().await;
            session.superuser = settings.get("is_superuser").as_deref() == Some("on");
            exec::apply_settings(&mut session, &settings);
        }
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = settings;
    }
}
