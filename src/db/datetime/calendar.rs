//! Calendar math and date/time text parsing and formatting (Howard Hinnant's civil algorithms), in raftsql's storage forms.

/// Why a date/time text was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtErr {
    /// Not a recognizable date/time (SQLSTATE 22007).
    Syntax,
    /// A field is out of range, e.g. February 30th (SQLSTATE 22008).
    Range,
}

/// A point in time (microseconds since 1970-01-01 for timestamps, days since 1970-01-01 for dates) or infinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ts {
    NegInf,
    PosInf,
    At(i64),
}

pub const DAY_US: i64 = 86_400_000_000;

/// The day of a point in time (days since 1970-01-01), infinities kept.
pub fn day_of(t: Ts) -> Ts {
    match t {
        Ts::At(us) => Ts::At(us.div_euclid(DAY_US)),
        t => t,
    }
}

/// The first instant of a day (a date as a timestamp), infinities kept.
pub fn midnight(d: Ts) -> Ts {
    match d {
        Ts::At(days) => Ts::At(days * DAY_US),
        t => t,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A byte cursor over ASCII input.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        let ok = self.peek() == Some(c);
        if ok {
            self.i += 1;
        }
        ok
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    /// Between `min` and `max` decimal digits as a number.
    fn num(&mut self, min: usize, max: usize) -> Result<i64, DtErr> {
        let start = self.i;
        let mut v = 0i64;
        while self.i - start < max {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    v = v * 10 + i64::from(c - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        if self.i - start < min {
            return Err(DtErr::Syntax);
        }
        Ok(v)
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// `YYYY-MM-DD` → days since 1970-01-01.
fn date_part(c: &mut Cur) -> Result<i64, DtErr> {
    let y = c.num(4, 6)?;
    if !c.eat(b'-') {
        return Err(DtErr::Syntax);
    }
    let m = c.num(1, 2)?;
    if !c.eat(b'-') {
        return Err(DtErr::Syntax);
    }
    let d = c.num(1, 2)?;
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(DtErr::Range);
    }
    Ok(days_from_civil(y, m, d))
}

/// `HH:MM[:SS[.ffffff]]` → microseconds since midnight (fractions beyond 6 digits are rounded).
fn time_part(c: &mut Cur) -> Result<i64, DtErr> {
    let h = c.num(1, 2)?;
    if !c.eat(b':') {
        return Err(DtErr::Syntax);
    }
    let m = c.num(2, 2)?;
    let (mut s, mut us) = (0, 0);
    if c.eat(b':') {
        s = c.num(2, 2)?;
        if c.eat(b'.') {
            let start = c.i;
            let mut scale = 100_000;
            while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                let d = i64::from(d - b'0');
                if scale > 0 {
                    us += d * scale;
                } else if scale == 0 && d >= 5 {
                    us += 1;
                }
                scale = if scale > 0 { scale / 10 } else { -1 };
                c.i += 1;
            }
            if c.i == start {
                return Err(DtErr::Syntax);
            }
        }
    }
    let total = ((h * 60 + m) * 60 + s) * 1_000_000 + us;
    if h > 24 || m > 59 || s > 60 || total > DAY_US {
        return Err(DtErr::Range);
    }
    Ok(total)
}

/// A zone written after a date/time: an offset in seconds east of UTC, or a zone name (`Europe/Berlin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrittenZone {
    Offset(i64),
    Name(String),
}

/// Optional `Z`, `UTC`, `±HH[[:]MM[[:]SS]]` or a zone name.
fn zone_part(c: &mut Cur) -> Result<Option<WrittenZone>, DtErr> {
    c.skip_spaces();
    let rest = &c.b[c.i..];
    if rest.eq_ignore_ascii_case(b"z") || rest.eq_ignore_ascii_case(b"utc") || rest.eq_ignore_ascii_case(b"gmt") {
        c.i = c.b.len();
        return Ok(Some(WrittenZone::Offset(0)));
    }
    if rest.first().is_some_and(u8::is_ascii_alphabetic) {
        let name = std::str::from_utf8(rest).map_err(|_| DtErr::Syntax)?.trim_end();
        if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b)) {
            return Err(DtErr::Syntax);
        }
        c.i = c.b.len();
        return Ok(Some(WrittenZone::Name(name.to_string())));
    }
    let sign = match c.peek() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Ok(None),
    };
    c.i += 1;
    let h = c.num(1, 2)?;
    let mut secs = h * 3600;
    c.eat(b':');
    if c.peek().is_some_and(|d| d.is_ascii_digit()) {
        let m = c.num(2, 2)?;
        secs += m * 60;
        c.eat(b':');
        if c.peek().is_some_and(|d| d.is_ascii_digit()) {
            secs += c.num(2, 2)?;
        }
    }
    if h > 15 {
        return Err(DtErr::Range);
    }
    Ok(Some(WrittenZone::Offset(sign * secs)))
}

fn special(s: &str) -> Option<Ts> {
    match s.to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => Some(Ts::PosInf),
        "-infinity" => Some(Ts::NegInf),
        "epoch" => Some(Ts::At(0)),
        _ => None,
    }
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][ ][zone]` into the local time it writes (microseconds since
/// 1970-01-01 on its wall clock) and the zone written after it, if any.
pub fn parse_local(s: &str) -> Result<(Ts, Option<WrittenZone>), DtErr> {
    let s = s.trim();
    if let Some(t) = special(s) {
        return Ok((t, None));
    }
    let mut c = Cur { b: s.as_bytes(), i: 0 };
    let days = date_part(&mut c)?;
    let mut tod = 0;
    if !c.done() {
        if !c.eat(b'T') && !c.eat(b't') {
            c.skip_spaces();
        }
        if c.peek().is_some_and(|d| d.is_ascii_digit()) {
            tod = time_part(&mut c)?;
        }
    }
    let zone = zone_part(&mut c)?;
    c.skip_spaces();
    if !c.done() {
        return Err(DtErr::Syntax);
    }
    let local = days.checked_mul(DAY_US).and_then(|us| us.checked_add(tod)).map(Ts::At).ok_or(DtErr::Range)?;
    Ok((local, zone))
}

/// Parses a `timestamp` (without time zone): a zone written after it is ignored, as PostgreSQL does, though it
/// must be one.
pub fn parse_timestamp(s: &str) -> Result<Ts, DtErr> {
    match parse_local(s)? {
        (_, Some(WrittenZone::Name(name))) if super::zone::Zone::parse(&name).is_none() => Err(DtErr::Syntax),
        (t, _) => Ok(t),
    }
}

/// Parses a date (a trailing time part is accepted and ignored) into days since 1970-01-01.
pub fn parse_date(s: &str) -> Result<Ts, DtErr> {
    parse_timestamp(s).map(day_of)
}

/// Parses `HH:MM[:SS[.ffffff]]` (an offset is accepted and ignored) into microseconds since midnight.
pub fn parse_time(s: &str) -> Result<i64, DtErr> {
    let mut c = Cur { b: s.trim().as_bytes(), i: 0 };
    let t = time_part(&mut c)?;
    zone_part(&mut c)?;
    c.skip_spaces();
    if !c.done() {
        return Err(DtErr::Syntax);
    }
    Ok(t)
}

/// `YYYY-MM-DD` (or `infinity`/`-infinity`) from days since 1970-01-01.
pub fn fmt_date(t: Ts) -> String {
    match t {
        Ts::NegInf => "-infinity".into(),
        Ts::PosInf => "infinity".into(),
        Ts::At(d) => {
            let (y, m, d) = civil_from_days(d);
            format!("{y:04}-{m:02}-{d:02}")
        }
    }
}

/// `HH:MM:SS[.ffffff]` (trailing fraction zeros trimmed) from microseconds since midnight.
pub fn fmt_time(us: i64) -> String {
    let (secs, frac) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
    let base = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        base
    } else {
        let f = format!("{frac:06}");
        format!("{base}.{}", f.trim_end_matches('0'))
    }
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` (SQLite's format) from microseconds since 1970-01-01.
pub fn fmt_ts(t: Ts) -> String {
    match t {
        Ts::At(us) => format!("{} {}", fmt_date(Ts::At(us.div_euclid(DAY_US))), fmt_time(us.rem_euclid(DAY_US))),
        t => fmt_date(t),
    }
}
