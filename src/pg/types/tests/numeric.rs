//! The numeric codecs: text forms, the binary layout (weights, scales, NaN and infinities).

use super::*;

#[test]
fn numeric_text_decode() {
    // Every numeric parameter is stored as its exact decimal text, scale included.
    assert_eq!(dt("42", &Type::NUMERIC), text("42"));
    assert_eq!(dt("100.00", &Type::NUMERIC), text("100.00"));
    assert_eq!(dt("1e3", &Type::NUMERIC), text("1000"));
    assert_eq!(dt("1.50", &Type::NUMERIC), text("1.50"));
    assert_eq!(dt("-0.0001", &Type::NUMERIC), text("-0.0001"));
    assert_eq!(dt("12345678901234567890", &Type::NUMERIC), text("12345678901234567890"));
    assert_eq!(dt("0.1000000000000000000001", &Type::NUMERIC), text("0.1000000000000000000001"));
    assert_eq!(dt("1.5e-20", &Type::NUMERIC), text("0.000000000000000000015"));
    assert_eq!(dt_err("1.2.3", &Type::NUMERIC).sqlstate, "22P02");
    assert_eq!(dt_err("abc", &Type::NUMERIC).message, "invalid input syntax for type numeric: \"abc\"");
}

#[test]
fn numeric_text_output() {
    assert_eq!(txt(&Value::Real(1.5), &Type::NUMERIC), "1.5");
    assert_eq!(txt(&Value::Real(1e20), &Type::NUMERIC), "100000000000000000000");
    assert_eq!(txt(&Value::Real(1.5e-7), &Type::NUMERIC), "0.00000015");
    assert_eq!(txt(&Value::Integer(-7), &Type::NUMERIC), "-7");
    assert_eq!(txt(&text("12345678901234567890.5"), &Type::NUMERIC), "12345678901234567890.5");
    assert_eq!(txt(&Value::Real(f64::NAN), &Type::NUMERIC), "NaN");
    for s in ["0", "1.5", "-3", "12345678901234567890", "0.0001"] {
        assert_eq!(txt(&dt(s, &Type::NUMERIC), &Type::NUMERIC), s);
    }
}

fn numeric_bytes(nd: i16, weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
    let mut v = Vec::new();
    for x in [nd, weight, sign as i16, dscale as i16].iter().chain(digits) {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v
}

#[test]
fn numeric_binary_layout() {
    let n = Type::NUMERIC;
    assert_eq!(bin(&Value::Integer(0), &n), numeric_bytes(0, 0, 0, 0, &[]));
    assert_eq!(bin(&Value::Integer(1), &n), numeric_bytes(1, 0, 0, 0, &[1]));
    assert_eq!(bin(&Value::Integer(-1), &n), numeric_bytes(1, 0, 0x4000, 0, &[1]));
    assert_eq!(bin(&Value::Real(12345.678), &n), numeric_bytes(3, 1, 0, 3, &[1, 2345, 6780]));
    assert_eq!(bin(&Value::Real(0.0001), &n), numeric_bytes(1, -1, 0, 4, &[1]));
    assert_eq!(bin(&Value::Integer(10000), &n), numeric_bytes(1, 1, 0, 0, &[1]));
    assert_eq!(bin(&Value::Real(1e-8), &n), numeric_bytes(1, -2, 0, 8, &[1]));
    assert_eq!(bin(&text("1.50"), &n), numeric_bytes(2, 0, 0, 2, &[1, 5000]));
    assert_eq!(bin(&Value::Real(f64::NAN), &n), numeric_bytes(0, 0, 0xC000, 0, &[]));
    // PostgreSQL 15 sends infinities with display scale 32.
    assert_eq!(bin(&Value::Real(f64::NEG_INFINITY), &n), numeric_bytes(0, 0, 0xF000, 32, &[]));
}

#[test]
fn numeric_binary_roundtrip() {
    let n = Type::NUMERIC;
    for v in [
        text("0"),
        text("-123456789"),
        text("-9223372036854775808"),
        text("12345.678"),
        text("-0.0001"),
        text("123456789012345678901234567890.123456789"),
    ] {
        let b = bin(&v, &n);
        assert_eq!(db(&b, &n), v);
        assert_eq!(bin(&db(&b, &n), &n), b);
    }
    assert_eq!(db(&numeric_bytes(2, 0, 0, 2, &[1, 5000]), &n), text("1.50"));
    assert_eq!(db_err(&numeric_bytes(1, 0, 0, 0, &[]), &n).sqlstate, "08P01");
    assert_eq!(db_err(&numeric_bytes(1, 0, 0, 0, &[10000]), &n).sqlstate, "22P03");
    assert_eq!(db_err(&numeric_bytes(0, 0, 0x1234, 0, &[]), &n).sqlstate, "22P03");
    assert_eq!(db_err(&[0, 0, 0], &n).sqlstate, "08P01");
}

#[test]
fn numeric_special_values() {
    assert_eq!(dt("NaN", &Type::NUMERIC), text("NaN"));
    assert_eq!(dt("-Infinity", &Type::NUMERIC), text("-Infinity"));
    assert_eq!(txt(&Value::Real(f64::INFINITY), &Type::NUMERIC), "Infinity");
    assert_eq!(txt(&text("-Infinity"), &Type::NUMERIC), "-Infinity");
    assert_eq!(dt("-0.00", &Type::NUMERIC), text("0.00"));
    assert_eq!(db(&numeric_bytes(0, 0, 0xD000, 0, &[]), &Type::NUMERIC), text("Infinity"));
}

#[test]
fn numeric_binary_extreme_weight() {
    let n = Type::NUMERIC;
    let v = db(&numeric_bytes(1, i16::MAX, 0, 0, &[1]), &n);
    assert!(matches!(&v, Value::Text(s) if s.len() == 4 * 32767 + 1));
    let v = db(&numeric_bytes(1, i16::MIN, 0, 0x3fff, &[1]), &n);
    assert!(matches!(&v, Value::Text(s) if s.len() == 2 + 0x3fff && s.trim_end_matches('0') == "0."));
    assert_eq!(db_err(&numeric_bytes(-1, 0, 0, 0, &[]), &n).sqlstate, "22P03");
}
