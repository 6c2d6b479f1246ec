//! One-dimensional arrays on the wire: parameters (`$1::int[]`, psycopg's and asyncpg's lists) in PostgreSQL's
//! text format (`{1,2,"a b",NULL}`) and binary format are stored as a JSON array (SQLite's `json_each` then gives
//! `UNNEST` its rows), and array results (`array_agg`, the catalogs' arrays) go back out in either format.
//! Elements keep raftsql's storage conventions: numbers as JSON numbers, everything else (numeric included,
//! so no digit is lost) as JSON strings.

use super::{decode_binary, decode_text, encode_binary, encode_text, insufficient, kind, utf8, TypeError};
use crate::db::Value;
use crate::pg::dialect_types::PgType;
use pgwire::api::Type;

fn malformed(input: &str, why: &str) -> TypeError {
    TypeError::new("22P02", format!("malformed array literal: \"{input}\" ({why})"))
}

fn json(v: Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => i.into(),
        Value::Real(f) => {
            serde_json::Number::from_f64(f).map(serde_json::Value::Number).unwrap_or(f.to_string().into())
        }
        Value::Text(s) => s.into(),
        Value::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect::<String>().into(),
    }
}

/// The elements of a text-format array literal; `None` stands for NULL.
fn split_text(input: &str) -> Result<Vec<Option<String>>, TypeError> {
    crate::db::array_functions::split_text(input).map_err(|m| TypeError::new("22P02", m))
}

fn be_i32(b: &[u8], at: usize) -> Result<i32, TypeError> {
    b.get(at..at + 4).map(|x| i32::from_be_bytes([x[0], x[1], x[2], x[3]])).ok_or_else(insufficient)
}

/// Decodes an array parameter of array type `ty` into its JSON text.
pub(super) fn decode(bytes: &[u8], binary: bool, ty: &Type) -> Result<Value, TypeError> {
    let postgres_types::Kind::Array(elem) = ty.kind() else { return Err(TypeError::new("42804", "not an array type")) };
    // Object identifiers are unsigned 32-bit integers: numbers here, as the catalogs keep them.
    let oid = *elem == Type::OID;
    let k = if oid { Some(PgType::Int8) } else { kind(elem) };
    let mut items = Vec::new();
    if binary {
        let ndim = be_i32(bytes, 0)?;
        if ndim == 0 {
            return Ok(Value::Text("[]".into()));
        }
        if ndim != 1 {
            return Err(TypeError::new("0A000", "multidimensional arrays are not supported"));
        }
        let count = be_i32(bytes, 12)?;
        let mut at = 20;
        for _ in 0..count.max(0) {
            let len = be_i32(bytes, at)?;
            at += 4;
            if len < 0 {
                items.push(serde_json::Value::Null);
                continue;
            }
            let end = at.checked_add(len as usize).filter(|e| *e <= bytes.len()).ok_or_else(insufficient)?;
            let element = &bytes[at..end];
            items.push(if oid {
                let b: [u8; 4] = element.try_into().map_err(|_| insufficient())?;
                u32::from_be_bytes(b).into()
            } else {
                json(decode_binary(element, k)?)
            });
            at = end;
        }
        if at != bytes.len() {
            return Err(TypeError::new("22P03", "incorrect binary data format in bind parameter"));
        }
    } else {
        let text = utf8(bytes)?;
        for item in split_text(text)? {
            items.push(match item {
                None => serde_json::Value::Null,
                Some(s) => json(decode_text(&s, k)?),
            });
        }
    }
    Ok(Value::Text(serde_json::Value::Array(items).to_string()))
}

/// The elements of a stored array value: a JSON array (raftsql's arrays) or PostgreSQL's text form (the
/// catalogs' `{1,2}`, and their space-separated vectors such as `indkey`'s `1 2`), as values of the element type.
fn stored_elements(v: &Value, element: &Type) -> Result<Vec<Value>, TypeError> {
    let text = match v {
        Value::Text(s) => s.as_str(),
        other => return Ok(vec![other.clone()]),
    };
    if text.starts_with('[') {
        let parsed: serde_json::Value = serde_json::from_str(text).map_err(|_| malformed(text, "not an array"))?;
        let serde_json::Value::Array(items) = parsed else { return Err(malformed(text, "not an array")) };
        let numeric = kind(element) == Some(PgType::Numeric);
        return Ok(items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::Bool(b) => Value::Integer(i64::from(b)),
                serde_json::Value::Number(n) if numeric => Value::Text(n.to_string()),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Integer(i),
                    None => n.as_f64().map(Value::Real).unwrap_or_else(|| Value::Text(n.to_string())),
                },
                serde_json::Value::String(s) => Value::Text(s),
                other => Value::Text(other.to_string()),
            })
            .collect());
    }
    let items = if text.starts_with('{') {
        split_text(text)?
    } else {
        text.split_whitespace().map(|s| Some(s.to_owned())).collect()
    };
    items
        .into_iter()
        .map(|item| match item {
            None => Ok(Value::Null),
            Some(s) => decode_text(&s, kind(element)),
        })
        .collect()
}

/// An element as PostgreSQL's array output quotes it: in double quotes, with `"` and `\` escaped, when it is
/// empty, `NULL`, or holds a brace, quote, comma, backslash or white space.
fn quoted_element(text: &str) -> String {
    let plain = !text.is_empty()
        && !text.eq_ignore_ascii_case("null")
        && !text.chars().any(|c| matches!(c, '{' | '}' | '"' | ',' | '\\') || c.is_ascii_whitespace());
    if plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// An array value (not NULL) in PostgreSQL's text output format, `{1,2,"a b",NULL}`.
pub(super) fn encode_array_text(v: &Value, element: &Type) -> Result<String, TypeError> {
    let mut out = String::from("{");
    for (i, item) in stored_elements(v, element)?.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match encode_text(item, element)? {
            None => out.push_str("NULL"),
            Some(bytes) => out.push_str(&quoted_element(&String::from_utf8_lossy(&bytes))),
        }
    }
    out.push('}');
    Ok(out)
}

/// An array value (not NULL) in PostgreSQL's binary format: dimensions, a has-nulls flag, the element OID, then
/// each element length-prefixed (-1 for NULL).
pub(super) fn encode_array_binary(v: &Value, element: &Type) -> Result<Vec<u8>, TypeError> {
    let items = stored_elements(v, element)?;
    let mut out = Vec::new();
    let has_null = items.contains(&Value::Null);
    out.extend_from_slice(&i32::from(!items.is_empty()).to_be_bytes());
    out.extend_from_slice(&i32::from(has_null).to_be_bytes());
    out.extend_from_slice(&element.oid().to_be_bytes());
    if !items.is_empty() {
        let len = i32::try_from(items.len()).map_err(|_| TypeError::new("54000", "array size exceeds the maximum"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes());
    }
    for item in &items {
        match encode_binary(item, element)? {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(bytes) => {
                let len = i32::try_from(bytes.len()).map_err(|_| TypeError::new("54000", "array element too large"))?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&bytes);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, ty: &Type) -> String {
        match decode(s.as_bytes(), false, ty).unwrap() {
            Value::Text(t) => t,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_text_and_binary_arrays_to_json() {
        assert_eq!(text("{1,2,NULL}", &Type::INT4_ARRAY), "[1,2,null]");
        assert_eq!(text("{}", &Type::TEXT_ARRAY), "[]");
        assert_eq!(text(r#"{a,"b c","d\"e",NULL,"NULL"}"#, &Type::VARCHAR_ARRAY), r#"["a","b c","d\"e",null,"NULL"]"#);
        assert_eq!(text("{1.50,12345678901234567890.1}", &Type::NUMERIC_ARRAY), r#"["1.50","12345678901234567890.1"]"#);
        assert_eq!(text("{t,f}", &Type::BOOL_ARRAY), "[1,0]");
        assert_eq!(decode(b"{1,{2}}", false, &Type::INT4_ARRAY).unwrap_err().sqlstate, "22P02");
        assert_eq!(decode(b"{x}", false, &Type::INT4_ARRAY).unwrap_err().sqlstate, "22P02");
        // Binary: ndim 1, no nulls flag, int4, 2 elements from 1.
        let mut b = Vec::new();
        for x in [1i32, 1, 23, 3, 1] {
            b.extend_from_slice(&x.to_be_bytes());
        }
        for e in [Some(7i32), None, Some(-1)] {
            match e {
                Some(v) => {
                    b.extend_from_slice(&4i32.to_be_bytes());
                    b.extend_from_slice(&v.to_be_bytes());
                }
                None => b.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        assert_eq!(decode(&b, true, &Type::INT4_ARRAY).unwrap(), Value::Text("[7,null,-1]".into()));
        assert_eq!(decode(&b[..b.len() - 2], true, &Type::INT4_ARRAY).unwrap_err().sqlstate, "08P01");
        // And back: the same bytes PostgreSQL sends for '{7,NULL,-1}'::int4[].
        let mut sent = b.clone();
        sent[7] = 1; // the has-nulls flag
        assert_eq!(encode_array_binary(&Value::Text("[7,null,-1]".into()), &Type::INT4).unwrap(), sent);
    }

    #[test]
    fn encodes_text_output_like_postgres() {
        let out = |stored: &str, element: &Type| encode_array_text(&Value::Text(stored.into()), element).unwrap();
        assert_eq!(out("[1,null,-2]", &Type::INT4), "{1,NULL,-2}");
        assert_eq!(
            out(r#"["a","b c","",null,"NULL","q\"x","x,y","{"]"#, &Type::TEXT),
            r#"{a,"b c","",NULL,"NULL","q\"x","x,y","{"}"#
        );
        assert_eq!(out("[1,0]", &Type::BOOL), "{t,f}");
        assert_eq!(out(r#"["1.50",2]"#, &Type::NUMERIC), "{1.50,2}");
        assert_eq!(out("[]", &Type::INT8), "{}");
        // The catalogs' own forms.
        assert_eq!(out("{1,2}", &Type::INT2), "{1,2}");
        assert_eq!(out("1 3", &Type::INT2), "{1,3}");
        assert_eq!(
            encode_array_binary(&Value::Text("[]".into()), &Type::TEXT).unwrap(),
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25]
        );
    }
}
