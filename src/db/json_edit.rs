//! The jsonb operations that build a new document: `a || b` (`pg_jsonb_concat`: objects merge, the right one
//! winning; anything else concatenates as arrays), `a - 'key'` (`pg_jsonb_delete`: a key of an object, or the
//! string elements of an array equal to it) and `jsonb_set(target, path, value [, create_missing])`
//! (`pg_jsonb_set`), all answering jsonb's canonical text (`db::json`) as PostgreSQL would.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;
use serde_json::Value;

use crate::db::json;
use crate::db::json_functions::{document, path};
use crate::db::sqlstate;

/// `a || b`.
pub fn concat(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Object(mut left), Value::Object(right)) => {
            left.extend(right);
            Value::Object(left)
        }
        (a, b) => {
            let items = |v: Value| match v {
                Value::Array(items) => items,
                other => vec![other],
            };
            let mut out = items(a);
            out.extend(items(b));
            Value::Array(out)
        }
    }
}

/// `a - key`.
pub fn delete(a: Value, key: &str) -> rusqlite::Result<Value> {
    match a {
        Value::Object(mut map) => {
            map.remove(key);
            Ok(Value::Object(map))
        }
        Value::Array(items) => Ok(Value::Array(items.into_iter().filter(|v| v.as_str() != Some(key)).collect())),
        _ => Err(sqlstate::raise("22023", "cannot delete from scalar")),
    }
}

/// `jsonb_set(target, path, value, create_missing)`: the target with the value at the path replaced (or, with
/// `create_missing`, added when only the last step is missing). A path through a scalar leaves the target as it
/// is, as PostgreSQL does.
pub fn set(target: Value, path: &[String], value: Value, create_missing: bool) -> rusqlite::Result<Value> {
    let Some((first, rest)) = path.split_first() else { return Ok(target) };
    match target {
        Value::Object(mut map) => {
            match map.remove(first) {
                Some(inner) if rest.is_empty() => {
                    drop(inner);
                    map.insert(first.clone(), value);
                }
                Some(inner) => {
                    map.insert(first.clone(), set(inner, rest, value, create_missing)?);
                }
                None if rest.is_empty() && create_missing => {
                    map.insert(first.clone(), value);
                }
                None => {}
            }
            Ok(Value::Object(map))
        }
        Value::Array(mut items) => {
            let index: i64 = first.parse().map_err(|_| {
                sqlstate::raise("22P02", &format!("path element at position 1 is not an integer: \"{first}\""))
            })?;
            let len = items.len() as i64;
            let at = if index < 0 { len + index } else { index };
            if (0..len).contains(&at) {
                let at = at as usize;
                let inner = std::mem::take(&mut items[at]);
                items[at] = if rest.is_empty() { value } else { set(inner, rest, value, create_missing)? };
            } else if rest.is_empty() && create_missing {
                if at < 0 {
                    items.insert(0, value);
                } else {
                    items.push(value);
                }
            }
            Ok(Value::Array(items))
        }
        scalar => Ok(scalar),
    }
}

/// Registers `pg_jsonb_concat`, `pg_jsonb_delete` and `pg_jsonb_set`.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_jsonb_concat", 2, exact, |c: &mut Context<'_>| {
        let (Some(a), Some(b)) = (document(c, 0)?, document(c, 1)?) else { return Ok(None) };
        Ok(Some(json::canonical(&concat(a, b))))
    })?;
    conn.create_scalar_function("pg_jsonb_delete", 2, exact, |c: &mut Context<'_>| {
        let (Some(a), Some(key)) = (document(c, 0)?, c.get::<Option<String>>(1)?) else { return Ok(None) };
        Ok(Some(json::canonical(&delete(a, &key)?)))
    })?;
    for arity in [3, 4] {
        conn.create_scalar_function("pg_jsonb_set", arity, exact, move |c: &mut Context<'_>| {
            let (Some(target), Some(steps), Some(value)) = (document(c, 0)?, path(c, 1)?, document(c, 2)?) else {
                return Ok(None);
            };
            let create = if arity == 4 { c.get::<Option<bool>>(3)?.unwrap_or(true) } else { true };
            Ok(Some(json::canonical(&set(target, &steps, value, create)?)))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        json::parse(s).unwrap()
    }

    #[test]
    fn concat_delete_set_as_postgres() {
        assert_eq!(
            json::canonical(&concat(v(r#"{"a":1,"b":2}"#), v(r#"{"b":3,"c":4}"#))),
            r#"{"a": 1, "b": 3, "c": 4}"#
        );
        assert_eq!(json::canonical(&concat(v("[1,2]"), v("[3]"))), "[1, 2, 3]");
        assert_eq!(json::canonical(&concat(v("[1]"), v(r#"{"a":1}"#))), r#"[1, {"a": 1}]"#);
        assert_eq!(json::canonical(&concat(v("1"), v("2"))), "[1, 2]");
        assert_eq!(json::canonical(&delete(v(r#"{"a":1,"b":2}"#), "a").unwrap()), r#"{"b": 2}"#);
        assert_eq!(json::canonical(&delete(v(r#"["a","b","a",1]"#), "a").unwrap()), r#"["b", 1]"#);
        assert!(delete(v("1"), "a").is_err());
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let set_ = |t: &str, p: &[&str], x: &str, c: bool| json::canonical(&set(v(t), &path(p), v(x), c).unwrap());
        assert_eq!(set_(r#"{"a":{"b":1}}"#, &["a", "b"], "2", true), r#"{"a": {"b": 2}}"#);
        assert_eq!(set_(r#"{"a":{"b":1}}"#, &["a", "c"], "3", true), r#"{"a": {"b": 1, "c": 3}}"#);
        assert_eq!(set_(r#"{"a":{"b":1}}"#, &["a", "c"], "3", false), r#"{"a": {"b": 1}}"#);
        assert_eq!(set_("[1,2,3]", &["-1"], "9", true), "[1, 2, 9]");
        assert_eq!(set_("[1,2,3]", &["5"], "9", true), "[1, 2, 3, 9]");
        assert_eq!(set_(r#"{"a":1}"#, &["x", "y"], "9", true), r#"{"a": 1}"#);
    }
}
