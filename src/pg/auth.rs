//! Client authentication. Without configured users every client is trusted (the embedded default). With
//! users, passwords are checked against stored SCRAM-SHA-256 verifiers (PostgreSQL's own format, as in
//! `pg_authid.rolpassword`), never against a fresh salt per login: SCRAM for every connection by default,
//! or a cleartext password accepted only over TLS when `--auth-method password` is chosen.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use pgwire::api::auth::sasl::scram::{gen_salted_password, ScramSecret};
use pgwire::api::auth::{AuthSource, LoginInfo, Password};
use pgwire::error::{PgWireError, PgWireResult};

/// PBKDF2 iterations of verifiers created by raftsql (PostgreSQL's default).
pub const SCRAM_ITERATIONS: usize = 4096;

/// One user's stored verifier.
#[derive(Clone)]
struct Verifier {
    salt: Vec<u8>,
    iterations: usize,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl Verifier {
    fn from_password(password: &str, salt: Vec<u8>, iterations: usize) -> Verifier {
        let salted = gen_salted_password(password, &salt, iterations);
        match ScramSecret::verifier_from_salted_password(salt, salted, iterations) {
            ScramSecret::Verifier { salt, iterations, stored_key, server_key } => {
                Verifier { salt, iterations, stored_key, server_key }
            }
            ScramSecret::SaltedPassword { salt, salted_password } => {
                // Not produced by verifier_from_salted_password; kept total for the type's sake.
                Verifier { salt, iterations, stored_key: salted_password.clone(), server_key: salted_password }
            }
        }
    }

    /// PostgreSQL's text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    fn to_text(&self) -> String {
        format!(
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.stored_key),
            B64.encode(&self.server_key)
        )
    }

    fn parse(text: &str) -> Option<Verifier> {
        let rest = text.strip_prefix("SCRAM-SHA-256$")?;
        let (head, keys) = rest.split_once('$')?;
        let (iterations, salt) = head.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some(Verifier {
            salt: B64.decode(salt).ok()?,
            iterations: iterations.parse().ok().filter(|n| *n > 0)?,
            stored_key: B64.decode(stored).ok()?,
            server_key: B64.decode(server).ok()?,
        })
    }
}

/// Compares without an early exit, so timing does not reveal how much of a key matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The users allowed to connect, with their verifiers.
#[derive(Clone, Default)]
pub struct Users {
    verifiers: HashMap<String, Verifier>,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").field("names", &self.verifiers.keys().collect::<Vec<_>>()).finish()
    }
}

impl Users {
    pub fn is_empty(&self) -> bool {
        self.verifiers.is_empty()
    }

    /// Adds a user from a password (a random salt, stored as a verifier; the password is not kept).
    pub fn add_password(&mut self, name: &str, password: &str) {
        let salt: [u8; 16] = rand::random();
        self.verifiers.insert(name.to_string(), Verifier::from_password(password, salt.to_vec(), SCRAM_ITERATIONS));
    }

    /// Parses a users file: one `name verifier` per line (`#` comments and blank lines allowed), the
    /// verifier in PostgreSQL's `SCRAM-SHA-256$...` form as printed by `raftsql passwd`.
    pub fn parse_file(text: &str) -> Result<Users, String> {
        let mut users = Users::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, verifier) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("line {}: expected `name verifier`", n + 1))?;
            let v = Verifier::parse(verifier.trim())
                .ok_or_else(|| format!("line {}: not a SCRAM-SHA-256 verifier", n + 1))?;
            users.verifiers.insert(name.to_string(), v);
        }
        Ok(users)
    }

    /// The users-file line for `name` with `password` (what `raftsql passwd` prints).
    pub fn file_line(name: &str, password: &str) -> String {
        let salt: [u8; 16] = rand::random();
        format!("{name} {}", Verifier::from_password(password, salt.to_vec(), SCRAM_ITERATIONS).to_text())
    }

    fn lookup(&self, login: &LoginInfo) -> PgWireResult<&Verifier> {
        let user = login.user().unwrap_or_default();
        self.verifiers.get(user).ok_or_else(|| PgWireError::InvalidPassword(user.to_owned()))
    }
}

/// pgwire's view of the user list.
#[derive(Debug, Clone)]
pub struct UserAuthSource(pub Arc<Users>);

#[async_trait]
impl AuthSource for UserAuthSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        // Passwords are never stored; only verifiers are.
        Err(PgWireError::InvalidPassword(login.user().unwrap_or_default().to_owned()))
    }

    async fn verify_password(&self, login: &LoginInfo, presented: &[u8]) -> PgWireResult<Option<()>> {
        let v = self.0.lookup(login)?;
        let presented = std::str::from_utf8(presented).unwrap_or("");
        let candidate = Verifier::from_password(presented, v.salt.clone(), v.iterations);
        if constant_time_eq(&candidate.stored_key, &v.stored_key)
            && constant_time_eq(&candidate.server_key, &v.server_key)
        {
            Ok(None)
        } else {
            Err(PgWireError::InvalidPassword(login.user().unwrap_or_default().to_owned()))
        }
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let v = self.0.lookup(login)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_text_round_trips() {
        let line = Users::file_line("alice", "s3cret");
        let users = Users::parse_file(&format!("# users\n{line}\n")).unwrap();
        let v = users.verifiers.get("alice").unwrap();
        let again = Verifier::from_password("s3cret", v.salt.clone(), v.iterations);
        assert_eq!(again.stored_key, v.stored_key);
        assert_ne!(Verifier::from_password("wrong", v.salt.clone(), v.iterations).stored_key, v.stored_key);
        assert!(Users::parse_file("bob not-a-verifier").is_err());
    }
}
