//! Parses `COPY` statements from their tokens: PostgreSQL's option list (`WITH (FORMAT csv, HEADER, ...)`) and
//! the pre-9.0 forms that psycopg2 and older tools still send (`WITH DELIMITER AS '\t' NULL AS '\N'`, `CSV
//! HEADER`, `BINARY`), with PostgreSQL's checks on the options. sqlparser's own COPY parser knows only part of
//! this grammar and wants the data inline, so COPY is parsed here.

use sqlparser::tokenizer::Token;

use super::tokens::{conflicting, syntax_at, Cursor};
use super::DialectError;

/// Where a COPY reads from or writes to.
#[derive(Debug, Clone, PartialEq)]
pub enum CopySource {
    /// A table, with the columns named (empty: all of them).
    Table { name: String, columns: Vec<String> },
    /// `COPY (query) TO ...`: the query's PostgreSQL text.
    Query(String),
}

/// The data format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
    Binary,
}

/// FORCE_QUOTE: which columns are always quoted in CSV output.
#[derive(Debug, Clone, PartialEq)]
pub enum ForceQuote {
    None,
    All,
    Columns(Vec<String>),
}

/// The options of a COPY, with PostgreSQL's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyOptions {
    pub format: CopyFormat,
    pub delimiter: u8,
    /// The string that stands for NULL.
    pub null: String,
    pub header: bool,
    pub quote: u8,
    pub escape: u8,
    pub force_quote: ForceQuote,
    pub force_not_null: Vec<String>,
    pub force_null: Vec<String>,
}

/// A parsed COPY statement.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyStatement {
    pub source: CopySource,
    /// `COPY ... FROM STDIN` (true) or `COPY ... TO STDOUT` (false).
    pub from: bool,
    pub options: CopyOptions,
}

/// Option values before defaults and checks.
#[derive(Default)]
struct Given {
    format: Option<CopyFormat>,
    delimiter: Option<String>,
    null: Option<String>,
    header: Option<bool>,
    quote: Option<String>,
    escape: Option<String>,
    force_quote: Option<ForceQuote>,
    force_not_null: Option<Vec<String>>,
    force_null: Option<Vec<String>>,
}

// COPY's own readings of its tokens.
impl Cursor<'_> {
    /// `schema.name` or `name`; the `public` schema is the only one.
    fn table_name(&mut self) -> Result<String, DialectError> {
        match self.qualified_name()? {
            (Some(schema), name) if schema != "public" => {
                Err(DialectError::unsupported(format!("schema-qualified name {schema}.{name} is not supported")))
            }
            (_, name) => Ok(name),
        }
    }

    /// `(a, b, ...)`.
    fn column_list(&mut self) -> Result<Vec<String>, DialectError> {
        self.expect(&Token::LParen)?;
        let mut cols = vec![self.ident()?];
        while self.token(&Token::Comma) {
            cols.push(self.ident()?);
        }
        self.expect(&Token::RParen)?;
        Ok(cols)
    }

    /// A string constant (`'x'` or `E'\t'`).
    fn string(&mut self) -> Result<String, DialectError> {
        match self.next() {
            Some(Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s)) => Ok(s.clone()),
            other => Err(syntax_at(other)),
        }
    }

    /// An option's value: a word, a string or a number, as text.
    fn value(&mut self) -> Option<String> {
        let v = match self.peek()? {
            Token::Word(w) => w.value.to_lowercase(),
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => s.clone(),
            Token::Number(n, _) => n.clone(),
            _ => return None,
        };
        self.pos += 1;
        Some(v)
    }
}

fn set<T>(slot: &mut Option<T>, v: T) -> Result<(), DialectError> {
    if slot.is_some() {
        return Err(conflicting());
    }
    *slot = Some(v);
    Ok(())
}

fn boolean(name: &str, v: Option<String>) -> Result<bool, DialectError> {
    match v.as_deref() {
        None => Ok(true),
        Some("true" | "on" | "1" | "yes") => Ok(true),
        Some("false" | "off" | "0" | "no") => Ok(false),
        Some(other) => Err(DialectError::syntax(format!("{name} requires a Boolean value, not \"{other}\""))),
    }
}

fn format(name: &str) -> Result<CopyFormat, DialectError> {
    match name {
        "text" => Ok(CopyFormat::Text),
        "csv" => Ok(CopyFormat::Csv),
        "binary" => Ok(CopyFormat::Binary),
        other => Err(DialectError::syntax(format!("COPY format \"{other}\" not recognized"))),
    }
}

/// `( option [value], ... )`, PostgreSQL 9.0+.
fn option_list(c: &mut Cursor, given: &mut Given) -> Result<(), DialectError> {
    loop {
        let name = c.ident()?;
        match name.as_str() {
            "format" => set(&mut given.format, format(&c.value().ok_or_else(|| syntax_at(c.peek()))?)?)?,
            "freeze" => {
                boolean("freeze", c.value())?;
            }
            "delimiter" => set(&mut given.delimiter, c.string()?)?,
            "null" => set(&mut given.null, c.string()?)?,
            "header" => set(&mut given.header, boolean("header", c.value())?)?,
            "quote" => set(&mut given.quote, c.string()?)?,
            "escape" => set(&mut given.escape, c.string()?)?,
            "encoding" => {
                let e = c.string()?.to_ascii_uppercase().replace('-', "");
                if e != "UTF8" && e != "UNICODE" {
                    return Err(DialectError::unsupported(format!("encoding \"{e}\" is not supported: UTF8 only")));
                }
            }
            "force_quote" => {
                let v = if c.token(&Token::Mul) { ForceQuote::All } else { ForceQuote::Columns(c.column_list()?) };
                set(&mut given.force_quote, v)?
            }
            "force_not_null" => set(&mut given.force_not_null, c.column_list()?)?,
            "force_null" => set(&mut given.force_null, c.column_list()?)?,
            other => return Err(DialectError::syntax(format!("option \"{other}\" not recognized"))),
        }
        if !c.token(&Token::Comma) {
            return c.expect(&Token::RParen);
        }
    }
}

/// The pre-9.0 options: `BINARY`, `DELIMITER [AS] 'c'`, `NULL [AS] 's'`, `CSV`, `HEADER`, `QUOTE [AS] 'c'`,
/// `ESCAPE [AS] 'c'`, `FORCE QUOTE cols | *`, `FORCE NOT NULL cols`, `ENCODING 's'`.
fn legacy_options(c: &mut Cursor, given: &mut Given) -> Result<(), DialectError> {
    let cols = |c: &mut Cursor| -> Result<Vec<String>, DialectError> {
        let mut v = vec![c.ident()?];
        while c.token(&Token::Comma) {
            v.push(c.ident()?);
        }
        Ok(v)
    };
    while c.peek().is_some() {
        if c.keyword("binary") {
            set(&mut given.format, CopyFormat::Binary)?;
        } else if c.keyword("csv") {
            set(&mut given.format, CopyFormat::Csv)?;
        } else if c.keyword("header") {
            set(&mut given.header, true)?;
        } else if c.keyword("delimiter") {
            c.keyword("as");
            set(&mut given.delimiter, c.string()?)?;
        } else if c.keyword("null") {
            c.keyword("as");
            set(&mut given.null, c.string()?)?;
        } else if c.keyword("quote") {
            c.keyword("as");
            set(&mut given.quote, c.string()?)?;
        } else if c.keyword("escape") {
            c.keyword("as");
            set(&mut given.escape, c.string()?)?;
        } else if c.keyword("encoding") {
            let e = c.string()?.to_ascii_uppercase().replace('-', "");
            if e != "UTF8" && e != "UNICODE" {
                return Err(DialectError::unsupported(format!("encoding \"{e}\" is not supported: UTF8 only")));
            }
        } else if c.keyword("force") {
            if c.keyword("quote") {
                let v = if c.token(&Token::Mul) { ForceQuote::All } else { ForceQuote::Columns(cols(c)?) };
                set(&mut given.force_quote, v)?;
            } else if c.keyword("not") {
                if !c.keyword("null") {
                    return Err(syntax_at(c.peek()));
                }
                set(&mut given.force_not_null, cols(c)?)?;
            } else {
                return Err(syntax_at(c.peek()));
            }
        } else {
            return Err(syntax_at(c.peek()));
        }
    }
    Ok(())
}

/// One single-byte character option (delimiter, quote, escape).
fn one_byte(what: &str, v: &str) -> Result<u8, DialectError> {
    match v.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ => Err(DialectError::unsupported(format!("COPY {what} must be a single one-byte character"))),
    }
}

/// Applies PostgreSQL's defaults and its checks on option combinations (`ProcessCopyOptions`).
fn options(given: Given, from: bool) -> Result<CopyOptions, DialectError> {
    let format = given.format.unwrap_or(CopyFormat::Text);
    let csv = format == CopyFormat::Csv;
    let not_csv = |what: &str| DialectError::unsupported(format!("COPY {what} available only in CSV mode"));
    if format == CopyFormat::Binary {
        for (set, what) in [(given.delimiter.is_some(), "DELIMITER"), (given.null.is_some(), "NULL")] {
            if set {
                return Err(DialectError::syntax(format!("cannot specify {what} in BINARY mode")));
            }
        }
        if given.header.is_some() {
            return Err(DialectError::unsupported("cannot specify HEADER in BINARY mode"));
        }
    }
    let delimiter = one_byte("delimiter", given.delimiter.as_deref().unwrap_or(if csv { "," } else { "\t" }))?;
    if delimiter == b'\n' || delimiter == b'\r' {
        return Err(DialectError {
            sqlstate: "22023",
            message: "COPY delimiter cannot be newline or carriage return".into(),
        });
    }
    let null = given.null.unwrap_or_else(|| if csv { String::new() } else { "\\N".into() });
    if null.contains(['\n', '\r']) {
        return Err(DialectError {
            sqlstate: "22023",
            message: "COPY null representation cannot use newline or carriage return".into(),
        });
    }
    if !csv && (delimiter == b'\\' || delimiter.is_ascii_alphanumeric()) && format == CopyFormat::Text {
        return Err(DialectError {
            sqlstate: "22023",
            message: format!("COPY delimiter cannot be \"{}\"", delimiter as char),
        });
    }
    if given.quote.is_some() && !csv {
        return Err(not_csv("quote"));
    }
    if given.escape.is_some() && !csv {
        return Err(not_csv("escape"));
    }
    let quote = one_byte("quote", given.quote.as_deref().unwrap_or("\""))?;
    let escape = match given.escape.as_deref() {
        Some(e) => one_byte("escape", e)?,
        None => quote,
    };
    if csv && delimiter == quote {
        return Err(DialectError::unsupported("COPY delimiter and quote must be different"));
    }
    if format != CopyFormat::Binary && null.as_bytes().contains(&delimiter) {
        return Err(DialectError::unsupported("COPY delimiter must not appear in the NULL specification"));
    }
    if given.force_quote.is_some() && !csv {
        return Err(not_csv("force quote"));
    }
    if given.force_quote.is_some() && from {
        return Err(DialectError::unsupported("COPY force quote only available using COPY TO"));
    }
    if given.force_not_null.is_some() && !csv {
        return Err(not_csv("force not null"));
    }
    if given.force_null.is_some() && !csv {
        return Err(not_csv("force null"));
    }
    if (given.force_not_null.is_some() || given.force_null.is_some()) && !from {
        return Err(DialectError::unsupported("COPY force not null and force null only available using COPY FROM"));
    }
    Ok(CopyOptions {
        format,
        delimiter,
        null,
        header: given.header.unwrap_or(false),
        quote,
        escape,
        force_quote: given.force_quote.unwrap_or(ForceQuote::None),
        force_not_null: given.force_not_null.unwrap_or_default(),
        force_null: given.force_null.unwrap_or_default(),
    })
}

/// SQL text of tokens (the query of `COPY (query) TO`, a prepared statement's body), quoting strings and
/// identifiers again.
pub(super) fn render(tokens: &[Token]) -> String {
    let quoted = |s: &str, q: char| format!("{q}{}{q}", s.replace(q, &format!("{q}{q}")));
    let parts: Vec<String> = tokens
        .iter()
        .map(|t| match t {
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => quoted(s, '\''),
            Token::Word(w) if w.quote_style == Some('"') => quoted(&w.value, '"'),
            other => other.to_string(),
        })
        .collect();
    parts.join(" ")
}

/// Parses a COPY statement; `words` are its tokens without whitespace, starting with `COPY`.
pub fn parse_copy(words: &[Token]) -> Result<CopyStatement, DialectError> {
    let mut c = Cursor { tokens: words, pos: 1 };
    let mut given = Given::default();
    if c.keyword("binary") {
        given.format = Some(CopyFormat::Binary);
    }
    let source = if c.token(&Token::LParen) {
        let start = c.pos;
        let mut depth = 1;
        while depth > 0 {
            match c.next() {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => depth -= 1,
                Some(_) => {}
                None => return Err(syntax_at(None)),
            }
        }
        CopySource::Query(render(&words[start..c.pos - 1]))
    } else {
        let name = c.table_name()?;
        let columns = if c.peek() == Some(&Token::LParen) { c.column_list()? } else { Vec::new() };
        CopySource::Table { name, columns }
    };
    let from = if c.keyword("from") {
        true
    } else if c.keyword("to") {
        false
    } else {
        return Err(syntax_at(c.peek()));
    };
    if from && matches!(source, CopySource::Query(_)) {
        return Err(DialectError::syntax("syntax error at or near \"FROM\""));
    }
    let stdio = if from { "stdin" } else { "stdout" };
    if !c.keyword(stdio) {
        let remote = if c.keyword("program") { "a program" } else { "a file" };
        return Err(DialectError {
            sqlstate: "42501",
            message: format!(
                "COPY {} {remote} is not allowed: use COPY ... {} {} (psql's \\copy)",
                if from { "from" } else { "to" },
                if from { "FROM" } else { "TO" },
                stdio.to_uppercase()
            ),
        });
    }
    c.keyword("with");
    if c.token(&Token::LParen) {
        option_list(&mut c, &mut given)?;
    }
    if c.keyword("where") {
        return Err(DialectError::unsupported("COPY FROM ... WHERE is not supported"));
    }
    legacy_options(&mut c, &mut given)?;
    Ok(CopyStatement { source, from, options: options(given, from)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn parse(sql: &str) -> Result<CopyStatement, DialectError> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().unwrap();
        let words: Vec<Token> = tokens.into_iter().filter(|t| !matches!(t, Token::Whitespace(_))).collect();
        parse_copy(&words)
    }

    #[test]
    fn the_forms_clients_send() {
        // pgbench -i (PostgreSQL 14+), psql's \copy, psycopg2's copy_from, copy_expert.
        let c = parse("copy pgbench_accounts from stdin with (freeze on)").unwrap();
        assert_eq!(c.source, CopySource::Table { name: "pgbench_accounts".into(), columns: vec![] });
        assert!(c.from);
        assert_eq!((c.options.format, c.options.delimiter, c.options.null.as_str()), (CopyFormat::Text, b'\t', "\\N"));
        let c = parse(r"COPY t (a, B) FROM stdin WITH DELIMITER AS '	' NULL AS '\N'").unwrap();
        assert_eq!(c.source, CopySource::Table { name: "t".into(), columns: vec!["a".into(), "b".into()] });
        let c =
            parse("COPY public.t TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';', QUOTE '''', FORCE_QUOTE *)")
                .unwrap();
        assert_eq!(c.options.format, CopyFormat::Csv);
        assert!(c.options.header && !c.from);
        assert_eq!((c.options.delimiter, c.options.quote, c.options.escape), (b';', b'\'', b'\''));
        assert_eq!(c.options.force_quote, ForceQuote::All);
        let c = parse("COPY t FROM STDIN CSV HEADER FORCE NOT NULL a, b").unwrap();
        assert_eq!(c.options.force_not_null, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.options.null, "");
        let c = parse(r#"COPY (SELECT a, 'x;''y' FROM "T" WHERE (a > 1)) TO STDOUT (FORMAT binary)"#).unwrap();
        assert_eq!(c.source, CopySource::Query(r#"SELECT a , 'x;''y' FROM "T" WHERE ( a > 1 )"#.into()));
        assert_eq!(c.options.format, CopyFormat::Binary);
        assert_eq!(parse("COPY BINARY t FROM STDIN").unwrap().options.format, CopyFormat::Binary);
    }

    #[test]
    fn what_postgresql_refuses() {
        let code = |sql: &str| parse(sql).unwrap_err().sqlstate;
        assert_eq!(code("COPY t FROM '/etc/passwd'"), "42501");
        assert_eq!(code("COPY t TO PROGRAM 'rm -rf /'"), "42501");
        assert_eq!(code("COPY t FROM STDIN (QUOTE '\"')"), "0A000");
        assert_eq!(code("COPY t FROM STDIN (FORMAT csv, DELIMITER ',,')"), "0A000");
        assert_eq!(code("COPY t FROM STDIN (FORMAT binary, NULL 'x')"), "42601");
        assert_eq!(code("COPY t FROM STDIN (FORMAT xml)"), "42601");
        assert_eq!(code("COPY t FROM STDIN (DELIMITER ',', DELIMITER ';')"), "42601");
        assert_eq!(code("COPY t FROM STDIN (FORMAT csv, FORCE_QUOTE *)"), "0A000");
        assert_eq!(code("COPY (SELECT 1) FROM STDIN"), "42601");
        assert_eq!(code("COPY t FROM STDIN (DELIMITER '|', NULL 'a|b')"), "0A000");
        assert_eq!(code("COPY other.t FROM STDIN"), "0A000");
    }
}
