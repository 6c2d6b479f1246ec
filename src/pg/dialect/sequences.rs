//! `CREATE`, `ALTER` and `DROP SEQUENCE`, read from the statement's tokens (sqlparser takes CREATE SEQUENCE's
//! options in one fixed order only and has no ALTER SEQUENCE) and sent as a schema edit that every replica
//! applies (`db::sequences`); and the sequence functions' `'name'::regclass` argument, which stays a name.

use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments};
use sqlparser::tokenizer::Token;

use super::session_kinds::control;
use super::tokens::{conflicting, syntax_at, Cursor};
use super::{DialectError, StatementKind, Translated};
use crate::db::schema_edit::{statement, SchemaEdit};
use crate::db::sequences::{Bound, OwnedBy, SequenceEdit, SequenceOptions};

/// The translation of a sequence statement; `None` for any other statement.
pub(super) fn translate(words: &[Token]) -> Option<Result<Translated, DialectError>> {
    let mut c = Cursor { tokens: words, pos: 0 };
    let edit = if c.keyword("CREATE") {
        c.keyword("UNLOGGED");
        if c.keyword("TEMP") || c.keyword("TEMPORARY") {
            if !c.keyword("SEQUENCE") {
                return None;
            }
            return Some(Err(DialectError::unsupported("temporary sequences are not supported")));
        }
        if !c.keyword("SEQUENCE") {
            return None;
        }
        create(&mut c)
    } else if c.keyword("ALTER") && c.keyword("SEQUENCE") {
        alter(&mut c)
    } else if c.keyword("DROP") && c.keyword("SEQUENCE") {
        drop(&mut c)
    } else {
        return None;
    };
    Some(edit.and_then(|edit| {
        if let Some(t) = c.peek() {
            return Err(syntax_at(Some(t)));
        }
        let tag = match &edit {
            SequenceEdit::Create { .. } => "CREATE SEQUENCE",
            SequenceEdit::Alter { .. } => "ALTER SEQUENCE",
            SequenceEdit::Drop { .. } => "DROP SEQUENCE",
        };
        Ok(Translated {
            sqlite_sql: statement(&[SchemaEdit::Sequence(edit)]),
            ..control(StatementKind::Other(tag.into()))
        })
    }))
}

fn create(c: &mut Cursor<'_>) -> Result<SequenceEdit, DialectError> {
    let if_not_exists = c.keywords(&["IF", "NOT", "EXISTS"]);
    let name = c.name()?;
    let mut options = SequenceOptions::default();
    while c.option(&mut options, false)? {}
    Ok(SequenceEdit::Create { name, if_not_exists, options })
}

fn alter(c: &mut Cursor<'_>) -> Result<SequenceEdit, DialectError> {
    let if_exists = c.keywords(&["IF", "EXISTS"]);
    let name = c.name()?;
    let mut options = SequenceOptions::default();
    let mut rename = None;
    if c.keywords(&["RENAME", "TO"]) {
        rename = Some(c.name()?);
    } else if c.keywords(&["OWNER", "TO"]) {
        c.name()?;
    } else {
        while c.option(&mut options, true)? {}
    }
    Ok(SequenceEdit::Alter { name, if_exists, options, rename })
}

fn drop(c: &mut Cursor<'_>) -> Result<SequenceEdit, DialectError> {
    let if_exists = c.keywords(&["IF", "EXISTS"]);
    let mut names = vec![c.name()?];
    while c.token(&Token::Comma) {
        names.push(c.name()?);
    }
    let cascade = c.keyword("CASCADE");
    if !cascade {
        c.keyword("RESTRICT");
    }
    Ok(SequenceEdit::Drop { names, if_exists, cascade })
}

// The sequence statements' own readings of their tokens.
impl Cursor<'_> {
    /// A relation name, in the `public` schema if qualified.
    fn name(&mut self) -> Result<String, DialectError> {
        match self.qualified_name()? {
            (Some(schema), _) if schema != "public" => {
                Err(DialectError { sqlstate: "3F000", message: format!("schema \"{schema}\" does not exist") })
            }
            (_, name) => Ok(name),
        }
    }

    /// A signed whole number that fits in a bigint.
    fn number(&mut self) -> Result<i64, DialectError> {
        let negative = self.token(&Token::Minus);
        if !negative {
            self.token(&Token::Plus);
        }
        let Some(Token::Number(text, _)) = self.peek() else { return Err(syntax_at(self.peek())) };
        self.pos += 1;
        let text = if negative { format!("-{text}") } else { text.clone() };
        if text.contains(['.', 'e', 'E']) {
            return Err(DialectError {
                sqlstate: "22P02",
                message: format!("invalid input syntax for type bigint: \"{text}\""),
            });
        }
        text.parse().map_err(|_| DialectError {
            sqlstate: "22003",
            message: format!("value \"{text}\" is out of range for type bigint"),
        })
    }

    /// Reads one sequence option into `o`; false when none follows. `alter` allows RESTART.
    fn option(&mut self, o: &mut SequenceOptions, alter: bool) -> Result<bool, DialectError> {
        fn set<T>(slot: &mut Option<T>, value: T) -> Result<bool, DialectError> {
            match slot.replace(value) {
                Some(_) => Err(conflicting()),
                None => Ok(true),
            }
        }
        if self.keyword("AS") {
            let t = match self.ident()?.as_str() {
                "smallint" | "int2" => "int2".to_string(),
                "integer" | "int" | "int4" => "int4".to_string(),
                "bigint" | "int8" => "int8".to_string(),
                other => other.to_string(),
            };
            return set(&mut o.data_type, t);
        }
        if self.keyword("INCREMENT") {
            self.keyword("BY");
            let n = self.number()?;
            return set(&mut o.increment, n);
        }
        if self.keyword("MINVALUE") {
            let n = self.number()?;
            return set(&mut o.min, Bound::To(n));
        }
        if self.keyword("MAXVALUE") {
            let n = self.number()?;
            return set(&mut o.max, Bound::To(n));
        }
        if self.keyword("START") {
            self.keyword("WITH");
            let n = self.number()?;
            return set(&mut o.start, n);
        }
        if alter && self.keyword("RESTART") {
            let n = match self.keyword("WITH") || matches!(self.peek(), Some(Token::Number(..) | Token::Minus)) {
                true => Bound::To(self.number()?),
                false => Bound::Default,
            };
            return set(&mut o.restart, n);
        }
        if self.keyword("CACHE") {
            let n = self.number()?;
            return set(&mut o.cache, n);
        }
        if self.keyword("CYCLE") {
            return set(&mut o.cycle, true);
        }
        if self.keyword("NO") {
            return match () {
                _ if self.keyword("MINVALUE") => set(&mut o.min, Bound::Default),
                _ if self.keyword("MAXVALUE") => set(&mut o.max, Bound::Default),
                _ if self.keyword("CYCLE") => set(&mut o.cycle, false),
                _ => Err(syntax_at(self.peek())),
            };
        }
        // `OWNED BY [public.]table.column | NONE`: the sequence goes when its table does.
        if self.keywords(&["OWNED", "BY"]) {
            let owner = match self.keyword("NONE") {
                true => OwnedBy::Nobody,
                false => {
                    let mut parts = vec![self.ident()?];
                    while self.token(&Token::Period) {
                        parts.push(self.ident()?);
                    }
                    match parts.as_slice() {
                        [table, column] => OwnedBy::Column { table: table.clone(), column: column.clone() },
                        [schema, table, column] if schema == "public" => {
                            OwnedBy::Column { table: table.clone(), column: column.clone() }
                        }
                        [schema, _, _] => {
                            let message = format!("schema \"{schema}\" does not exist");
                            return Err(DialectError { sqlstate: "3F000", message });
                        }
                        _ => {
                            let message = "invalid OWNED BY option".to_string();
                            return Err(DialectError { sqlstate: "42601", message });
                        }
                    }
                }
            };
            return set(&mut o.owned_by, owner);
        }
        Ok(false)
    }
}

/// `nextval('s'::regclass)` is `nextval('s')`: the sequence functions take the name, which a regclass cast
/// would turn into a catalog lookup first; and `'public.s'` is `'s'`. Called before the arguments are
/// translated.
pub(super) fn name_argument(f: &mut Function) {
    let name = f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_ascii_lowercase());
    if !matches!(name.as_deref(), Some("nextval" | "currval" | "setval")) {
        return;
    }
    let FunctionArguments::List(list) = &mut f.args else { return };
    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))) = list.args.first_mut() {
        if let Expr::Cast { expr, data_type, .. } = arg {
            if super::catalog_refs::object_type_name(data_type).as_deref() != Some("regclass") {
                return;
            }
            *arg = std::mem::replace(expr.as_mut(), Expr::Value(sqlparser::ast::Value::Null.into()));
        }
        // `'public.s'` is `'s'`, as PostgreSQL shows the default it keeps (by OID) in the one schema there is.
        if let Expr::Value(v) = arg {
            if let sqlparser::ast::Value::SingleQuotedString(s) = &mut v.value {
                if let Some(name) = s.strip_prefix("public.").filter(|n| !n.is_empty()) {
                    *s = name.to_string();
                }
            }
        }
    }
}
