//! PostgreSQL's text semantics where SQLite's differ: `LIKE` is case-sensitive (SQLite's `case_sensitive_like`,
//! set on every connection), and `lower`/`upper` fold every Unicode letter, not only ASCII (so `ILIKE`, which
//! the translator writes as `lower(a) LIKE lower(b)`, ignores case in any script).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

fn fold(ctx: &Context<'_>, upper: bool) -> rusqlite::Result<Value> {
    Ok(match ctx.get_raw(0) {
        ValueRef::Null => Value::Null,
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            Value::Text(if upper { s.to_uppercase() } else { s.to_lowercase() })
        }
        // SQLite folds the text form of other values; numbers have no letters to fold.
        ValueRef::Integer(i) => Value::Text(i.to_string()),
        ValueRef::Real(f) => Value::Text(ctx.get::<String>(0).unwrap_or_else(|_| f.to_string())),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// Sets the connection's LIKE to be case-sensitive and registers the Unicode `lower`/`upper`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "case_sensitive_like", true)?;
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("lower", 1, exact, |ctx: &mut Context<'_>| fold(ctx, false))?;
    conn.create_scalar_function("upper", 1, exact, |ctx: &mut Context<'_>| fold(ctx, true))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    #[test]
    fn like_is_case_sensitive_and_case_folds_unicode() {
        let c = Connection::open_in_memory().unwrap();
        super::register(&c).unwrap();
        let one = |sql: &str| c.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(one("SELECT ('abc' LIKE 'ABC') || ('abc' LIKE 'a%') || (lower('ÀÉÎ') LIKE lower('àéî'))"), "011");
        assert_eq!(one("SELECT upper('straße') || lower('ΣΑΣ')"), "STRASSEσας");
    }
}
