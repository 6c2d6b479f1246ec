//! Errors with a PostgreSQL SQLSTATE raised from inside SQLite (by raftsql's SQL functions), which reach the
//! client through SQLite's error message: `[22003] bigint out of range`.

/// An error for a SQL function to return: `code` is the SQLSTATE the client gets, `message` its text.
pub fn raise(code: &str, message: &str) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(format!("[{code}] {message}").into())
}

/// The SQLSTATE and message of an error made by `raise`, found anywhere in SQLite's message (SQLite may put
/// context before it).
pub fn split(message: &str) -> Option<(&str, &str)> {
    let start = message.find('[')?;
    let rest = &message[start + 1..];
    let code = rest.get(..5)?;
    let valid = code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    let text = rest.get(5..)?.strip_prefix("] ")?;
    valid.then_some((code, text))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_the_sqlstate() {
        let e = super::raise("22003", "bigint out of range");
        assert_eq!(super::split(&e.to_string()), Some(("22003", "bigint out of range")));
        assert_eq!(super::split("no such table: t"), None);
        assert_eq!(super::split("[x] y"), None);
    }
}
