//! The arrays of the catalogs (`conkey`, `polroles`, `stxkind`, ...), which raftsql keeps in PostgreSQL's text
//! form (`{1,2}`), and the array expressions catalog queries apply to them: `x = ANY (column)`, `column[i]`,
//! `ARRAY(SELECT ...)`, `array_to_string`, `array_upper`, casts to array types, and `unnest(column)` /
//! `generate_subscripts(column, 1)` in a select list. The catalogs' columns are known by name; any other array is
//! raftsql's JSON array, handed to `arrays`.

use super::*;
use sqlparser::ast::Select;

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
/// `ARRAY[...]`); other arrays are JSON arrays, compared element by element (`arrays::compare`).
pub(super) fn any(left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Expr, DialectError> {
    if !is_catalog_array(right) && !matches!(right, Expr::Array(_)) {
        // Any other array is raftsql's JSON array (`array_agg`, a derived table's column of one).
        return super::arrays::compare(left.clone(), op, right, false);
    }
    if !matches!(op, BinaryOperator::Eq) {
        return Err(DialectError::unsupported("arrays are not supported"));
    }
    if let Expr::Array(a) = right {
        return Ok(Expr::InList { expr: Box::new(left.clone()), list: a.elem.clone(), negated: false });
    }
    let sql = format!("{} LIKE ('%,' || {} || ',%')", between_commas(right), nested(left.clone()));
    parse(&sql)
}

/// `array[i]` (1-based) of a text array, or of raftsql's JSON arrays (`arrays::subscript`).
pub(super) fn subscript(array: &Expr, index: &Expr) -> Result<Expr, DialectError> {
    if !is_catalog_array(array) {
        return super::arrays::subscript(array, index);
    }
    parse(&format!("json_extract('[' || {} || ']', '$[' || ({} - 1) || ']')", elements(array), nested(index.clone())))
}

/// `ARRAY(SELECT x ...)`: the text array of the subquery's values.
pub(super) fn array_of(subquery: &Query) -> Result<Expr, DialectError> {
    parse(&format!(
        "('{{' || coalesce((WITH \"__a\"(\"__v\") AS ({subquery}) SELECT group_concat(\"__v\", ',') FROM \"__a\"), '') || '}}')"
    ))
}

/// `array_to_string(a, sep)` and `array_upper(a, 1)` on text arrays; other arrays are JSON arrays
/// (`arrays::function`).
pub(super) fn function(name: &str, args: &[&Expr]) -> Option<Result<Expr, DialectError>> {
    if !args.first().is_some_and(|a| is_catalog_array(a)) {
        return super::arrays::function(name, args);
    }
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

/// Whether `e` names a catalog array of numbers (`catalog::number_array`), and if so whether it is a vector.
pub(super) fn number_array(e: &Expr) -> Option<bool> {
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => &parts.last()?.value,
        Expr::Nested(inner) => return number_array(inner),
        _ => return None,
    };
    crate::pg::catalog::number_array(name).map(|(vector, _)| vector)
}

/// SQL: a catalog array of numbers (`{1,2}` or `1 2`) as a JSON array.
pub(super) fn json_numbers(array: &Expr) -> String {
    format!("('[' || replace(trim(ltrim(rtrim({}, '}}'), '{{')), ' ', ',') || ']')", nested(array.clone()))
}

/// `unnest(a)` or `generate_subscripts(a, 1)` over a catalog array: (function, array).
fn series_call(e: &Expr) -> Option<(String, &Expr)> {
    let Expr::Function(f) = e else { return None };
    let name = last_part(&f.name).to_ascii_lowercase();
    if name != "unnest" && name != "generate_subscripts" {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else { return None };
    let array = match list.args.first()? {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(a)) => a,
        _ => return None,
    };
    is_catalog_array(array).then_some((name, array))
}

/// Set-returning functions over catalog arrays in a select list (`SELECT unnest(i.indkey) AS attnum,
/// generate_subscripts(i.indkey, 1) AS ord FROM pg_index i`, as SQLAlchemy's reflection asks): the FROM clause
/// joins `json_each` of the first such array, and each call becomes that row's element or subscript. PostgreSQL
/// zips several such functions by position; the catalogs' arrays of one row have equal lengths, so indexing the
/// others by the first's position is the same.
pub(super) fn expand_select_list(select: &mut Select) -> Result<(), DialectError> {
    let calls: Vec<(String, Expr)> = select
        .projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => series_call(e),
            _ => None,
        })
        .map(|(name, array)| (name, array.clone()))
        .collect();
    let Some((_, driver)) = calls.first() else { return Ok(()) };
    if calls.iter().any(|(_, a)| number_array(a).is_none()) {
        return Err(DialectError::unsupported("unnest of this catalog array in a select list is not supported"));
    }
    let Some(from) = select.from.last_mut() else {
        return Err(DialectError::unsupported("set-returning functions without FROM are not supported"));
    };
    let join = format!("SELECT 1 FROM \"__x\" CROSS JOIN json_each({}) AS \"__srf\"", json_numbers(driver));
    let parsed = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&join)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("unnest: {e}")))?;
    let SetExpr::Select(mut parsed) = *parsed.body else { return Err(DialectError::syntax("unnest")) };
    let Some(mut table) = parsed.from.pop() else { return Err(DialectError::syntax("unnest")) };
    from.joins.append(&mut table.joins);
    let driver = driver.to_string();
    for item in select.projection.iter_mut() {
        let (expr, alias) = match &*item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
            _ => continue,
        };
        let Some((name, array)) = series_call(expr) else { continue };
        let sql = match (name.as_str(), number_array(array) == Some(true)) {
            ("generate_subscripts", vector) => format!("(\"__srf\".key + {})", if vector { 0 } else { 1 }),
            _ if array.to_string() == driver => "\"__srf\".value".to_string(),
            _ => format!("json_extract({}, '$[' || \"__srf\".key || ']')", json_numbers(array)),
        };
        let replacement = parse(&sql)?;
        let alias = alias.unwrap_or_else(|| Ident::with_quote('"', name));
        *item = SelectItem::ExprWithAlias { expr: replacement, alias };
    }
    Ok(())
}

fn parse(sql: &str) -> Result<Expr, DialectError> {
    super::catalog_refs::parse_expr(sql)
}
