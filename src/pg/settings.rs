//! Session parameters: what SET, SHOW and RESET act on, their defaults, and which changes are reported to
//! the client with ParameterStatus (as PostgreSQL does for GUC_REPORT parameters).

use crate::db::datetime::zone::Zone;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::pg::dialect::SessionValues;

/// The PostgreSQL version raftsql reports, so drivers pick their PostgreSQL 15 code paths.
pub const SERVER_VERSION: &str = concat!("15.18 (raftsql ", env!("CARGO_PKG_VERSION"), ")");
/// Parameters reported to the client at startup and whenever they change.
const REPORTED: &[&str] = &[
    "application_name",
    "client_encoding",
    "datestyle",
    "default_transaction_read_only",
    "in_hot_standby",
    "integer_datetimes",
    "intervalstyle",
    "is_superuser",
    "server_encoding",
    "server_version",
    "session_authorization",
    "standard_conforming_strings",
    "timezone",
];

/// Canonical spelling of parameter names (PostgreSQL reports and shows "DateStyle", "TimeZone"...).
pub fn display_name(name: &str) -> &str {
    match name {
        "datestyle" => "DateStyle",
        "timezone" => "TimeZone",
        "intervalstyle" => "IntervalStyle",
        other => other,
    }
}

fn defaults() -> BTreeMap<String, String> {
    [
        ("application_name", ""),
        ("bytea_output", "hex"),
        ("client_encoding", "UTF8"),
        ("datestyle", "ISO, MDY"),
        ("default_table_access_method", "heap"),
        ("default_transaction_read_only", "off"),
        ("extra_float_digits", "1"),
        ("idle_in_transaction_session_timeout", "0"),
        ("in_hot_standby", "off"),
        ("integer_datetimes", "on"),
        ("intervalstyle", "postgres"),
        ("is_superuser", "on"),
        ("lock_timeout", "0"),
        ("max_identifier_length", "63"),
        ("raftsql.read_consistency", "linearizable"),
        ("search_path", "\"$user\", public"),
        ("server_encoding", "UTF8"),
        ("server_version", SERVER_VERSION),
        ("server_version_num", "150018"),
        ("session_authorization", ""),
        ("standard_conforming_strings", "on"),
        ("statement_timeout", "0"),
        ("timezone", "UTC"),
        ("transaction_isolation", "serializable"),
        ("transaction_read_only", "off"),
        ("default_transaction_isolation", "serializable"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The columns of `SHOW ALL`.
pub fn show_all_columns() -> Vec<crate::pg::rows::ResultColumn> {
    use crate::pg::rows::ResultColumn;
    use pgwire::api::Type;
    vec![
        ResultColumn::new("name", Type::TEXT),
        ResultColumn::new("setting", Type::TEXT),
        ResultColumn::new("description", Type::TEXT),
    ]
}

/// Why a SET was refused.
#[derive(Debug)]
pub struct SettingError {
    pub sqlstate: &'static str,
    pub message: String,
}

/// One session's parameters.
#[derive(Debug, Clone)]
pub struct Settings {
    values: BTreeMap<String, String>,
    /// Values the client gave in its startup packet: RESET returns to these, as in PostgreSQL.
    startup: BTreeMap<String, String>,
    /// The values as the open transaction found them, and the names SET LOCAL changed since: SET is
    /// transactional in PostgreSQL (a rollback undoes it), and SET LOCAL lasts until the transaction ends.
    txn: Option<(BTreeMap<String, String>, std::collections::BTreeSet<String>)>,
}

impl Settings {
    /// Defaults, with the startup packet's parameters (user, application_name, client_encoding...) applied.
    pub fn new(startup: &std::collections::HashMap<String, String>) -> Settings {
        let mut s = Settings { values: defaults(), startup: BTreeMap::new(), txn: None };
        for (k, v) in startup {
            let k = k.to_ascii_lowercase();
            match k.as_str() {
                "user" => {
                    s.values.insert("session_authorization".into(), v.clone());
                }
                "database" | "options" | "replication" => {}
                _ => {
                    if s.set(&k, v).is_ok() {
                        s.startup.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        s
    }

    /// Records whether the session's user is a superuser (not changeable by SET, kept by RESET).
    pub fn set_superuser(&mut self, superuser: bool) {
        let v = if superuser { "on" } else { "off" }.to_string();
        self.values.insert("is_superuser".into(), v.clone());
        self.startup.insert("is_superuser".into(), v);
    }

    /// The parameters sent in ParameterStatus messages at startup.
    pub fn reported(&self) -> Vec<(String, String)> {
        REPORTED.iter().map(|k| (display_name(k).to_string(), self.get(k).unwrap_or_default())).collect()
    }

    /// SHOW name; `None` for an unknown parameter.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(&name.to_ascii_lowercase()).cloned()
    }

    /// The session's `TimeZone`.
    pub fn time_zone(&self) -> Zone {
        self.get("timezone").and_then(|name| Zone::parse(&name)).unwrap_or(crate::db::datetime::zone::UTC)
    }

    /// Every parameter (SHOW ALL).
    pub fn all(&self) -> Vec<(String, String)> {
        self.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// SET name = value. Returns the ParameterStatus to send when the parameter is reported.
    pub fn set(&mut self, name: &str, value: &str) -> Result<Option<(String, String)>, SettingError> {
        let name = name.to_ascii_lowercase();
        let value = if value.eq_ignore_ascii_case("default") {
            defaults().get(&name).cloned().unwrap_or_default()
        } else {
            value.to_string()
        };
        let invalid = |msg: String| SettingError { sqlstate: "22023", message: msg };
        match name.as_str() {
            "client_encoding" => {
                let v = value.to_ascii_uppercase().replace('-', "");
                if v != "UTF8" && v != "UNICODE" {
                    return Err(SettingError {
                        sqlstate: "0A000",
                        message: format!("client encoding \"{value}\" is not supported: raftsql speaks UTF8 only"),
                    });
                }
                self.values.insert(name.clone(), "UTF8".into());
                return Ok(Some((name, "UTF8".into())));
            }
            "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
                parse_duration(&value)
                    .ok_or_else(|| invalid(format!("invalid value for parameter \"{name}\": \"{value}\"")))?;
            }
            "raftsql.read_consistency" => {
                let v = value.to_ascii_lowercase();
                if v != "linearizable" && v != "stale" {
                    return Err(invalid(format!(
                        "invalid value for parameter \"raftsql.read_consistency\": \"{value}\" (expected linearizable or stale)"
                    )));
                }
                self.values.insert(name, v);
                return Ok(None);
            }
            "timezone" => {
                // An IANA zone (the tz database compiled into raftsql), UTC, or hours east of UTC.
                let v = value.trim().trim_matches('\'');
                let v = if v.eq_ignore_ascii_case("local") || v.eq_ignore_ascii_case("default") { "UTC" } else { v };
                let zone = Zone::parse(v)
                    .ok_or_else(|| invalid(format!("invalid value for parameter \"TimeZone\": \"{v}\"")))?;
                self.values.insert(name.clone(), zone.name());
                return Ok(Some((display_name(&name).to_string(), zone.name())));
            }
            "extra_float_digits" => {
                value
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| invalid(format!("invalid value for parameter \"{name}\": \"{value}\"")))?;
            }
            // Bytes are always sent in hex; `escape` would need a second output format.
            "bytea_output" if !value.trim().eq_ignore_ascii_case("hex") => {
                return Err(SettingError {
                    sqlstate: "0A000",
                    message: format!("bytea_output \"{value}\" is not supported: raftsql sends bytea in hex"),
                });
            }
            "standard_conforming_strings" if !matches!(value.to_ascii_lowercase().as_str(), "on" | "true" | "1") => {
                return Err(SettingError {
                    sqlstate: "0A000",
                    message: "standard_conforming_strings can only be on".into(),
                });
            }
            "server_version"
            | "server_encoding"
            | "integer_datetimes"
            | "server_version_num"
            | "is_superuser"
            | "in_hot_standby"
            | "transaction_read_only" => {
                return Err(SettingError {
                    sqlstate: "55P02",
                    message: format!("parameter \"{name}\" cannot be changed"),
                });
            }
            _ => {}
        }
        self.values.insert(name.clone(), value.clone());
        Ok(REPORTED.contains(&name.as_str()).then(|| (display_name(&name).to_string(), value)))
    }

    /// A transaction may begin with the next statement: remember the values as they are.
    pub fn begin_transaction(&mut self) {
        if self.txn.is_none() {
            self.txn = Some((self.values.clone(), Default::default()));
        }
    }

    /// SET LOCAL inside a transaction: as SET, undone when the transaction ends.
    pub fn set_local(&mut self, name: &str, value: &str) -> Result<Option<(String, String)>, SettingError> {
        let change = self.set(name, value)?;
        if let Some((_, local)) = self.txn.as_mut() {
            local.insert(name.to_ascii_lowercase());
        }
        Ok(change)
    }

    /// The transaction ended: a rollback restores every value, a commit those SET LOCAL changed. Returns the
    /// reported parameters that changed back.
    pub fn end_transaction(&mut self, committed: bool) -> Vec<(String, String)> {
        let Some((before, local)) = self.txn.take() else { return Vec::new() };
        let restore: Vec<String> = if committed {
            local.into_iter().collect()
        } else {
            self.values.keys().chain(before.keys()).cloned().collect()
        };
        let mut changes = Vec::new();
        for name in restore {
            let old = before.get(&name).cloned();
            if self.values.get(&name) == old.as_ref() {
                continue;
            }
            match old {
                Some(v) => {
                    self.values.insert(name.clone(), v.clone());
                    if REPORTED.contains(&name.as_str()) {
                        changes.push((display_name(&name).to_string(), v));
                    }
                }
                None => {
                    self.values.remove(&name);
                }
            }
        }
        changes
    }

    /// RESET name / RESET ALL.
    pub fn reset(&mut self, name: &str) -> Vec<(String, String)> {
        let mut changes = Vec::new();
        let names: Vec<String> = if name.eq_ignore_ascii_case("all") {
            defaults().keys().cloned().collect()
        } else {
            vec![name.to_ascii_lowercase()]
        };
        for n in names {
            let value = self.startup.get(&n).cloned().or_else(|| defaults().get(&n).cloned());
            if let Some(v) = value {
                if let Ok(Some(change)) = self.set(&n, &v) {
                    changes.push(change);
                }
            }
        }
        changes
    }

    /// A duration parameter; zero means "no limit".
    pub fn duration(&self, name: &str) -> Option<Duration> {
        self.get(name).and_then(|v| parse_duration(&v)).filter(|d| !d.is_zero())
    }
}

/// The values of the session information functions for a connection: its user, backend pid and settings.
pub fn session_values<C: pgwire::api::ClientInfo>(
    settings: &std::sync::Mutex<Settings>,
    cursors: &std::sync::Mutex<crate::pg::cursors::Cursors>,
    client: &C,
) -> SessionValues {
    let cursors = crate::pg::unlock(cursors).list();
    let settings = crate::pg::unlock(settings);
    let user = client.metadata().get("user").cloned().unwrap_or_else(|| "raftsql".into());
    SessionValues {
        // libpq's default database is the user's name.
        database: client.metadata().get("database").cloned().unwrap_or_else(|| user.clone()),
        user,
        pid: client.pid_and_secret_key().0,
        settings: settings.all().into_iter().collect(),
        cursors,
    }
}

/// Parses PostgreSQL's time units: "500", "500ms", "2s", "1min", "1h" (a bare number is milliseconds).
pub fn parse_duration(v: &str) -> Option<Duration> {
    let v = v.trim().trim_matches('\'');
    let split = v.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let ms = match unit.trim() {
        "" | "ms" => n,
        "s" => n * 1000.0,
        "min" => n * 60_000.0,
        "h" => n * 3_600_000.0,
        "us" => n / 1000.0,
        _ => return None,
    };
    (ms >= 0.0).then(|| Duration::from_micros((ms * 1000.0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_reset() {
        let mut s = Settings::new(&Default::default());
        assert_eq!(s.get("TimeZone").as_deref(), Some("UTC"));
        assert_eq!(s.set("application_name", "app").unwrap(), Some(("application_name".into(), "app".into())));
        assert_eq!(s.set("statement_timeout", "2s").unwrap(), None);
        assert_eq!(s.duration("statement_timeout"), Some(Duration::from_secs(2)));
        assert!(s.set("statement_timeout", "soon").is_err());
        assert!(s.set("raftsql.read_consistency", "bogus").is_err());
        s.set("raftsql.read_consistency", "STALE").unwrap();
        assert_eq!(s.get("raftsql.read_consistency").as_deref(), Some("stale"));
        s.reset("all");
        assert_eq!(s.get("application_name").as_deref(), Some(""));
        assert_eq!(s.duration("statement_timeout"), None);
    }

    #[test]
    fn set_is_transactional_and_set_local_ends_with_the_transaction() {
        let mut s = Settings::new(&Default::default());
        s.begin_transaction();
        s.set("application_name", "kept").unwrap();
        s.set_local("statement_timeout", "5s").unwrap();
        s.set("my.custom", "x").unwrap();
        assert_eq!(s.end_transaction(true), vec![]);
        assert_eq!(s.get("application_name").as_deref(), Some("kept"));
        assert_eq!(s.get("statement_timeout").as_deref(), Some("0"));
        assert_eq!(s.get("my.custom").as_deref(), Some("x"));
        s.begin_transaction();
        s.set("application_name", "undone").unwrap();
        s.set("other.custom", "y").unwrap();
        assert_eq!(s.end_transaction(false), vec![("application_name".to_string(), "kept".to_string())]);
        assert_eq!(s.get("application_name").as_deref(), Some("kept"));
        assert_eq!(s.get("other.custom"), None);
    }
}
