//! Parses the session-level SQL commands from their tokens: `PREPARE`/`EXECUTE`/`DEALLOCATE`, cursors
//! (`DECLARE ... CURSOR`, `FETCH`, `MOVE`, `CLOSE`) and `DISCARD`; and recognises `SELECT set_config(...)`. Their bodies (a prepared statement, a cursor's
//! query, EXECUTE's arguments) are kept as PostgreSQL text and translated when they run.

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement, Value};
use sqlparser::tokenizer::Token;

use super::copy::render;
use super::tokens::{ident, syntax_at};
use super::{last_part, DialectError, StatementKind};

/// Which rows a FETCH or MOVE takes, as PostgreSQL defines the directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchDirection {
    /// `NEXT`, `FORWARD`, `n`, `FORWARD n`, `ALL`, `FORWARD ALL` (count: `i64::MAX` for ALL).
    Forward(i64),
    /// `PRIOR`, `BACKWARD`, `BACKWARD n`, `BACKWARD ALL`.
    Backward(i64),
    /// `FIRST` (= ABSOLUTE 1), `LAST` (= ABSOLUTE -1), `ABSOLUTE n`.
    Absolute(i64),
    /// `RELATIVE n`.
    Relative(i64),
}

fn is_word(t: Option<&Token>, kw: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Splits tokens on top-level commas.
fn split_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// The tokens inside the parentheses that open at `words[open]`, and the index after the closing one.
fn parenthesized(words: &[Token], open: usize) -> Result<(&[Token], usize), DialectError> {
    let mut depth = 0;
    for (i, t) in words.iter().enumerate().skip(open) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Ok((&words[open + 1..i], i + 1));
                }
            }
            _ => {}
        }
    }
    Err(syntax_at(None))
}

/// `PREPARE name [ ( type [, ...] ) ] AS statement`.
fn prepare(words: &[Token]) -> Result<StatementKind, DialectError> {
    let name = ident(words.get(1))?;
    let mut at = 2;
    let mut types = Vec::new();
    if words.get(at) == Some(&Token::LParen) {
        let (inner, next) = parenthesized(words, at)?;
        types = split_commas(inner).into_iter().map(render).collect();
        at = next;
    }
    if !is_word(words.get(at), "as") {
        return Err(syntax_at(words.get(at)));
    }
    let body = &words[at + 1..];
    if body.is_empty() {
        return Err(syntax_at(None));
    }
    Ok(StatementKind::Prepare { name, types, body: render(body) })
}

/// `EXECUTE name [ ( expression [, ...] ) ]`.
fn execute(words: &[Token]) -> Result<StatementKind, DialectError> {
    let name = ident(words.get(1))?;
    let mut args = Vec::new();
    let mut at = 2;
    if words.get(at) == Some(&Token::LParen) {
        let (inner, next) = parenthesized(words, at)?;
        if !inner.is_empty() {
            args = split_commas(inner).into_iter().map(render).collect();
        }
        at = next;
    }
    if at != words.len() {
        return Err(syntax_at(words.get(at)));
    }
    Ok(StatementKind::Execute { name, args })
}

/// `DEALLOCATE [ PREPARE ] { name | ALL }`.
fn deallocate(words: &[Token]) -> Result<StatementKind, DialectError> {
    let at = if is_word(words.get(1), "prepare") { 2 } else { 1 };
    if words.len() != at + 1 {
        return Err(syntax_at(words.get(at + 1)));
    }
    if is_word(words.get(at), "all") {
        return Ok(StatementKind::Deallocate(None));
    }
    Ok(StatementKind::Deallocate(Some(ident(words.get(at))?)))
}

/// `DECLARE name [ BINARY ] [ ASENSITIVE | INSENSITIVE ] [ [ NO ] SCROLL ] CURSOR [ { WITH | WITHOUT } HOLD ]
/// FOR query`.
fn declare(words: &[Token]) -> Result<StatementKind, DialectError> {
    let name = ident(words.get(1))?;
    let mut at = 2;
    let mut hold = false;
    loop {
        let t = words.get(at);
        if is_word(t, "binary") {
            return Err(DialectError::unsupported("binary cursors are not supported"));
        } else if is_word(t, "asensitive") || is_word(t, "insensitive") || is_word(t, "scroll") {
            at += 1;
        } else if is_word(t, "no") && is_word(words.get(at + 1), "scroll") {
            at += 2;
        } else if is_word(t, "cursor") {
            at += 1;
            break;
        } else {
            return Err(syntax_at(t));
        }
    }
    if (is_word(words.get(at), "with") || is_word(words.get(at), "without")) && is_word(words.get(at + 1), "hold") {
        hold = is_word(words.get(at), "with");
        at += 2;
    }
    if !is_word(words.get(at), "for") {
        return Err(syntax_at(words.get(at)));
    }
    let query = &words[at + 1..];
    if query.is_empty() {
        return Err(syntax_at(None));
    }
    Ok(StatementKind::Declare { name, hold, query: render(query) })
}

/// A signed row count.
fn count(t: Option<&Token>, minus: bool) -> Option<i64> {
    match t {
        Some(Token::Number(n, _)) => n.parse::<i64>().ok().map(|n| if minus { -n } else { n }),
        _ => None,
    }
}

/// `FETCH` / `MOVE` `[ direction ] [ FROM | IN ] cursor`.
fn fetch(words: &[Token], move_only: bool) -> Result<StatementKind, DialectError> {
    let mut at = 1;
    let signed = |at: usize| -> Option<(i64, usize)> {
        let minus = words.get(at) == Some(&Token::Minus);
        let start = if minus || words.get(at) == Some(&Token::Plus) { at + 1 } else { at };
        count(words.get(start), minus).map(|n| (n, start + 1))
    };
    let direction = if is_word(words.get(at), "next") {
        at += 1;
        FetchDirection::Forward(1)
    } else if is_word(words.get(at), "prior") {
        at += 1;
        FetchDirection::Backward(1)
    } else if is_word(words.get(at), "first") {
        at += 1;
        FetchDirection::Absolute(1)
    } else if is_word(words.get(at), "last") {
        at += 1;
        FetchDirection::Absolute(-1)
    } else if is_word(words.get(at), "absolute") || is_word(words.get(at), "relative") {
        let absolute = is_word(words.get(at), "absolute");
        let (n, next) = signed(at + 1).ok_or_else(|| syntax_at(words.get(at + 1)))?;
        at = next;
        if absolute {
            FetchDirection::Absolute(n)
        } else {
            FetchDirection::Relative(n)
        }
    } else if is_word(words.get(at), "all") {
        at += 1;
        FetchDirection::Forward(i64::MAX)
    } else if is_word(words.get(at), "forward") || is_word(words.get(at), "backward") {
        let forward = is_word(words.get(at), "forward");
        at += 1;
        let n = if is_word(words.get(at), "all") {
            at += 1;
            i64::MAX
        } else if let Some((n, next)) = signed(at) {
            at = next;
            n
        } else {
            1
        };
        if forward {
            FetchDirection::Forward(n)
        } else {
            FetchDirection::Backward(n)
        }
    } else if let Some((n, next)) = signed(at) {
        at = next;
        FetchDirection::Forward(n)
    } else {
        FetchDirection::Forward(1)
    };
    if is_word(words.get(at), "from") || is_word(words.get(at), "in") {
        at += 1;
    }
    let name = ident(words.get(at))?;
    if at + 1 != words.len() {
        return Err(syntax_at(words.get(at + 1)));
    }
    Ok(StatementKind::Fetch { name, direction, move_only })
}

/// `CLOSE { name | ALL }`.
fn close(words: &[Token]) -> Result<StatementKind, DialectError> {
    if words.len() != 2 {
        return Err(syntax_at(words.get(2)));
    }
    if is_word(words.get(1), "all") {
        return Ok(StatementKind::CloseCursor(None));
    }
    Ok(StatementKind::CloseCursor(Some(ident(words.get(1))?)))
}

/// `DISCARD { ALL | PLANS | SEQUENCES | TEMP | TEMPORARY }`.
fn discard(words: &[Token]) -> Result<StatementKind, DialectError> {
    if words.len() != 2 {
        return Err(syntax_at(words.get(2)));
    }
    let what = ident(words.get(1))?;
    match what.as_str() {
        "all" => Ok(StatementKind::DiscardAll),
        "sequences" => Ok(StatementKind::DiscardSequences),
        // No plans are cached across statements, and there are no temporary tables.
        "plans" | "temp" | "temporary" => Ok(StatementKind::NoOp(format!(
            "DISCARD {}",
            if what == "temporary" { "TEMP".into() } else { what.to_uppercase() }
        ))),
        _ => Err(syntax_at(words.get(1))),
    }
}

/// `SELECT set_config('name', 'value', is_local)` (what pg_dump and some drivers send instead of SET).
pub(super) fn set_config_call(stmt: &Statement) -> Option<StatementKind> {
    let Statement::Query(q) = stmt else { return None };
    let SetExpr::Select(select) = q.body.as_ref() else { return None };
    if !select.from.is_empty() || select.selection.is_some() || select.projection.len() != 1 {
        return None;
    }
    let (SelectItem::UnnamedExpr(Expr::Function(f)) | SelectItem::ExprWithAlias { expr: Expr::Function(f), .. }) =
        &select.projection[0]
    else {
        return None;
    };
    if !last_part(&f.name).eq_ignore_ascii_case("set_config") {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else { return None };
    let text = |a: &FunctionArg| match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            Value::Boolean(b) => Some(b.to_string()),
            _ => None,
        },
        _ => None,
    };
    match list.args.iter().map(text).collect::<Option<Vec<String>>>()?.as_slice() {
        [name, value, local] => Some(StatementKind::SetConfig {
            name: super::setting_name(name),
            value: value.clone(),
            local: local == "true",
        }),
        _ => None,
    }
}

/// The session command `words` (tokens without whitespace) spells, if it is one.
pub fn session_command(first: &str, words: &[Token]) -> Result<Option<StatementKind>, DialectError> {
    Ok(Some(match first {
        "prepare" => prepare(words)?,
        "execute" => execute(words)?,
        "deallocate" => deallocate(words)?,
        "declare" => declare(words)?,
        "fetch" => fetch(words, false)?,
        "move" => fetch(words, true)?,
        "close" => close(words)?,
        "discard" => discard(words)?,
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::dialect::translate;

    fn kind(sql: &str) -> StatementKind {
        translate(sql).unwrap().remove(0).kind
    }

    #[test]
    fn prepare_execute_deallocate() {
        assert_eq!(
            kind("PREPARE q (int, text) AS SELECT * FROM t WHERE a = $1 AND b = $2"),
            StatementKind::Prepare {
                name: "q".into(),
                types: vec!["int".into(), "text".into()],
                body: "SELECT * FROM t WHERE a = $1 AND b = $2".into()
            }
        );
        assert_eq!(
            kind("EXECUTE q(1 + 2, 'x,y', f(1, 2))"),
            StatementKind::Execute {
                name: "q".into(),
                args: vec!["1 + 2".into(), "'x,y'".into(), "f ( 1 , 2 )".into()]
            }
        );
        assert_eq!(kind("EXECUTE q"), StatementKind::Execute { name: "q".into(), args: vec![] });
        assert_eq!(kind("DEALLOCATE PREPARE \"Q\""), StatementKind::Deallocate(Some("Q".into())));
        assert_eq!(kind("deallocate all"), StatementKind::Deallocate(None));
        assert_eq!(kind("DISCARD ALL"), StatementKind::DiscardAll);
        assert_eq!(kind("DISCARD PLANS").command_tag(0), "DISCARD PLANS");
        assert_eq!(kind("DISCARD SEQUENCES"), StatementKind::DiscardSequences);
        assert_eq!(translate("PREPARE q SELECT 1").unwrap_err().sqlstate, "42601");
    }

    #[test]
    fn cursors() {
        assert_eq!(
            kind("DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT 1"),
            StatementKind::Declare { name: "c".into(), hold: true, query: "SELECT 1".into() }
        );
        let fetch = |sql: &str| match kind(sql) {
            StatementKind::Fetch { direction, move_only, name } => (direction, move_only, name),
            other => panic!("{other:?}"),
        };
        use FetchDirection as D;
        assert_eq!(fetch("FETCH FORWARD 100 FROM \"c\""), (D::Forward(100), false, "c".into()));
        assert_eq!(fetch("FETCH c"), (D::Forward(1), false, "c".into()));
        assert_eq!(fetch("FETCH ALL IN c").0, D::Forward(i64::MAX));
        assert_eq!(fetch("FETCH -2 FROM c").0, D::Forward(-2));
        assert_eq!(fetch("FETCH BACKWARD ALL c").0, D::Backward(i64::MAX));
        assert_eq!(fetch("FETCH ABSOLUTE -1 c").0, D::Absolute(-1));
        assert_eq!(fetch("MOVE LAST IN c"), (D::Absolute(-1), true, "c".into()));
        assert_eq!(fetch("FETCH PRIOR FROM c").0, D::Backward(1));
        assert_eq!(kind("CLOSE ALL"), StatementKind::CloseCursor(None));
        assert_eq!(translate("DECLARE c BINARY CURSOR FOR SELECT 1").unwrap_err().sqlstate, "0A000");
    }
}
