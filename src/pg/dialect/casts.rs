//! Casts for SQLite: to SQLite's storage classes, booleans, numerics, json and array literals.

use super::*;

/// `CAST(e AS target)` in SQLite form.
pub(super) fn sqlite_cast(e: Expr, target: &str) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: DataType::Custom(ObjectName(vec![ObjectNamePart::Identifier(Ident::new(target))]), Vec::new()),
        format: None,
    }
}

/// PostgreSQL's text → boolean rules as a SQLite CASE expression.
fn bool_cast(e: Expr) -> Expr {
    let lowered = call("lower", vec![sqlite_cast(e, "TEXT")]);
    let list = |words: &[&str]| Expr::InList {
        expr: Box::new(lowered.clone()),
        list: words.iter().map(|w| Expr::Value(Value::SingleQuotedString((*w).into()).into())).collect(),
        negated: false,
    };
    let num = |n: &str| Expr::Value(Value::Number(n.into(), false).into());
    Expr::Nested(Box::new(case_when(
        None,
        vec![
            (list(&["t", "true", "1", "yes", "on", "y"]), num("1")),
            (list(&["f", "false", "0", "no", "off", "n"]), num("0")),
        ],
        Some(Expr::Value(Value::Null.into())),
    )))
}

/// `e::dt` once `e` is translated: a parameter stays itself (its decoder already made the value of the type),
/// unless a modifier must be applied (`numeric(10,2)`) or it names an object (`$1::regclass`); anything else is
/// converted (`translate_cast`).
pub(super) fn cast_expr(inner: Expr, data_type: &DataType) -> Result<Expr, DialectError> {
    let is_param = param_index(&inner).is_some();
    if is_param && catalog_refs::names_object(data_type) {
        if let Some(x) = catalog_refs::object_cast(&inner, data_type) {
            return x;
        }
    }
    let numeric_typmod = matches!(PgType::from_data_type(data_type), Some(PgType::Numeric))
        && !matches!(
            data_type,
            DataType::Numeric(ExactNumberInfo::None) | DataType::Decimal(ExactNumberInfo::None) | DataType::Custom(..)
        );
    if is_param && !numeric_typmod {
        return Ok(inner);
    }
    translate_cast(inner, data_type)
}

/// Rewrites `CAST(e AS dt)` for SQLite.
pub(super) fn translate_cast(e: Expr, dt: &DataType) -> Result<Expr, DialectError> {
    if let Some(x) = catalog_refs::object_cast(&e, dt) {
        return x;
    }
    if let Some(elem) = array_element(dt) {
        return array_literal(e, elem);
    }
    let pg = PgType::from_data_type(dt).ok_or_else(|| unsupported_type(dt))?;
    Ok(match pg {
        PgType::Bool => bool_cast(e),
        PgType::Numeric => numeric::cast(e, dt)?,
        PgType::Jsonb => json::cast(e, true),
        PgType::Json => json::cast(e, false),
        PgType::Text => sqlite_cast(datetime::text_cast(e), "TEXT"),
        _ if datetime::cast_function(pg).is_some() => call(datetime::cast_function(pg).unwrap_or_default(), vec![e]),
        _ => match pg.sqlite_cast_target() {
            Some(t) => sqlite_cast(e, t),
            None => nested(e),
        },
    })
}

/// `'{a,b}'::varchar[]`: an array literal becomes the JSON array raftsql stores arrays as (`types::array`); a
/// value already converted (a literal cast twice, a parameter) stays as it is.
fn array_literal(e: Expr, elem: PgType) -> Result<Expr, DialectError> {
    let inner = match &e {
        Expr::Nested(x) => x.as_ref(),
        other => other,
    };
    match inner {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) if s.starts_with('[') => Ok(e),
            Value::SingleQuotedString(s) => {
                let ty = crate::pg::parser::array_type(elem);
                match crate::pg::types::decode_param(Some(s.as_bytes()), false, &ty) {
                    Ok(crate::db::Value::Text(json)) => Ok(string_literal(&json)),
                    Ok(_) => Err(DialectError::unsupported("this array literal is not supported")),
                    Err(te) => Err(DialectError { sqlstate: te.sqlstate, message: te.message }),
                }
            }
            Value::Placeholder(_) => Ok(e),
            Value::Null => Ok(e),
            _ => Err(DialectError::unsupported("this array literal is not supported")),
        },
        // A column or an expression: made the canonical JSON array of the element type when the statement runs.
        _ => match elem.element_decl() {
            Some(element) => Ok(call("pg_array", vec![e, string_literal(element)])),
            None => Err(DialectError::unsupported(format!("arrays of {elem:?} are not supported"))),
        },
    }
}

/// The element type of an unsized one-dimensional array type (`int[]`, `varchar[]`).
fn array_inner(dt: &DataType) -> Option<&DataType> {
    match dt {
        DataType::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, None))
        | DataType::Array(sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner)) => Some(inner),
        _ => None,
    }
}

/// Whether a type is one of the object identifier types arrays of which drivers send (`$1::oid[]`).
fn is_oid_type(dt: &DataType) -> bool {
    matches!(dt.to_string().to_ascii_lowercase().as_str(), "oid" | "regtype" | "regclass" | "regproc" | "regnamespace")
}

/// The element type of a one-dimensional array type (`int[]`, `varchar[]`).
pub(super) fn array_element(dt: &DataType) -> Option<PgType> {
    let inner = array_inner(dt)?;
    // OIDs (asyncpg's type lookups send `$1::oid[]`) are integers, names text.
    PgType::from_data_type(inner).or_else(|| match inner.to_string().to_ascii_lowercase().as_str() {
        _ if is_oid_type(inner) => Some(PgType::Int8),
        "name" => Some(PgType::Text),
        _ => None,
    })
}

/// Whether `dt` is an array of object identifiers (`oid[]`, `regtype[]`, ...).
pub(super) fn is_oid_array(dt: &DataType) -> bool {
    array_inner(dt).is_some_and(is_oid_type)
}

/// `CASE WHEN b THEN when_true WHEN NOT b THEN when_false END` (NULL stays NULL).
pub(super) fn boolean_case(b: Expr, when_true: Expr, when_false: Expr) -> Expr {
    let not_b = Expr::UnaryOp { op: UnaryOperator::Not, expr: Box::new(nested(b.clone())) };
    case_when(None, vec![(nested(b), when_true), (not_b, when_false)], None)
}

/// `CASE WHEN b THEN 'true' WHEN NOT b THEN 'false' END`.
pub(super) fn bool_text(b: Expr) -> Expr {
    boolean_case(b, string_literal("true"), string_literal("false"))
}
