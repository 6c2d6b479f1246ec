//! The wire formats of `date`, `time`, `timestamp`, `timestamptz` and `interval`: text as PostgreSQL prints it
//! (a timestamptz in the session's zone, `db::datetime::zone::current`, which the caller sets), binary as its
//! send/receive functions (microseconds or days since 2000-01-01; an interval's microseconds, days, months),
//! and parameters decoded into raftsql's storage forms (`db::datetime`).

use crate::db::datetime::calendar::{fmt_date, fmt_time, fmt_ts, parse_date, parse_time, parse_timestamp};
use crate::db::datetime::functions::Target;
use crate::db::datetime::interval::Interval;
use crate::db::datetime::{input_error, parse_timestamptz, show_timestamptz, store_timestamptz, DtErr, Ts};
use crate::db::Value;
use crate::pg::dialect_types::PgType;

use super::{fixed, natural_text, Kind, TypeError};

/// Microseconds from 1970-01-01 to 2000-01-01.
pub(super) const PG_EPOCH_US: i64 = 946_684_800_000_000;
/// Days from 1970-01-01 to 2000-01-01.
pub(super) const PG_EPOCH_DAYS: i64 = 10_957;

fn type_name(k: Kind) -> &'static str {
    match k {
        Some(PgType::Date) => Target::Date,
        Some(PgType::Time) => Target::Time,
        Some(PgType::Timestamp) => Target::Timestamp,
        Some(PgType::Timestamptz) => Target::TimestampTz,
        _ => Target::Interval,
    }
    .type_name()
}

fn dt_error(e: DtErr, k: Kind, input: &str) -> TypeError {
    let (sqlstate, message) = input_error(e, type_name(k), input);
    TypeError::new(sqlstate, message)
}

/// Whether `k` is one of the kinds this module codes.
pub(super) fn is_datetime(k: Kind) -> bool {
    matches!(k, Some(PgType::Date | PgType::Time | PgType::Timestamp | PgType::Timestamptz | PgType::Interval))
}

/// `s`, a date/time text of kind `k`, read and written again in its canonical form; a timestamptz's instant is
/// written by `timestamptz` (stored in UTC, or shown in the session's zone).
fn rewrite(s: &str, k: Kind, timestamptz: fn(Ts) -> String) -> Result<String, DtErr> {
    match k {
        Some(PgType::Date) => parse_date(s).map(fmt_date),
        Some(PgType::Time) => parse_time(s).map(fmt_time),
        Some(PgType::Timestamp) => parse_timestamp(s).map(fmt_ts),
        Some(PgType::Timestamptz) => parse_timestamptz(s).map(timestamptz),
        _ => Interval::parse(s).map(|iv| iv.to_text()),
    }
}

/// The storage text of a text-format value of kind `k`.
pub(super) fn decode_text(s: &str, k: Kind) -> Result<Value, TypeError> {
    rewrite(s, k, store_timestamptz).map(Value::Text).map_err(|e| dt_error(e, k, s))
}

/// How a stored value of kind `k` prints (a value that does not parse prints as it is stored).
pub(super) fn encode_text(s: &str, k: Kind) -> String {
    rewrite(s, k, show_timestamptz).unwrap_or_else(|_| s.to_string())
}

/// The binary form of a stored value of kind `k`.
pub(super) fn encode_binary(v: &Value, k: Kind) -> Result<Vec<u8>, TypeError> {
    let s = match v {
        Value::Text(s) => s.as_str(),
        _ => {
            let message = format!("invalid input syntax for type {}: \"{}\"", type_name(k), natural_text(v));
            return Err(TypeError::new("22P02", message));
        }
    };
    let err = |e| dt_error(e, k, s);
    Ok(match k {
        Some(PgType::Date) => {
            let days = match parse_date(s).map_err(err)? {
                Ts::NegInf => i32::MIN,
                Ts::PosInf => i32::MAX,
                Ts::At(d) => {
                    i32::try_from(d - PG_EPOCH_DAYS).map_err(|_| TypeError::new("22008", "date out of range"))?
                }
            };
            days.to_be_bytes().to_vec()
        }
        Some(PgType::Time) => parse_time(s).map_err(err)?.to_be_bytes().to_vec(),
        Some(PgType::Timestamp | PgType::Timestamptz) => {
            let t = if k == Some(PgType::Timestamp) { parse_timestamp(s) } else { parse_timestamptz(s) };
            let us = match t.map_err(err)? {
                Ts::NegInf => i64::MIN,
                Ts::PosInf => i64::MAX,
                Ts::At(us) => {
                    us.checked_sub(PG_EPOCH_US).ok_or_else(|| TypeError::new("22008", "timestamp out of range"))?
                }
            };
            us.to_be_bytes().to_vec()
        }
        _ => {
            let iv = Interval::parse(s).map_err(err)?;
            let mut out = Vec::with_capacity(16);
            out.extend_from_slice(&iv.us.to_be_bytes());
            out.extend_from_slice(&iv.days.to_be_bytes());
            out.extend_from_slice(&iv.months.to_be_bytes());
            out
        }
    })
}

/// The storage text of a binary-format value of kind `k`.
pub(super) fn decode_binary(b: &[u8], k: Kind) -> Result<Value, TypeError> {
    let timestamp = |us: i64| -> Result<Ts, TypeError> {
        Ok(match us {
            i64::MIN => Ts::NegInf,
            i64::MAX => Ts::PosInf,
            us => Ts::At(us.checked_add(PG_EPOCH_US).ok_or_else(|| TypeError::new("22008", "timestamp out of range"))?),
        })
    };
    Ok(Value::Text(match k {
        Some(PgType::Date) => fmt_date(match i32::from_be_bytes(fixed(b)?) {
            i32::MIN => Ts::NegInf,
            i32::MAX => Ts::PosInf,
            d => Ts::At(i64::from(d) + PG_EPOCH_DAYS),
        }),
        Some(PgType::Time) => {
            let us = i64::from_be_bytes(fixed(b)?);
            if !(0..=86_400_000_000).contains(&us) {
                return Err(TypeError::new("22008", "time out of range"));
            }
            fmt_time(us)
        }
        Some(PgType::Timestamp) => fmt_ts(timestamp(i64::from_be_bytes(fixed(b)?))?),
        Some(PgType::Timestamptz) => store_timestamptz(timestamp(i64::from_be_bytes(fixed(b)?))?),
        _ => {
            let raw: [u8; 16] = fixed(b)?;
            let us = i64::from_be_bytes(raw[..8].try_into().unwrap_or_default());
            let days = i32::from_be_bytes(raw[8..12].try_into().unwrap_or_default());
            let months = i32::from_be_bytes(raw[12..].try_into().unwrap_or_default());
            Interval { months, days, us }.to_text()
        }
    }))
}
