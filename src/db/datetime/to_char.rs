//! `to_char(timestamp | timestamptz | date | interval, format)`: PostgreSQL's date/time template patterns
//! (`YYYY-MM-DD HH24:MI:SS`, `Mon DD, YYYY`, `FMDay`, `"quoted text"`, ...). Patterns are matched longest
//! first, as PostgreSQL does; anything else is copied.

use super::fields::{iso_week, parts, Parts};
use super::zone;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// The patterns, longest first where one is a prefix of another.
const PATTERNS: &[&str] = &[
    "HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US", "A.M.", "P.M.", "a.m.", "p.m.", "AM", "PM", "am",
    "pm", "Y,YYY", "YYYY", "YYY", "YY", "Y", "IYYY", "IYY", "IY", "IW", "ID", "MONTH", "Month", "month", "MON", "Mon",
    "mon", "MM", "DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D", "WW", "W", "Q", "CC", "J", "TZ", "tz", "OF",
    "I",
];

/// What is formatted: a wall-clock time, and for a timestamptz the offset and zone abbreviation in force.
pub struct Subject {
    pub local_us: i64,
    pub offset: Option<(i32, String)>,
}

fn case_name(name: &str, pattern: &str, abbreviate: bool) -> String {
    let base: String = if abbreviate { name.chars().take(3).collect() } else { name.to_string() };
    let upper = pattern.chars().take(2).all(|c| c.is_ascii_uppercase());
    let lower = pattern.starts_with(|c: char| c.is_ascii_lowercase());
    if upper {
        base.to_ascii_uppercase()
    } else if lower {
        base.to_ascii_lowercase()
    } else {
        base
    }
}

fn number(v: i64, width: usize, fill_mode: bool) -> String {
    if fill_mode {
        v.to_string()
    } else {
        format!("{v:0width$}")
    }
}

fn ordinal(v: i64, upper: bool) -> &'static str {
    let suffix = match (v % 100, v % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    match (upper, suffix) {
        (false, s) => s,
        (true, "st") => "ST",
        (true, "nd") => "ND",
        (true, "rd") => "RD",
        (true, _) => "TH",
    }
}

fn field(pattern: &str, p: &Parts, s: &Subject, fm: bool) -> (String, Option<i64>) {
    let hour12 = if p.hour % 12 == 0 { 12 } else { p.hour % 12 };
    let secs = p.second_us / 1_000_000;
    let doy = p.days - super::calendar::days_from_civil(p.year, 1, 1) + 1;
    let (iso_year, iso_wk) = iso_week(p.days);
    let n = |v: i64, w: usize| (number(v, w, fm), Some(v));
    // Full month and day names are padded to 9 characters unless FM says otherwise.
    let pad_name = |name: String| {
        if fm {
            (name, None)
        } else {
            (format!("{name:<9}"), None)
        }
    };
    match pattern {
        "HH24" => n(p.hour, 2),
        "HH12" | "HH" => n(hour12, 2),
        "MI" => n(p.minute, 2),
        "SS" => n(secs, 2),
        "SSSS" | "SSSSS" => n(p.hour * 3600 + p.minute * 60 + secs, 0),
        "MS" => n(p.second_us % 1_000_000 / 1000, 3),
        "US" => n(p.second_us % 1_000_000, 6),
        "AM" | "PM" => ((if p.hour < 12 { "AM" } else { "PM" }).into(), None),
        "am" | "pm" => ((if p.hour < 12 { "am" } else { "pm" }).into(), None),
        "A.M." | "P.M." => ((if p.hour < 12 { "A.M." } else { "P.M." }).into(), None),
        "a.m." | "p.m." => ((if p.hour < 12 { "a.m." } else { "p.m." }).into(), None),
        "Y,YYY" => (format!("{},{:03}", p.year / 1000, p.year % 1000), None),
        "YYYY" => n(p.year, 4),
        "YYY" => n(p.year % 1000, 3),
        "YY" => n(p.year % 100, 2),
        "Y" => n(p.year % 10, 1),
        "IYYY" => n(iso_year, 4),
        "IYY" => n(iso_year % 1000, 3),
        "IY" => n(iso_year % 100, 2),
        "I" => n(iso_year % 10, 1),
        "IW" => n(iso_wk, 2),
        "ID" => n((p.days + 3).rem_euclid(7) + 1, 1),
        "MONTH" | "Month" | "month" => pad_name(case_name(MONTHS[(p.month - 1) as usize], pattern, false)),
        "MON" | "Mon" | "mon" => (case_name(MONTHS[(p.month - 1) as usize], pattern, true), None),
        "MM" => n(p.month, 2),
        "DAY" | "Day" | "day" => pad_name(case_name(DAYS[(p.days + 4).rem_euclid(7) as usize], pattern, false)),
        "DY" | "Dy" | "dy" => (case_name(DAYS[(p.days + 4).rem_euclid(7) as usize], pattern, true), None),
        "DDD" => n(doy, 3),
        "DD" => n(p.day, 2),
        "D" => n((p.days + 4).rem_euclid(7) + 1, 1),
        "WW" => n((doy - 1) / 7 + 1, 2),
        "W" => n((p.day - 1) / 7 + 1, 1),
        "Q" => n((p.month - 1) / 3 + 1, 1),
        "CC" => n((p.year + 99) / 100, 2),
        "J" => n(p.days + 2_440_588, 0),
        "TZ" | "tz" => {
            let text = s.offset.as_ref().map(|(_, abbreviation)| abbreviation.clone()).unwrap_or_default();
            (if pattern == "tz" { text.to_ascii_lowercase() } else { text }, None)
        }
        "OF" => (s.offset.as_ref().map(|(o, _)| zone::offset_text(*o)).unwrap_or_default(), None),
        _ => (pattern.to_string(), None),
    }
}

/// Formats `subject` by a PostgreSQL template.
pub fn to_char(subject: &Subject, template: &str) -> String {
    let p = parts(subject.local_us);
    let mut out = String::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let body = &rest[1..];
            let end = body.find('"').unwrap_or(body.len());
            out.push_str(&body[..end].replace("\\\"", "\""));
            rest = body.get(end + 1..).unwrap_or("");
            continue;
        }
        if c == '\\' && rest.len() > 1 {
            let next = rest[1..].chars().next().unwrap_or('\\');
            out.push(next);
            rest = &rest[1 + next.len_utf8()..];
            continue;
        }
        let fm = rest.len() > 2 && rest[..2].eq_ignore_ascii_case("fm");
        let body = if fm { &rest[2..] } else { rest };
        if let Some(pattern) = PATTERNS.iter().find(|pat| body.starts_with(**pat)) {
            let (text, value) = field(pattern, &p, subject, fm);
            out.push_str(&text);
            rest = &body[pattern.len()..];
            for (suffix, upper) in [("TH", true), ("th", false)] {
                if let (Some(v), Some(after)) = (value, rest.strip_prefix(suffix)) {
                    out.push_str(ordinal(v, upper));
                    rest = after;
                }
            }
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_templates_format_as_postgresql() {
        // 2024-03-05 14:07:09.123456, a Tuesday.
        let local_us = (19_787 * 86_400 + 14 * 3600 + 7 * 60 + 9) * 1_000_000 + 123_456;
        let s = Subject { local_us, offset: None };
        assert_eq!(to_char(&s, "YYYY-MM-DD HH24:MI:SS"), "2024-03-05 14:07:09");
        assert_eq!(to_char(&s, "Mon DD, YYYY HH12:MI AM"), "Mar 05, 2024 02:07 PM");
        assert_eq!(to_char(&s, "FMMonth FMDDth"), "March 5th");
        assert_eq!(to_char(&s, "Day|Month|"), "Tuesday  |March    |");
        assert_eq!(to_char(&s, "DY dy MS US Q IW DDD"), "TUE tue 123 123456 1 10 065");
        assert_eq!(to_char(&s, "\"Week\" WW"), "Week 10");
        let tz = Subject { local_us, offset: Some((3600, "CET".into())) };
        assert_eq!(to_char(&tz, "HH24 TZ OF"), "14 CET +01");
    }
}
