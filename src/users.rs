//! The users allowed to connect, shared by the PostgreSQL frontend and the admin HTTP endpoint: their
//! SCRAM-SHA-256 verifiers (PostgreSQL's own format, as in `pg_authid.rolpassword`; passwords are never kept)
//! and which of them are superusers. Without configured users every client is trusted, as a superuser.

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use pgwire::api::auth::sasl::scram::{gen_salted_password, ScramSecret};

/// PBKDF2 iterations of verifiers created by raftsql (PostgreSQL's default).
pub const SCRAM_ITERATIONS: usize = 4096;

/// One user's stored verifier.
#[derive(Clone)]
pub struct Verifier {
    pub salt: Vec<u8>,
    pub iterations: usize,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl Verifier {
    pub fn from_password(password: &str, salt: Vec<u8>, iterations: usize) -> Verifier {
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

/// The users allowed to connect, with their verifiers, and the superusers among them.
#[derive(Clone, Default)]
pub struct Users {
    verifiers: HashMap<String, Verifier>,
    superusers: HashSet<String>,
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

    /// The verifier of `user`.
    pub fn verifier(&self, user: &str) -> Option<&Verifier> {
        self.verifiers.get(user)
    }

    /// Whether `password` is `user`'s (checked against the verifier, in constant time).
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        let Some(v) = self.verifiers.get(user) else {
            return false;
        };
        let candidate = Verifier::from_password(password, v.salt.clone(), v.iterations);
        constant_time_eq(&candidate.stored_key, &v.stored_key) && constant_time_eq(&candidate.server_key, &v.server_key)
    }

    /// Names these users superusers (cluster administration, backups). Unknown names are an error.
    pub fn set_superusers(&mut self, names: &[String]) -> Result<(), String> {
        for name in names {
            if !self.verifiers.contains_key(name) {
                return Err(format!("superuser {name} is not a configured user"));
            }
            self.superusers.insert(name.clone());
        }
        Ok(())
    }

    /// Whether `user` may administer the cluster. Without configured users everyone is trusted and may.
    pub fn is_superuser(&self, user: &str) -> bool {
        self.verifiers.is_empty() || self.superusers.contains(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_text_round_trips() {
        let line = Users::file_line("alice", "s3cret");
        let users = Users::parse_file(&format!("# users\n{line}\n")).unwrap();
        assert!(users.check_password("alice", "s3cret"));
        assert!(!users.check_password("alice", "wrong"));
        assert!(!users.check_password("bob", "s3cret"));
        assert!(Users::parse_file("bob not-a-verifier").is_err());
    }

    #[test]
    fn superusers_are_named_and_trust_makes_everyone_one() {
        assert!(Users::default().is_superuser("anyone"));
        let mut users = Users::default();
        users.add_password("alice", "a");
        users.add_password("bob", "b");
        users.set_superusers(&["alice".to_string()]).unwrap();
        assert!(users.is_superuser("alice"));
        assert!(!users.is_superuser("bob"));
        assert!(users.set_superusers(&["carol".to_string()]).is_err());
    }
}
