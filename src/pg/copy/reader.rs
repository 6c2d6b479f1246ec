//! Splits COPY FROM data into rows of raw fields, in PostgreSQL's text, CSV and binary formats. Data arrives in
//! CopyData messages cut anywhere, so the reader keeps what it has not yet consumed and yields a row only once
//! the row is complete (or the data has ended).

use crate::pg::dialect::copy::{CopyFormat, CopyOptions};

/// One field: its bytes (text after unescaping, or the binary value), or `None` for NULL.
pub type Field = Option<Vec<u8>>;

/// A malformed row: 22P04 (bad copy file format) or 22P02 / 22021 raised while reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    pub sqlstate: &'static str,
    pub message: String,
}

fn bad(message: impl Into<String>) -> FormatError {
    FormatError { sqlstate: "22P04", message: message.into() }
}

const BINARY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// The incremental reader of one COPY FROM.
pub struct RowReader {
    options: CopyOptions,
    /// Names of the target columns (for "missing data for column" errors).
    columns: Vec<String>,
    /// Which target columns are FORCE_NOT_NULL / FORCE_NULL.
    force_not_null: Vec<bool>,
    force_null: Vec<bool>,
    buf: Vec<u8>,
    pos: usize,
    /// Line number of the row last returned (1-based; for binary, the tuple number).
    line: u64,
    /// The text of the row last returned, for error context.
    line_text: String,
    header_pending: bool,
    binary_header_read: bool,
    ended: bool,
}

impl RowReader {
    pub fn new(options: CopyOptions, columns: Vec<String>) -> RowReader {
        let flags = |names: &[String]| columns.iter().map(|c| names.contains(c)).collect();
        RowReader {
            force_not_null: flags(&options.force_not_null),
            force_null: flags(&options.force_null),
            header_pending: options.header,
            options,
            columns,
            buf: Vec::new(),
            pos: 0,
            line: 0,
            line_text: String::new(),
            binary_header_read: false,
            ended: false,
        }
    }

    /// Adds a CopyData message's bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.ended {
            return;
        }
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// The line (or binary tuple) number of the row last returned.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The text of the row last returned (empty for binary), as PostgreSQL quotes it in error context.
    pub fn line_text(&self) -> &str {
        &self.line_text
    }

    /// The next complete row; `None` when more data is needed, or (with `at_end`: the client sent CopyDone)
    /// when the data is over.
    pub fn next_row(&mut self, at_end: bool) -> Result<Option<Vec<Field>>, FormatError> {
        loop {
            if self.ended {
                return Ok(None);
            }
            let row = match self.options.format {
                CopyFormat::Binary => return self.next_binary(at_end),
                CopyFormat::Text => self.next_text(at_end)?,
                CopyFormat::Csv => self.next_csv(at_end)?,
            };
            let Some(row) = row else { return Ok(None) };
            if std::mem::take(&mut self.header_pending) {
                continue;
            }
            return Ok(Some(row));
        }
    }

    /// The next line's bytes (without its line ending), or `None` when no whole line is buffered.
    fn take_line(&mut self, at_end: bool) -> Option<Vec<u8>> {
        let rest = &self.buf[self.pos..];
        let (line, used) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], i + 1),
            None if at_end && !rest.is_empty() => (rest, rest.len()),
            None => return None,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
        self.pos += used;
        self.line += 1;
        Some(line)
    }

    fn note_line(&mut self, line: &[u8]) {
        self.line_text = String::from_utf8_lossy(line).into_owned();
    }

    /// Checks a row's field count against the target columns.
    fn check_count(&self, n: usize) -> Result<(), FormatError> {
        if n > self.columns.len() {
            return Err(bad("extra data after last expected column"));
        }
        if n < self.columns.len() {
            return Err(bad(format!("missing data for column \"{}\"", self.columns[n])));
        }
        Ok(())
    }

    fn next_text(&mut self, at_end: bool) -> Result<Option<Vec<Field>>, FormatError> {
        let Some(line) = self.take_line(at_end) else { return Ok(None) };
        self.note_line(&line);
        if line == b"\\." {
            self.ended = true;
            return Ok(None);
        }
        let delim = self.options.delimiter;
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut start = 0;
        let mut i = 0;
        while i <= line.len() {
            if i == line.len() || line[i] == delim {
                let raw = &line[start..i];
                fields.push(if raw == self.options.null.as_bytes() { None } else { Some(unescape_text(raw)) });
                start = i + 1;
            } else if line[i] == b'\\' {
                i += 1; // the escaped byte is never a delimiter
            }
            i += 1;
        }
        // An empty line is one empty field, or no field at all for a COPY of no columns.
        if self.columns.is_empty() && line.is_empty() {
            fields.clear();
        }
        self.check_count(fields.len())?;
        Ok(Some(fields))
    }

    fn next_csv(&mut self, at_end: bool) -> Result<Option<Vec<Field>>, FormatError> {
        let (delim, quote, escape) = (self.options.delimiter, self.options.quote, self.options.escape);
        let rest = &self.buf[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        // Find the record's end: a newline outside quotes.
        let mut in_quotes = false;
        let mut end = None;
        let mut i = 0;
        while i < rest.len() {
            let b = rest[i];
            if in_quotes {
                if b == escape
                    && escape != quote
                    && i + 1 < rest.len()
                    && (rest[i + 1] == quote || rest[i + 1] == escape)
                {
                    i += 1;
                } else if b == quote {
                    in_quotes = false;
                }
            } else if b == quote {
                in_quotes = true;
            } else if b == b'\n' {
                end = Some(i);
                break;
            }
            i += 1;
        }
        let (record, used) = match end {
            Some(e) => (&rest[..e], e + 1),
            None if !at_end => return Ok(None),
            None if in_quotes => {
                self.line += 1;
                return Err(bad("unterminated CSV quoted field"));
            }
            None => (rest, rest.len()),
        };
        let record = record.strip_suffix(b"\r").unwrap_or(record).to_vec();
        self.pos += used;
        self.line += 1 + record.iter().filter(|&&b| b == b'\n').count() as u64;
        self.note_line(&record);
        if record == b"\\." {
            self.ended = true;
            return Ok(None);
        }
        let null = self.options.null.as_bytes();
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut i = 0;
        loop {
            let mut value = Vec::new();
            let mut quoted = false;
            let start = i;
            while i < record.len() && record[i] != delim {
                if record[i] == quote {
                    quoted = true;
                    i += 1;
                    loop {
                        match record.get(i) {
                            None => return Err(bad("unterminated CSV quoted field")),
                            Some(&b)
                                if b == escape
                                    && escape != quote
                                    && matches!(record.get(i + 1), Some(&n) if n == quote || n == escape) =>
                            {
                                value.push(record[i + 1]);
                                i += 2;
                            }
                            Some(&b) if b == quote && quote == escape && record.get(i + 1) == Some(&quote) => {
                                value.push(quote);
                                i += 2;
                            }
                            Some(&b) if b == quote => {
                                i += 1;
                                break;
                            }
                            Some(&b) => {
                                value.push(b);
                                i += 1;
                            }
                        }
                    }
                } else {
                    value.push(record[i]);
                    i += 1;
                }
            }
            let col = fields.len();
            let raw = &record[start..i];
            let is_null = if quoted {
                // A quoted field matching the NULL string is NULL only for FORCE_NULL columns.
                self.force_null.get(col).copied().unwrap_or(false) && value == null
            } else {
                raw == null && !self.force_not_null.get(col).copied().unwrap_or(false)
            };
            fields.push(if is_null { None } else { Some(value) });
            if i >= record.len() {
                break;
            }
            i += 1; // the delimiter
        }
        if self.columns.is_empty() && record.is_empty() {
            fields.clear();
        }
        self.check_count(fields.len())?;
        Ok(Some(fields))
    }

    fn next_binary(&mut self, at_end: bool) -> Result<Option<Vec<Field>>, FormatError> {
        let rest = &self.buf[self.pos..];
        let short = |at_end: bool| if at_end { Err(bad("unexpected EOF in COPY data")) } else { Ok(None) };
        if !self.binary_header_read {
            let seen = rest.len().min(11);
            if rest[..seen] != BINARY_SIGNATURE[..seen] {
                return Err(bad("COPY file signature not recognized"));
            }
            if rest.len() < 19 {
                return short(at_end);
            }
            let flags = u32::from_be_bytes(rest[11..15].try_into().expect("4 bytes"));
            if flags & (1 << 16) != 0 {
                return Err(bad("invalid COPY file header (WITH OIDS)"));
            }
            if flags & 0xffff_0000 & !(1 << 16) != 0 {
                return Err(bad("unrecognized critical flags in COPY file header"));
            }
            let ext = u32::from_be_bytes(rest[15..19].try_into().expect("4 bytes")) as usize;
            if rest.len() < 19 + ext {
                return short(at_end);
            }
            self.pos += 19 + ext;
            self.binary_header_read = true;
            return self.next_binary(at_end);
        }
        if rest.len() < 2 {
            return if rest.is_empty() && at_end { Err(bad("unexpected EOF in COPY data")) } else { short(at_end) };
        }
        let count = i16::from_be_bytes([rest[0], rest[1]]);
        if count == -1 {
            self.pos += 2;
            self.ended = true;
            return Ok(None);
        }
        if count as usize != self.columns.len() || count < 0 {
            self.line += 1;
            return Err(bad(format!("row field count is {count}, expected {}", self.columns.len())));
        }
        let mut at = 2;
        let mut fields = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let Some(len) = rest.get(at..at + 4) else { return short(at_end) };
            let len = i32::from_be_bytes(len.try_into().expect("4 bytes"));
            at += 4;
            if len == -1 {
                fields.push(None);
                continue;
            }
            if len < 0 {
                return Err(bad("invalid field size"));
            }
            let Some(value) = rest.get(at..at + len as usize) else { return short(at_end) };
            fields.push(Some(value.to_vec()));
            at += len as usize;
        }
        self.pos += at;
        self.line += 1;
        Ok(Some(fields))
    }
}

/// Undoes text-format escapes: `\b \f \n \r \t \v`, octal `\NNN`, hex `\xHH`, and `\c` for any other `c`.
fn unescape_text(raw: &[u8]) -> Vec<u8> {
    if !raw.contains(&b'\\') {
        return raw.to_vec();
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        if b != b'\\' || i == raw.len() {
            out.push(b);
            continue;
        }
        let c = raw[i];
        i += 1;
        match c {
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if raw.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u32;
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(d) if d.is_ascii_hexdigit() => {
                            v = v * 16 + (*d as char).to_digit(16).expect("hex digit");
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
