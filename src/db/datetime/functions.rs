//! The SQLite functions behind PostgreSQL's date/time casts and functions: `pg_timestamptz(x)` and its kin
//! (casts, and the canonical form the column triggers store), `pg_zoned` (a timestamptz's text in the session's
//! zone), `pg_at_time_zone`, `pg_extract`/`date_part`, `date_trunc`, `age`, `to_char`, `make_*`, `justify_*`
//! and `to_timestamp`. They read the session's zone from `zone::current` and so are not marked deterministic.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

use super::arithmetic::{classify, Datum};
use super::calendar::{day_of, fmt_date, fmt_time, fmt_ts, midnight, parse_date, parse_time, parse_timestamp, DAY_US};
use super::fields::{self, Extracted, FieldError};
use super::interval::Interval;
use super::to_char::{to_char, Subject};
use super::{instant_of_local, local_time, parse_timestamptz, show_timestamptz, store_timestamptz, zone, DtErr, Ts};
use crate::db::sqlstate::raise;

/// The date/time types a cast produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Interval,
}

impl Target {
    /// The type's name in PostgreSQL's error messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Target::Date => "date",
            Target::Time => "time",
            Target::Timestamp => "timestamp",
            Target::TimestampTz => "timestamp with time zone",
            Target::Interval => "interval",
        }
    }

    /// The type a column declared `decl` (`TIMESTAMPTZ`, ...) holds, if it is a date/time type.
    pub fn of_decl(decl: &str) -> Option<Target> {
        Some(match decl.trim().to_ascii_uppercase().as_str() {
            "DATE" => Target::Date,
            "TIME" => Target::Time,
            "TIMESTAMP" => Target::Timestamp,
            "TIMESTAMPTZ" => Target::TimestampTz,
            "INTERVAL" => Target::Interval,
            _ => return None,
        })
    }

    /// The SQL function that casts to this type.
    pub fn function(self) -> &'static str {
        match self {
            Target::Date => "pg_date",
            Target::Time => "pg_time",
            Target::Timestamp => "pg_timestamp",
            Target::TimestampTz => "pg_timestamptz",
            Target::Interval => "pg_interval",
        }
    }
}

fn dt_error(e: DtErr, target: Target, input: &str) -> rusqlite::Error {
    let (sqlstate, message) = super::input_error(e, target.type_name(), input);
    raise(sqlstate, &message)
}

fn field_error(e: FieldError) -> rusqlite::Error {
    raise(e.sqlstate, &e.message)
}

fn text_arg(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
    })
}

/// `value::target`: the storage text of `text` read as `target` (a timestamptz shown as a timestamp or date is
/// the session's wall clock; a timestamp made a timestamptz is read on it). Only a timestamptz as raftsql keeps
/// it (UTC, `+00`) counts as one: another offset written in a timestamp literal is ignored, as PostgreSQL does.
pub fn cast(text: &str, target: Target) -> Result<String, DtErr> {
    let source = match classify(text) {
        Some(Datum::TimestampTz(_)) if !text.ends_with("+00") => parse_timestamp(text).ok().map(Datum::Timestamp),
        other => other,
    };
    Ok(match target {
        Target::Date => match source {
            Some(Datum::TimestampTz(t)) => fmt_date(day_of(local_time(t))),
            _ => fmt_date(parse_date(text)?),
        },
        Target::Time => match source {
            Some(Datum::TimestampTz(t)) => fmt_time(time_of(local_time(t))?),
            Some(Datum::Timestamp(t)) => fmt_time(time_of(t)?),
            _ => fmt_time(parse_time(text)?),
        },
        Target::Timestamp => match source {
            Some(Datum::TimestampTz(t)) => fmt_ts(local_time(t)),
            _ => fmt_ts(parse_timestamp(text)?),
        },
        Target::TimestampTz => store_timestamptz(parse_timestamptz(text)?),
        Target::Interval => Interval::parse(text)?.to_text(),
    })
}

fn time_of(t: Ts) -> Result<i64, DtErr> {
    match t {
        Ts::At(us) => Ok(us.rem_euclid(DAY_US)),
        _ => Err(DtErr::Range),
    }
}

fn cast_function(ctx: &Context<'_>, target: Target) -> rusqlite::Result<Value> {
    let Some(text) = text_arg(ctx, 0)? else { return Ok(Value::Null) };
    cast(&text, target).map(Value::Text).map_err(|e| dt_error(e, target, &text))
}

/// `x::text`: a stored timestamptz as the session's zone shows it; anything else unchanged.
fn zoned(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let v: Value = ctx.get::<Value>(0)?;
    if let Value::Text(s) = &v {
        if s.len() >= 13 && s.ends_with("+00") {
            if let Some(Datum::TimestampTz(t)) = classify(s) {
                return Ok(Value::Text(show_timestamptz(t)));
            }
        }
    }
    Ok(v)
}

/// `x AT TIME ZONE zone`: a timestamptz becomes that zone's wall-clock time, a timestamp (read on that zone's
/// wall clock) a timestamptz.
fn at_time_zone(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let (Some(text), Some(z)) = (text_arg(ctx, 0)?, zone_arg(ctx, 1)?) else { return Ok(Value::Null) };
    let value = classify(&text).ok_or_else(|| dt_error(DtErr::Syntax, Target::TimestampTz, &text))?;
    Ok(Value::Text(match value {
        Datum::TimestampTz(t) => fmt_ts(zone::with_zone(z, || local_time(t))),
        Datum::Timestamp(t) | Datum::Date(t) => {
            let local = if matches!(value, Datum::Date(_)) { midnight(t) } else { t };
            store_timestamptz(zone::with_zone(z, || instant_of_local(local)))
        }
        _ => return Err(raise("42883", "AT TIME ZONE needs a timestamp or timestamptz")),
    }))
}

/// Argument `i` as a time zone name (22023 for one the tz database does not have); `None` for NULL.
fn zone_arg(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<zone::Zone>> {
    let Some(name) = text_arg(ctx, i)? else { return Ok(None) };
    zone::Zone::parse(&name).map(Some).ok_or_else(|| raise("22023", &format!("time zone \"{name}\" not recognized")))
}

fn datum_arg(ctx: &Context<'_>, i: usize, fname: &str) -> rusqlite::Result<Option<Datum>> {
    let Some(text) = text_arg(ctx, i)? else { return Ok(None) };
    classify(&text)
        .map(Some)
        .ok_or_else(|| raise("22007", &format!("{fname}: invalid input syntax for a date/time value: \"{text}\"")))
}

fn extract(ctx: &Context<'_>, as_double: bool) -> rusqlite::Result<Value> {
    let Some(unit) = text_arg(ctx, 0)? else { return Ok(Value::Null) };
    let Some(value) = datum_arg(ctx, 1, "extract")? else { return Ok(Value::Null) };
    let e = fields::extract(&unit, value).map_err(field_error)?;
    Ok(match (as_double, e) {
        (true, e) => Value::Real(e.to_f64()),
        (false, Extracted::Integer(i)) => Value::Integer(i),
        (false, Extracted::Decimal(s)) => Value::Text(s),
    })
}

fn date_trunc(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let Some(unit) = text_arg(ctx, 0)? else { return Ok(Value::Null) };
    let Some(value) = datum_arg(ctx, 1, "date_trunc")? else { return Ok(Value::Null) };
    let run = || fields::date_trunc(&unit, value).map(|d| Value::Text(d.store())).map_err(field_error);
    if ctx.len() == 3 {
        let Some(z) = zone_arg(ctx, 2)? else { return Ok(Value::Null) };
        return zone::with_zone(z, run);
    }
    run()
}

fn age(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let Some(a) = datum_arg(ctx, 0, "age")? else { return Ok(Value::Null) };
    let b = if ctx.len() == 2 {
        match datum_arg(ctx, 1, "age")? {
            Some(b) => Some(b),
            None => return Ok(Value::Null),
        }
    } else {
        None
    };
    // age(x) counts from today's midnight on the session's wall clock.
    let (a, b) = match b {
        Some(b) => (a, b),
        None => {
            let today = day_of(local_time(Ts::At(crate::db::determinism::current_ms() * 1000)));
            (Datum::Timestamp(midnight(today)), a)
        }
    };
    let iv = fields::age(a, b).map_err(|e| dt_error(e, Target::Interval, "age"))?;
    Ok(Value::Text(iv.to_text()))
}

fn to_char_function(ctx: &Context<'_>) -> rusqlite::Result<Value> {
    let (Some(text), Some(template)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else { return Ok(Value::Null) };
    let subject = match classify(&text) {
        Some(Datum::TimestampTz(Ts::At(utc))) => {
            let z = zone::current();
            let offset = z.offset_at(utc);
            Subject { local_us: utc + i64::from(offset) * 1_000_000, offset: Some((offset, z.abbreviation_at(utc))) }
        }
        Some(Datum::Timestamp(Ts::At(us))) => Subject { local_us: us, offset: None },
        Some(Datum::Date(Ts::At(days))) => Subject { local_us: days * DAY_US, offset: None },
        Some(Datum::Interval(iv)) => Subject { local_us: iv.us, offset: None },
        _ => return Err(raise("0A000", "to_char is supported for dates, timestamps and intervals")),
    };
    Ok(Value::Text(to_char(&subject, &template)))
}

fn real_arg(ctx: &Context<'_>, i: usize) -> rusqlite::Result<Option<f64>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let s = String::from_utf8_lossy(t);
            Some(
                s.trim()
                    .parse()
                    .map_err(|_| raise("22P02", &format!("invalid input syntax for type double precision: \"{s}\"")))?,
            )
        }
    })
}

/// The arguments as numbers, or `None` when one is NULL.
fn numbers<const N: usize>(ctx: &Context<'_>) -> rusqlite::Result<Option<[f64; N]>> {
    let mut out = [0.0; N];
    for (i, slot) in out.iter_mut().enumerate() {
        match real_arg(ctx, i)? {
            Some(v) => *slot = v,
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

fn make_timestamp(ctx: &Context<'_>, with_zone: bool) -> rusqlite::Result<Value> {
    let Some([y, mo, d, h, mi, s]) = numbers::<6>(ctx)? else { return Ok(Value::Null) };
    let days = fields::make_date(y as i64, mo as i64, d as i64).map_err(field_error)?;
    let tod = fields::make_time(h as i64, mi as i64, s).map_err(field_error)?;
    let local = Ts::At(days * DAY_US + tod);
    if !with_zone {
        return Ok(Value::Text(fmt_ts(local)));
    }
    let z = match ctx.len() {
        7 => {
            let Some(z) = zone_arg(ctx, 6)? else { return Ok(Value::Null) };
            z
        }
        _ => zone::current(),
    };
    Ok(Value::Text(store_timestamptz(zone::with_zone(z, || instant_of_local(local)))))
}

fn interval_arg(ctx: &Context<'_>) -> rusqlite::Result<Option<Interval>> {
    let Some(text) = text_arg(ctx, 0)? else { return Ok(None) };
    Interval::parse(&text).map(Some).map_err(|e| dt_error(e, Target::Interval, &text))
}

/// Registers the date/time functions on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    // Session-zone dependent: never SQLITE_DETERMINISTIC.
    let flags = FunctionFlags::SQLITE_UTF8;
    for target in [Target::Date, Target::Time, Target::Timestamp, Target::TimestampTz, Target::Interval] {
        conn.create_scalar_function(target.function(), 1, flags, move |ctx: &mut Context<'_>| {
            cast_function(ctx, target)
        })?;
    }
    conn.create_scalar_function("pg_zoned", 1, flags, |ctx: &mut Context<'_>| zoned(ctx))?;
    conn.create_scalar_function("pg_at_time_zone", 2, flags, |ctx: &mut Context<'_>| at_time_zone(ctx))?;
    conn.create_scalar_function("pg_extract", 2, flags, |ctx: &mut Context<'_>| extract(ctx, false))?;
    conn.create_scalar_function("date_part", 2, flags, |ctx: &mut Context<'_>| extract(ctx, true))?;
    for n in [2, 3] {
        conn.create_scalar_function("date_trunc", n, flags, |ctx: &mut Context<'_>| date_trunc(ctx))?;
    }
    for n in [1, 2] {
        conn.create_scalar_function("age", n, flags, |ctx: &mut Context<'_>| age(ctx))?;
    }
    conn.create_scalar_function("to_char", 2, flags, |ctx: &mut Context<'_>| to_char_function(ctx))?;
    conn.create_scalar_function("make_date", 3, flags, |ctx: &mut Context<'_>| {
        let Some([y, m, d]) = numbers::<3>(ctx)? else { return Ok(Value::Null) };
        let days = fields::make_date(y as i64, m as i64, d as i64).map_err(field_error)?;
        Ok(Value::Text(fmt_date(Ts::At(days))))
    })?;
    conn.create_scalar_function("make_time", 3, flags, |ctx: &mut Context<'_>| {
        let Some([h, m, s]) = numbers::<3>(ctx)? else { return Ok(Value::Null) };
        Ok(Value::Text(fmt_time(fields::make_time(h as i64, m as i64, s).map_err(field_error)?)))
    })?;
    conn.create_scalar_function("make_timestamp", 6, flags, |ctx: &mut Context<'_>| make_timestamp(ctx, false))?;
    for n in [6, 7] {
        conn.create_scalar_function("make_timestamptz", n, flags, |ctx: &mut Context<'_>| make_timestamp(ctx, true))?;
    }
    conn.create_scalar_function("make_interval", 7, flags, |ctx: &mut Context<'_>| {
        let Some(f) = numbers::<7>(ctx)? else { return Ok(Value::Null) };
        let iv = fields::make_interval(f).map_err(|e| dt_error(e, Target::Interval, "make_interval"))?;
        Ok(Value::Text(iv.to_text()))
    })?;
    type Justify = fn(Interval) -> Interval;
    for (name, f) in [
        ("justify_days", Interval::justify_days as Justify),
        ("justify_hours", Interval::justify_hours as Justify),
        ("justify_interval", Interval::justify_interval as Justify),
    ] {
        conn.create_scalar_function(name, 1, flags, move |ctx: &mut Context<'_>| {
            Ok(interval_arg(ctx)?.map(|iv| Value::Text(f(iv).to_text())).unwrap_or(Value::Null))
        })?;
    }
    conn.create_scalar_function("to_timestamp", 1, flags, |ctx: &mut Context<'_>| {
        let Some(secs) = real_arg(ctx, 0)? else { return Ok(Value::Null) };
        if !secs.is_finite() || secs.abs() > 9.2e12 {
            return Err(raise("22008", "timestamp out of range"));
        }
        Ok(Value::Text(store_timestamptz(Ts::At((secs * 1_000_000.0).round() as i64))))
    })?;
    Ok(())
}

/// Names of the functions `register` adds, for the authorizer's list of what replicated statements may call.
pub const NAMES: &[&str] = &[
    "pg_date",
    "pg_time",
    "pg_timestamp",
    "pg_timestamptz",
    "pg_interval",
    "pg_zoned",
    "pg_at_time_zone",
    "pg_extract",
    "date_part",
    "date_trunc",
    "age",
    "to_char",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "make_interval",
    "justify_days",
    "justify_hours",
    "justify_interval",
    "to_timestamp",
];
