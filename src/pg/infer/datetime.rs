//! Result types of the date/time operators and functions, as PostgreSQL 15 types them.

use crate::pg::dialect::PgType;
use PgType::*;

fn is_number(t: PgType) -> bool {
    matches!(t, Int2 | Int4 | Int8 | Float4 | Float8 | Numeric)
}

/// The type of `a op b` (`op` one of `+ - * /`) when a date/time type is among the operands; `None` when
/// neither is one, or PostgreSQL has no such operator.
pub(super) fn arithmetic(op: char, a: Option<PgType>, b: Option<PgType>) -> Option<PgType> {
    let (a, b) = (a?, b?);
    Some(match (op, a, b) {
        ('+', Date, Int2 | Int4 | Int8) | ('+', Int2 | Int4 | Int8, Date) | ('-', Date, Int2 | Int4 | Int8) => Date,
        ('-', Date, Date) => Int4,
        ('+', Date, Time) | ('+', Time, Date) => Timestamp,
        ('+' | '-', Date | Timestamp, Interval) | ('+', Interval, Date | Timestamp) => Timestamp,
        ('+' | '-', Timestamptz, Interval) | ('+', Interval, Timestamptz) => Timestamptz,
        ('+' | '-', Time, Interval) | ('+', Interval, Time) => Time,
        ('-', Timestamp | Timestamptz | Date, Timestamp | Timestamptz) | ('-', Timestamp | Timestamptz, Date) => {
            Interval
        }
        ('-', Time, Time) | ('+' | '-', Interval, Interval) => Interval,
        ('*', Interval, n) | ('*', n, Interval) | ('/', Interval, n) if is_number(n) => Interval,
        _ => return None,
    })
}

/// The type of a date/time function's result, from its name and its second argument's type.
pub(super) fn function(name: &str, second: Option<PgType>) -> Option<PgType> {
    Some(match name {
        "date_part" => Float8,
        "age" | "justify_days" | "justify_hours" | "justify_interval" | "make_interval" => Interval,
        "to_char" => Text,
        "make_date" => Date,
        "make_time" => Time,
        "make_timestamp" => Timestamp,
        "make_timestamptz" | "to_timestamp" | "statement_timestamp" | "transaction_timestamp" | "clock_timestamp" => {
            Timestamptz
        }
        // A date is truncated as the timestamptz PostgreSQL reads it as.
        "date_trunc" => match second {
            Some(Timestamp) => Timestamp,
            Some(Interval) => Interval,
            _ => Timestamptz,
        },
        _ => return None,
    })
}

/// The type of `x AT TIME ZONE z`: a timestamptz becomes a timestamp, anything else a timestamptz.
pub(super) fn at_time_zone(t: Option<PgType>) -> PgType {
    match t {
        Some(Timestamptz) => Timestamp,
        _ => Timestamptz,
    }
}
