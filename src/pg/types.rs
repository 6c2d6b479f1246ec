//! Maps between SQLite values and PostgreSQL types: column type selection, text/binary output encoding and
//! Bind parameter decoding into raftsql's SQLite storage conventions.

use std::fmt;

use pgwire::api::Type;
use pgwire::error::{ErrorInfo, PgWireError};

use crate::db::Value;
use crate::pg::dialect_types::PgType;
mod array;
mod datetime;
mod numeric;
mod scalars;

use numeric::{decode_numeric, encode_numeric, numeric_to_value, parse_numeric, value_to_numeric};
use scalars::{
    fmt_float, fmt_uuid, hex_bytes, natural_text, parse_bool, parse_bytea, parse_float, parse_int, parse_uuid,
    value_to_bool, value_to_float, value_to_int,
};

/// A conversion error carrying a PostgreSQL SQLSTATE and a PostgreSQL-style message.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeError {
    /// The five-character SQLSTATE code, e.g. "22P02".
    pub sqlstate: &'static str,
    /// Human-readable message, worded like PostgreSQL's.
    pub message: String,
}

impl TypeError {
    /// Creates an error from a SQLSTATE and a message.
    pub fn new(sqlstate: &'static str, message: impl Into<String>) -> Self {
        TypeError { sqlstate, message: message.into() }
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.sqlstate)
    }
}

impl std::error::Error for TypeError {}

impl From<TypeError> for PgWireError {
    fn from(e: TypeError) -> Self {
        PgWireError::UserError(Box::new(ErrorInfo::new("ERROR".to_owned(), e.sqlstate.to_owned(), e.message)))
    }
}

/// jsonb's canonical text of `s` (22P02 if it is not JSON).
fn canonical_jsonb(s: &str) -> Result<String, TypeError> {
    crate::db::json::parse(s)
        .map(|v| crate::db::json::canonical(&v))
        .ok_or_else(|| TypeError::new("22P02", crate::db::json::syntax_error(s)))
}

fn syntax(tyname: &str, input: &str) -> TypeError {
    TypeError::new("22P02", format!("invalid input syntax for type {tyname}: \"{input}\""))
}

fn insufficient() -> TypeError {
    TypeError::new("08P01", "insufficient data left in message")
}

fn bad_binary() -> TypeError {
    TypeError::new("22P03", "incorrect binary data format in bind parameter")
}

/// The codec a wire type takes: its row in the type table (`pg::type_table`), with the character types and
/// `name` read as text; `None` for a type raftsql has no codec of (its values pass as text or bytes).
type Kind = Option<PgType>;

fn kind(ty: &Type) -> Kind {
    match crate::pg::parser::from_type(ty) {
        Some(PgType::Varchar | PgType::Bpchar) => Some(PgType::Text),
        Some(PgType::Array(_)) => None,
        None if *ty == Type::NAME => Some(PgType::Text),
        other => other,
    }
}

/// The PostgreSQL type for a column declared with `decl` (SQLite's declared type string, any case, optionally with
/// "(n)" or "(p,s)"). `INTEGER` (SQLite's rowid alias) maps to INT8, `INT`/`INT4` to INT4. Returns `None` for a
/// missing or unknown declared type (the caller then types the column from its values).
pub fn type_for_decl(decl: Option<&str>) -> Option<Type> {
    crate::pg::catalog::decl_oid(decl?).and_then(Type::from_oid)
}

/// The type of an expression column from a value: Integer→INT8, Real→FLOAT8, Text→TEXT, Blob→BYTEA, Null→TEXT.
pub fn type_for_value(v: &Value) -> Type {
    match v {
        Value::Integer(_) => Type::INT8,
        Value::Real(_) => Type::FLOAT8,
        Value::Blob(_) => Type::BYTEA,
        Value::Null | Value::Text(_) => Type::TEXT,
    }
}

// ---------------------------------------------------------------------------------------------------------------
// text output
// ---------------------------------------------------------------------------------------------------------------

/// Encodes a value for a DataRow in text format (PostgreSQL's output function format); `None` for NULL.
/// Values of an unexpected storage class render as their natural text.
pub fn encode_text(v: &Value, ty: &Type) -> Result<Option<Vec<u8>>, TypeError> {
    if *v == Value::Null {
        return Ok(None);
    }
    if let postgres_types::Kind::Array(element) = ty.kind() {
        return array::encode_array_text(v, element).map(|s| Some(s.into_bytes()));
    }
    let k = kind(ty);
    let s = match (k, v) {
        (Some(PgType::Bool), Value::Integer(i)) => if *i != 0 { "t" } else { "f" }.to_owned(),
        (Some(PgType::Bool), Value::Real(f)) => if *f != 0.0 { "t" } else { "f" }.to_owned(),
        (Some(PgType::Bool), Value::Text(s)) => match parse_bool(s) {
            Some(b) => if b { "t" } else { "f" }.to_owned(),
            None => s.clone(),
        },
        (Some(PgType::Float4), Value::Real(f)) => fmt_float(*f, true),
        (Some(PgType::Numeric), Value::Real(f)) if f.is_finite() => {
            value_to_numeric(v).map(|n| n.to_plain()).unwrap_or_else(|_| f.to_string())
        }
        (Some(PgType::Numeric), Value::Text(s)) => parse_numeric(s).map(|n| n.to_plain()).unwrap_or_else(|| s.clone()),
        (Some(PgType::Numeric), Value::Real(f)) => fmt_float(*f, false),
        (Some(PgType::Bytea), Value::Blob(b)) => hex_bytes(b),
        (Some(PgType::Bytea), _) => hex_bytes(natural_text(v).as_bytes()),
        (Some(PgType::Uuid), Value::Blob(b)) => match <[u8; 16]>::try_from(b.as_slice()) {
            Ok(a) => fmt_uuid(&a),
            Err(_) => natural_text(v),
        },
        // A literal written in SQL is stored as typed; PostgreSQL always prints the canonical form.
        (Some(PgType::Uuid), Value::Text(s)) => parse_uuid(s).map(|u| fmt_uuid(&u)).unwrap_or_else(|| s.clone()),
        // Rows stored before jsonb was made canonical on input print canonically too.
        (Some(PgType::Jsonb), Value::Text(s)) => canonical_jsonb(s).unwrap_or_else(|_| s.clone()),
        (k, Value::Text(s)) if datetime::is_datetime(k) => datetime::encode_text(s, k),
        _ => natural_text(v),
    };
    Ok(Some(s.into_bytes()))
}

// ---------------------------------------------------------------------------------------------------------------
// binary output
// ---------------------------------------------------------------------------------------------------------------

/// Encodes a value in binary format as PostgreSQL's send functions do; `None` for NULL. Converts values of an
/// unexpected storage class when possible, else returns an error (22P02 syntax, 22003 out of range).
pub fn encode_binary(v: &Value, ty: &Type) -> Result<Option<Vec<u8>>, TypeError> {
    if *v == Value::Null {
        return Ok(None);
    }
    if let postgres_types::Kind::Array(element) = ty.kind() {
        return array::encode_array_binary(v, element).map(Some);
    }
    let k = kind(ty);
    let out = match k {
        Some(PgType::Bool) => vec![u8::from(value_to_bool(v)?)],
        Some(PgType::Int2) => (value_to_int(v, k)? as i16).to_be_bytes().to_vec(),
        Some(PgType::Int4) => (value_to_int(v, k)? as i32).to_be_bytes().to_vec(),
        Some(PgType::Int8) => value_to_int(v, k)?.to_be_bytes().to_vec(),
        Some(PgType::Float4) => (value_to_float(v, true)? as f32).to_be_bytes().to_vec(),
        Some(PgType::Float8) => value_to_float(v, false)?.to_be_bytes().to_vec(),
        Some(PgType::Numeric) => encode_numeric(&value_to_numeric(v)?)?,
        Some(PgType::Text | PgType::Varchar | PgType::Bpchar | PgType::Json) => natural_text(v).into_bytes(),
        Some(PgType::Jsonb) => {
            let mut o = vec![1u8];
            let text = natural_text(v);
            o.extend_from_slice(canonical_jsonb(&text).unwrap_or(text).as_bytes());
            o
        }
        Some(PgType::Bytea) => match v {
            Value::Blob(b) => b.clone(),
            _ => natural_text(v).into_bytes(),
        },
        Some(PgType::Uuid) => match v {
            Value::Blob(b) if b.len() == 16 => b.clone(),
            _ => {
                let s = natural_text(v);
                parse_uuid(&s).ok_or_else(|| syntax("uuid", &s))?.to_vec()
            }
        },
        Some(PgType::Date | PgType::Time | PgType::Timestamp | PgType::Timestamptz | PgType::Interval) => {
            datetime::encode_binary(v, k)?
        }
        None | Some(PgType::Array(_)) => match v {
            Value::Integer(i) => i.to_be_bytes().to_vec(),
            Value::Real(f) => f.to_be_bytes().to_vec(),
            Value::Blob(b) => b.clone(),
            _ => natural_text(v).into_bytes(),
        },
    };
    Ok(Some(out))
}

// ---------------------------------------------------------------------------------------------------------------
// parameter decoding
// ---------------------------------------------------------------------------------------------------------------

/// Exactly `N` bytes, or 08P01 (too few) / 22P03 (too many).
fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N], TypeError> {
    match b.len().cmp(&N) {
        std::cmp::Ordering::Less => Err(insufficient()),
        std::cmp::Ordering::Greater => Err(bad_binary()),
        std::cmp::Ordering::Equal => <[u8; N]>::try_from(b).map_err(|_| bad_binary()),
    }
}

fn utf8(b: &[u8]) -> Result<&str, TypeError> {
    std::str::from_utf8(b).map_err(|_| TypeError::new("22021", "invalid byte sequence for encoding \"UTF8\""))
}

/// Decodes one Bind parameter (`None` = SQL NULL) sent in text (`binary == false`) or binary format for parameter
/// type `ty` into raftsql's storage convention. Unknown types: text → `Value::Text`, binary → `Value::Blob`.
pub fn decode_param(bytes: Option<&[u8]>, binary: bool, ty: &Type) -> Result<Value, TypeError> {
    let Some(b) = bytes else {
        return Ok(Value::Null);
    };
    if matches!(ty.kind(), postgres_types::Kind::Array(_)) {
        return array::decode(b, binary, ty);
    }
    if binary {
        decode_binary(b, kind(ty))
    } else {
        decode_text(utf8(b)?, kind(ty))
    }
}

fn decode_text(s: &str, k: Kind) -> Result<Value, TypeError> {
    Ok(match k {
        Some(PgType::Bool) => Value::Integer(i64::from(parse_bool(s).ok_or_else(|| syntax("boolean", s))?)),
        Some(PgType::Int2 | PgType::Int4 | PgType::Int8) => Value::Integer(parse_int(s, k)?),
        Some(PgType::Float4 | PgType::Float8) => Value::Real(parse_float(s, k == Some(PgType::Float4))?),
        Some(PgType::Numeric) => numeric_to_value(&parse_numeric(s).ok_or_else(|| syntax("numeric", s))?),
        Some(PgType::Bytea) => Value::Blob(parse_bytea(s)?),
        Some(PgType::Uuid) => Value::Text(fmt_uuid(&parse_uuid(s).ok_or_else(|| syntax("uuid", s))?)),
        Some(PgType::Date | PgType::Time | PgType::Timestamp | PgType::Timestamptz | PgType::Interval) => {
            datetime::decode_text(s, k)?
        }
        Some(PgType::Jsonb) => Value::Text(canonical_jsonb(s)?),
        Some(PgType::Json) => {
            crate::db::json::parse(s).ok_or_else(|| TypeError::new("22P02", crate::db::json::syntax_error(s)))?;
            Value::Text(s.to_owned())
        }
        Some(PgType::Text | PgType::Varchar | PgType::Bpchar | PgType::Array(_)) | None => Value::Text(s.to_owned()),
    })
}

fn decode_binary(b: &[u8], k: Kind) -> Result<Value, TypeError> {
    Ok(match k {
        Some(PgType::Bool) => Value::Integer(i64::from(fixed::<1>(b)?[0] != 0)),
        Some(PgType::Int2) => Value::Integer(i64::from(i16::from_be_bytes(fixed(b)?))),
        Some(PgType::Int4) => Value::Integer(i64::from(i32::from_be_bytes(fixed(b)?))),
        Some(PgType::Int8) => Value::Integer(i64::from_be_bytes(fixed(b)?)),
        Some(PgType::Float4) => Value::Real(f64::from(f32::from_be_bytes(fixed(b)?))),
        Some(PgType::Float8) => Value::Real(f64::from_be_bytes(fixed(b)?)),
        Some(PgType::Numeric) => numeric_to_value(&decode_numeric(b)?),
        Some(PgType::Text | PgType::Varchar | PgType::Bpchar | PgType::Json) => Value::Text(utf8(b)?.to_owned()),
        Some(PgType::Jsonb) => match b.split_first() {
            Some((1, rest)) => Value::Text(canonical_jsonb(utf8(rest)?)?),
            Some((v, _)) => return Err(TypeError::new("22P03", format!("unsupported jsonb version number {v}"))),
            None => return Err(insufficient()),
        },
        Some(PgType::Bytea | PgType::Array(_)) | None => Value::Blob(b.to_vec()),
        Some(PgType::Uuid) => Value::Text(fmt_uuid(&fixed::<16>(b)?)),
        Some(PgType::Date | PgType::Time | PgType::Timestamp | PgType::Timestamptz | PgType::Interval) => {
            datetime::decode_binary(b, k)?
        }
    })
}

#[cfg(test)]
mod tests;
