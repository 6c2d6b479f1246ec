//! PostgreSQL's text semantics where SQLite's differ: `LIKE` is case-sensitive (SQLite's `case_sensitive_like`,
//! set on every connection), and `lower`/`upper` fold every Unicode letter, not only ASCII (so `ILIKE`, which
//! the translator writes as `lower(a) LIKE lower(b)`, ignores case in any script). Also the string functions of
//! PostgreSQL that SQLite lacks (`left`, `right`, `repeat`, `lpad`, `rpad`, `reverse`, `split_part`,
//! `starts_with`, `initcap`, `strpos`, `translate`, `btrim`, `chr`, `ascii`), counting in characters as
//! PostgreSQL does, and `pg_sleep` for reads.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

use crate::db::sqlstate;

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

/// The text of argument `i`, `None` for NULL or an argument not given.
pub(crate) fn text(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    if i >= ctx.len() {
        return Ok(None);
    }
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        _ => Some(ctx.get::<String>(i).or_else(|_| ctx.get::<i64>(i).map(|n| n.to_string()))?),
    })
}

fn int(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<i64>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        _ => Some(ctx.get::<i64>(i)?),
    })
}

/// A result no longer than SQLite's value limit (54000 otherwise, before it is built).
fn bounded(chars: i64, per_char: usize) -> rusqlite::Result<usize> {
    let n = chars.max(0) as usize;
    if n.saturating_mul(per_char.max(1)) > crate::db::limits::MAX_VALUE_BYTES as usize {
        return Err(sqlstate::raise("54000", "requested length too large"));
    }
    Ok(n)
}

/// `left(s, n)` (`right` with `from_end`): the first n characters, or all but the last -n.
fn take(s: &str, n: i64, from_end: bool) -> String {
    let len = s.chars().count() as i64;
    let k = if n >= 0 { n.min(len) } else { (len + n).max(0) };
    if from_end {
        s.chars().skip((len - k) as usize).collect()
    } else {
        s.chars().take(k as usize).collect()
    }
}

fn pad(s: &str, len: i64, fill: &str, left: bool) -> rusqlite::Result<String> {
    let len = bounded(len, 4)?;
    let have = s.chars().count();
    if have >= len || fill.is_empty() {
        return Ok(s.chars().take(len).collect());
    }
    let padding: String = fill.chars().cycle().take(len - have).collect();
    Ok(if left { format!("{padding}{s}") } else { format!("{s}{padding}") })
}

fn split_part(s: &str, delimiter: &str, n: i64) -> rusqlite::Result<String> {
    if n == 0 {
        return Err(sqlstate::raise("22023", "field position must not be zero"));
    }
    let fields: Vec<&str> = if delimiter.is_empty() { vec![s] } else { s.split(delimiter).collect() };
    let index = if n > 0 { n - 1 } else { fields.len() as i64 + n };
    Ok(usize::try_from(index).ok().and_then(|i| fields.get(i)).map(|f| f.to_string()).unwrap_or_default())
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

fn translate(s: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    s.chars()
        .filter_map(|c| match from.iter().position(|f| *f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}

/// `pg_sleep(seconds)`: sleeps in short steps, so that a cancel or `statement_timeout` (SQLite's interrupt) ends
/// it. Not deterministic: a write may not call it.
fn sleep(ctx: &Context<'_>) -> rusqlite::Result<Option<String>> {
    let seconds: f64 = ctx.get::<f64>(0).unwrap_or(0.0);
    let until = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds.clamp(0.0, 86_400.0));
    // SAFETY: the connection is used only to ask whether it was interrupted, on its own thread.
    let conn = unsafe { ctx.get_connection()? };
    while std::time::Instant::now() < until {
        if conn.is_interrupted() {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                None,
            ));
        }
        let left = until.saturating_duration_since(std::time::Instant::now());
        std::thread::sleep(left.min(std::time::Duration::from_millis(10)));
    }
    Ok(None)
}

/// Sets the connection's LIKE to be case-sensitive and registers the text functions.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "case_sensitive_like", true)?;
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("lower", 1, exact, |ctx: &mut Context<'_>| fold(ctx, false))?;
    conn.create_scalar_function("upper", 1, exact, |ctx: &mut Context<'_>| fold(ctx, true))?;
    macro_rules! text_fn {
        ($name:expr, $n:expr, |$ctx:ident| $body:expr) => {
            conn.create_scalar_function($name, $n, exact, |$ctx: &mut Context<'_>| $body)?;
        };
    }
    text_fn!("left", 2, |c| Ok(text(c, 0)?.zip(int(c, 1)?).map(|(s, n)| take(&s, n, false))));
    text_fn!("right", 2, |c| Ok(text(c, 0)?.zip(int(c, 1)?).map(|(s, n)| take(&s, n, true))));
    text_fn!("repeat", 2, |c| match (text(c, 0)?, int(c, 1)?) {
        (Some(s), Some(n)) => Ok(Some(s.repeat(bounded(n, s.len())?))),
        _ => Ok(None),
    });
    for (name, left) in [("lpad", true), ("rpad", false)] {
        conn.create_scalar_function(name, 2, exact, move |c: &mut Context<'_>| match (text(c, 0)?, int(c, 1)?) {
            (Some(s), Some(n)) => pad(&s, n, " ", left).map(Some),
            _ => Ok(None),
        })?;
        conn.create_scalar_function(name, 3, exact, move |c: &mut Context<'_>| {
            match (text(c, 0)?, int(c, 1)?, text(c, 2)?) {
                (Some(s), Some(n), Some(f)) => pad(&s, n, &f, left).map(Some),
                _ => Ok(None),
            }
        })?;
    }
    text_fn!("reverse", 1, |c| Ok(text(c, 0)?.map(|s| s.chars().rev().collect::<String>())));
    text_fn!("split_part", 3, |c| match (text(c, 0)?, text(c, 1)?, int(c, 2)?) {
        (Some(s), Some(d), Some(n)) => split_part(&s, &d, n).map(Some),
        _ => Ok(None),
    });
    text_fn!("starts_with", 2, |c| Ok(text(c, 0)?.zip(text(c, 1)?).map(|(s, p)| s.starts_with(&p))));
    text_fn!("initcap", 1, |c| Ok(text(c, 0)?.map(|s| initcap(&s))));
    text_fn!("strpos", 2, |c| Ok(text(c, 0)?.zip(text(c, 1)?).map(|(s, p)| match s.find(&p) {
        Some(at) => s[..at].chars().count() as i64 + 1,
        None => 0,
    })));
    text_fn!("translate", 3, |c| match (text(c, 0)?, text(c, 1)?, text(c, 2)?) {
        (Some(s), Some(f), Some(t)) => Ok(Some(translate(&s, &f, &t))),
        _ => Ok(None),
    });
    text_fn!("btrim", 1, |c| Ok(text(c, 0)?.map(|s| s.trim_matches(' ').to_string())));
    text_fn!("btrim", 2, |c| Ok(text(c, 0)?.zip(text(c, 1)?).map(|(s, t)| {
        let set: Vec<char> = t.chars().collect();
        s.trim_matches(|ch| set.contains(&ch)).to_string()
    })));
    text_fn!("chr", 1, |c| match int(c, 0)? {
        None => Ok(None),
        Some(0) => Err(sqlstate::raise("54000", "null character not permitted")),
        Some(n) => u32::try_from(n)
            .ok()
            .and_then(char::from_u32)
            .map(|ch| Some(ch.to_string()))
            .ok_or_else(|| sqlstate::raise("54000", "requested character too large for encoding")),
    });
    text_fn!("ascii", 1, |c| Ok(text(c, 0)?.map(|s| s.chars().next().map_or(0, |ch| ch as i64))));
    conn.create_scalar_function("pg_sleep", 1, FunctionFlags::SQLITE_UTF8, |c: &mut Context<'_>| sleep(c))?;
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
        assert_eq!(
            one("SELECT concat_ws('|', left('héllo', 2), left('héllo', -2), right('héllo', 2), right('héllo', -4), \
                 repeat('ab', 3), repeat('x', -1), lpad('7', 3, '0'), rpad('abcd', 2), lpad('x', 5, 'ab'), \
                 reverse('añb'), split_part('a,b,c', ',', 2), split_part('a,b,c', ',', -1), split_part('a', ',', 5), \
                 starts_with('abc', 'ab'), initcap('hELLO wORLD-x'), strpos('héllo', 'l'), translate('12345', '143', 'ax'), \
                 btrim('xxaxx', 'x'), chr(233), ascii('é'))"),
            "hé|hél|lo|o|ababab||007|ab|ababx|bña|b|c||1|Hello World-X|3|a2x5|a|é|233"
        );
        let err = c.query_row("SELECT split_part('a', ',', 0)", [], |r| r.get::<_, String>(0)).unwrap_err();
        assert!(err.to_string().contains("[22023] field position must not be zero"));
        let err = c.query_row("SELECT repeat('x', 1000000000)", [], |r| r.get::<_, String>(0)).unwrap_err();
        assert!(err.to_string().contains("[54000]"));
    }
}
