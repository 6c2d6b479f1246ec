//! PostgreSQL's date/time types over SQLite: how values are stored, read in the session's time zone, and
//! shown again.
//!
//! Storage (what a column holds, and what the SQL functions return): `date` `YYYY-MM-DD`; `time`
//! `HH:MM:SS[.ffffff]`; `timestamp` `YYYY-MM-DD HH:MM:SS[.ffffff]`; `timestamptz` the instant in UTC with its
//! offset written, `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, so texts of one type sort in time order and a timestamptz
//! is told from a timestamp by its text; `interval` PostgreSQL's own output text (`1 year 2 mons 3 days
//! 04:05:06`). A timestamp written without an offset is read in the session's zone (`zone::current`), as
//! PostgreSQL reads it.

pub mod arithmetic;
pub mod calendar;
pub mod fields;
pub mod functions;
pub mod interval;
pub mod to_char;
pub mod zone;

use calendar::{fmt_ts, parse_local, WrittenZone};
pub use calendar::{DtErr, Ts};

/// PostgreSQL's SQLSTATE and message for a date/time text `input` that type `type_name` refused.
pub fn input_error(e: DtErr, type_name: &str, input: &str) -> (&'static str, String) {
    match e {
        DtErr::Syntax => ("22007", format!("invalid input syntax for type {type_name}: \"{input}\"")),
        DtErr::Range if type_name == "interval" => ("22015", "interval out of range".into()),
        DtErr::Range => ("22008", format!("date/time field value out of range: \"{input}\"")),
    }
}

/// Parses a `timestamptz`: the zone written after it, else the session's, says which instant it is.
pub fn parse_timestamptz(s: &str) -> Result<Ts, DtErr> {
    let (local, written) = parse_local(s)?;
    let Ts::At(local) = local else { return Ok(local) };
    let utc = match written {
        Some(WrittenZone::Offset(secs)) => local - secs * 1_000_000,
        Some(WrittenZone::Name(name)) => zone::Zone::parse(&name).ok_or(DtErr::Syntax)?.utc_of_local(local),
        None => zone::current().utc_of_local(local),
    };
    Ok(Ts::At(utc))
}

/// A text that holds a zone (an offset or a zone name) after its time: a `timestamptz` rather than a `timestamp`.
pub fn has_zone(s: &str) -> bool {
    matches!(parse_local(s), Ok((_, Some(_))))
}

/// The storage form of a timestamptz: UTC, offset written (`2024-01-01 10:00:00+00`).
pub fn store_timestamptz(t: Ts) -> String {
    match t {
        Ts::At(_) => format!("{}+00", fmt_ts(t)),
        t => fmt_ts(t),
    }
}

/// A timestamptz as PostgreSQL shows it, in the session's zone (`2024-01-01 11:00:00+01`).
pub fn show_timestamptz(t: Ts) -> String {
    match t {
        Ts::At(utc) => {
            let offset = zone::current().offset_at(utc);
            format!("{}{}", fmt_ts(Ts::At(utc + i64::from(offset) * 1_000_000)), zone::offset_text(offset))
        }
        t => fmt_ts(t),
    }
}

/// The session's wall-clock time of an instant (a timestamptz cast to timestamp).
pub fn local_time(t: Ts) -> Ts {
    match t {
        Ts::At(utc) => Ts::At(zone::current().local_of_utc(utc)),
        t => t,
    }
}

/// The instant of a wall-clock time in the session's zone (a timestamp cast to timestamptz).
pub fn instant_of_local(t: Ts) -> Ts {
    match t {
        Ts::At(local) => Ts::At(zone::current().utc_of_local(local)),
        t => t,
    }
}
