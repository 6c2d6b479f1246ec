//! PostgreSQL `numeric`: decimal text parsing, SQLite storage choice, and the base-10000 binary wire format.

use super::{bad_binary, insufficient, natural_text, syntax, TypeError};
use crate::db::Value;

/// A parsed numeric literal.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Num {
    NaN,
    Inf(bool),
    /// Sign, integer digits (no leading zeros), fraction digits (scale = length, trailing zeros kept).
    Finite(bool, String, String),
}

impl Num {
    /// Plain decimal text without exponent.
    pub(super) fn to_plain(&self) -> String {
        match self {
            Num::NaN => "NaN".into(),
            Num::Inf(neg) => if *neg { "-Infinity" } else { "Infinity" }.into(),
            Num::Finite(neg, i, f) => {
                let zero = i.is_empty() && f.bytes().all(|b| b == b'0');
                let sign = if *neg && !zero { "-" } else { "" };
                let i = if i.is_empty() { "0" } else { i.as_str() };
                if f.is_empty() {
                    format!("{sign}{i}")
                } else {
                    format!("{sign}{i}.{f}")
                }
            }
        }
    }
}

/// Parses numeric text: `[+-]digits[.digits][e[+-]digits]`, NaN, Infinity.
pub(super) fn parse_numeric(s: &str) -> Option<Num> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    match lower.as_str() {
        "nan" => return Some(Num::NaN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some(Num::Inf(false)),
        "-infinity" | "-inf" => return Some(Num::Inf(true)),
        _ => {}
    }
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mant, exp) = match rest.find(['e', 'E']) {
        Some(p) => (&rest[..p], Some(&rest[p + 1..])),
        None => (rest, None),
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if (ip.is_empty() && fp.is_empty()) || !ip.bytes().chain(fp.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exp: i64 = match exp {
        Some(e) => {
            let ev: i64 = e.parse().ok()?;
            if ev.abs() > 1000 {
                return None;
            }
            ev
        }
        None => 0,
    };
    // Shift the decimal point by `exp`.
    let all = format!("{ip}{fp}");
    let point = ip.len() as i64 + exp;
    let (mut int_part, frac_part) = if point <= 0 {
        (String::new(), format!("{}{all}", "0".repeat((-point) as usize)))
    } else if point as usize >= all.len() {
        (format!("{all}{}", "0".repeat(point as usize - all.len())), String::new())
    } else {
        (all[..point as usize].to_owned(), all[point as usize..].to_owned())
    };
    let lead = int_part.bytes().take_while(|b| *b == b'0').count();
    int_part.drain(..lead);
    Some(Num::Finite(neg, int_part, frac_part))
}

/// Storage for a numeric: its canonical decimal text (numeric columns keep text; arithmetic on text is exact).
pub(super) fn numeric_to_value(n: &Num) -> Value {
    Value::Text(n.to_plain())
}

/// The numeric a stored value denotes.
pub(super) fn value_to_numeric(v: &Value) -> Result<Num, TypeError> {
    let s = match v {
        Value::Integer(i) => i.to_string(),
        Value::Real(f) if f.is_nan() => return Ok(Num::NaN),
        Value::Real(f) if f.is_infinite() => return Ok(Num::Inf(*f < 0.0)),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        _ => return Err(syntax("numeric", &natural_text(v))),
    };
    parse_numeric(&s).ok_or_else(|| syntax("numeric", &s))
}

/// PostgreSQL's binary numeric: ndigits, weight, sign, dscale (i16/i16/u16/u16) then base-10000 digits.
pub(super) fn encode_numeric(n: &Num) -> Result<Vec<u8>, TypeError> {
    let (sign, int_part, frac_part) = match n {
        Num::NaN => return Ok(numeric_header(0, 0, 0xC000, 0)),
        // PostgreSQL 15 sends infinities with a display scale of 32.
        Num::Inf(neg) => return Ok(numeric_header(0, 0, if *neg { 0xF000 } else { 0xD000 }, 32)),
        Num::Finite(neg, i, f) => (if *neg { 0x4000u16 } else { 0 }, i, f),
    };
    let dscale = u16::try_from(frac_part.len()).map_err(|_| TypeError::new("22003", "numeric out of range"))?;
    let ipad = (4 - int_part.len() % 4) % 4;
    let fpad = (4 - frac_part.len() % 4) % 4;
    let ints = format!("{}{int_part}", "0".repeat(ipad));
    let fracs = format!("{frac_part}{}", "0".repeat(fpad));
    let group = |c: &[u8]| c.iter().fold(0i16, |a, b| a * 10 + i16::from(b - b'0'));
    let mut digits: Vec<i16> = ints.as_bytes().chunks(4).chain(fracs.as_bytes().chunks(4)).map(group).collect();
    let mut weight = (ints.len() / 4) as i64 - 1;
    let lead = digits.iter().take_while(|d| **d == 0).count();
    digits.drain(..lead);
    weight -= lead as i64;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    let (sign, weight) = if digits.is_empty() { (0, 0) } else { (sign, weight) };
    let weight = i16::try_from(weight).map_err(|_| TypeError::new("22003", "numeric out of range"))?;
    let nd = i16::try_from(digits.len()).map_err(|_| TypeError::new("22003", "numeric out of range"))?;
    let mut out = numeric_header(nd, weight, sign, dscale);
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
    Ok(out)
}

fn numeric_header(ndigits: i16, weight: i16, sign: u16, dscale: u16) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + 2 * ndigits.max(0) as usize);
    v.extend_from_slice(&ndigits.to_be_bytes());
    v.extend_from_slice(&weight.to_be_bytes());
    v.extend_from_slice(&sign.to_be_bytes());
    v.extend_from_slice(&dscale.to_be_bytes());
    v
}

fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}

/// Decodes PostgreSQL's binary numeric into a parsed numeric.
pub(super) fn decode_numeric(b: &[u8]) -> Result<Num, TypeError> {
    if b.len() < 8 {
        return Err(insufficient());
    }
    let nd = be_i16(b, 0);
    let weight = i64::from(be_i16(b, 2));
    let sign = be_i16(b, 4) as u16;
    let dscale = be_i16(b, 6) as u16 as usize;
    if nd < 0 {
        return Err(bad_binary());
    }
    let nd = nd as usize;
    if b.len() < 8 + 2 * nd {
        return Err(insufficient());
    }
    if b.len() > 8 + 2 * nd {
        return Err(bad_binary());
    }
    let invalid_sign = || TypeError::new("22P03", "invalid sign in external \"numeric\" value");
    match sign {
        0xC000 => return Ok(Num::NaN),
        0xD000 => return Ok(Num::Inf(false)),
        0xF000 => return Ok(Num::Inf(true)),
        0 | 0x4000 => {}
        _ => return Err(invalid_sign()),
    }
    if dscale > 0x3FFF {
        return Err(TypeError::new("22P03", "invalid scale in external \"numeric\" value"));
    }
    let mut digits = Vec::with_capacity(nd);
    for i in 0..nd {
        let d = be_i16(b, 8 + 2 * i);
        if !(0..10000).contains(&d) {
            return Err(TypeError::new("22P03", "invalid digit in external \"numeric\" value"));
        }
        digits.push(d);
    }
    let digit_at = |w: i64| -> i16 {
        let idx = weight - w;
        if idx >= 0 && (idx as usize) < nd {
            digits[idx as usize]
        } else {
            0
        }
    };
    let mut int_part = String::new();
    let mut w = weight;
    while w >= 0 {
        int_part.push_str(&format!("{:04}", digit_at(w)));
        w -= 1;
    }
    let mut frac_part = String::new();
    let mut w = -1;
    while frac_part.len() < dscale {
        frac_part.push_str(&format!("{:04}", digit_at(w)));
        w -= 1;
    }
    frac_part.truncate(dscale);
    let lead = int_part.bytes().take_while(|c| *c == b'0').count();
    int_part.drain(..lead);
    Ok(Num::Finite(sign == 0x4000, int_part, frac_part))
}
