//! PostgreSQL's `jsonb` text form: keys sorted as jsonb stores them (shorter first, then bytewise; the last of
//! duplicate keys wins), `", "` and `": "` between items, numbers as `numeric` prints them (`1.50` keeps its
//! scale, `1e2` is `100`). Equal jsonb values have equal canonical text, so raftsql compares jsonb as text once
//! both sides are canonical. Also the lookups behind `->`, `->>`, `#>` and `#>>`.

use std::fmt::Write as _;

use serde_json::Value;

use crate::db::decimal::Decimal;

/// The 22P02 message for text that is not JSON.
pub fn syntax_error(input: &str) -> String {
    format!("invalid input syntax for type json: \"{input}\"")
}

/// Parses JSON text (`None` if it is not JSON).
pub fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// The canonical jsonb text of a JSON value.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let text = n.to_string();
            match Decimal::parse(&text) {
                Ok(d) => out.push_str(&d.to_string()),
                Err(_) => out.push_str(&text),
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.as_bytes().cmp(b.as_bytes())));
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, &map[*k]);
            }
            out.push('}');
        }
    }
}

/// One step of a lookup: an object key, or an array index (negative counts from the end).
pub enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

/// `doc -> step`: the member, element, or `None`.
pub fn get<'v>(doc: &'v Value, step: &Step<'_>) -> Option<&'v Value> {
    match (doc, step) {
        (Value::Object(map), Step::Key(k)) => map.get(*k),
        (Value::Array(items), Step::Index(i)) => {
            let i = if *i < 0 { items.len() as i64 + i } else { *i };
            usize::try_from(i).ok().and_then(|i| items.get(i))
        }
        _ => None,
    }
}

/// `doc #> path`: each path element is a key of an object or an index of an array.
pub fn get_path<'v>(doc: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |v, p| match v {
        Value::Array(_) => p.trim().parse::<i64>().ok().and_then(|i| get(v, &Step::Index(i))),
        _ => get(v, &Step::Key(p)),
    })
}

/// The text `->>` gives: a string's contents, NULL for JSON null, else the canonical text.
pub fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(canonical(other)),
    }
}

/// `a @> b`: jsonb containment as PostgreSQL defines it (objects by key, arrays by element whatever the order,
/// an array contains a scalar it has as an element, scalars by equality).
pub fn contains(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => y.iter().all(|(k, v)| x.get(k).is_some_and(|w| contains(w, v))),
        (Value::Array(x), Value::Array(y)) => y.iter().all(|v| {
            x.iter().any(|w| match v {
                Value::Array(_) | Value::Object(_) => contains(w, v),
                _ => same_scalar(w, v),
            })
        }),
        (Value::Array(x), scalar) if !matches!(scalar, Value::Object(_)) => x.iter().any(|w| same_scalar(w, scalar)),
        _ => same_scalar(a, b),
    }
}

fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (Decimal::parse(&x.to_string()), Decimal::parse(&y.to_string())) {
                (Ok(x), Ok(y)) => x.total_cmp(&y).is_eq(),
                _ => x == y,
            }
        }
        _ => a == b,
    }
}

/// `a ? key`: the string is a key of the object, an element of the array, or the scalar string itself.
pub fn has_key(a: &Value, key: &str) -> bool {
    match a {
        Value::Object(map) => map.contains_key(key),
        Value::Array(items) => items.iter().any(|v| v.as_str() == Some(key)),
        Value::String(s) => s == key,
        _ => false,
    }
}

/// `jsonb_typeof`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonical(&parse(s).unwrap())
    }

    #[test]
    fn prints_as_postgresql_prints_jsonb() {
        assert_eq!(
            canon(r#"{"b":1,"a":2,"aa":[1,2.50,1e2,{"z":null,"y":true}]}"#),
            r#"{"a": 2, "b": 1, "aa": [1, 2.50, 100, {"y": true, "z": null}]}"#
        );
        assert_eq!(canon(r#"{"a":1,"a":2}"#), r#"{"a": 2}"#);
        assert_eq!(canon(r#""tab\there é""#), r#""tab\there é""#);
        assert_eq!(canon("[]"), "[]");
        assert_eq!(canon("{}"), "{}");
        assert_eq!(canon("-0"), "0");
        assert!(parse("{a:1}").is_none());
    }

    #[test]
    fn containment_and_keys() {
        let p = |s: &str| parse(s).unwrap();
        assert!(contains(&p(r#"{"a": 1, "b": [1, 2, {"c": 3}]}"#), &p(r#"{"b": [{"c": 3}, 1]}"#)));
        assert!(!contains(&p(r#"{"a": 1}"#), &p(r#"{"a": 2}"#)));
        assert!(contains(&p("[1, 2, 3]"), &p("[3, 1, 1]")));
        assert!(contains(&p("[1, 2]"), &p("2")));
        assert!(!contains(&p("[[1, 2]]"), &p("[1]")));
        assert!(contains(&p("[1.0]"), &p("[1]")));
        assert!(has_key(&p(r#"{"a": 1}"#), "a") && has_key(&p(r#"["a"]"#), "a") && !has_key(&p(r#"{"b": "a"}"#), "a"));
    }

    #[test]
    fn looks_up_like_the_operators() {
        let doc = parse(r#"{"a": {"b": [1, 2, {"c": "x"}]}, "n": null}"#).unwrap();
        let b = get(get(&doc, &Step::Key("a")).unwrap(), &Step::Key("b")).unwrap();
        assert_eq!(canonical(get(b, &Step::Index(-1)).unwrap()), r#"{"c": "x"}"#);
        assert!(get(b, &Step::Index(3)).is_none());
        assert!(get(b, &Step::Key("0")).is_none());
        let path = ["a".to_string(), "b".to_string(), "2".to_string(), "c".to_string()];
        assert_eq!(as_text(get_path(&doc, &path).unwrap()).as_deref(), Some("x"));
        assert_eq!(as_text(get(&doc, &Step::Key("n")).unwrap()), None);
    }
}
