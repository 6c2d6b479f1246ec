//! Date/time arithmetic as PostgreSQL's operators do it (`timestamp + interval`, `date - date`, `timestamptz -
//! timestamptz`, `interval * 2`, ...), on values told apart by their storage text (see `datetime`). The numeric
//! operator functions (`pg_add`, ...) hand their operands here when one is a date/time text.

use super::calendar::{
    civil_from_days, day_of, days_from_civil, days_in_month, fmt_date, fmt_time, fmt_ts, midnight, DAY_US,
};
use super::interval::Interval;
use super::{local_time, parse_timestamptz, store_timestamptz, zone, DtErr, Ts};

/// A date/time value, by the type its text shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Datum {
    /// Days since 1970-01-01.
    Date(Ts),
    /// Microseconds since midnight.
    Time(i64),
    /// Local microseconds since 1970-01-01.
    Timestamp(Ts),
    /// Microseconds since 1970-01-01 UTC.
    TimestampTz(Ts),
    Interval(Interval),
}

/// The date/time value a text holds, if it is one: `YYYY-MM-DD` a date, with a time a timestamp, with a zone
/// too a timestamptz; `HH:MM:SS` a time; PostgreSQL's interval text an interval.
pub fn classify(s: &str) -> Option<Datum> {
    let t = s.trim();
    let first = t.bytes().next()?;
    let dated = first.is_ascii_digit() && t.bytes().position(|b| b == b'-').is_some_and(|p| (4..=6).contains(&p));
    if dated {
        let (local, written) = super::calendar::parse_local(t).ok()?;
        return Some(if written.is_some() {
            Datum::TimestampTz(parse_timestamptz(t).ok()?)
        } else if t.len() > 10 {
            Datum::Timestamp(local)
        } else {
            Datum::Date(day_of(local))
        });
    }
    if first.is_ascii_digit() && !t.contains(' ') && t.contains(':') {
        if let Ok(us) = super::calendar::parse_time(t) {
            return Some(Datum::Time(us));
        }
    }
    Interval::parse(t).ok().map(Datum::Interval)
}

impl Datum {
    /// The value's storage text.
    pub fn store(&self) -> String {
        match self {
            Datum::Date(d) => fmt_date(*d),
            Datum::Time(us) => fmt_time(*us),
            Datum::Timestamp(t) => fmt_ts(*t),
            Datum::TimestampTz(t) => store_timestamptz(*t),
            Datum::Interval(iv) => iv.to_text(),
        }
    }

    /// As an interval, when it is one. A time-of-day text reads as one too: `interval '1 hour'` is stored
    /// `01:00:00`, which a time also is, and interval sums are far more common than `time + interval` (which
    /// therefore does not wrap past midnight here).
    fn interval(&self) -> Option<Interval> {
        match self {
            Datum::Interval(iv) => Some(*iv),
            Datum::Time(us) => Some(Interval { us: *us, ..Interval::default() }),
            _ => None,
        }
    }
}

/// An operand of an arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    Number(f64),
    Integer(i64),
    Datum(Datum),
}

/// The result of date/time arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Text(String),
    Integer(i64),
}

/// The operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

fn out(d: Datum) -> Result<Option<Outcome>, DtErr> {
    Ok(Some(Outcome::Text(d.store())))
}

/// Adds months, then days, to a wall-clock time (a day past the end of the new month is its last day).
pub fn add_months_days(local_us: i64, months: i32, days: i32) -> Result<i64, DtErr> {
    let (day, tod) = (local_us.div_euclid(DAY_US), local_us.rem_euclid(DAY_US));
    let (y, m, d) = civil_from_days(day);
    let total = y * 12 + (m - 1) + i64::from(months);
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    if !(1..=294_276).contains(&ny) {
        return Err(DtErr::Range);
    }
    let nd = d.min(days_in_month(ny, nm));
    let new_day = days_from_civil(ny, nm, nd) + i64::from(days);
    new_day.checked_mul(DAY_US).and_then(|us| us.checked_add(tod)).ok_or(DtErr::Range)
}

/// `timestamp + interval`.
pub fn timestamp_plus(t: Ts, iv: Interval) -> Result<Ts, DtErr> {
    let Ts::At(us) = t else { return Ok(t) };
    let moved = add_months_days(us, iv.months, iv.days)?;
    moved.checked_add(iv.us).map(Ts::At).ok_or(DtErr::Range)
}

/// `timestamptz + interval`: months and days move the session's wall clock, the time part the instant.
pub fn timestamptz_plus(t: Ts, iv: Interval) -> Result<Ts, DtErr> {
    let Ts::At(utc) = t else { return Ok(t) };
    let mut instant = utc;
    if iv.months != 0 || iv.days != 0 {
        let z = zone::current();
        instant = z.utc_of_local(add_months_days(z.local_of_utc(utc), iv.months, iv.days)?);
    }
    instant.checked_add(iv.us).map(Ts::At).ok_or(DtErr::Range)
}

/// `a - b` of two instants or wall-clock times: PostgreSQL's interval, whole days split off the hours.
fn difference(a: Ts, b: Ts) -> Result<Interval, DtErr> {
    match (a, b) {
        (Ts::At(a), Ts::At(b)) => {
            let us = a.checked_sub(b).ok_or(DtErr::Range)?;
            Ok(Interval { us, ..Interval::default() }.justify_hours())
        }
        _ => Err(DtErr::Range),
    }
}

/// A number operand as a factor.
fn factor(o: Operand) -> Option<f64> {
    match o {
        Operand::Number(f) => Some(f),
        Operand::Integer(i) => Some(i as f64),
        Operand::Datum(_) => None,
    }
}

/// `a op b` when either side is a date/time; `None` when PostgreSQL has no such operator (the caller reports
/// its own error).
pub fn apply(op: Op, a: Operand, b: Operand) -> Result<Option<Outcome>, DtErr> {
    use Datum::*;
    use Operand::{Datum as D, Integer as I};
    match (op, a, b) {
        (Op::Add, D(Date(Ts::At(d))), I(n)) | (Op::Add, I(n), D(Date(Ts::At(d)))) => out(Date(Ts::At(d + n))),
        (Op::Sub, D(Date(Ts::At(d))), I(n)) => out(Date(Ts::At(d - n))),
        (Op::Sub, D(Date(Ts::At(x))), D(Date(Ts::At(y)))) => Ok(Some(Outcome::Integer(x - y))),
        (Op::Add, D(Date(d)), D(Time(t))) | (Op::Add, D(Time(t)), D(Date(d))) => match midnight(d) {
            Ts::At(us) => out(Timestamp(Ts::At(us + t))),
            other => out(Timestamp(other)),
        },
        (Op::Add | Op::Sub, D(x), D(y)) if y.interval().is_some() && !matches!(x, Time(_) | Interval(_)) => {
            let iv = y.interval().unwrap_or_default();
            let iv = if op == Op::Sub { iv.negate() } else { iv };
            match x {
                Date(d) => out(Timestamp(timestamp_plus(midnight(d), iv)?)),
                Timestamp(t) => out(Timestamp(timestamp_plus(t, iv)?)),
                TimestampTz(t) => out(TimestampTz(timestamptz_plus(t, iv)?)),
                Time(_) | Interval(_) => Ok(None),
            }
        }
        (Op::Add, D(x), D(y)) if x.interval().is_some() && matches!(y, Date(_) | Timestamp(_) | TimestampTz(_)) => {
            apply(op, b, a)
        }
        (Op::Add | Op::Sub, D(x), D(y)) if x.interval().is_some() && y.interval().is_some() => {
            let (x, y) = (x.interval().unwrap_or_default(), y.interval().unwrap_or_default());
            let y = if op == Op::Sub { y.negate() } else { y };
            out(Interval(x.checked_add(y)?))
        }
        (Op::Sub, D(x), D(y)) => {
            // Timestamps of the two kinds meet in the session's zone, as PostgreSQL casts them.
            let instant = |d: Datum| match d {
                Date(t) => Some((midnight(t), false)),
                Timestamp(t) => Some((t, false)),
                TimestampTz(t) => Some((t, true)),
                _ => None,
            };
            let (Some((tx, zx)), Some((ty, zy))) = (instant(x), instant(y)) else { return Ok(None) };
            let (tx, ty) = match (zx, zy) {
                (true, false) => (local_time(tx), ty),
                (false, true) => (tx, local_time(ty)),
                _ => (tx, ty),
            };
            out(Interval(difference(tx, ty)?))
        }
        (Op::Mul, D(x), n) | (Op::Mul, n, D(x)) if x.interval().is_some() && factor(n).is_some() => {
            out(Interval(x.interval().unwrap_or_default().scale(factor(n).unwrap_or(1.0))?))
        }
        (Op::Div, D(x), n) if x.interval().is_some() && factor(n).is_some() => {
            out(Interval(x.interval().unwrap_or_default().scale(1.0 / factor(n).unwrap_or(1.0))?))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: Op, a: &str, b: &str) -> String {
        let operand = |s: &str| match s.parse::<i64>() {
            Ok(i) => Operand::Integer(i),
            Err(_) => match s.parse::<f64>() {
                Ok(f) => Operand::Number(f),
                Err(_) => Operand::Datum(classify(s).unwrap()),
            },
        };
        match apply(op, operand(a), operand(b)).unwrap() {
            Some(Outcome::Text(t)) => t,
            Some(Outcome::Integer(i)) => i.to_string(),
            None => "none".into(),
        }
    }

    #[test]
    fn operators_give_postgresql_results() {
        assert_eq!(run(Op::Add, "2024-01-31", "7"), "2024-02-07");
        assert_eq!(run(Op::Sub, "2024-03-01", "2024-02-01"), "29");
        assert_eq!(run(Op::Add, "2024-01-31 10:00:00", "1 mon"), "2024-02-29 10:00:00");
        assert_eq!(run(Op::Add, "2024-01-31", "1 day 02:00:00"), "2024-02-01 02:00:00");
        assert_eq!(run(Op::Sub, "2024-01-02 12:00:00", "2024-01-01 00:00:00"), "1 day 12:00:00");
        assert_eq!(run(Op::Add, "2024-01-01 10:00:00+00", "1 day"), "2024-01-02 10:00:00+00");
        assert_eq!(run(Op::Add, "1 day", "2024-01-01 10:00:00"), "2024-01-02 10:00:00");
        assert_eq!(run(Op::Add, "10:00:00", "3 hours"), "13:00:00");
        assert_eq!(run(Op::Add, "1 day", "02:00:00"), "1 day 02:00:00");
        assert_eq!(run(Op::Mul, "1 day", "3"), "3 days");
        assert_eq!(run(Op::Div, "1 day", "2"), "12:00:00");
        assert_eq!(run(Op::Div, "01:00:00", "2"), "00:30:00");
        assert_eq!(run(Op::Add, "1 day", "02:00:00"), "1 day 02:00:00");
        assert_eq!(run(Op::Add, "2024-01-01", "2024-01-01"), "none");
    }

    #[test]
    fn timestamptz_days_follow_the_session_wall_clock() {
        let berlin = zone::Zone::parse("Europe/Berlin").unwrap();
        zone::with_zone(berlin, || {
            // 2024-03-31 is 23 hours long in Berlin: a day later is the same wall-clock time.
            assert_eq!(run(Op::Add, "2024-03-30 11:00:00+00", "1 day"), "2024-03-31 10:00:00+00");
            assert_eq!(run(Op::Add, "2024-03-30 11:00:00+00", "24 hours"), "2024-03-31 11:00:00+00");
        });
    }
}
