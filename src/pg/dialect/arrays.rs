//! `x op ANY (array)` and `x op ALL (array)` over an array parameter or literal (stored as a JSON array, see
//! `types::array`): `x = ANY ($1)` is `x IN (SELECT value FROM json_each(?1))`, which keeps an index on `x`
//! usable; other comparisons are EXISTS over the elements. The catalogs' own text arrays go to
//! `catalog_arrays`.

use super::*;

/// Whether `e` is an array this module handles: a parameter, or a parameter or literal cast to an array type.
pub(super) fn is_user_array(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_user_array(inner),
        Expr::Cast { expr, data_type, .. } => array_element(data_type).is_some() && is_user_array_source(expr),
        other => param_index(other).is_some(),
    }
}

fn is_user_array_source(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_user_array_source(inner),
        Expr::Value(v) => matches!(v.value, Value::SingleQuotedString(_) | Value::Placeholder(_)),
        Expr::Cast { .. } => is_user_array(e),
        _ => false,
    }
}

/// After translation: the JSON array's SQL (a parameter, or a JSON array literal).
pub(super) fn is_translated_array(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_translated_array(inner),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.starts_with('['),
            Value::Placeholder(_) => true,
            _ => false,
        },
        _ => false,
    }
}

/// Parses SQL written here with `"__left"` and `$0` standing for the (already translated) operands, then puts
/// them in: printing and parsing them again would not survive SQLite's `?n` placeholders.
fn subquery(sql: &str, left: Option<&Expr>, right: &Expr) -> Result<Box<Query>, DialectError> {
    let mut q = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("ANY/ALL: {e}")))?;
    let _ = sqlparser::ast::visit_expressions_mut(&mut q, |e| {
        let replacement = match e {
            Expr::Identifier(i) if i.value == "__left" => left.cloned(),
            Expr::Value(v) if matches!(&v.value, Value::Placeholder(p) if p == "$0") => Some(right.clone()),
            _ => None,
        };
        if let Some(x) = replacement {
            *e = x;
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(q)
}

/// `left op ANY/ALL (right)` once both sides are translated (`right` is the JSON array's SQL).
pub(super) fn compare(left: Expr, op: &BinaryOperator, right: &Expr, all: bool) -> Result<Expr, DialectError> {
    if matches!((op, all), (BinaryOperator::Eq, false) | (BinaryOperator::NotEq, true)) {
        let elements = subquery("SELECT value FROM json_each($0)", None, right)?;
        return Ok(Expr::InSubquery { expr: Box::new(left), subquery: elements, negated: all });
    }
    if !is_comparison(op) {
        return Err(DialectError::unsupported(format!("operator {op} with ANY/ALL is not supported")));
    }
    // The elements under a name of their own: json_each's columns (`id`, `key`, ...) would hide the outer
    // query's columns of the same names in `left`.
    let elements = "(SELECT value AS \"__element\" FROM json_each($0))";
    let sql = if all {
        format!("SELECT 1 FROM {elements} WHERE NOT (__left {op} \"__element\")")
    } else {
        format!("SELECT 1 FROM {elements} WHERE __left {op} \"__element\"")
    };
    let left = nested(left);
    Ok(Expr::Exists { subquery: subquery(&sql, Some(&left), right)?, negated: all })
}
