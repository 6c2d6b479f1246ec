//! The session information functions (`current_user`, `pg_backend_pid()`, `current_setting(...)`, ...) as the
//! literals of the session translating the statement.

use super::*;

/// `current_setting(e)` of a name known only when the statement runs (a parameter): the session's value for it,
/// NULL for a name it does not have.
pub(super) fn settings_lookup(name: &Expr, s: &SessionValues) -> Expr {
    let conditions = s.settings.iter().map(|(key, value)| (string_literal(key), string_literal(value))).collect();
    case_when(Some(call("lower", vec![name.clone()])), conditions, None)
}

/// The literal a session information function stands for, if `f` is one.
pub(super) fn session_value(f: &Function, s: &SessionValues) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    let args = positional_args(f)?;
    match name.as_str() {
        "current_user" | "session_user" | "user" | "current_role" if args.is_empty() => {
            Some(Ok(string_literal(&s.user)))
        }
        "pg_backend_pid" if args.is_empty() => Some(Ok(Expr::Value(Value::Number(s.pid.to_string(), false).into()))),
        "current_database" | "current_catalog" if args.is_empty() => Some(Ok(string_literal(&s.database))),
        // Every node takes writes: none is a standby, for drivers that look for a primary.
        "pg_is_in_recovery" if args.is_empty() => Some(Ok(Expr::Value(Value::Boolean(false).into()))),
        "current_setting" => {
            let key = match args.first() {
                Some(Expr::Value(v)) => match &v.value {
                    Value::SingleQuotedString(key) => key,
                    _ => return Some(Ok(settings_lookup(args[0], s))),
                },
                Some(other) => return Some(Ok(settings_lookup(other, s))),
                None => return None,
            };
            let missing_ok = matches!(args.get(1), Some(Expr::Value(m)) if matches!(m.value, Value::Boolean(true)));
            Some(match s.settings.get(&key.to_ascii_lowercase()) {
                Some(value) => Ok(string_literal(value)),
                None if missing_ok => Ok(Expr::Value(Value::Null.into())),
                None => Err(DialectError {
                    sqlstate: "42704",
                    message: format!("unrecognized configuration parameter \"{key}\""),
                }),
            })
        }
        _ => None,
    }
}
