//! Reading a statement from its tokens (whitespace and comments removed), for the statements sqlparser does not
//! parse or not as PostgreSQL writes them (COPY, the sequence statements, the session commands): a cursor with
//! keywords and identifiers, and PostgreSQL's syntax errors.

use sqlparser::tokenizer::Token;

use super::DialectError;

/// PostgreSQL's syntax error at a token, or at the end of the statement.
pub(super) fn syntax_at(tok: Option<&Token>) -> DialectError {
    match tok {
        Some(t) => DialectError::syntax(format!("syntax error at or near \"{t}\"")),
        None => DialectError::syntax("syntax error at end of input"),
    }
}

/// An option given twice.
pub(super) fn conflicting() -> DialectError {
    DialectError::syntax("conflicting or redundant options")
}

/// An identifier: unquoted words fold to lowercase, quoted ones keep their case.
pub(super) fn ident(t: Option<&Token>) -> Result<String, DialectError> {
    match t {
        Some(Token::Word(w)) if w.quote_style.is_some() => Ok(w.value.clone()),
        Some(Token::Word(w)) => Ok(w.value.to_lowercase()),
        other => Err(syntax_at(other)),
    }
}

/// Where reading a statement's tokens has got to.
pub(super) struct Cursor<'a> {
    pub(super) tokens: &'a [Token],
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    pub(super) fn next(&mut self) -> Option<&'a Token> {
        let t = self.tokens.get(self.pos);
        self.pos += 1;
        t
    }

    /// Takes the next token if it is the unquoted keyword `kw` (any case).
    pub(super) fn keyword(&mut self, kw: &str) -> bool {
        let is =
            matches!(self.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
        if is {
            self.pos += 1;
        }
        is
    }

    /// Takes all of `kws` or none.
    pub(super) fn keywords(&mut self, kws: &[&str]) -> bool {
        let start = self.pos;
        if kws.iter().all(|k| self.keyword(k)) {
            return true;
        }
        self.pos = start;
        false
    }

    /// Takes the next token if it is `t`.
    pub(super) fn token(&mut self, t: &Token) -> bool {
        let is = self.peek() == Some(t);
        if is {
            self.pos += 1;
        }
        is
    }

    pub(super) fn expect(&mut self, t: &Token) -> Result<(), DialectError> {
        if self.token(t) {
            Ok(())
        } else {
            Err(syntax_at(self.peek()))
        }
    }

    pub(super) fn ident(&mut self) -> Result<String, DialectError> {
        ident(self.next())
    }

    /// `schema.name` or `name`: (the schema if given, the name).
    pub(super) fn qualified_name(&mut self) -> Result<(Option<String>, String), DialectError> {
        let first = self.ident()?;
        if !self.token(&Token::Period) {
            return Ok((None, first));
        }
        Ok((Some(first), self.ident()?))
    }
}
