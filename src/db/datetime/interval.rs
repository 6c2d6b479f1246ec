//! PostgreSQL's `interval`: months, days and microseconds kept apart (a month is not a fixed number of days, nor
//! a day of hours across a DST change), its input forms, its output in the default `postgres` IntervalStyle
//! (`1 year 2 mons 3 days 04:05:06`, which is also how raftsql stores it), and its arithmetic.

use super::calendar::{DtErr, DAY_US};

/// An interval as PostgreSQL holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub us: i64,
}

const MONTH_DAYS: f64 = 30.0;
const SECOND_US: f64 = 1_000_000.0;

fn to_i32(v: f64) -> Result<i32, DtErr> {
    if v.is_finite() && v.abs() < 2_147_483_648.0 {
        Ok(v as i32)
    } else {
        Err(DtErr::Range)
    }
}

fn to_i64(v: f64) -> Result<i64, DtErr> {
    if v.is_finite() && v.abs() < 9.2e18 {
        Ok(v as i64)
    } else {
        Err(DtErr::Range)
    }
}

impl Interval {
    /// Parses PostgreSQL's interval input: `1 day`, `2 hours 30 minutes`, `1.5 years`, `-1 day +02:00:00`,
    /// `01:02:03.5`, `3 weeks ago`, `@ 1 day`, a bare number of seconds, or ISO 8601 `P1Y2M3DT4H5M6S`.
    pub fn parse(text: &str) -> Result<Interval, DtErr> {
        let lower = text.trim().to_ascii_lowercase();
        let body = lower.strip_prefix('@').unwrap_or(&lower).trim();
        if body.is_empty() {
            return Err(DtErr::Syntax);
        }
        if let Some(iso) = body.strip_prefix('p') {
            return parse_iso(iso);
        }
        let mut acc = Accumulator::default();
        let tokens = tokenize(body);
        let mut i = 0;
        let mut ago = false;
        while i < tokens.len() {
            let token = tokens[i].as_str();
            if token == "ago" {
                if i + 1 != tokens.len() {
                    return Err(DtErr::Syntax);
                }
                ago = true;
            } else if token.contains(':') {
                acc.us += parse_clock(token)?;
            } else if let Ok(value) = token.parse::<f64>() {
                match tokens.get(i + 1).and_then(|u| unit(u)) {
                    Some(u) => {
                        acc.add(value, u)?;
                        i += 1;
                    }
                    None => acc.add(value, Unit::Second)?,
                }
            } else {
                return Err(DtErr::Syntax);
            }
            i += 1;
        }
        let iv = acc.finish()?;
        Ok(if ago { iv.negate() } else { iv })
    }

    /// The text PostgreSQL shows (IntervalStyle `postgres`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let (mut is_zero, mut is_before) = (true, false);
        let mut part = |out: &mut String, value: i64, unit: &str| {
            if value == 0 {
                return;
            }
            let space = if is_zero { "" } else { " " };
            let plus = if is_before && value > 0 { "+" } else { "" };
            let plural = if value != 1 { "s" } else { "" };
            out.push_str(&format!("{space}{plus}{value} {unit}{plural}"));
            is_before = value < 0;
            is_zero = false;
        };
        let months = i64::from(self.months);
        part(&mut out, months / 12, "year");
        part(&mut out, months % 12, "mon");
        part(&mut out, i64::from(self.days), "day");
        let us = self.us;
        if is_zero || us != 0 {
            let minus = us < 0;
            let a = us.unsigned_abs();
            let (secs, frac) = (a / 1_000_000, a % 1_000_000);
            let sign = if minus {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            };
            let space = if is_zero { "" } else { " " };
            out.push_str(&format!("{space}{sign}{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60));
            if frac != 0 {
                out.push_str(format!(".{frac:06}").trim_end_matches('0'));
            }
        }
        out
    }

    pub fn negate(self) -> Interval {
        Interval { months: self.months.wrapping_neg(), days: self.days.wrapping_neg(), us: self.us.wrapping_neg() }
    }

    pub fn checked_add(self, o: Interval) -> Result<Interval, DtErr> {
        Ok(Interval {
            months: self.months.checked_add(o.months).ok_or(DtErr::Range)?,
            days: self.days.checked_add(o.days).ok_or(DtErr::Range)?,
            us: self.us.checked_add(o.us).ok_or(DtErr::Range)?,
        })
    }

    /// `interval * factor` as PostgreSQL computes it: fractions of months flow into days (30 a month) and
    /// fractions of days into time (24 hours a day).
    pub fn scale(self, factor: f64) -> Result<Interval, DtErr> {
        let months = f64::from(self.months) * factor;
        let whole_months = to_i32(months.trunc())?;
        let month_days = (months - f64::from(whole_months)) * MONTH_DAYS;
        let days = f64::from(self.days) * factor;
        let mut whole_days = to_i32(days.trunc())?;
        let mut remainder_secs = (days - f64::from(whole_days) + month_days - month_days.trunc()) * 86_400.0;
        remainder_secs = (remainder_secs * SECOND_US).round() / SECOND_US;
        if remainder_secs.abs() >= 86_400.0 {
            whole_days += (remainder_secs / 86_400.0) as i32;
            remainder_secs -= (remainder_secs / 86_400.0).trunc() * 86_400.0;
        }
        whole_days = whole_days.checked_add(month_days as i32).ok_or(DtErr::Range)?;
        let us = to_i64((self.us as f64 * factor + remainder_secs * SECOND_US).round())?;
        Ok(Interval { months: whole_months, days: whole_days, us })
    }

    /// `justify_hours`: whole 24-hour runs of time become days.
    pub fn justify_hours(self) -> Interval {
        let (days, us) = agree(self.days + (self.us / DAY_US) as i32, self.us % DAY_US, DAY_US);
        Interval { months: self.months, days, us }
    }

    /// `justify_days`: whole 30-day runs become months.
    pub fn justify_days(self) -> Interval {
        let (months, days) = agree(self.months + self.days / 30, self.days % 30, 30);
        Interval { months, days, us: self.us }
    }

    /// `justify_interval`: both, with the signs made to agree.
    pub fn justify_interval(self) -> Interval {
        let mut months = self.months + self.days / 30;
        let mut days = self.days % 30;
        days += (self.us / DAY_US) as i32;
        let us = self.us % DAY_US;
        months += days / 30;
        days %= 30;
        if months > 0 && (days < 0 || (days == 0 && us < 0)) {
            days += 30;
            months -= 1;
        } else if months < 0 && (days > 0 || (days == 0 && us > 0)) {
            days -= 30;
            months += 1;
        }
        let (days, us) = agree(days, us, DAY_US);
        Interval { months, days, us }
    }

    /// Microseconds the interval spans when a month is 30 days and a day 24 hours (how PostgreSQL compares and
    /// takes the epoch of intervals).
    pub fn linear_us(&self) -> i128 {
        (i128::from(self.months) * 30 + i128::from(self.days)) * i128::from(DAY_US) + i128::from(self.us)
    }
}

/// A larger unit and a remainder of the next smaller one (`per` of which make one larger) with one sign: a
/// remainder against the larger count's sign borrows one larger unit.
fn agree<T>(high: i32, low: T, per: T) -> (i32, T)
where
    T: Copy + PartialOrd + Default + std::ops::Add<Output = T> + std::ops::Sub<Output = T>,
{
    let zero = T::default();
    if high > 0 && low < zero {
        (high - 1, low + per)
    } else if high < 0 && low > zero {
        (high + 1, low - per)
    } else {
        (high, low)
    }
}

/// The units of an interval's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => Unit::Microsecond,
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => Unit::Millisecond,
        "second" | "seconds" | "s" | "sec" | "secs" => Unit::Second,
        "minute" | "minutes" | "m" | "min" | "mins" => Unit::Minute,
        "hour" | "hours" | "h" | "hr" | "hrs" => Unit::Hour,
        "day" | "days" | "d" => Unit::Day,
        "week" | "weeks" | "w" => Unit::Week,
        "month" | "months" | "mon" | "mons" => Unit::Month,
        "year" | "years" | "y" | "yr" | "yrs" => Unit::Year,
        "decade" | "decades" => Unit::Decade,
        "century" | "centuries" => Unit::Century,
        "millennium" | "millennia" | "millenniums" => Unit::Millennium,
        _ => return None,
    })
}

/// Splits `1day 2 hours` into `1`, `day`, `2`, `hours`: numbers (with sign, fraction, or a clock `01:02:03`)
/// and words.
fn tokenize(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_number = false;
    for c in s.chars() {
        let numeric = c.is_ascii_digit() || c == '.' || c == ':';
        let starts_number = (c == '+' || c == '-') && current.is_empty();
        if c.is_whitespace() || c == ',' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() && (numeric || starts_number) != in_number && !(in_number && numeric) {
            out.push(std::mem::take(&mut current));
        }
        if current.is_empty() {
            in_number = numeric || starts_number;
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `[-]HH:MM[:SS[.ffffff]]` as microseconds.
fn parse_clock(token: &str) -> Result<i64, DtErr> {
    let (negative, body) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token.strip_prefix('+').unwrap_or(token)),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(DtErr::Syntax);
    }
    let hours: i64 = parts[0].parse().map_err(|_| DtErr::Syntax)?;
    let minutes: i64 = parts[1].parse().map_err(|_| DtErr::Syntax)?;
    let seconds: f64 = match parts.get(2) {
        Some(s) => s.parse().map_err(|_| DtErr::Syntax)?,
        None => 0.0,
    };
    if minutes > 59 || !(0.0..60.0).contains(&seconds) {
        return Err(DtErr::Range);
    }
    let us = (hours * 3600 + minutes * 60) * 1_000_000 + (seconds * SECOND_US).round() as i64;
    Ok(if negative { -us } else { us })
}

/// Fields as they are read, fractions still separate.
#[derive(Default)]
struct Accumulator {
    months: f64,
    days: f64,
    us: i64,
}

impl Accumulator {
    fn add(&mut self, value: f64, unit: Unit) -> Result<(), DtErr> {
        let us = |factor: f64| to_i64((value * factor).round());
        match unit {
            Unit::Microsecond => self.us += us(1.0)?,
            Unit::Millisecond => self.us += us(1_000.0)?,
            Unit::Second => self.us += us(SECOND_US)?,
            Unit::Minute => self.us += us(60.0 * SECOND_US)?,
            Unit::Hour => self.us += us(3_600.0 * SECOND_US)?,
            Unit::Day => self.days += value,
            Unit::Week => self.days += value * 7.0,
            Unit::Month => self.months += value,
            // Fractions of years are whole months (PostgreSQL rounds them).
            Unit::Year => self.months += (value * 12.0).round(),
            Unit::Decade => self.months += (value * 120.0).round(),
            Unit::Century => self.months += (value * 1_200.0).round(),
            Unit::Millennium => self.months += (value * 12_000.0).round(),
        }
        Ok(())
    }

    /// Fractions of months become days (30 a month), fractions of days time.
    fn finish(self) -> Result<Interval, DtErr> {
        let months = to_i32(self.months.trunc())?;
        let days = self.days + (self.months - self.months.trunc()) * MONTH_DAYS;
        let whole_days = to_i32(days.trunc())?;
        let us = self.us + to_i64(((days - days.trunc()) * 86_400.0 * SECOND_US).round())?;
        Ok(Interval { months, days: whole_days, us })
    }
}

/// ISO 8601 `P[nY][nM][nW][nD][T[nH][nM][nS]]` (after the `P`).
fn parse_iso(s: &str) -> Result<Interval, DtErr> {
    let mut acc = Accumulator::default();
    let mut in_time = false;
    let mut number = String::new();
    for c in s.chars() {
        match c {
            't' => in_time = true,
            '0'..='9' | '.' | '-' | '+' => number.push(c),
            _ => {
                let value: f64 = number.parse().map_err(|_| DtErr::Syntax)?;
                number.clear();
                let u = match (c, in_time) {
                    ('y', false) => Unit::Year,
                    ('m', false) => Unit::Month,
                    ('w', false) => Unit::Week,
                    ('d', false) => Unit::Day,
                    ('h', true) => Unit::Hour,
                    ('m', true) => Unit::Minute,
                    ('s', true) => Unit::Second,
                    _ => return Err(DtErr::Syntax),
                };
                acc.add(value, u)?;
            }
        }
    }
    if !number.is_empty() {
        return Err(DtErr::Syntax);
    }
    acc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        Interval::parse(s).unwrap().to_text()
    }

    #[test]
    fn input_forms_print_as_postgresql_prints_them() {
        assert_eq!(text("1 day"), "1 day");
        assert_eq!(text("2 days"), "2 days");
        assert_eq!(text("1 year 2 months 3 days 4 hours 5 minutes 6 seconds"), "1 year 2 mons 3 days 04:05:06");
        assert_eq!(text("1.5 years"), "1 year 6 mons");
        assert_eq!(text("1.5 months"), "1 mon 15 days");
        assert_eq!(text("1.5 days"), "1 day 12:00:00");
        assert_eq!(text("-1 day +02:00:00"), "-1 days +02:00:00");
        assert_eq!(text("01:02:03.5"), "01:02:03.5");
        assert_eq!(text("3 weeks ago"), "-21 days");
        assert_eq!(text("@ 1 hour"), "01:00:00");
        assert_eq!(text("90"), "00:01:30");
        assert_eq!(text("0"), "00:00:00");
        assert_eq!(text("1day"), "1 day");
        assert_eq!(text("-2 years -3 mons"), "-2 years -3 mons");
        assert_eq!(text("P1Y2M3DT4H5M6S"), "1 year 2 mons 3 days 04:05:06");
        assert_eq!(text("-1 hours"), "-01:00:00");
        assert!(Interval::parse("1 fortnight").is_err());
        assert!(Interval::parse("").is_err());
    }

    #[test]
    fn arithmetic_and_justify_follow_postgresql() {
        let iv = |s: &str| Interval::parse(s).unwrap();
        assert_eq!(iv("1 mon").scale(1.5).unwrap().to_text(), "1 mon 15 days");
        assert_eq!(iv("1 day").scale(0.5).unwrap().to_text(), "12:00:00");
        assert_eq!(iv("36 hours").justify_hours().to_text(), "1 day 12:00:00");
        assert_eq!(iv("35 days").justify_days().to_text(), "1 mon 5 days");
        assert_eq!(iv("1 mon -1 hour").justify_interval().to_text(), "29 days 23:00:00");
        assert_eq!(iv("1 day").checked_add(iv("2 hours")).unwrap().to_text(), "1 day 02:00:00");
    }
}
