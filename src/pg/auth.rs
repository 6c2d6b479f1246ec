//! Client authentication of the PostgreSQL frontend: pgwire's view of the configured users (`users.rs`).
//! SCRAM for every connection by default, or a cleartext password accepted only over TLS when
//! `--auth-method password` is chosen; both are checked against stored verifiers, never a fresh salt per login.

use std::sync::Arc;

use async_trait::async_trait;
use pgwire::api::auth::sasl::scram::ScramSecret;
use pgwire::api::auth::{AuthSource, LoginInfo, Password};
use pgwire::error::{PgWireError, PgWireResult};

use crate::users::Users;

/// pgwire's view of the user list.
#[derive(Debug, Clone)]
pub struct UserAuthSource(pub Arc<Users>);

fn invalid(login: &LoginInfo) -> PgWireError {
    PgWireError::InvalidPassword(login.user().unwrap_or_default().to_owned())
}

#[async_trait]
impl AuthSource for UserAuthSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        // Passwords are never stored; only verifiers are.
        Err(invalid(login))
    }

    async fn verify_password(&self, login: &LoginInfo, presented: &[u8]) -> PgWireResult<Option<()>> {
        let presented = std::str::from_utf8(presented).unwrap_or("");
        if self.0.check_password(login.user().unwrap_or_default(), presented) {
            Ok(None)
        } else {
            Err(invalid(login))
        }
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let v = self.0.verifier(login.user().unwrap_or_default()).ok_or_else(|| invalid(login))?;
        Ok((
            ScramSecret::Verifier {
                salt: v.salt.clone(),
                iterations: v.iterations,
                stored_key: v.stored_key.clone(),
                server_key: v.server_key.clone(),
            },
            None,
        ))
    }
}
