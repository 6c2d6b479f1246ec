//! Exact numerics in the translation: decimal literals, arithmetic, comparisons, rounding functions, `sum`/`avg`
//! and ORDER BY become the calls of `db::numeric_functions`, so that a value stored as decimal text is computed
//! exactly and compared as a number (see that module for the storage).

use super::*;

/// The functions whose result may be a decimal text (and so must be compared and sorted as a number).
const NUMERIC_RESULTS: &[&str] = &[
    "pg_numeric",
    "pg_add",
    "pg_sub",
    "pg_mul",
    "raftsql_div",
    "raftsql_mod",
    "pg_neg",
    "pg_sum",
    "pg_avg",
    "pg_round",
    "pg_trunc",
    "pg_ceil",
    "pg_floor",
    "pg_abs",
];

/// The function computing PostgreSQL's `name` on numbers, when SQLite's own would round decimals through a
/// double (or overflow silently).
pub(super) fn function_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "sum" => "pg_sum",
        "avg" => "pg_avg",
        "round" => "pg_round",
        "trunc" => "pg_trunc",
        "ceil" | "ceiling" => "pg_ceil",
        "floor" => "pg_floor",
        "abs" => "pg_abs",
        _ => return None,
    })
}

/// A numeric literal SQLite would not keep exactly (a fraction, an exponent, or an integer beyond 64 bits):
/// `pg_numeric('1.50')`, which PostgreSQL types `numeric` too.
pub(super) fn literal(number: &str) -> Option<Expr> {
    if !number.contains(['.', 'e', 'E']) && number.parse::<i64>().is_ok() {
        return None;
    }
    Some(call("pg_numeric", vec![string_literal(number)]))
}

/// The text of a `pg_numeric('...')` literal.
pub(super) fn literal_text(e: &Expr) -> Option<&str> {
    let Expr::Function(f) = e else { return None };
    if last_part(&f.name) != "pg_numeric" {
        return None;
    }
    match positional_args(f)?.as_slice() {
        [Expr::Value(v)] => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// True when `e` may evaluate to a decimal text.
pub(super) fn is_numeric(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_numeric(inner),
        Expr::Function(f) => NUMERIC_RESULTS.contains(&last_part(&f.name).as_str()),
        _ => false,
    }
}

/// True when `e` is a date, time, timestamp or interval (a cast to one): compared as its canonical text, never
/// as a number, even beside arithmetic (`ts + interval <= stop`).
fn is_temporal(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_temporal(inner),
        Expr::Function(f) => matches!(
            last_part(&f.name).as_str(),
            "pg_date" | "pg_time" | "pg_timestamp" | "pg_timestamptz" | "pg_interval" | "now"
        ),
        _ => false,
    }
}

fn is_column(e: &Expr) -> bool {
    match e {
        Expr::Nested(inner) => is_column(inner),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => true,
        _ => false,
    }
}

fn take(e: &mut Expr) -> Expr {
    std::mem::replace(e, Expr::Value(Value::Null.into()))
}

/// `a + b`, `a - b`, `a * b` as the typed arithmetic functions; `None` for other operators.
pub(super) fn arithmetic(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Option<Expr> {
    let f = match op {
        BinaryOperator::Plus => "pg_add",
        BinaryOperator::Minus => "pg_sub",
        BinaryOperator::Multiply => "pg_mul",
        BinaryOperator::Divide => "raftsql_div",
        BinaryOperator::Modulo => "raftsql_mod",
        _ => return None,
    };
    Some(call(f, vec![take(left), take(right)]))
}

/// `-e`: folded into a literal, else `pg_neg(e)` (SQLite's minus turns decimal text into a double).
pub(super) fn negate(operand: &mut Expr) -> Option<Expr> {
    match operand {
        Expr::Value(v) if matches!(v.value, Value::Number(..)) => None,
        e => match literal_text(e) {
            Some(text) => {
                let negated = match text.strip_prefix('-') {
                    Some(rest) => rest.to_string(),
                    None => format!("-{text}"),
                };
                Some(call("pg_numeric", vec![string_literal(&negated)]))
            }
            None => Some(call("pg_neg", vec![take(e)])),
        },
    }
}

/// A comparison of two values of which one may be decimal text and neither is a column: `pg_cmp(a, b) op 0`.
/// (Against a column SQLite's affinity and the column's `pg_numeric` collation already compare as numbers, and
/// an index stays usable.)
pub(super) fn comparison(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Option<Expr> {
    if !is_comparison(op) {
        return None;
    }
    if !(is_numeric(left) || is_numeric(right)) || is_column(left) || is_column(right) {
        return None;
    }
    if is_temporal(left) || is_temporal(right) {
        return None;
    }
    Some(compare(take(left), op.clone(), take(right)))
}

fn compare(a: Expr, op: BinaryOperator, b: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(call("pg_cmp", vec![a, b])),
        op,
        right: Box::new(Expr::Value(Value::Number("0".into(), false).into())),
    }
}

/// `e BETWEEN low AND high` with a numeric `e` that is not a column, as two `pg_cmp` comparisons.
pub(super) fn between(expr: &mut Expr, negated: bool, low: &mut Expr, high: &mut Expr) -> Option<Expr> {
    if is_column(expr) || !(is_numeric(expr) || is_numeric(low) || is_numeric(high)) {
        return None;
    }
    if is_temporal(expr) || is_temporal(low) || is_temporal(high) {
        return None;
    }
    let e = take(expr);
    let both = Expr::BinaryOp {
        left: Box::new(compare(e.clone(), BinaryOperator::GtEq, take(low))),
        op: BinaryOperator::And,
        right: Box::new(compare(e, BinaryOperator::LtEq, take(high))),
    };
    let both = Expr::Nested(Box::new(both));
    Some(if negated { Expr::UnaryOp { op: UnaryOperator::Not, expr: Box::new(both) } } else { both })
}

/// `e COLLATE pg_numeric`, so that decimal texts sort as numbers.
fn collated(e: Expr) -> Expr {
    Expr::Collate {
        expr: Box::new(nested(e)),
        collation: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(crate::db::numeric_functions::COLLATION))]),
    }
}

/// `min`/`max` of a numeric expression compare with the numeric collation.
pub(super) fn min_max_argument(f: &mut Function) {
    let name = last_part(&f.name).to_ascii_lowercase();
    if !matches!(name.as_str(), "min" | "max") {
        return;
    }
    if let FunctionArguments::List(list) = &mut f.args {
        if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] = list.args.as_mut_slice() {
            if is_numeric(e) {
                *e = collated(take(e));
            }
        }
    }
}

/// ORDER BY terms that are numeric expressions, or aliases of numeric select items, sort as numbers; NULLs sort
/// where PostgreSQL puts them.
pub(super) fn order_by(q: &mut Query) {
    let aliases: Vec<String> = match q.body.as_ref() {
        SetExpr::Select(s) => s
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } if is_numeric(expr) => Some(alias.value.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let Some(order) = q.order_by.as_mut() else { return };
    let OrderByKind::Expressions(terms) = &mut order.kind else { return };
    for term in terms {
        // PostgreSQL sorts NULL above every value (last ascending, first descending); SQLite below.
        if term.options.nulls_first.is_none() {
            term.options.nulls_first = Some(term.options.asc == Some(false));
        }
        let alias = matches!(&term.expr, Expr::Identifier(i) if aliases.contains(&i.value));
        if alias || is_numeric(&term.expr) {
            term.expr = collated(take(&mut term.expr));
        }
    }
}

/// Select items the schema-free inference could not type but that compute on numbers are `numeric` (the result
/// columns give way to `bigint` when the values are integers).
pub(super) fn result_types(q: &Query, types: &mut [Option<PgType>]) {
    let SetExpr::Select(select) = q.body.as_ref() else { return };
    if select.projection.len() != types.len() {
        return;
    }
    for (item, ty) in select.projection.iter().zip(types.iter_mut()) {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            if ty.is_none() && is_numeric(e) {
                *ty = Some(PgType::Numeric);
            }
        }
    }
}

/// The SQLite form of a `DEFAULT` literal: a decimal literal stays a bare literal when a double keeps it as
/// written, else becomes its text (a numeric column stores text anyway; other columns' affinity converts it), so
/// the catalogs show the default as written and `1.50` keeps its scale.
pub(super) fn default_literal(e: &Expr) -> Option<String> {
    let text = literal_text(e)?;
    let exact = text.parse::<f64>().is_ok_and(|f| f.to_string() == text);
    Some(if exact { text.to_string() } else { format!("'{text}'") })
}

/// The SQLite cast of a value to `numeric`, or to `numeric(p, s)`.
pub(super) fn cast(e: Expr, dt: &DataType) -> Result<Expr, DialectError> {
    let (p, s) = match dt {
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => typmod(info)?,
        _ => (-1, -1),
    };
    let n = |v: i64| Expr::Value(Value::Number(v.to_string(), false).into());
    Ok(if p < 0 { call("pg_numeric", vec![e]) } else { call("pg_numeric", vec![e, n(p), n(s)]) })
}

/// Precision and scale of `numeric(p, s)` (-1, -1 without them), checked as PostgreSQL checks them.
pub(crate) fn typmod(info: &ExactNumberInfo) -> Result<(i64, i64), DialectError> {
    let (p, s) = match info {
        ExactNumberInfo::None => return Ok((-1, -1)),
        ExactNumberInfo::Precision(p) => (*p as i64, 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => (*p as i64, *s),
    };
    if !(1..=1000).contains(&p) {
        return Err(DialectError {
            sqlstate: "22023",
            message: format!("NUMERIC precision {p} must be between 1 and 1000"),
        });
    }
    if !(0..=p).contains(&s) {
        return Err(DialectError::unsupported(format!(
            "NUMERIC scale {s} outside 0 to the precision {p} is not supported"
        )));
    }
    Ok((p, s))
}
