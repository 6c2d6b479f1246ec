//! Arrays as SQLite functions. raftsql keeps a one-dimensional array as a JSON array (numbers as JSON numbers,
//! booleans as 1/0, numeric and every other type as JSON strings of their canonical text), so `json_each` and
//! `json_array_length` do the work. `pg_array(value, element)` makes any array value canonical — PostgreSQL's
//! text form (`{1,2,"a b",NULL}`, what a literal written into an array column is) or a JSON array — with its
//! elements checked and converted for the element type (`INT4`, `TEXT`, `NUMERIC`, ...: the declared type's
//! name without its leading `_`); `pg_array_unfit` tells whether a value is not canonical yet, for the triggers
//! of array columns (`canonical_columns`).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::Value as Json;

use crate::db::decimal::Decimal;
use crate::db::sqlstate;

/// The elements of a text-format array literal (`None` stands for NULL), or why it is malformed.
pub fn split_text(input: &str) -> Result<Vec<Option<String>>, String> {
    let malformed = |why: &str| format!("malformed array literal: \"{input}\" ({why})");
    let body = input
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or_else(|| malformed("array value must start with \"{\" and end with \"}\""))?;
    let mut out = Vec::new();
    if body.trim().is_empty() {
        return Ok(out);
    }
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => item.extend(chars.next()),
                    Some(c) => item.push(c),
                    None => return Err(malformed("unterminated quoted element")),
                }
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                if c == '{' || c == '"' {
                    return Err(malformed("multidimensional arrays are not supported"));
                }
                chars.next();
                if c == '\\' {
                    item.extend(chars.next());
                } else {
                    item.push(c);
                }
            }
            item = item.trim_end().to_string();
        }
        out.push(if !quoted && item.eq_ignore_ascii_case("null") { None } else { Some(item) });
        match chars.next() {
            Some(',') => continue,
            None => return Ok(out),
            Some(_) => return Err(malformed("unexpected character")),
        }
    }
}

fn invalid(type_name: &str, text: &str) -> rusqlite::Error {
    sqlstate::raise("22P02", &format!("invalid input syntax for type {type_name}: \"{text}\""))
}

/// One element as the array of `element` keeps it.
fn element_from_text(text: &str, element: &str) -> rusqlite::Result<Json> {
    let t = text.trim();
    Ok(match element {
        "INT2" | "INT4" | "INT8" => {
            let n: i64 = t.parse().map_err(|_| invalid(int_name(element), text))?;
            let fits = match element {
                "INT2" => i16::try_from(n).is_ok(),
                "INT4" => i32::try_from(n).is_ok(),
                _ => true,
            };
            if !fits {
                return Err(sqlstate::raise(
                    "22003",
                    &format!("value \"{t}\" is out of range for type {}", int_name(element)),
                ));
            }
            Json::from(n)
        }
        "FLOAT4" | "FLOAT8" => {
            let f: f64 = t.parse().map_err(|_| invalid("double precision", text))?;
            serde_json::Number::from_f64(f).map(Json::Number).unwrap_or_else(|| Json::String(t.to_string()))
        }
        "BOOL" | "BOOLEAN" => match t.to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" | "y" => Json::from(1),
            "f" | "false" | "no" | "off" | "0" | "n" => Json::from(0),
            _ => return Err(invalid("boolean", text)),
        },
        "NUMERIC" | "NUMERIC_TEXT" => {
            Json::String(Decimal::parse(t).map_err(|_| invalid("numeric", text))?.to_string())
        }
        // numeric(p,s): rounded to the scale, 22003 when it does not fit, as a numeric(p,s) column.
        _ if element.starts_with("NUMERIC(") => {
            let inside = element.trim_start_matches("NUMERIC(").trim_end_matches(')');
            let (p, s) = inside.split_once(',').unwrap_or((inside, "0"));
            let (p, s) = (p.trim().parse().unwrap_or(1000), s.trim().parse().unwrap_or(0));
            let value = Decimal::parse(t).map_err(|_| invalid("numeric", text))?;
            let fitted = value.with_typmod(p, s).map_err(|e| sqlstate::raise(e.sqlstate, &e.message))?;
            Json::String(fitted.to_string())
        }
        _ => Json::String(text.to_string()),
    })
}

fn int_name(element: &str) -> &'static str {
    match element {
        "INT2" => "smallint",
        "INT4" => "integer",
        _ => "bigint",
    }
}

/// An element of a JSON array as the array of `element` keeps it.
fn element_from_json(item: Json, element: &str) -> rusqlite::Result<Json> {
    match item {
        Json::Null => Ok(Json::Null),
        Json::String(s) => element_from_text(&s, element),
        Json::Bool(b) => element_from_text(if b { "true" } else { "false" }, element),
        Json::Number(n) => element_from_text(&n.to_string(), element),
        other => element_from_text(&other.to_string(), element),
    }
}

/// The canonical JSON text of an array value for element type `element`.
pub fn canonical(value: &str, element: &str) -> rusqlite::Result<String> {
    let element = element.trim().to_ascii_uppercase();
    let items: Vec<Json> = if value.trim_start().starts_with('[') {
        let Ok(Json::Array(items)) = serde_json::from_str::<Json>(value) else {
            return Err(sqlstate::raise("22P02", &format!("malformed array literal: \"{value}\"")));
        };
        items.into_iter().map(|i| element_from_json(i, &element)).collect::<rusqlite::Result<_>>()?
    } else {
        split_text(value)
            .map_err(|m| sqlstate::raise("22P02", &m))?
            .into_iter()
            .map(|i| i.map_or(Ok(Json::Null), |t| element_from_text(&t, &element)))
            .collect::<rusqlite::Result<_>>()?
    };
    Ok(Json::Array(items).to_string())
}

/// Registers `pg_array` and `pg_array_unfit` on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("pg_array", 2, exact, |c: &mut Context<'_>| {
        let Some(value) = text_of(c.get_raw(0)) else { return Ok(None) };
        canonical(&value, &c.get::<String>(1)?).map(Some)
    })?;
    conn.create_scalar_function("pg_array_unfit", 2, exact, |c: &mut Context<'_>| {
        let Some(stored) = text_of(c.get_raw(0)) else { return Ok(false) };
        let canonical = canonical(&stored, &c.get::<String>(1)?)?;
        Ok(!matches!(c.get_raw(0), ValueRef::Text(_)) || canonical != stored)
    })
}

/// A value as text (numbers as SQLite prints them); `None` for NULL.
fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_arrays() {
        assert_eq!(canonical("{1, 2,NULL}", "INT4").unwrap(), "[1,2,null]");
        assert_eq!(canonical("[1,\"2\"]", "int8").unwrap(), "[1,2]");
        assert_eq!(canonical(r#"{a,"b c","",NULL,"NULL"}"#, "TEXT").unwrap(), r#"["a","b c","",null,"NULL"]"#);
        assert_eq!(canonical("{t,false}", "BOOL").unwrap(), "[1,0]");
        assert_eq!(canonical("{1.50,2}", "NUMERIC").unwrap(), r#"["1.50","2"]"#);
        assert_eq!(canonical("{}", "INT4").unwrap(), "[]");
        assert_eq!(canonical("{1.5,2}", "NUMERIC(6,2)").unwrap(), r#"["1.50","2.00"]"#);
        assert!(canonical("{12345.5}", "NUMERIC(6,2)").is_err());
        assert!(canonical("{x}", "INT4").is_err());
        assert!(canonical("{99999999999}", "INT4").is_err());
        assert!(canonical("1,2", "INT4").is_err());
        assert_eq!(
            split_text("{1,{2}}").unwrap_err(),
            "malformed array literal: \"{1,{2}}\" (multidimensional arrays are not supported)"
        );
    }
}
