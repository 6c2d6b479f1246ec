//! Encodes COPY TO output in PostgreSQL's text, CSV and binary formats: one CopyData message a row, as
//! PostgreSQL sends it, plus the binary header and the header line.

use pgwire::api::Type;

use crate::db::datetime::zone::{with_zone, Zone};
use crate::db::Value;
use crate::pg::dialect::copy::{CopyFormat, CopyOptions, ForceQuote};
use crate::pg::types::{encode_binary, encode_text, TypeError};

/// The binary format's file header: signature, flags, header extension length.
pub fn binary_header() -> Vec<u8> {
    let mut h = b"PGCOPY\n\xff\r\n\0".to_vec();
    h.extend_from_slice(&0u32.to_be_bytes());
    h.extend_from_slice(&0u32.to_be_bytes());
    h
}

/// The binary format's trailer.
pub fn binary_trailer() -> Vec<u8> {
    (-1i16).to_be_bytes().to_vec()
}

/// The encoder of one COPY TO.
pub struct RowWriter {
    options: CopyOptions,
    types: Vec<Type>,
    /// Which columns FORCE_QUOTE names.
    force_quote: Vec<bool>,
    /// The session's zone, in which timestamptz values are shown.
    zone: Zone,
}

impl RowWriter {
    pub fn new(options: CopyOptions, columns: &[(String, Type)], zone: Zone) -> RowWriter {
        let force_quote = columns
            .iter()
            .map(|(name, _)| match &options.force_quote {
                ForceQuote::None => false,
                ForceQuote::All => true,
                ForceQuote::Columns(c) => c.contains(name),
            })
            .collect();
        RowWriter { types: columns.iter().map(|(_, t)| t.clone()).collect(), force_quote, options, zone }
    }

    /// The header line (column names) for text and CSV with HEADER.
    pub fn header(&self, names: &[String]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push(self.options.delimiter);
            }
            match self.options.format {
                CopyFormat::Csv => self.csv_field(&mut out, name.as_bytes(), false),
                _ => self.text_field(&mut out, name.as_bytes()),
            }
        }
        out.push(b'\n');
        out
    }

    /// One row, in the COPY's format.
    pub fn row(&self, values: &[Value]) -> Result<Vec<u8>, TypeError> {
        with_zone(self.zone, || self.row_in_zone(values))
    }

    fn row_in_zone(&self, values: &[Value]) -> Result<Vec<u8>, TypeError> {
        let mut out = Vec::with_capacity(16 * values.len());
        if self.options.format == CopyFormat::Binary {
            out.extend_from_slice(&(values.len() as i16).to_be_bytes());
            for (v, ty) in values.iter().zip(&self.types) {
                match encode_binary(v, ty)? {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(b) => {
                        out.extend_from_slice(&(b.len() as i32).to_be_bytes());
                        out.extend_from_slice(&b);
                    }
                }
            }
            return Ok(out);
        }
        for (i, (v, ty)) in values.iter().zip(&self.types).enumerate() {
            if i > 0 {
                out.push(self.options.delimiter);
            }
            match encode_text(v, ty)? {
                None => out.extend_from_slice(self.options.null.as_bytes()),
                Some(b) if self.options.format == CopyFormat::Csv => self.csv_field(&mut out, &b, self.force_quote[i]),
                Some(b) => self.text_field(&mut out, &b),
            }
        }
        out.push(b'\n');
        Ok(out)
    }

    /// Text format: backslash escapes for the backslash, control characters and the delimiter.
    fn text_field(&self, out: &mut Vec<u8>, b: &[u8]) {
        for &c in b {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' if self.options.delimiter == b'\t' => out.extend_from_slice(b"\\t"),
                8 => out.extend_from_slice(b"\\b"),
                12 => out.extend_from_slice(b"\\f"),
                11 => out.extend_from_slice(b"\\v"),
                c if c == self.options.delimiter => out.extend_from_slice(&[b'\\', c]),
                c => out.push(c),
            }
        }
    }

    /// CSV: quoted when forced, when empty and NULL is the empty string, when it is the NULL string or `\.`, or
    /// when it holds the delimiter, the quote, the escape or a line break; quotes and escapes inside escaped.
    fn csv_field(&self, out: &mut Vec<u8>, b: &[u8], force: bool) {
        let (delim, quote, escape) = (self.options.delimiter, self.options.quote, self.options.escape);
        let needs = force
            || b == self.options.null.as_bytes()
            || b == b"\\."
            || b.iter().any(|&c| c == delim || c == quote || c == escape || c == b'\n' || c == b'\r');
        if !needs {
            out.extend_from_slice(b);
            return;
        }
        out.push(quote);
        for &c in b {
            if c == quote || c == escape {
                out.push(escape);
            }
            out.push(c);
        }
        out.push(quote);
    }
}
