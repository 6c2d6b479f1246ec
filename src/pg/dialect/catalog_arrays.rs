//! The arrays of the catalogs (`conkey`, `polroles`, `stxkind`, ...), which raftsql keeps in PostgreSQL's text
//! form (`{1,2}`), and the array expressions catalog queries apply to them: `x = ANY (column)`, `column[i]`,
//! `ARRAY(SELECT ...)`, `array_to_string`, `array_upper`, casts to array types. User tables have no array
//! columns yet, so these only ever meet the catalogs' text arrays.

use super::*;

/// Array columns of the catalogs (and what queries over them name their elements), the only arrays there are.
const CATALOG_ARRAYS: &[&str] = &[
    "conkey",
    "confkey",
    "indkey",
    "indclass",
    "indoption",
    "indcollation",
    "polroles",
    "stxkind",
    "stxkeys",
    "prattrs",
    "reloptions",
    "relacl",
    "datacl",
    "attacl",
    "typacl",
    "nspacl",
    "proargtypes",
    "rolconfig",
    "useconfig",
    "enumvals",
];

/// Whether `e` is a catalog array column (`conkey`, `c.reloptions`, ...).
pub(super) fn is_catalog_array(e: &Expr) -> bool {
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(i) => &i.value,
            None => return false,
        },
        Expr::Nested(inner) => return is_catalog_array(inner),
        _ => return false,
    };
    CATALOG_ARRAYS.contains(&name.to_ascii_lowercase().as_str())
}

/// SQL: the elements of a text array without its braces (`1,2`). (`trim(x, chars)` is not PostgreSQL syntax.)
fn elements(array: &Expr) -> String {
    format!("ltrim(rtrim({}, '}}'), '{{')", nested(array.clone()))
}

/// The elements of a text array as a comma-separated list between commas (`,1,2,`), for matching.
fn between_commas(array: &Expr) -> String {
    format!("(',' || {} || ',')", elements(array))
}

/// `left op ANY (right)`: for `=`, whether `left` is an element of the text array `right` (or of the list
/// `ARRAY[...]`); `<>` the opposite of `= ALL`... only `=` is needed by the catalogs' users.
pub(super) fn any(left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Expr, DialectError> {
    if !matches!(op, BinaryOperator::Eq) {
        return Err(DialectError::unsupported("arrays are not supported"));
    }
    if let Expr::Array(a) = right {
        return Ok(Expr::InList { expr: Box::new(left.clone()), list: a.elem.clone(), negated: false });
    }
    if !is_catalog_array(right) {
        return Err(DialectError::unsupported("arrays are not supported"));
    }
    let sql = format!("{} LIKE ('%,' || {} || ',%')", between_commas(right), nested(left.clone()));
    parse(&sql)
}

/// `array[i]` (1-based) of a text array.
pub(super) fn subscript(array: &Expr, index: &Expr) -> Result<Expr, DialectError> {
    if !is_catalog_array(array) {
        return Err(DialectError::unsupported("arrays are not supported"));
    }
    parse(&format!("json_extract('[' || {} || ']', '$[' || ({} - 1) || ']')", elements(array), nested(index.clone())))
}

/// `ARRAY(SELECT x ...)`: the text array of the subquery's values.
pub(super) fn array_of(subquery: &Query) -> Result<Expr, DialectError> {
    parse(&format!(
        "('{{' || coalesce((WITH \"__a\"(\"__v\") AS ({subquery}) SELECT group_concat(\"__v\", ',') FROM \"__a\"), '') || '}}')"
    ))
}

/// `array_to_string(a, sep)` and `array_upper(a, 1)` on text arrays.
pub(super) fn function(name: &str, args: &[&Expr]) -> Option<Result<Expr, DialectError>> {
    match (name, args) {
        ("array_to_string", [a, sep]) => {
            Some(parse(&format!("replace({}, ',', {})", elements(a), nested((*sep).clone()))))
        }
        ("array_upper" | "array_length" | "cardinality", [a, ..]) => {
            let a = nested((*a).clone());
            Some(parse(&format!(
                "CASE WHEN {a} IS NULL OR {a} = '{{}}' THEN NULL ELSE length({a}) - length(replace({a}, ',', '')) + 1 END"
            )))
        }
        _ => None,
    }
}

fn parse(sql: &str) -> Result<Expr, DialectError> {
    super::catalog_refs::parse_expr(sql)
}
