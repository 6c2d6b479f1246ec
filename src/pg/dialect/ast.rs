//! Small helpers over the sqlparser AST that every part of the translation uses: names, placeholders, column
//! references, and building calls, CASE expressions and literals.

use super::*;

pub(super) fn string_literal(v: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(v.to_string()).into())
}

pub(super) fn strip_schema(name: &mut ObjectName) -> Result<(), DialectError> {
    if name.0.len() == 2 {
        let schema = name.0[0].as_ident().map(|i| i.value.to_ascii_lowercase());
        if schema.as_deref() == Some("public") {
            name.0.remove(0);
        }
    }
    if name.0.len() > 1 {
        return Err(DialectError::unsupported(format!("schema-qualified name {name} is not supported")));
    }
    Ok(())
}

/// Last part of an object name, unquoted.
pub(super) fn last_part(name: &ObjectName) -> String {
    name.0.last().and_then(ObjectNamePart::as_ident).map(|i| i.value.clone()).unwrap_or_default()
}

/// The parameter number of a `$n` / `?n` placeholder expression.
pub(super) fn param_index(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(ValueWithSpan { value: Value::Placeholder(p), .. }) => {
            p.strip_prefix(['$', '?']).and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0)
        }
        Expr::Nested(inner) => param_index(inner),
        _ => None,
    }
}

/// `(qualifier, column)` of a column reference.
pub(super) fn column_ref(e: &Expr) -> Option<(Option<String>, String)> {
    match e {
        Expr::Identifier(i) => Some((None, i.value.clone())),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
            Some((Some(parts[parts.len() - 2].value.clone()), parts[parts.len() - 1].value.clone()))
        }
        Expr::Nested(inner) => column_ref(inner),
        _ => None,
    }
}

/// `=`, `<>`, `<`, `<=`, `>`, `>=`.
pub(super) fn is_comparison(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(op, B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq)
}

/// A plain function call expression `name(args)`.
pub(super) fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args.into_iter().map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a))).collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// `CASE [operand] WHEN c THEN r ... [ELSE e] END`.
pub(super) fn case_when(operand: Option<Expr>, conditions: Vec<(Expr, Expr)>, else_result: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
        operand: operand.map(Box::new),
        conditions: conditions
            .into_iter()
            .map(|(condition, result)| sqlparser::ast::CaseWhen { condition, result })
            .collect(),
        else_result: else_result.map(Box::new),
    }
}

/// An identifier as PostgreSQL resolves it: as written when quoted, else in lower case.
pub(super) fn ident_name(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// Wraps an expression in parentheses unless it is atomic, so replacing a node keeps precedence.
pub(super) fn nested(e: Expr) -> Expr {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Function(_) | Expr::Nested(_) => e,
        other => Expr::Nested(Box::new(other)),
    }
}

/// A call's positional arguments; `None` for `f(SELECT ...)`.
pub(super) fn positional_args(f: &Function) -> Option<Vec<&Expr>> {
    match &f.args {
        FunctionArguments::None => Some(Vec::new()),
        FunctionArguments::List(l) => Some(
            l.args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
        ),
        FunctionArguments::Subquery(_) => None,
    }
}
