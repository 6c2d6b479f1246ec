//! The COPY row reader on text, CSV and binary data, whole and cut at every byte.

use super::*;
use crate::pg::copy::writer::{binary_header, binary_trailer, RowWriter};
use crate::pg::dialect::copy::{CopyStatement, ForceQuote};
use crate::pg::dialect::translate;
use crate::pg::dialect::StatementKind;

fn options(sql: &str) -> CopyOptions {
    match translate(sql).unwrap().remove(0).kind {
        StatementKind::Copy(c) => {
            let CopyStatement { options, .. } = *c;
            options
        }
        other => panic!("{other:?}"),
    }
}

fn cols(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

fn s(v: &str) -> Field {
    Some(v.as_bytes().to_vec())
}

/// All rows of `data`, read in one piece and again cut into pieces of every size from 1 byte.
fn rows(options: &CopyOptions, ncols: usize, data: &[u8]) -> Result<Vec<Vec<Field>>, FormatError> {
    let read = |chunk: usize| {
        let mut r = RowReader::new(options.clone(), cols(ncols));
        let mut out = Vec::new();
        for piece in data.chunks(chunk.max(1)) {
            r.push(piece);
            while let Some(row) = r.next_row(false)? {
                out.push(row);
            }
        }
        while let Some(row) = r.next_row(true)? {
            out.push(row);
        }
        Ok(out)
    };
    let whole = read(data.len());
    for chunk in 1..data.len().min(40) {
        assert_eq!(read(chunk), whole, "cut every {chunk} bytes");
    }
    whole
}

#[test]
fn text_format_escapes_nulls_and_the_end_marker() {
    let o = options("COPY t FROM STDIN");
    let data = b"1\thello\t\\N\n2\ttab\\there\\\\ \\x41\\101\\n\t\n\\.\nignored\n";
    assert_eq!(
        rows(&o, 3, data).unwrap(),
        vec![vec![s("1"), s("hello"), None], vec![s("2"), s("tab\there\\ AA\n"), s("")]]
    );
    // The last line may lack its newline; CRLF line endings are accepted.
    assert_eq!(rows(&o, 2, b"1\ta\r\n2\tb").unwrap(), vec![vec![s("1"), s("a")], vec![s("2"), s("b")]]);
    // An escaped delimiter is data.
    assert_eq!(rows(&o, 1, b"a\\\tb\n").unwrap(), vec![vec![s("a\tb")]]);
    let o = options(r"COPY t FROM STDIN WITH DELIMITER '|' NULL 'nil'");
    assert_eq!(rows(&o, 3, b"nil|x|\n").unwrap(), vec![vec![None, s("x"), s("")]]);
}

#[test]
fn text_format_errors_name_the_column_and_count_lines() {
    let o = options("COPY t FROM STDIN");
    let mut r = RowReader::new(o.clone(), cols(2));
    r.push(b"1\ta\n2\n");
    assert!(r.next_row(false).unwrap().is_some());
    let e = r.next_row(false).unwrap_err();
    assert_eq!((e.sqlstate, e.message.as_str(), r.line()), ("22P04", "missing data for column \"c1\"", 2));
    assert_eq!(r.line_text(), "2");
    let mut r = RowReader::new(o, cols(2));
    r.push(b"1\t2\t3\n");
    assert_eq!(r.next_row(false).unwrap_err().message, "extra data after last expected column");
}

#[test]
fn csv_quotes_embedded_newlines_header_and_nulls() {
    let o = options("COPY t FROM STDIN (FORMAT csv, HEADER)");
    let data = b"a,b,c\n1,\"multi\nline, \"\"q\"\"\",\n2,\"\",x\n";
    assert_eq!(
        rows(&o, 3, data).unwrap(),
        vec![vec![s("1"), s("multi\nline, \"q\""), None], vec![s("2"), s(""), s("x")]]
    );
    let o = options("COPY t FROM STDIN (FORMAT csv, QUOTE '''', ESCAPE '\\', NULL 'N', FORCE_NOT_NULL (c0))");
    assert_eq!(rows(&o, 3, b"N,'it\\'s',N\n").unwrap(), vec![vec![s("N"), s("it's"), None]]);
    let o = options("COPY t FROM STDIN (FORMAT csv, FORCE_NULL (c1))");
    assert_eq!(rows(&o, 2, b"\"\",\"\"\n").unwrap(), vec![vec![s(""), None]]);
    let o = options("COPY t FROM STDIN (FORMAT csv)");
    let mut r = RowReader::new(o, cols(1));
    r.push(b"\"open\n");
    assert_eq!(r.next_row(false).unwrap(), None);
    assert_eq!(r.next_row(true).unwrap_err().message, "unterminated CSV quoted field");
}

#[test]
fn binary_format_round_trips_through_the_writer() {
    use crate::db::Value;
    use pgwire::api::Type;
    let o = options("COPY t FROM STDIN (FORMAT binary)");
    let columns = vec![("a".to_string(), Type::INT4), ("b".to_string(), Type::TEXT)];
    let w = RowWriter::new(o.clone(), &columns, crate::db::datetime::zone::UTC);
    let mut data = binary_header();
    data.extend(w.row(&[Value::Integer(7), Value::Text("x".into())]).unwrap());
    data.extend(w.row(&[Value::Integer(-1), Value::Null]).unwrap());
    data.extend(binary_trailer());
    assert_eq!(
        rows(&o, 2, &data).unwrap(),
        vec![vec![Some(7i32.to_be_bytes().to_vec()), s("x")], vec![Some((-1i32).to_be_bytes().to_vec()), None]]
    );
    let mut r = RowReader::new(o.clone(), cols(2));
    r.push(b"PGCOPY\nXX");
    assert_eq!(r.next_row(true).unwrap_err().message, "COPY file signature not recognized");
    let mut r = RowReader::new(o, cols(3));
    r.push(&data);
    assert_eq!(r.next_row(false).unwrap_err().message, "row field count is 2, expected 3");
}

#[test]
fn text_and_csv_output_escape_what_the_reader_unescapes() {
    use crate::db::Value;
    use pgwire::api::Type;
    let columns = vec![("a".to_string(), Type::TEXT), ("b".to_string(), Type::TEXT)];
    let values = [
        vec![Value::Text("tab\there\\ \r\n,\"".into()), Value::Null],
        vec![Value::Text(String::new()), Value::Text("\\.".into())],
    ];
    for sql in ["COPY t TO STDOUT", "COPY t TO STDOUT (FORMAT csv)", "COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE *)"] {
        let out = options(sql);
        let w = RowWriter::new(out.clone(), &columns, crate::db::datetime::zone::UTC);
        let data: Vec<u8> = values.iter().flat_map(|r| w.row(r).unwrap()).collect();
        let read = CopyOptions { force_quote: ForceQuote::None, ..out };
        let expected: Vec<Vec<Field>> = values
            .iter()
            .map(|r| r.iter().map(|v| if let Value::Text(t) = v { s(t) } else { None }).collect())
            .collect();
        assert_eq!(rows(&read, 2, &data).unwrap(), expected, "{sql}");
    }
    let w = RowWriter::new(options("COPY t TO STDOUT (FORMAT csv, HEADER)"), &columns, crate::db::datetime::zone::UTC);
    assert_eq!(w.header(&["a".into(), "b,c".into()]), b"a,\"b,c\"\n");
}
