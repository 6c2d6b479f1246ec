//! The wire codecs: text and binary forms of every type, errors, and garbage that must not panic. Numerics and
//! dates/times have their own files.

use super::*;

mod datetime;
mod numeric;

fn txt(v: &Value, ty: &Type) -> String {
    String::from_utf8(encode_text(v, ty).unwrap().unwrap()).unwrap()
}
fn dt(s: &str, ty: &Type) -> Value {
    decode_param(Some(s.as_bytes()), false, ty).unwrap()
}
fn dt_err(s: &str, ty: &Type) -> TypeError {
    decode_param(Some(s.as_bytes()), false, ty).unwrap_err()
}
fn bin(v: &Value, ty: &Type) -> Vec<u8> {
    encode_binary(v, ty).unwrap().unwrap()
}
fn db(b: &[u8], ty: &Type) -> Value {
    decode_param(Some(b), true, ty).unwrap()
}
fn db_err(b: &[u8], ty: &Type) -> TypeError {
    decode_param(Some(b), true, ty).unwrap_err()
}
fn text(s: &str) -> Value {
    Value::Text(s.into())
}

#[test]
fn decl_types() {
    assert_eq!(type_for_decl(Some("INTEGER")), Some(Type::INT8));
    assert_eq!(type_for_decl(Some("int")), Some(Type::INT4));
    assert_eq!(type_for_decl(Some("int4")), Some(Type::INT4));
    assert_eq!(type_for_decl(Some("smallint")), Some(Type::INT2));
    assert_eq!(type_for_decl(Some("BigInt")), Some(Type::INT8));
    assert_eq!(type_for_decl(Some("real")), Some(Type::FLOAT4));
    assert_eq!(type_for_decl(Some("double  precision")), Some(Type::FLOAT8));
    assert_eq!(type_for_decl(Some("float")), Some(Type::FLOAT8));
    assert_eq!(type_for_decl(Some("NUMERIC(10, 2)")), Some(Type::NUMERIC));
    assert_eq!(type_for_decl(Some("decimal")), Some(Type::NUMERIC));
    assert_eq!(type_for_decl(Some("varchar(255)")), Some(Type::VARCHAR));
    assert_eq!(type_for_decl(Some("character varying(3)")), Some(Type::VARCHAR));
    assert_eq!(type_for_decl(Some("char(3)")), Some(Type::BPCHAR));
    assert_eq!(type_for_decl(Some("clob")), Some(Type::TEXT));
    assert_eq!(type_for_decl(Some("blob")), Some(Type::BYTEA));
    assert_eq!(type_for_decl(Some("bool")), Some(Type::BOOL));
    assert_eq!(type_for_decl(Some("timestamptz")), Some(Type::TIMESTAMPTZ));
    assert_eq!(type_for_decl(Some("timestamp(3) with time zone")), Some(Type::TIMESTAMPTZ));
    assert_eq!(type_for_decl(Some("TIMESTAMP")), Some(Type::TIMESTAMP));
    assert_eq!(type_for_decl(Some("date")), Some(Type::DATE));
    assert_eq!(type_for_decl(Some("time")), Some(Type::TIME));
    assert_eq!(type_for_decl(Some("jsonb")), Some(Type::JSONB));
    assert_eq!(type_for_decl(Some("json")), Some(Type::JSON));
    assert_eq!(type_for_decl(Some("uuid")), Some(Type::UUID));
    assert_eq!(type_for_decl(Some("geometry")), None);
    assert_eq!(type_for_decl(None), None);
}

#[test]
fn value_types() {
    assert_eq!(type_for_value(&Value::Integer(1)), Type::INT8);
    assert_eq!(type_for_value(&Value::Real(1.0)), Type::FLOAT8);
    assert_eq!(type_for_value(&text("a")), Type::TEXT);
    assert_eq!(type_for_value(&Value::Blob(vec![])), Type::BYTEA);
    assert_eq!(type_for_value(&Value::Null), Type::TEXT);
}

#[test]
fn null_handling() {
    for ty in [Type::INT4, Type::TEXT, Type::NUMERIC, Type::TIMESTAMPTZ, Type::UNKNOWN] {
        assert_eq!(encode_text(&Value::Null, &ty).unwrap(), None);
        assert_eq!(encode_binary(&Value::Null, &ty).unwrap(), None);
        assert_eq!(decode_param(None, false, &ty).unwrap(), Value::Null);
        assert_eq!(decode_param(None, true, &ty).unwrap(), Value::Null);
    }
}

#[test]
fn bool_text() {
    for s in ["t", "TRUE", " yes ", "on", "1", "Y"] {
        assert_eq!(dt(s, &Type::BOOL), Value::Integer(1), "{s}");
    }
    for s in ["f", "False", "no", "OFF", "0"] {
        assert_eq!(dt(s, &Type::BOOL), Value::Integer(0), "{s}");
    }
    assert_eq!(txt(&Value::Integer(1), &Type::BOOL), "t");
    assert_eq!(txt(&Value::Integer(0), &Type::BOOL), "f");
    let e = dt_err("maybe", &Type::BOOL);
    assert_eq!(e.sqlstate, "22P02");
    assert_eq!(e.message, "invalid input syntax for type boolean: \"maybe\"");
}

#[test]
fn bool_binary() {
    assert_eq!(bin(&Value::Integer(1), &Type::BOOL), vec![1]);
    assert_eq!(db(&[1], &Type::BOOL), Value::Integer(1));
    assert_eq!(db(&[0], &Type::BOOL), Value::Integer(0));
    assert_eq!(db_err(&[], &Type::BOOL).sqlstate, "08P01");
    assert_eq!(db_err(&[1, 1], &Type::BOOL).sqlstate, "22P03");
}

#[test]
fn int_text_roundtrip() {
    for ty in [Type::INT2, Type::INT4, Type::INT8] {
        assert_eq!(dt(" -42 ", &ty), Value::Integer(-42));
        assert_eq!(txt(&dt("+17", &ty), &ty), "17");
    }
    assert_eq!(dt("-9223372036854775808", &Type::INT8), Value::Integer(i64::MIN));
}

#[test]
fn int_range_errors() {
    let e = dt_err("70000", &Type::INT2);
    assert_eq!(e.sqlstate, "22003");
    assert_eq!(e.message, "value \"70000\" is out of range for type smallint");
    assert_eq!(dt_err("2147483648", &Type::INT4).sqlstate, "22003");
    assert_eq!(dt_err("9223372036854775808", &Type::INT8).sqlstate, "22003");
    assert_eq!(dt_err("99999999999999999999999999999999999", &Type::INT8).sqlstate, "22003");
    let e = encode_binary(&Value::Integer(70000), &Type::INT2).unwrap_err();
    assert_eq!((e.sqlstate, e.message.as_str()), ("22003", "smallint out of range"));
    let e = encode_binary(&Value::Integer(1 << 40), &Type::INT4).unwrap_err();
    assert_eq!((e.sqlstate, e.message.as_str()), ("22003", "integer out of range"));
}

#[test]
fn int_malformed() {
    let e = dt_err("abc", &Type::INT4);
    assert_eq!(e.sqlstate, "22P02");
    assert_eq!(e.message, "invalid input syntax for type integer: \"abc\"");
    for s in ["", "-", "1.5", "1 2", "0x10"] {
        assert_eq!(dt_err(s, &Type::INT8).sqlstate, "22P02", "{s}");
    }
    assert_eq!(db_err(&[0, 0, 1], &Type::INT4).sqlstate, "08P01");
    assert_eq!(db_err(&[0, 0, 0, 0, 1], &Type::INT4).sqlstate, "22P03");
    assert_eq!(db_err(&[1], &Type::INT2).sqlstate, "08P01");
}

#[test]
fn int_binary_roundtrip() {
    for (ty, v, b) in [
        (Type::INT2, -2i64, vec![0xff, 0xfe]),
        (Type::INT4, 258, vec![0, 0, 1, 2]),
        (Type::INT8, i64::MAX, vec![0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ] {
        assert_eq!(bin(&Value::Integer(v), &ty), b);
        assert_eq!(db(&b, &ty), Value::Integer(v));
    }
}

#[test]
fn mismatched_storage_class() {
    assert_eq!(bin(&text("12"), &Type::INT4), vec![0, 0, 0, 12]);
    assert_eq!(encode_binary(&text("abc"), &Type::INT4).unwrap_err().sqlstate, "22P02");
    assert_eq!(bin(&Value::Real(3.0), &Type::INT8), 3i64.to_be_bytes().to_vec());
    assert_eq!(txt(&text("abc"), &Type::INT4), "abc");
    assert_eq!(txt(&Value::Integer(5), &Type::TEXT), "5");
    assert_eq!(txt(&Value::Real(2.5), &Type::TEXT), "2.5");
    assert_eq!(bin(&Value::Integer(5), &Type::TEXT), b"5".to_vec());
    assert_eq!(bin(&Value::Integer(7), &Type::FLOAT8), 7.0f64.to_be_bytes().to_vec());
    assert_eq!(bin(&text("1.25"), &Type::FLOAT4), 1.25f32.to_be_bytes().to_vec());
    assert_eq!(encode_binary(&Value::Integer(1), &Type::DATE).unwrap_err().sqlstate, "22P02");
    assert_eq!(encode_binary(&text("junk"), &Type::TIMESTAMPTZ).unwrap_err().sqlstate, "22007");
}

#[test]
fn float_text_output() {
    let f8 = |f: f64| txt(&Value::Real(f), &Type::FLOAT8);
    assert_eq!(f8(0.1), "0.1");
    assert_eq!(f8(1.5), "1.5");
    assert_eq!(f8(1e20), "1e+20");
    assert_eq!(f8(1e15), "1e+15");
    assert_eq!(f8(123456789012345.0), "123456789012345");
    assert_eq!(f8(0.0001), "0.0001");
    assert_eq!(f8(0.00001), "1e-05");
    assert_eq!(f8(-2.5e-300), "-2.5e-300");
    assert_eq!(f8(100.0), "100");
    assert_eq!(f8(0.0), "0");
    assert_eq!(f8(f64::INFINITY), "Infinity");
    assert_eq!(f8(f64::NEG_INFINITY), "-Infinity");
    assert_eq!(f8(f64::NAN), "NaN");
    assert_eq!(txt(&Value::Real(f64::from(0.1f32)), &Type::FLOAT4), "0.1");
    assert_eq!(txt(&Value::Real(1234567.0), &Type::FLOAT4), "1.234567e+06");
    assert_eq!(txt(&Value::Integer(3), &Type::FLOAT8), "3");
}

#[test]
fn float_input() {
    assert_eq!(dt(" 1.5 ", &Type::FLOAT8), Value::Real(1.5));
    assert_eq!(dt("-Infinity", &Type::FLOAT8), Value::Real(f64::NEG_INFINITY));
    assert!(matches!(dt("NaN", &Type::FLOAT8), Value::Real(f) if f.is_nan()));
    assert_eq!(dt("0.1", &Type::FLOAT4), Value::Real(f64::from(0.1f32)));
    assert_eq!(dt_err("1e400", &Type::FLOAT8).sqlstate, "22003");
    assert_eq!(dt_err("1e40", &Type::FLOAT4).sqlstate, "22003");
    assert_eq!(dt_err("x1", &Type::FLOAT8).sqlstate, "22P02");
}

#[test]
fn float_binary_roundtrip() {
    let b = bin(&Value::Real(0.1), &Type::FLOAT8);
    assert_eq!(b, 0.1f64.to_be_bytes().to_vec());
    assert_eq!(db(&b, &Type::FLOAT8), Value::Real(0.1));
    let b = bin(&Value::Real(f64::from(2.5f32)), &Type::FLOAT4);
    assert_eq!(b, 2.5f32.to_be_bytes().to_vec());
    assert_eq!(db(&b, &Type::FLOAT4), Value::Real(2.5));
    assert_eq!(db_err(&[0; 7], &Type::FLOAT8).sqlstate, "08P01");
}

#[test]
fn text_types() {
    for ty in [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME] {
        assert_eq!(dt("héllo", &ty), text("héllo"));
        assert_eq!(txt(&text("héllo"), &ty), "héllo");
        assert_eq!(bin(&text("héllo"), &ty), "héllo".as_bytes().to_vec());
        assert_eq!(db("héllo".as_bytes(), &ty), text("héllo"));
    }
    assert_eq!(db_err(&[0xff, 0xfe], &Type::TEXT).sqlstate, "22021");
    // json parameters are checked and kept as written.
    assert_eq!(dt(r#"{"b":1,  "a":2}"#, &Type::JSON), text(r#"{"b":1,  "a":2}"#));
    assert_eq!(dt_err("héllo", &Type::JSON).sqlstate, "22P02");
}

#[test]
fn jsonb() {
    // jsonb is canonical: keys sorted as jsonb sorts them, PostgreSQL's spacing.
    let j = r#"{"b":1,"a":[1,2.50]}"#;
    let canonical = r#"{"a": [1, 2.50], "b": 1}"#;
    assert_eq!(dt(j, &Type::JSONB), text(canonical));
    assert_eq!(txt(&text(j), &Type::JSONB), canonical);
    let b = bin(&text(j), &Type::JSONB);
    assert_eq!(b[0], 1);
    assert_eq!(&b[1..], canonical.as_bytes());
    assert_eq!(db(&b, &Type::JSONB), text(canonical));
    assert_eq!(dt_err("{a", &Type::JSONB).sqlstate, "22P02");
    assert_eq!(db_err(&[2, b'1'], &Type::JSONB).sqlstate, "22P03");
    assert_eq!(db_err(&[], &Type::JSONB).sqlstate, "08P01");
}

#[test]
fn bytea() {
    assert_eq!(txt(&Value::Blob(vec![10, 11]), &Type::BYTEA), "\\x0a0b");
    assert_eq!(dt("\\x0A0b", &Type::BYTEA), Value::Blob(vec![10, 11]));
    assert_eq!(dt("\\x", &Type::BYTEA), Value::Blob(vec![]));
    assert_eq!(dt("ab\\\\c\\001", &Type::BYTEA), Value::Blob(b"ab\\c\x01".to_vec()));
    assert_eq!(dt_err("\\x0", &Type::BYTEA).sqlstate, "22P02");
    assert_eq!(dt_err("\\xzz", &Type::BYTEA).sqlstate, "22P02");
    assert_eq!(dt_err("a\\9", &Type::BYTEA).sqlstate, "22P02");
    let blob = Value::Blob(vec![0, 255, 7]);
    assert_eq!(db(&bin(&blob, &Type::BYTEA), &Type::BYTEA), blob);
    assert_eq!(txt(&dt(&txt(&blob, &Type::BYTEA), &Type::BYTEA), &Type::BYTEA), "\\x00ff07");
}

#[test]
fn uuid_forms() {
    let canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    for s in [
        "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
        "a0eebc999c0b4ef8bb6d6bb9bd380a11",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        canon,
    ] {
        assert_eq!(dt(s, &Type::UUID), text(canon), "{s}");
    }
    let b = bin(&text(canon), &Type::UUID);
    assert_eq!(b.len(), 16);
    assert_eq!(b[0], 0xa0);
    assert_eq!(db(&b, &Type::UUID), text(canon));
    assert_eq!(txt(&text(canon), &Type::UUID), canon);
    assert_eq!(dt_err("a0eebc99", &Type::UUID).sqlstate, "22P02");
    assert_eq!(dt_err("g0eebc999c0b4ef8bb6d6bb9bd380a11", &Type::UUID).sqlstate, "22P02");
    assert_eq!(db_err(&[0; 15], &Type::UUID).sqlstate, "08P01");
}

#[test]
fn unknown_types() {
    assert_eq!(dt("whatever", &Type::UNKNOWN), text("whatever"));
    assert_eq!(db(&[1, 2], &Type::UNKNOWN), Value::Blob(vec![1, 2]));
    assert_eq!(db(&[1, 2], &Type::INET), Value::Blob(vec![1, 2]));
    assert_eq!(txt(&Value::Integer(3), &Type::INET), "3");
}

#[test]
fn text_roundtrip_every_type() {
    let cases: &[(Type, &str)] = &[
        (Type::BOOL, "t"),
        (Type::INT2, "-32768"),
        (Type::INT4, "2147483647"),
        (Type::INT8, "-9223372036854775808"),
        (Type::FLOAT4, "3.25"),
        (Type::FLOAT8, "1e+100"),
        (Type::NUMERIC, "-12.345"),
        (Type::TEXT, "x y"),
        (Type::VARCHAR, "v"),
        (Type::BPCHAR, "c"),
        (Type::BYTEA, "\\xdeadbeef"),
        (Type::DATE, "1999-12-31"),
        (Type::TIME, "00:00:00.000001"),
        (Type::TIMESTAMP, "2024-01-01 00:00:00"),
        (Type::TIMESTAMPTZ, "2024-01-01 00:00:00.5+00"),
        (Type::JSON, "[1, 2]"),
        (Type::JSONB, "{}"),
        (Type::UUID, "00000000-0000-0000-0000-000000000001"),
    ];
    for (ty, s) in cases {
        assert_eq!(txt(&dt(s, ty), ty), *s, "{ty}");
    }
}

#[test]
fn binary_roundtrip_every_type() {
    let cases: Vec<(Type, Value)> = vec![
        (Type::BOOL, Value::Integer(0)),
        (Type::INT2, Value::Integer(-300)),
        (Type::INT4, Value::Integer(i64::from(i32::MIN))),
        (Type::INT8, Value::Integer(i64::MIN)),
        (Type::FLOAT4, Value::Real(-0.75)),
        (Type::FLOAT8, Value::Real(1e-300)),
        (Type::NUMERIC, text("-98.76")),
        (Type::TEXT, text("t")),
        (Type::VARCHAR, text("")),
        (Type::BPCHAR, text("abc")),
        (Type::BYTEA, Value::Blob(vec![])),
        (Type::DATE, text("0001-01-01")),
        (Type::TIME, text("24:00:00")),
        (Type::TIMESTAMP, text("9999-12-31 23:59:59.999999")),
        (Type::TIMESTAMPTZ, text("1970-01-01 00:00:00+00")),
        (Type::INTERVAL, text("1 year 2 mons -3 days +04:05:06.5")),
        (Type::JSON, text("null")),
        (Type::JSONB, text("[]")),
        (Type::UUID, text("ffffffff-ffff-ffff-ffff-ffffffffffff")),
    ];
    for (ty, v) in &cases {
        let b = bin(v, ty);
        assert_eq!(&db(&b, ty), v, "{ty}");
        assert_eq!(bin(&db(&b, ty), ty), b, "{ty}");
    }
}

#[test]
fn no_panic_on_garbage() {
    let tys = [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::NUMERIC,
        Type::TEXT,
        Type::BYTEA,
        Type::DATE,
        Type::TIME,
        Type::TIMESTAMP,
        Type::TIMESTAMPTZ,
        Type::JSON,
        Type::JSONB,
        Type::UUID,
    ];
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff],
        vec![0x80, 0, 0x7f, 0xff, 0xc0, 0, 0xff, 0xff, 0xff, 0xff],
        vec![0x7f, 0xff, 0x7f, 0xff, 0, 0, 0x3f, 0xff],
        b"\\".to_vec(),
        b"\\x1".to_vec(),
        b"9999-99-99 99:99:99.9999999999+99:99".to_vec(),
        b"1e99999".to_vec(),
        "é".repeat(20).into_bytes(),
    ];
    for ty in &tys {
        for i in &inputs {
            for binary in [false, true] {
                if let Ok(v) = decode_param(Some(i), binary, ty) {
                    let _ = encode_text(&v, ty);
                    let _ = encode_binary(&v, ty);
                }
            }
        }
        for v in [text("garbage"), Value::Blob(vec![1, 2, 3]), Value::Real(f64::NAN), Value::Integer(i64::MIN)] {
            let _ = encode_text(&v, ty);
            let _ = encode_binary(&v, ty);
        }
    }
}

#[test]
fn bytea_from_other_classes() {
    assert_eq!(txt(&text("ab"), &Type::BYTEA), "\\x6162");
    assert_eq!(bin(&text("ab"), &Type::BYTEA), b"ab".to_vec());
    assert_eq!(txt(&Value::Blob(vec![0xff]), &Type::TEXT), "\\xff");
    assert_eq!(txt(&Value::Blob(b"hi".to_vec()), &Type::TEXT), "hi");
}

#[test]
fn uuid_from_blob_and_bad_text() {
    let b: Vec<u8> = (0u8..16).collect();
    assert_eq!(txt(&Value::Blob(b.clone()), &Type::UUID), "00010203-0405-0607-0809-0a0b0c0d0e0f");
    assert_eq!(bin(&Value::Blob(b.clone()), &Type::UUID), b);
    let e = encode_binary(&text("nope"), &Type::UUID).unwrap_err();
    assert_eq!((e.sqlstate, e.message.as_str()), ("22P02", "invalid input syntax for type uuid: \"nope\""));
}

#[test]
fn error_converts_to_pgwire() {
    let e: PgWireError = TypeError::new("22003", "integer out of range").into();
    assert!(matches!(e, PgWireError::UserError(ref i) if i.code == "22003" && i.message == "integer out of range"));
}

#[test]
fn pseudo_random_bytes_never_panic() {
    let tys = [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::NUMERIC,
        Type::TEXT,
        Type::BYTEA,
        Type::DATE,
        Type::TIME,
        Type::TIMESTAMP,
        Type::TIMESTAMPTZ,
        Type::JSONB,
        Type::UUID,
    ];
    let alphabet = b"0123456789-+:.eETZ \\x";
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    for round in 0..20_000 {
        let len = next() % 24;
        let bytes: Vec<u8> =
            (0..len).map(|_| if round % 2 == 0 { next() as u8 } else { alphabet[next() % alphabet.len()] }).collect();
        let ty = &tys[next() % tys.len()];
        for binary in [false, true] {
            if let Ok(v) = decode_param(Some(&bytes), binary, ty) {
                let _ = encode_text(&v, ty);
                let _ = encode_binary(&v, ty);
            }
        }
    }
}
