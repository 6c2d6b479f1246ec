//! The date/time codecs: calendar arithmetic, text and binary forms of date, time, timestamp, timestamptz.

use super::*;
use crate::db::datetime::calendar as time;
use crate::pg::types::datetime::PG_EPOCH_DAYS;

#[test]
fn calendar_math() {
    assert_eq!(time::days_from_civil(1970, 1, 1), 0);
    assert_eq!(time::days_from_civil(2000, 1, 1), PG_EPOCH_DAYS);
    for d in [-800_000i64, -1, 0, 59, 60, 11_016, 2_932_896] {
        let (y, m, dd) = time::civil_from_days(d);
        assert_eq!(time::days_from_civil(y, m, dd), d);
    }
    assert_eq!(time::civil_from_days(19_782), (2024, 2, 29));
}

#[test]
fn date_roundtrip() {
    assert_eq!(dt("2024-02-29", &Type::DATE), text("2024-02-29"));
    assert_eq!(dt(" 2024-3-5 ", &Type::DATE), text("2024-03-05"));
    assert_eq!(txt(&text("2024-02-29"), &Type::DATE), "2024-02-29");
    assert_eq!(bin(&text("2000-01-01"), &Type::DATE), vec![0, 0, 0, 0]);
    assert_eq!(bin(&text("1999-12-31"), &Type::DATE), (-1i32).to_be_bytes().to_vec());
    let b = bin(&text("2024-02-29"), &Type::DATE);
    assert_eq!(db(&b, &Type::DATE), text("2024-02-29"));
    assert_eq!(db(&i32::MAX.to_be_bytes(), &Type::DATE), text("infinity"));
    assert_eq!(dt_err("2023-02-29", &Type::DATE).sqlstate, "22008");
    assert_eq!(dt_err("yesterday-ish", &Type::DATE).sqlstate, "22007");
}

#[test]
fn time_roundtrip() {
    assert_eq!(dt("12:34:56.789000", &Type::TIME), text("12:34:56.789"));
    assert_eq!(dt("7:05", &Type::TIME), text("07:05:00"));
    assert_eq!(dt("23:59:59.1234567", &Type::TIME), text("23:59:59.123457"));
    let b = bin(&text("12:34:56.789"), &Type::TIME);
    assert_eq!(b, 45_296_789_000i64.to_be_bytes().to_vec());
    assert_eq!(db(&b, &Type::TIME), text("12:34:56.789"));
    assert_eq!(txt(&text("12:34:56.789"), &Type::TIME), "12:34:56.789");
    assert_eq!(dt_err("25:00", &Type::TIME).sqlstate, "22008");
    assert_eq!(db_err(&(-1i64).to_be_bytes(), &Type::TIME).sqlstate, "22008");
}

#[test]
fn timestamp_roundtrip() {
    let ts = Type::TIMESTAMP;
    assert_eq!(dt("2024-02-29T12:34:56.789", &ts), text("2024-02-29 12:34:56.789"));
    assert_eq!(dt("2024-02-29 12:34:56+05", &ts), text("2024-02-29 12:34:56"));
    assert_eq!(dt("2024-02-29", &ts), text("2024-02-29 00:00:00"));
    assert_eq!(txt(&text("2024-02-29 12:34:56.789"), &ts), "2024-02-29 12:34:56.789");
    assert_eq!(bin(&text("2000-01-01 00:00:00"), &ts), vec![0; 8]);
    assert_eq!(bin(&text("2000-01-01 00:00:01"), &ts), 1_000_000i64.to_be_bytes().to_vec());
    let b = bin(&text("1969-07-20 20:17:40.5"), &ts);
    assert_eq!(db(&b, &ts), text("1969-07-20 20:17:40.5"));
    assert_eq!(db(&i64::MIN.to_be_bytes(), &ts), text("-infinity"));
    assert_eq!(dt_err("2024-13-01 00:00:00", &ts).sqlstate, "22008");
    assert_eq!(dt_err("2024-01-01 00:00:00 junk", &ts).sqlstate, "22007");
}

#[test]
fn timestamptz_utc_conversion() {
    let tz = Type::TIMESTAMPTZ;
    assert_eq!(dt("2024-02-29 12:34:56.789+02", &tz), text("2024-02-29 10:34:56.789+00"));
    assert_eq!(dt("2024-03-01T01:00:00-05:30", &tz), text("2024-03-01 06:30:00+00"));
    assert_eq!(dt("2024-03-01 00:30:00+01:00", &tz), text("2024-02-29 23:30:00+00"));
    assert_eq!(dt("2024-03-01 00:30:00Z", &tz), text("2024-03-01 00:30:00+00"));
    assert_eq!(dt("2024-03-01 00:30:00", &tz), text("2024-03-01 00:30:00+00"));
    assert_eq!(txt(&text("2024-02-29 10:34:56.789"), &tz), "2024-02-29 10:34:56.789+00");
    assert_eq!(txt(&text("infinity"), &tz), "infinity");
}

#[test]
fn timestamptz_binary_roundtrip() {
    let tz = Type::TIMESTAMPTZ;
    let b = bin(&text("2024-02-29 10:34:56.789"), &tz);
    let expect = (19_782i64 - PG_EPOCH_DAYS) * 86_400_000_000 + 38_096_789_000;
    assert_eq!(b, expect.to_be_bytes().to_vec());
    assert_eq!(db(&b, &tz), text("2024-02-29 10:34:56.789+00"));
    assert_eq!(db_err(&[0; 4], &tz).sqlstate, "08P01");
}

#[test]
fn timestamp_edge_cases() {
    let ts = Type::TIMESTAMP;
    assert_eq!(dt("2023-12-31 23:59:59.9999999", &ts), text("2024-01-01 00:00:00"));
    assert_eq!(dt("infinity", &ts), text("infinity"));
    assert_eq!(bin(&text("infinity"), &ts), i64::MAX.to_be_bytes().to_vec());
    assert_eq!(dt_err("999999-01-01", &ts).sqlstate, "22008");
    assert_eq!(dt_err("2024-01-01 10:00:00+99", &Type::TIMESTAMPTZ).sqlstate, "22008");
}
