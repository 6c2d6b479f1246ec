//! The SQLite functions behind PostgreSQL's JSON operators and casts: `pg_jsonb(x)` (`x::jsonb`: canonical text,
//! 22P02 for text that is not JSON), `pg_json(x)` (`x::json`: checked, kept as written), `pg_json_get` (`->`),
//! `pg_json_get_text` (`->>`), `pg_json_path` (`#>`) and `pg_json_path_text` (`#>>`). Lookups answer in jsonb's
//! canonical form (`db::json`). Also `@>`/`<@` (`pg_jsonb_contains`), `?`, `?|`, `?&` (`pg_jsonb_exists*`),
//! `jsonb_typeof`/`json_typeof` and `jsonb_array_length`.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::db::json::{self, Step};
use crate::db::sqlstate;

/// The JSON document of argument `i` (`None` for NULL); 22P02 for text that is not JSON.
pub(crate) fn document(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<serde_json::Value>> {
    let text = match ctx.get_raw(i) {
        ValueRef::Null => return Ok(None),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(_) => ctx.get::<String>(i).unwrap_or_default(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    };
    json::parse(&text).map(Some).ok_or_else(|| sqlstate::raise("22P02", &json::syntax_error(&text)))
}

fn step<'c>(ctx: &'c Context<'_>, i: usize) -> rusqlite::Result<Option<Step<'c>>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(Step::Index(n)),
        ValueRef::Text(t) => Some(Step::Key(std::str::from_utf8(t).unwrap_or(""))),
        _ => None,
    })
}

/// A path given as a PostgreSQL text array (`{a,b,0}`) or a JSON array (an array parameter).
pub(crate) fn path(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<Vec<String>>> {
    let Some(text) = ctx.get::<Option<String>>(i)? else { return Ok(None) };
    if let Some(serde_json::Value::Array(items)) = json::parse(&text) {
        return Ok(Some(items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect()));
    }
    let body = text
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| sqlstate::raise("22P02", &format!("malformed array literal: \"{text}\"")))?;
    if body.is_empty() {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(body.split(',').map(|p| p.trim().trim_matches('"').to_string()).collect()))
}

/// Registers the functions on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_jsonb", 1, exact, |c: &mut Context<'_>| {
        Ok(document(c, 0)?.map(|d| json::canonical(&d)))
    })?;
    // For the triggers of jsonb columns: text that is not jsonb's canonical text yet (22P02 if not JSON at all).
    conn.create_scalar_function("pg_jsonb_unfit", 1, exact, |c: &mut Context<'_>| {
        let ValueRef::Text(t) = c.get_raw(0) else { return Ok(false) };
        let stored = String::from_utf8_lossy(t).into_owned();
        let canonical = document(c, 0)?.map(|d| json::canonical(&d)).unwrap_or_default();
        Ok(stored != canonical)
    })?;
    conn.create_scalar_function("pg_json", 1, exact, |c: &mut Context<'_>| {
        document(c, 0)?;
        c.get::<Option<String>>(0)
    })?;
    conn.create_scalar_function("pg_json_get", 2, exact, |c: &mut Context<'_>| {
        let (Some(d), Some(s)) = (document(c, 0)?, step(c, 1)?) else { return Ok(None) };
        Ok(json::get(&d, &s).map(json::canonical))
    })?;
    conn.create_scalar_function("pg_json_get_text", 2, exact, |c: &mut Context<'_>| {
        let (Some(d), Some(s)) = (document(c, 0)?, step(c, 1)?) else { return Ok(None) };
        Ok(json::get(&d, &s).and_then(json::as_text))
    })?;
    conn.create_scalar_function("pg_jsonb_contains", 2, exact, |c: &mut Context<'_>| {
        let (Some(a), Some(b)) = (document(c, 0)?, document(c, 1)?) else { return Ok(None) };
        Ok(Some(json::contains(&a, &b)))
    })?;
    conn.create_scalar_function("pg_jsonb_exists", 2, exact, |c: &mut Context<'_>| {
        let (Some(a), Some(k)) = (document(c, 0)?, c.get::<Option<String>>(1)?) else { return Ok(None) };
        Ok(Some(json::has_key(&a, &k)))
    })?;
    // `?|` (any: true) and `?&` (any: false) take a text array.
    for (name, any) in [("pg_jsonb_exists_any", true), ("pg_jsonb_exists_all", false)] {
        conn.create_scalar_function(name, 2, exact, move |c: &mut Context<'_>| {
            let (Some(a), Some(keys)) = (document(c, 0)?, path(c, 1)?) else { return Ok(None) };
            let mut found = keys.iter().map(|k| json::has_key(&a, k));
            Ok(Some(if any { found.any(|f| f) } else { found.all(|f| f) }))
        })?;
    }
    for name in ["jsonb_typeof", "json_typeof"] {
        conn.create_scalar_function(name, 1, exact, |c: &mut Context<'_>| {
            Ok(document(c, 0)?.map(|d| json::type_name(&d)))
        })?;
    }
    conn.create_scalar_function("jsonb_array_length", 1, exact, |c: &mut Context<'_>| match document(c, 0)? {
        None => Ok(None),
        Some(serde_json::Value::Array(items)) => Ok(Some(items.len() as i64)),
        Some(_) => Err(sqlstate::raise("22023", "cannot get array length of a non-array")),
    })?;
    conn.create_scalar_function("pg_json_path", 2, exact, |c: &mut Context<'_>| {
        let (Some(d), Some(p)) = (document(c, 0)?, path(c, 1)?) else { return Ok(None) };
        Ok(json::get_path(&d, &p).map(json::canonical))
    })?;
    conn.create_scalar_function("pg_json_path_text", 2, exact, |c: &mut Context<'_>| {
        let (Some(d), Some(p)) = (document(c, 0)?, path(c, 1)?) else { return Ok(None) };
        Ok(json::get_path(&d, &p).and_then(json::as_text))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    #[test]
    fn operators_and_casts() {
        let c = Connection::open_in_memory().unwrap();
        super::register(&c).unwrap();
        let one = |sql: &str| {
            c.query_row(sql, [], |r| r.get::<_, Option<String>>(0))
                .map(|v| v.unwrap_or("NULL".into()))
                .unwrap_or_else(|e| e.to_string())
        };
        let doc = r#"'{"a": {"b": [1, 2, {"c": "x"}]}, "n": null, "k.y": 5}'"#;
        assert_eq!(
            one(&format!("SELECT pg_json_get_text(pg_json_get(pg_json_get(pg_json_get({doc}, 'a'), 'b'), 2), 'c')")),
            "x"
        );
        assert_eq!(one(&format!("SELECT pg_json_get({doc}, 'a')")), r#"{"b": [1, 2, {"c": "x"}]}"#);
        assert_eq!(one(&format!("SELECT pg_json_get({doc}, 'k.y')")), "5");
        assert_eq!(one(&format!("SELECT pg_json_get_text({doc}, 'n')")), "NULL");
        assert_eq!(one(&format!("SELECT pg_json_path_text({doc}, '{{a,b,-1,c}}')")), "x");
        assert_eq!(one(&format!("SELECT pg_json_path({doc}, '[\"a\",\"b\",\"0\"]')")), "1");
        assert_eq!(one("SELECT pg_json_get('[1,2,3]', -1) || pg_json_get_text('[1,2,3]', 0)"), "31");
        assert_eq!(one(r#"SELECT CAST(pg_jsonb('{"b":1,"a":2}') = pg_jsonb('{"a": 2, "b": 1}') AS TEXT)"#), "1");
        assert!(one("SELECT pg_jsonb('{a')").contains("[22P02] invalid input syntax for type json"));
        assert_eq!(one(r#"SELECT pg_json('{"b":1,  "a":2}')"#), r#"{"b":1,  "a":2}"#);
    }
}
