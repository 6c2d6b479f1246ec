//! The fields of a date/time value: `EXTRACT`/`date_part`, `date_trunc`, `age`, and the `make_*` constructors,
//! as PostgreSQL 15 computes them (a timestamptz's fields are those of the session's wall clock).

use super::arithmetic::Datum;
use super::calendar::{civil_from_days, days_from_civil, days_in_month, DAY_US};
use super::interval::Interval;
use super::{local_time, zone, DtErr, Ts};

/// Why a field request failed: PostgreSQL's SQLSTATE and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub sqlstate: &'static str,
    pub message: String,
}

fn unsupported(unit: &str, ty: &str) -> FieldError {
    FieldError { sqlstate: "0A000", message: format!("unit \"{unit}\" not supported for type {ty}") }
}

fn unknown(unit: &str, ty: &str) -> FieldError {
    FieldError { sqlstate: "22023", message: format!("unit \"{unit}\" not recognized for type {ty}") }
}

/// A calendar breakdown of a wall-clock time.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    /// Microseconds within the minute.
    pub second_us: i64,
    /// Days since 1970-01-01.
    pub days: i64,
}

pub fn parts(local_us: i64) -> Parts {
    let (days, tod) = (local_us.div_euclid(DAY_US), local_us.rem_euclid(DAY_US));
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: tod / 3_600_000_000,
        minute: tod / 60_000_000 % 60,
        second_us: tod % 60_000_000,
        days,
    }
}

/// ISO 8601 year and week of a day.
pub fn iso_week(days: i64) -> (i64, i64) {
    let isodow = (days + 3).rem_euclid(7) + 1; // 1970-01-01 was a Thursday
    let thursday = days - isodow + 4;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week)
}

/// A decimal text of `us` microseconds as seconds with `scale` fraction digits (`5.500000`).
fn fixed_point(value: i128, divisor: i128, scale: usize) -> String {
    let negative = value < 0;
    let a = value.unsigned_abs();
    let d = divisor as u128;
    let whole = a / d;
    let frac = a % d;
    let sign = if negative { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{whole}");
    }
    let frac_digits = format!("{frac:0width$}", width = (d.ilog10()) as usize);
    format!("{sign}{whole}.{}", &frac_digits[..scale.min(frac_digits.len())])
}

/// An EXTRACT result: exact (numeric text or integer).
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    Integer(i64),
    Decimal(String),
}

impl Extracted {
    pub fn to_f64(&self) -> f64 {
        match self {
            Extracted::Integer(i) => *i as f64,
            Extracted::Decimal(s) => s.parse().unwrap_or(f64::NAN),
        }
    }
}

fn calendar_field(unit: &str, p: &Parts) -> Option<i64> {
    Some(match unit {
        "year" => p.year,
        "month" => p.month,
        "day" => p.day,
        "hour" => p.hour,
        "minute" => p.minute,
        "quarter" => (p.month - 1) / 3 + 1,
        "dow" => (p.days + 4).rem_euclid(7),
        "isodow" => (p.days + 3).rem_euclid(7) + 1,
        "doy" => p.days - days_from_civil(p.year, 1, 1) + 1,
        "week" => iso_week(p.days).1,
        "isoyear" => iso_week(p.days).0,
        "decade" => p.year.div_euclid(10),
        "century" => (p.year + 99) / 100,
        "millennium" => (p.year + 999) / 1000,
        _ => return None,
    })
}

/// The canonical unit name of a field (PostgreSQL's abbreviations and plurals accepted).
pub fn unit_name(unit: &str) -> String {
    let u = unit.trim().to_ascii_lowercase();
    let canonical = match u.as_str() {
        "years" | "y" | "yr" | "yrs" => "year",
        "months" | "mon" | "mons" => "month",
        "days" | "d" => "day",
        "hours" | "h" | "hr" | "hrs" => "hour",
        "minutes" | "m" | "min" | "mins" => "minute",
        "seconds" | "s" | "sec" | "secs" => "second",
        "millisecond" | "ms" | "msec" | "msecs" | "mseconds" => "milliseconds",
        "microsecond" | "us" | "usec" | "usecs" | "useconds" => "microseconds",
        "weeks" | "w" => "week",
        "quarters" | "qtr" => "quarter",
        "decades" => "decade",
        "centuries" => "century",
        "millennia" | "millenniums" => "millennium",
        other => other,
    };
    canonical.to_string()
}

/// `EXTRACT(unit FROM value)`.
pub fn extract(unit: &str, value: Datum) -> Result<Extracted, FieldError> {
    let unit = unit_name(unit);
    let u = unit.as_str();
    let ty = match value {
        Datum::Date(_) => "date",
        Datum::Time(_) => "time without time zone",
        Datum::Timestamp(_) => "timestamp without time zone",
        Datum::TimestampTz(_) => "timestamp with time zone",
        Datum::Interval(_) => "interval",
    };
    let seconds_fields = |second_us: i64| -> Option<Extracted> {
        Some(match u {
            "second" => Extracted::Decimal(fixed_point(i128::from(second_us), 1_000_000, 6)),
            "milliseconds" => Extracted::Decimal(fixed_point(i128::from(second_us), 1_000, 3)),
            "microseconds" => Extracted::Integer(second_us),
            _ => return None,
        })
    };
    match value {
        Datum::Date(Ts::At(days)) => {
            if u == "epoch" {
                return Ok(Extracted::Integer(days * 86_400));
            }
            let p = parts(days * DAY_US);
            match calendar_field(u, &p) {
                Some(v) if !matches!(u, "hour" | "minute") => Ok(Extracted::Integer(v)),
                _ if matches!(u, "hour" | "minute" | "second" | "milliseconds" | "microseconds") => {
                    Err(unsupported(u, ty))
                }
                _ => Err(unknown(u, ty)),
            }
        }
        Datum::Timestamp(Ts::At(us)) | Datum::TimestampTz(Ts::At(us)) => {
            let tz = matches!(value, Datum::TimestampTz(_));
            if u == "epoch" {
                return Ok(Extracted::Decimal(fixed_point(i128::from(us), 1_000_000, 6)));
            }
            let local = if tz { zone::current().local_of_utc(us) } else { us };
            if tz && u.starts_with("timezone") {
                let offset = i64::from(zone::current().offset_at(us));
                return Ok(Extracted::Integer(match u {
                    "timezone" => offset,
                    "timezone_hour" => offset / 3600,
                    "timezone_minute" => offset / 60 % 60,
                    _ => return Err(unknown(u, ty)),
                }));
            }
            let p = parts(local);
            if let Some(e) = seconds_fields(p.second_us) {
                return Ok(e);
            }
            calendar_field(u, &p).map(Extracted::Integer).ok_or_else(|| unknown(u, ty))
        }
        Datum::Time(us) => {
            if u == "epoch" {
                return Ok(Extracted::Decimal(fixed_point(i128::from(us), 1_000_000, 6)));
            }
            if let Some(e) = seconds_fields(us % 60_000_000) {
                return Ok(e);
            }
            match u {
                "hour" => Ok(Extracted::Integer(us / 3_600_000_000)),
                "minute" => Ok(Extracted::Integer(us / 60_000_000 % 60)),
                _ => Err(unknown(u, ty)),
            }
        }
        Datum::Interval(iv) => {
            let months = i64::from(iv.months);
            if u == "epoch" {
                // PostgreSQL counts a year as 365.25 days here, the remaining months as 30 days.
                let years = months / 12;
                let secs_us = i128::from(years) * 31_557_600_000_000
                    + i128::from(months % 12) * 30 * i128::from(DAY_US)
                    + i128::from(iv.days) * i128::from(DAY_US)
                    + i128::from(iv.us);
                return Ok(Extracted::Decimal(fixed_point(secs_us, 1_000_000, 6)));
            }
            if let Some(e) = seconds_fields(iv.us % 60_000_000) {
                return Ok(e);
            }
            Ok(Extracted::Integer(match u {
                "year" => months / 12,
                "month" => months % 12,
                "quarter" => (months % 12) / 3 + 1,
                "day" => i64::from(iv.days),
                "hour" => iv.us / 3_600_000_000,
                "minute" => iv.us / 60_000_000 % 60,
                "decade" => months / 120,
                "century" => months / 1200,
                "millennium" => months / 12_000,
                _ => return Err(unknown(u, ty)),
            }))
        }
        _ => Err(FieldError { sqlstate: "0A000", message: format!("extracting from infinite {ty} is not supported") }),
    }
}

/// Truncates a wall-clock time to the start of its `unit`.
fn truncate_local(unit: &str, local: i64) -> Option<i64> {
    let p = parts(local);
    let day_start = p.days * DAY_US;
    Some(match unit {
        "microseconds" => local,
        "milliseconds" => local - local.rem_euclid(1_000),
        "second" => local - local.rem_euclid(1_000_000),
        "minute" => local - local.rem_euclid(60_000_000),
        "hour" => local - local.rem_euclid(3_600_000_000),
        "day" => day_start,
        "week" => (p.days - (p.days + 3).rem_euclid(7)) * DAY_US,
        "month" => days_from_civil(p.year, p.month, 1) * DAY_US,
        "quarter" => days_from_civil(p.year, (p.month - 1) / 3 * 3 + 1, 1) * DAY_US,
        "year" => days_from_civil(p.year, 1, 1) * DAY_US,
        "decade" => days_from_civil(p.year - p.year.rem_euclid(10), 1, 1) * DAY_US,
        "century" => days_from_civil((p.year - 1) / 100 * 100 + 1, 1, 1) * DAY_US,
        "millennium" => days_from_civil((p.year - 1) / 1000 * 1000 + 1, 1, 1) * DAY_US,
        _ => return None,
    })
}

/// `date_trunc(unit, value)`: a timestamp stays one, a timestamptz (or a date, which PostgreSQL reads as one)
/// is truncated on the session's wall clock, an interval loses its smaller fields.
pub fn date_trunc(unit: &str, value: Datum) -> Result<Datum, FieldError> {
    let unit = unit_name(unit);
    let u = unit.as_str();
    let bad = |ty: &str| unknown(u, ty);
    match value {
        Datum::Timestamp(Ts::At(us)) => {
            truncate_local(u, us).map(|t| Datum::Timestamp(Ts::At(t))).ok_or_else(|| bad("timestamp without time zone"))
        }
        Datum::TimestampTz(Ts::At(utc)) => {
            let z = zone::current();
            let t = truncate_local(u, z.local_of_utc(utc)).ok_or_else(|| bad("timestamp with time zone"))?;
            Ok(Datum::TimestampTz(Ts::At(if matches!(u, "microseconds" | "milliseconds" | "second" | "minute") {
                utc - (z.local_of_utc(utc) - t)
            } else {
                z.utc_of_local(t)
            })))
        }
        Datum::Date(Ts::At(days)) => {
            let z = zone::current();
            let t = truncate_local(u, days * DAY_US).ok_or_else(|| bad("timestamp with time zone"))?;
            Ok(Datum::TimestampTz(Ts::At(z.utc_of_local(t))))
        }
        Datum::Interval(iv) => {
            let months = iv.months;
            let (m, d, us) = match u {
                "millennium" => (months / 12_000 * 12_000, 0, 0),
                "century" => (months / 1200 * 1200, 0, 0),
                "decade" => (months / 120 * 120, 0, 0),
                "year" => (months / 12 * 12, 0, 0),
                "quarter" => (months / 3 * 3, 0, 0),
                "month" => (months, 0, 0),
                "day" => (months, iv.days, 0),
                "hour" => (months, iv.days, iv.us / 3_600_000_000 * 3_600_000_000),
                "minute" => (months, iv.days, iv.us / 60_000_000 * 60_000_000),
                "second" => (months, iv.days, iv.us / 1_000_000 * 1_000_000),
                "milliseconds" => (months, iv.days, iv.us / 1_000 * 1_000),
                "microseconds" => (months, iv.days, iv.us),
                _ => return Err(bad("interval")),
            };
            Ok(Datum::Interval(Interval { months: m, days: d, us }))
        }
        Datum::Time(_) => Err(FieldError {
            sqlstate: "42883",
            message: "function date_trunc(unknown, time without time zone) does not exist".into(),
        }),
        infinite => Ok(infinite),
    }
}

/// `age(a, b)`: the symbolic difference in years, months and days as PostgreSQL's `timestamp_age` forms it.
pub fn age(a: Datum, b: Datum) -> Result<Interval, DtErr> {
    let local = |d: Datum| -> Result<i64, DtErr> {
        match d {
            Datum::Date(Ts::At(days)) => Ok(days * DAY_US),
            Datum::Timestamp(Ts::At(us)) => Ok(us),
            Datum::TimestampTz(t) => match local_time(t) {
                Ts::At(us) => Ok(us),
                _ => Err(DtErr::Range),
            },
            _ => Err(DtErr::Range),
        }
    };
    let (t1, t2) = (local(a)?, local(b)?);
    let (p1, p2) = (parts(t1), parts(t2));
    let before = t1 < t2;
    let sign = if before { -1 } else { 1 };
    let mut us = sign * (p1.second_us - p2.second_us);
    let mut min = sign * (p1.minute - p2.minute);
    let mut hour = sign * (p1.hour - p2.hour);
    let mut day = sign * (p1.day - p2.day);
    let mut mon = sign * (p1.month - p2.month);
    let mut year = sign * (p1.year - p2.year);
    while us < 0 {
        us += 60_000_000;
        min -= 1;
    }
    while min < 0 {
        min += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        day -= 1;
    }
    while day < 0 {
        let (y, m) = if before { (p1.year, p1.month) } else { (p2.year, p2.month) };
        day += days_in_month(y, m);
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    let iv = Interval {
        months: i32::try_from(year * 12 + mon).map_err(|_| DtErr::Range)?,
        days: day as i32,
        us: (hour * 60 + min) * 60_000_000 + us,
    };
    Ok(if before { iv.negate() } else { iv })
}

/// `make_date(y, m, d)` as days since 1970-01-01.
pub fn make_date(y: i64, m: i64, d: i64) -> Result<i64, FieldError> {
    if y == 0 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) || y.abs() > 294_276 {
        return Err(FieldError {
            sqlstate: "22008",
            message: format!("date field value out of range: {y}-{m:02}-{d:02}"),
        });
    }
    Ok(days_from_civil(y, m, d))
}

/// `make_time(h, m, s)` as microseconds since midnight.
pub fn make_time(h: i64, m: i64, s: f64) -> Result<i64, FieldError> {
    let us = (s * 1_000_000.0).round() as i64;
    let total = (h * 60 + m) * 60_000_000 + us;
    let hour_ok = (0..=23).contains(&h) || (h == 24 && m == 0 && us == 0);
    if !hour_ok || !(0..=59).contains(&m) || !(0.0..60.0).contains(&s) {
        return Err(FieldError {
            sqlstate: "22008",
            message: format!("time field value out of range: {h}:{m:02}:{s:09.6}"),
        });
    }
    Ok(total)
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`.
pub fn make_interval(f: [f64; 7]) -> Result<Interval, DtErr> {
    let [years, months, weeks, days, hours, mins, secs] = f;
    let months = (years * 12.0 + months) as i32;
    let days = (weeks * 7.0 + days) as i32;
    let us = ((hours * 3600.0 + mins * 60.0 + secs) * 1_000_000.0).round();
    if !us.is_finite() || us.abs() > 9.2e18 {
        return Err(DtErr::Range);
    }
    Ok(Interval { months, days, us: us as i64 })
}
