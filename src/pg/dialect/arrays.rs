//! raftsql's arrays, JSON arrays (see `types::array` and `db::array_functions`): `x op ANY (array)` and `x op
//! ALL (array)` (`x = ANY ($1)` is `x IN (SELECT value FROM json_each(?1))`, which keeps an index on `x` usable;
//! other comparisons are EXISTS over the elements), subscripts, `&&`, and the array functions. The catalogs' own
//! text arrays go to `catalog_arrays`.

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

/// `a[i]`: the i-th element (from 1), NULL outside the array.
pub(super) fn subscript(array: &Expr, index: &Expr) -> Result<Expr, DialectError> {
    let sql = "SELECT json_extract($0, '$[' || (CAST(__left AS INTEGER) - 1) || ']')";
    let q = subquery(sql, Some(&nested(index.clone())), array)?;
    first_item(*q)
}

/// `a && b`: whether the arrays have an element in common.
pub(super) fn overlap(left: Expr, right: Expr) -> Result<Expr, DialectError> {
    let q = subquery(
        "SELECT 1 FROM json_each(__left) AS \"__a\" JOIN json_each($0) AS \"__b\" ON \"__a\".value = \"__b\".value",
        Some(&nested(left)),
        &right,
    )?;
    Ok(Expr::Exists { subquery: q, negated: false })
}

/// The array functions over JSON arrays; `None` for other functions.
pub(super) fn function(name: &str, args: &[&Expr]) -> Option<Result<Expr, DialectError>> {
    let sql = match (name, args) {
        ("array_length" | "array_upper", [_, _]) => {
            "CASE WHEN json_array_length($0) > 0 THEN json_array_length($0) END"
        }
        ("array_lower", [_, _]) => "CASE WHEN json_array_length($0) > 0 THEN 1 END",
        ("cardinality", [_]) => "json_array_length($0)",
        ("array_to_string", [_, _]) => {
            "CASE WHEN $0 IS NOT NULL THEN coalesce((SELECT group_concat(value, __left ORDER BY key) \
             FROM json_each($0) WHERE value IS NOT NULL), '') END"
        }
        ("array_position", [_, _]) => "(SELECT key + 1 FROM json_each($0) WHERE value = __left ORDER BY key LIMIT 1)",
        ("array_remove", [_, _]) => {
            "(SELECT json_group_array(value ORDER BY key) FROM json_each($0) WHERE value IS DISTINCT FROM __left)"
        }
        ("array_append", [_, _]) => "json_insert($0, '$[#]', __left)",
        ("array_prepend", [_, _]) => {
            "(SELECT json_group_array(v ORDER BY o, k) FROM (SELECT 0 AS o, 0 AS k, __left AS v \
             UNION ALL SELECT 1, key, value FROM json_each($0)))"
        }
        ("array_cat", [_, _]) => {
            "(SELECT json_group_array(v ORDER BY o, k) FROM (SELECT 0 AS o, key AS k, value AS v FROM json_each($0) \
             UNION ALL SELECT 1, key, value FROM json_each(__left)))"
        }
        _ => return None,
    };
    // `$0` is the array, `__left` the other argument (array_prepend(element, array) takes the array second).
    let (array, other) = if name == "array_prepend" { (args[1], args.first()) } else { (args[0], args.get(1)) };
    let other = other.map(|a| nested((*a).clone()));
    Some(subquery(&format!("SELECT {sql}"), other.as_ref(), array).and_then(|q| first_item(*q)))
}

/// The one expression of `SELECT expr` parsed by `subquery`.
fn first_item(q: Query) -> Result<Expr, DialectError> {
    match *q.body {
        SetExpr::Select(mut s) if s.projection.len() == 1 => match s.projection.remove(0) {
            SelectItem::UnnamedExpr(e) => Ok(e),
            _ => Err(DialectError::syntax("array expression")),
        },
        _ => Err(DialectError::syntax("array expression")),
    }
}

/// Whether `e` is an array by its syntax alone: `ARRAY[...]`, or a cast to an array type.
fn is_array_syntax(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_array_syntax(inner),
        Expr::Array(_) => true,
        Expr::Cast { data_type, .. } => array_element(data_type).is_some(),
        _ => false,
    }
}

/// `a || b` where an operand is an array by its syntax: PostgreSQL's array concatenation (`array_cat`), or
/// `array_append`/`array_prepend` when the other operand is a literal element. Without types (a column on both
/// sides) `||` stays text concatenation.
pub(super) fn concatenation(left: &Expr, right: &Expr) -> Option<Expr> {
    let literal = |e: &Expr| matches!(e, Expr::Value(_));
    let (name, args) = match (is_array_syntax(left), is_array_syntax(right)) {
        (true, false) if literal(right) => ("array_append", vec![left.clone(), right.clone()]),
        (false, true) if literal(left) => ("array_prepend", vec![left.clone(), right.clone()]),
        (false, false) => return None,
        _ => ("array_cat", vec![left.clone(), right.clone()]),
    };
    Some(call(name, args))
}
