//! PostgreSQL's regular-expression functions (`regexp_replace`, `regexp_count`, `regexp_instr`,
//! `regexp_substr`, `regexp_like`) over regex-lite, whose syntax covers the common part of PostgreSQL's
//! advanced regular expressions. Flags: `g` (every match), `i` (ignore case), `c` (case-sensitive); others are
//! refused with 22023. Positions count characters, from 1.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;

use crate::db::sqlstate;
use crate::db::text_functions::text;

/// A compiled pattern and whether `g` was given.
struct Pattern {
    re: regex_lite::Regex,
    global: bool,
}

fn compile(pattern: &str, flags: &str) -> rusqlite::Result<Pattern> {
    let mut insensitive = false;
    let mut global = false;
    for f in flags.chars() {
        match f {
            'g' => global = true,
            'i' => insensitive = true,
            'c' => insensitive = false,
            other => return Err(sqlstate::raise("22023", &format!("invalid regular expression option: \"{other}\""))),
        }
    }
    let source = if insensitive { format!("(?i){pattern}") } else { pattern.to_string() };
    let re = regex_lite::Regex::new(&source)
        .map_err(|e| sqlstate::raise("2201B", &format!("invalid regular expression: {e}")))?;
    Ok(Pattern { re, global })
}

/// The byte offset of character position `start` (1-based), 22023 below 1.
fn byte_start(s: &str, start: i64) -> rusqlite::Result<usize> {
    if start < 1 {
        return Err(sqlstate::raise("22023", &format!("invalid value for parameter \"start\": {start}")));
    }
    Ok(s.char_indices().nth((start - 1) as usize).map_or(s.len(), |(b, _)| b))
}

/// PostgreSQL's replacement text (`\1`..`\9`, `\&` the whole match, `\\` a backslash) in regex-lite's syntax.
fn replacement(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.next() {
                Some(d @ '1'..='9') => out.push_str(&format!("${{{d}}}")),
                Some('&') => out.push_str("${0}"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            other => out.push(other),
        }
    }
    out
}

fn regexp_replace(ctx: &Context<'_>) -> rusqlite::Result<Option<String>> {
    let (Some(s), Some(p), Some(r)) = (text(ctx, 0)?, text(ctx, 1)?, text(ctx, 2)?) else { return Ok(None) };
    let flags = text(ctx, 3)?.unwrap_or_default();
    let pattern = compile(&p, &flags)?;
    let r = replacement(&r);
    Ok(Some(
        if pattern.global { pattern.re.replace_all(&s, r.as_str()) } else { pattern.re.replace(&s, r.as_str()) }
            .into_owned(),
    ))
}

/// `(string, pattern, start, flags)` of regexp_count/instr/substr (start defaults to 1).
fn search_args(ctx: &Context<'_>) -> rusqlite::Result<Option<(String, Pattern, usize)>> {
    let (Some(s), Some(p)) = (text(ctx, 0)?, text(ctx, 1)?) else { return Ok(None) };
    let start = if ctx.len() > 2 { ctx.get::<Option<i64>>(2)? } else { Some(1) };
    let Some(start) = start else { return Ok(None) };
    let from = byte_start(&s, start)?;
    Ok(Some((s, compile(&p, "")?, from)))
}

/// The `n`-th (1-based) match at or after the start, as (char position, matched text).
fn nth_match(ctx: &Context<'_>) -> rusqlite::Result<Option<(i64, String)>> {
    let Some((s, pattern, from)) = search_args(ctx)? else { return Ok(None) };
    let n = if ctx.len() > 3 { ctx.get::<i64>(3)? } else { 1 };
    if n < 1 {
        return Err(sqlstate::raise("22023", &format!("invalid value for parameter \"n\": {n}")));
    }
    let found =
        pattern.re.find_iter(&s[from..]).nth((n - 1) as usize).map(|m| (from + m.start(), m.as_str().to_string()));
    Ok(found.map(|(at, text)| (s[..at].chars().count() as i64 + 1, text)))
}

/// Registers the functions on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for n in [3, 4] {
        conn.create_scalar_function("regexp_replace", n, exact, |c: &mut Context<'_>| regexp_replace(c))?;
    }
    for n in [2, 3] {
        conn.create_scalar_function("regexp_count", n, exact, |c: &mut Context<'_>| {
            Ok(search_args(c)?.map(|(s, p, from)| p.re.find_iter(&s[from..]).count() as i64))
        })?;
    }
    for n in [2, 3, 4] {
        conn.create_scalar_function("regexp_instr", n, exact, |c: &mut Context<'_>| {
            let (Some(_), Some(_)) = (text(c, 0)?, text(c, 1)?) else { return Ok(None) };
            Ok(Some(nth_match(c)?.map_or(0, |(at, _)| at)))
        })?;
        conn.create_scalar_function(
            "regexp_substr",
            n,
            exact,
            |c: &mut Context<'_>| Ok(nth_match(c)?.map(|(_, m)| m)),
        )?;
    }
    for n in [2, 3] {
        conn.create_scalar_function("regexp_like", n, exact, |c: &mut Context<'_>| {
            let (Some(s), Some(p)) = (text(c, 0)?, text(c, 1)?) else { return Ok(None) };
            Ok(Some(compile(&p, &text(c, 2)?.unwrap_or_default())?.re.is_match(&s)))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    #[test]
    fn behaves_like_postgresql() {
        let c = Connection::open_in_memory().unwrap();
        super::register(&c).unwrap();
        let one = |sql: &str| c.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap_or_else(|e| e.to_string());
        assert_eq!(one("SELECT regexp_replace('foobarbaz', 'b..', 'X')"), "fooXbaz");
        assert_eq!(one("SELECT regexp_replace('foobarbaz', 'b..', 'X', 'g')"), "fooXX");
        assert_eq!(one("SELECT regexp_replace('foobarbaz', 'b(..)', 'X\\1Y', 'g')"), "fooXarYXazY");
        assert_eq!(one("SELECT regexp_replace('A1 b2', '[a-z]', '<\\&>$', 'gi')"), "<A>$1 <b>$2");
        assert_eq!(
            one("SELECT regexp_count('ABCABCAXYaxy', 'A.') || ',' || regexp_count('ABCABCAXYaxy', 'A.', 2)"),
            "3,2"
        );
        assert_eq!(
            one("SELECT regexp_instr('ABCDEFGHI', '(c..)(...)') || ',' || regexp_instr('éaXbX', 'X', 1, 2)"),
            "0,5"
        );
        assert_eq!(one("SELECT coalesce(regexp_substr('ABCDEF', 'c.', 1), 'none')"), "none");
        assert_eq!(one("SELECT regexp_substr('ABCDEFcd', 'c.', 1)"), "cd");
        assert_eq!(one("SELECT regexp_like('Hello', 'hel', 'i') || regexp_like('Hello', 'hel')"), "10");
        assert!(one("SELECT regexp_replace('a', '(', 'b')").contains("[2201B]"));
        assert!(one("SELECT regexp_like('a', 'a', 'z')").contains("[22023]"));
    }
}
