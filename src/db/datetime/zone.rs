//! The session's `TimeZone` where SQL runs: IANA zones (the tz database compiled in by `chrono-tz`, so every
//! node and every release of one version agrees), UTC and fixed offsets; PostgreSQL's rules for local times that
//! fall into a gap or a fold; and how a statement carries its session's zone into the Raft log.
//!
//! A statement whose session is not in UTC is logged with a leading comment, `/* raftsql TimeZone=<name> */`
//! (`mark`). Whoever runs it (the writer on every replica, or a read connection) sets the thread's zone from
//! that comment for the statement (`split_statement`, `with_zone`), so the functions and triggers that turn a timestamp
//! without an offset into an instant, or an instant into local time, see the session's zone: the same on every
//! replica, because it is part of the entry.

use std::cell::RefCell;

use chrono::{Offset, TimeZone};

/// A time zone as `SET TIME ZONE` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset in seconds east of UTC (UTC is `Fixed(0)`).
    Fixed(i32),
    /// A zone of the tz database.
    Named(chrono_tz::Tz),
}

pub const UTC: Zone = Zone::Fixed(0);

const DAY_US: i64 = 86_400_000_000;

impl Zone {
    /// The zone a `TimeZone` setting names: a tz database name (any letter case, as PostgreSQL), `UTC`/`GMT`/`Z`,
    /// or a number of hours east of UTC (`SET TIME ZONE -7`). `None` for anything else.
    pub fn parse(name: &str) -> Option<Zone> {
        let name = name.trim();
        // What `name()` shows for a numeric zone: `<-07>+07`.
        if let Some(rest) = name.strip_prefix('<') {
            let (text, _) = rest.split_once('>')?;
            return parse_offset(text).map(Zone::Fixed);
        }
        if ["utc", "gmt", "z", "zulu", "universal", "etc/utc", "etc/universal", "etc/gmt"]
            .iter()
            .any(|u| name.eq_ignore_ascii_case(u))
        {
            return Some(UTC);
        }
        if let Ok(hours) = name.parse::<f64>() {
            return (hours.abs() <= 15.0).then(|| Zone::Fixed((hours * 3600.0).round() as i32));
        }
        chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(name)).map(|tz| Zone::Named(*tz))
    }

    /// The name `SHOW TimeZone` gives (PostgreSQL's spelling of a numeric zone: `<-07>+07`).
    pub fn name(&self) -> String {
        match self {
            Zone::Fixed(0) => "UTC".into(),
            Zone::Fixed(secs) => {
                format!("<{}>{}", offset_text(*secs), offset_text(-secs))
            }
            Zone::Named(tz) => tz.name().into(),
        }
    }

    /// The zone's offset (seconds east of UTC) at an instant (microseconds since 1970-01-01 UTC).
    pub fn offset_at(&self, utc_us: i64) -> i32 {
        match self {
            Zone::Fixed(secs) => *secs,
            Zone::Named(tz) => match chrono::DateTime::from_timestamp_micros(utc_us) {
                Some(t) => tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc(),
                None => 0,
            },
        }
    }

    /// The zone's abbreviation at an instant, as `to_char`'s `TZ` shows it (`CET`, `EDT`, `UTC`, `-07`).
    pub fn abbreviation_at(&self, utc_us: i64) -> String {
        use chrono_tz::OffsetName;
        match self {
            Zone::Fixed(0) => "UTC".into(),
            Zone::Fixed(secs) => offset_text(*secs),
            Zone::Named(tz) => match chrono::DateTime::from_timestamp_micros(utc_us) {
                Some(t) => {
                    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
                    match offset.abbreviation() {
                        Some(a) => a.to_string(),
                        None => offset_text(offset.fix().local_minus_utc()),
                    }
                }
                None => "UTC".into(),
            },
        }
    }

    /// The instant of a local time in this zone. As PostgreSQL: a local time a spring-forward gap skips is read
    /// with the offset before the transition; one a fall-back repeats is read with the offset after it.
    pub fn utc_of_local(&self, local_us: i64) -> i64 {
        let tz = match self {
            Zone::Fixed(secs) => return local_us - i64::from(*secs) * 1_000_000,
            Zone::Named(tz) => tz,
        };
        let Some(naive) = chrono::DateTime::from_timestamp_micros(local_us).map(|t| t.naive_utc()) else {
            return local_us;
        };
        let offset = match tz.offset_from_local_datetime(&naive) {
            chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
            chrono::LocalResult::Ambiguous(a, b) => a.fix().local_minus_utc().min(b.fix().local_minus_utc()),
            chrono::LocalResult::None => self.offset_at(local_us - DAY_US),
        };
        local_us - i64::from(offset) * 1_000_000
    }

    /// The local time (microseconds since 1970-01-01 on the zone's wall clock) of an instant.
    pub fn local_of_utc(&self, utc_us: i64) -> i64 {
        utc_us + i64::from(self.offset_at(utc_us)) * 1_000_000
    }
}

/// An offset as PostgreSQL prints it after a timestamp: `+01`, `-03:30`, `+00:53:28`.
pub fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

thread_local! {
    static CURRENT: RefCell<Zone> = const { RefCell::new(UTC) };
}

/// The zone of the statement running on this thread (UTC unless one was set).
pub fn current() -> Zone {
    CURRENT.with(|z| *z.borrow())
}

/// Runs `f` with this thread's zone set to `zone`, then puts the previous one back.
pub fn with_zone<R>(zone: Zone, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|z| std::mem::replace(&mut *z.borrow_mut(), zone));
    struct Restore(Zone);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|z| *z.borrow_mut() = self.0);
        }
    }
    let _restore = Restore(previous);
    f()
}

const MARK_PREFIX: &str = "/* raftsql TimeZone=";
const MARK_SUFFIX: &str = " */ ";

/// `sql` as logged for a session in `zone`: unchanged in UTC, else led by the zone comment.
pub fn mark(zone: Zone, sql: &str) -> String {
    if zone == UTC || sql.is_empty() {
        return sql.to_string();
    }
    format!("{MARK_PREFIX}{}{MARK_SUFFIX}{sql}", zone.name())
}

/// The zone a logged statement runs in (the one its leading comment names, else UTC) and the statement
/// without that comment.
pub fn split_statement(sql: &str) -> (Zone, &str) {
    let marked = sql.strip_prefix(MARK_PREFIX).and_then(|rest| rest.split_once(MARK_SUFFIX));
    match marked.and_then(|(name, rest)| Some((Zone::parse(name)?, rest))) {
        Some((zone, rest)) => (zone, rest),
        None => (UTC, sql),
    }
}

/// `+01`, `-03:30`, `+00:53:28` → seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let mut secs = 0;
    for (i, part) in digits.split(':').enumerate() {
        let n: i32 = part.parse().ok()?;
        secs += n * [3600, 60, 1].get(i)?;
    }
    Some(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        (super::super::calendar::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) * 1_000_000
    }

    #[test]
    fn names_parse_in_any_case_and_round_trip_through_the_log_comment() {
        let berlin = Zone::parse("europe/berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        assert_eq!(Zone::parse("UTC"), Some(UTC));
        assert_eq!(Zone::parse("-7"), Some(Zone::Fixed(-7 * 3600)));
        assert_eq!(Zone::Fixed(-7 * 3600).name(), "<-07>+07");
        assert_eq!(Zone::parse("<-07>+07"), Some(Zone::Fixed(-7 * 3600)));
        assert_eq!(Zone::parse("Mars/Olympus"), None);
        for zone in [berlin, Zone::Fixed(-7 * 3600), Zone::Fixed(19_800)] {
            assert_eq!(split_statement(&mark(zone, "SELECT 1")), (zone, "SELECT 1"));
        }
        assert_eq!(mark(UTC, "SELECT 1"), "SELECT 1");
        assert_eq!(split_statement("SELECT 1"), (UTC, "SELECT 1"));
    }

    #[test]
    fn gaps_and_folds_resolve_as_postgresql_does() {
        let ny = Zone::parse("America/New_York").unwrap();
        // 2018-03-11 02:30 does not exist in New York: read with EST (-05), it is 07:30 UTC (03:30 EDT).
        assert_eq!(ny.utc_of_local(us(2018, 3, 11, 2, 30)), us(2018, 3, 11, 7, 30));
        // 2018-11-04 01:30 happens twice: PostgreSQL takes the later, standard time (-05): 06:30 UTC.
        assert_eq!(ny.utc_of_local(us(2018, 11, 4, 1, 30)), us(2018, 11, 4, 6, 30));
        assert_eq!(ny.offset_at(us(2024, 7, 1, 0, 0)), -4 * 3600);
        assert_eq!(offset_text(19_800), "+05:30");
        assert_eq!(offset_text(-3600), "-01");
    }

    #[test]
    fn with_zone_restores_the_previous_zone() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        with_zone(berlin, || {
            assert_eq!(current(), berlin);
            with_zone(UTC, || assert_eq!(current(), UTC));
            assert_eq!(current(), berlin);
        });
        assert_eq!(current(), UTC);
    }
}
