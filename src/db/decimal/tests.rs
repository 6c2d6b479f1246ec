//! Unit tests of the decimal arithmetic, against what PostgreSQL 15 prints for the same expressions.

use super::*;

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

#[test]
fn parses_and_prints_like_postgresql() {
    for (input, printed) in [
        ("12345678901234567890", "12345678901234567890"),
        ("12345678901234567890.123456789012345678901", "12345678901234567890.123456789012345678901"),
        ("1.50", "1.50"),
        ("-0.00", "0.00"),
        ("  +007.10 ", "7.10"),
        (".5", "0.5"),
        ("5.", "5"),
        ("1e3", "1000"),
        ("1.5e-3", "0.0015"),
        ("-1.25E+1", "-12.5"),
        ("NaN", "NaN"),
        ("-inf", "-Infinity"),
        ("Infinity", "Infinity"),
    ] {
        assert_eq!(d(input).to_string(), printed, "{input}");
    }
    for bad in ["", "abc", "1.2.3", "--1", "1e", "e5", "1 2", "+nan"] {
        assert_eq!(Decimal::parse(bad).unwrap_err().sqlstate, "22P02", "{bad}");
    }
    assert_eq!(Decimal::parse("1e1000000000").unwrap_err().sqlstate, "22003");
    assert_eq!(Decimal::parse(&"9".repeat(131073)).unwrap_err().sqlstate, "22003");
}

#[test]
fn arithmetic_keeps_postgresql_scales() {
    let cases = [
        (d("0.1").add(&d("0.2")), "0.3"),
        (d("1.50").add(&d("2")), "3.50"),
        (d("1.5").mul(&d("1.50")), "2.250"),
        (d("12345678901234567890.123456789").add(&d("1.5000")), "12345678901234567891.623456789"),
        (d("1").sub(&d("1.000")), "0.000"),
        (d("1.6").div(&d("2")), "0.80000000000000000000"),
        (d("1").div(&d("3")), "0.33333333333333333333"),
        (d("10").div(&d("4")), "2.5000000000000000"),
        (d("2").div(&d("3")), "0.66666666666666666667"),
        (d("1000000").div(&d("7")), "142857.142857142857"),
        (d("1").div(&d("7000000")), "0.000000142857142857142857"),
        (d("123456789").div(&d("0.001")), "123456789000.00000000"),
        (d("0.00001").div(&d("3")), "0.000003333333333333333333"),
        (d("-7.5").rem(&d("2")), "-1.5"),
        (d("Infinity").add(&d("-Infinity")), "NaN"),
        (d("Infinity").mul(&d("-2")), "-Infinity"),
    ];
    for (got, want) in cases {
        assert_eq!(got.unwrap().to_string(), want);
    }
    assert_eq!(d("1").div(&d("0.00")).unwrap_err().sqlstate, "22012");
}

#[test]
fn rounds_half_away_from_zero_and_fits_typmods() {
    assert_eq!(d("2.5").round(0).to_string(), "3");
    assert_eq!(d("-2.5").round(0).to_string(), "-3");
    assert_eq!(d("1234.5678").round(-2).to_string(), "1200");
    assert_eq!(d("1.005").round(2).to_string(), "1.01");
    assert_eq!(d("1.5").round(3).to_string(), "1.500");
    assert_eq!(d("-1.99").trunc(1).to_string(), "-1.9");
    assert_eq!(d("-1.5").floor_or_ceil(false).to_string(), "-2");
    assert_eq!(d("-1.5").floor_or_ceil(true).to_string(), "-1");
    assert_eq!(d("1").with_typmod(10, 2).unwrap().to_string(), "1.00");
    assert_eq!(d("123.456").with_typmod(5, 2).unwrap().to_string(), "123.46");
    assert_eq!(d("999.995").with_typmod(5, 2).unwrap_err().sqlstate, "22003");
    assert_eq!(d("0.001").with_typmod(2, 2).unwrap().to_string(), "0.00");
    assert_eq!(d("Infinity").with_typmod(10, 2).unwrap_err().sqlstate, "22003");
}

#[test]
fn orders_like_postgresql() {
    let mut v: Vec<Decimal> = ["NaN", "1.00", "-Infinity", "0.999", "Infinity", "1", "-5", "100000000000000000000001"]
        .iter()
        .map(|s| d(s))
        .collect();
    v.sort_by(Decimal::total_cmp);
    let printed: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(printed, ["-Infinity", "-5", "0.999", "1.00", "1", "100000000000000000000001", "Infinity", "NaN"]);
    assert_eq!(d("1.0").total_cmp(&d("1.000")), Ordering::Equal);
}

#[test]
fn converts_doubles_with_fifteen_digits() {
    assert_eq!(Decimal::from_f64(0.1).to_string(), "0.1");
    assert_eq!(Decimal::from_f64(0.1 + 0.2).to_string(), "0.3");
    assert_eq!(Decimal::from_f64(1e20).to_string(), "100000000000000000000");
    assert_eq!(Decimal::from_f64(-2.5).to_string(), "-2.5");
    assert_eq!(d("0.1").to_f64(), 0.1);
}
