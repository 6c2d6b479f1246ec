//! The scalar types' own text forms, as PostgreSQL's input and output functions read and write them: booleans,
//! integers (with their ranges), floats, uuid, bytea (hex and escape input), and a value's natural text.

use super::*;

pub(super) fn hex_bytes(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("\\x");
    for &x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
}

/// A value's natural text (what a text column would show).
pub(super) fn natural_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => fmt_float(*f, false),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_owned(),
            Err(_) => hex_bytes(b),
        },
    }
}

/// Formats a float like PostgreSQL 12+ (shortest round-trip digits, exponent outside [-4, 15) or [-4, 6) for float4).
pub(super) fn fmt_float(f: f64, single: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let s = if single { format!("{:e}", f as f32) } else { format!("{f:e}") };
    let Some((mant, exp)) = s.split_once('e') else {
        return f.to_string();
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return f.to_string();
    };
    let (sign, mant) = match mant.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mant),
    };
    let limit = if single { 6 } else { 15 };
    if exp < -4 || exp >= limit {
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mant}e{esign}{:02}", exp.unsigned_abs());
    }
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let body = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    };
    format!("{sign}{body}")
}

pub(super) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "t" | "tr" | "tru" | "true" | "y" | "ye" | "yes" | "on" | "1" => Some(true),
        "f" | "fa" | "fal" | "fals" | "false" | "n" | "no" | "of" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// PostgreSQL's name and range for an integer kind.
pub(super) fn int_info(k: Kind) -> (&'static str, i64, i64, &'static str) {
    match k {
        Some(PgType::Int2) => ("smallint", i16::MIN as i64, i16::MAX as i64, "smallint out of range"),
        Some(PgType::Int4) => ("integer", i32::MIN as i64, i32::MAX as i64, "integer out of range"),
        _ => ("bigint", i64::MIN, i64::MAX, "bigint out of range"),
    }
}

/// Parses integer text by PostgreSQL's input rules (trimmed, optional sign, decimal digits), range-checked.
pub(super) fn parse_int(s: &str, k: Kind) -> Result<i64, TypeError> {
    let (name, min, max, _) = int_info(k);
    let t = s.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax(name, s));
    }
    let mut acc: i128 = 0;
    for b in digits.bytes() {
        acc = acc * 10 + i128::from(b - b'0');
        if acc > i128::from(u64::MAX) {
            break;
        }
    }
    let v = if neg { -acc } else { acc };
    if v < i128::from(min) || v > i128::from(max) {
        return Err(TypeError::new("22003", format!("value \"{s}\" is out of range for type {name}")));
    }
    Ok(v as i64)
}

/// Parses float text by PostgreSQL's rules (trimmed; NaN/Infinity accepted), range-checked.
pub(super) fn parse_float(s: &str, single: bool) -> Result<f64, TypeError> {
    let name = if single { "real" } else { "double precision" };
    let t = s.trim();
    let f: f64 = t.parse().map_err(|_| syntax(name, s))?;
    let explicit_inf = t.to_ascii_lowercase().contains("inf");
    let out = if single { f64::from(f as f32) } else { f };
    if out.is_infinite() && !explicit_inf {
        return Err(TypeError::new("22003", format!("\"{s}\" is out of range for type {name}")));
    }
    Ok(out)
}

/// Converts any stored value to an integer for an int column's binary output.
pub(super) fn value_to_int(v: &Value, k: Kind) -> Result<i64, TypeError> {
    let (name, min, max, range_msg) = int_info(k);
    let i = match v {
        Value::Integer(i) => *i,
        Value::Real(f) => {
            let r = f.round_ties_even();
            if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r) {
                return Err(TypeError::new("22003", range_msg));
            }
            r as i64
        }
        Value::Text(s) => parse_int(s, k)?,
        Value::Blob(_) | Value::Null => return Err(syntax(name, &natural_text(v))),
    };
    if i < min || i > max {
        return Err(TypeError::new("22003", range_msg));
    }
    Ok(i)
}

pub(super) fn value_to_float(v: &Value, single: bool) -> Result<f64, TypeError> {
    match v {
        Value::Integer(i) => Ok(*i as f64),
        Value::Real(f) => Ok(*f),
        Value::Text(s) => parse_float(s, single),
        _ => Err(syntax(if single { "real" } else { "double precision" }, &natural_text(v))),
    }
}

pub(super) fn value_to_bool(v: &Value) -> Result<bool, TypeError> {
    match v {
        Value::Integer(i) => Ok(*i != 0),
        Value::Real(f) => Ok(*f != 0.0),
        Value::Text(s) => parse_bool(s).ok_or_else(|| syntax("boolean", s)),
        _ => Err(syntax("boolean", &natural_text(v))),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// uuid
// ---------------------------------------------------------------------------------------------------------------

pub(super) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let t = s.trim();
    let t = t.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(t);
    let hex: Vec<u8> = t.bytes().filter(|b| *b != b'-').collect();
    if hex.len() != 32 || t.starts_with('-') || t.ends_with('-') || t.contains("--") {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

pub(super) fn fmt_uuid(b: &[u8; 16]) -> String {
    let h = hex_bytes(b);
    let h = &h[2..];
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

// ---------------------------------------------------------------------------------------------------------------
// bytea
// ---------------------------------------------------------------------------------------------------------------

pub(super) fn parse_bytea(s: &str) -> Result<Vec<u8>, TypeError> {
    if let Some(hex) = s.strip_prefix("\\x").or_else(|| s.strip_prefix("\\X")) {
        let digits: Vec<u8> = hex.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !digits.len().is_multiple_of(2) {
            return Err(TypeError::new("22P02", "invalid hexadecimal data: odd number of digits"));
        }
        let val = |c: u8| {
            (c as char)
                .to_digit(16)
                .ok_or_else(|| TypeError::new("22P02", format!("invalid hexadecimal digit: \"{}\"", c as char)))
        };
        return digits.chunks(2).map(|p| Ok((val(p[0])? * 16 + val(p[1])?) as u8)).collect();
    }
    // Escape format: \\ is a backslash, \ooo an octal byte, anything else literal.
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            let oct = b.get(i + 1..i + 4).filter(|o| o[0] <= b'3' && o.iter().all(|c| (b'0'..=b'7').contains(c)));
            let Some(o) = oct else {
                return Err(syntax("bytea", s));
            };
            out.push(o.iter().fold(0u8, |a, c| a.wrapping_mul(8).wrapping_add(c - b'0')));
            i += 4;
        }
    }
    Ok(out)
}
