//! Where a statement meets the catalogs: relations of `pg_catalog` and `information_schema` become placeholders
//! (expanded into their subqueries once the statement is rendered, `catalog::expand`), and the functions that
//! catalog queries call (`pg_table_is_visible`, `format_type`, `pg_get_userbyid`, `obj_description`, the
//! privilege checks...) become the SQLite expressions answering them for raftsql's single schema and user.

use super::*;
use crate::pg::catalog;

/// Replaces a catalog relation in FROM with its placeholder (aliased by its own name unless aliased already).
/// Returns whether `name` was one.
pub(super) fn relation(name: &mut ObjectName, alias: &mut Option<sqlparser::ast::TableAlias>) -> bool {
    let parts: Vec<String> = name.0.iter().map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_default()).collect();
    let relation = match parts.as_slice() {
        [schema, rel] => catalog::lookup(Some(schema), rel),
        [rel] => catalog::lookup(None, rel),
        _ => None,
    };
    let Some(relation) = relation else { return false };
    if alias.is_none() {
        *alias = Some(sqlparser::ast::TableAlias { name: Ident::new(relation.name), columns: Vec::new() });
    }
    *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote('"', catalog::placeholder(relation)))]);
    true
}

fn parse_expr(sql: &str) -> Result<Expr, DialectError> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DialectError { sqlstate: "XX000", message: format!("internal: catalog expression: {e}") })
}

fn boolean(b: bool) -> Expr {
    Expr::Value(Value::Boolean(b).into())
}

/// The expression standing for a catalog function call, if `f` is one.
pub(super) fn function(f: &Function, session: Option<&SessionValues>) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    let args: Vec<&Expr> = match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        FunctionArguments::None => Vec::new(),
        FunctionArguments::Subquery(_) => return None,
    };
    let user = session.map(|s| s.user.clone()).unwrap_or_else(|| "raftsql".into());
    Some(Ok(match (name.as_str(), args.as_slice()) {
        // One schema, every object in it visible; every user sees and may use everything it can reach.
        ("pg_table_is_visible" | "pg_type_is_visible" | "pg_function_is_visible", [_]) => boolean(true),
        (
            "has_table_privilege"
            | "has_schema_privilege"
            | "has_database_privilege"
            | "has_column_privilege"
            | "has_sequence_privilege"
            | "has_function_privilege"
            | "has_any_column_privilege",
            _,
        ) => boolean(true),
        ("pg_get_userbyid", [oid]) => {
            let owner = crate::pg::catalog::DATABASE_OWNER;
            return Some(parse_expr(&format!(
                "CASE {} WHEN {owner} THEN 'pg_database_owner' ELSE '{}' END",
                nested((*oid).clone()),
                user.replace('\'', "''")
            )));
        }
        ("obj_description" | "col_description" | "shobj_description", _) => Expr::Value(Value::Null.into()),
        ("pg_encoding_to_char", [_]) => string_literal("UTF8"),
        ("format_type", [oid, typmod]) => {
            return Some(parse_expr(&catalog::format_type(
                &nested((*oid).clone()).to_string(),
                &nested((*typmod).clone()).to_string(),
            )))
        }
        ("quote_ident", [x]) => {
            let x = nested((*x).clone()).to_string();
            return Some(parse_expr(&format!(
                "CASE WHEN regexp('^[a-z_][a-z0-9_$]*$', {x}) THEN {x} ELSE '\"' || replace({x}, '\"', '\"\"') || '\"' END"
            )));
        }
        _ => return None,
    }))
}

/// `a ~ b`, `a ~* b`, `a !~ b`, `a !~* b` (also spelled `OPERATOR(pg_catalog.~)`) as calls of SQLite's
/// `regexp(pattern, text)`.
pub(super) fn regex_match(left: Expr, op: &BinaryOperator, right: Expr) -> Option<Expr> {
    let op = match op {
        BinaryOperator::PGCustomBinaryOperator(parts) => match parts.iter().map(String::as_str).collect::<Vec<_>>()[..]
        {
            ["pg_catalog", "~"] | ["~"] => &BinaryOperator::PGRegexMatch,
            ["pg_catalog", "~*"] | ["~*"] => &BinaryOperator::PGRegexIMatch,
            ["pg_catalog", "!~"] | ["!~"] => &BinaryOperator::PGRegexNotMatch,
            ["pg_catalog", "!~*"] | ["!~*"] => &BinaryOperator::PGRegexNotIMatch,
            _ => return None,
        },
        other => other,
    };
    let (insensitive, negated) = match op {
        BinaryOperator::PGRegexMatch => (false, false),
        BinaryOperator::PGRegexIMatch => (true, false),
        BinaryOperator::PGRegexNotMatch => (false, true),
        BinaryOperator::PGRegexNotIMatch => (true, true),
        _ => return None,
    };
    let pattern = if insensitive {
        Expr::BinaryOp {
            left: Box::new(string_literal("(?i)")),
            op: BinaryOperator::StringConcat,
            right: Box::new(nested(right)),
        }
    } else {
        right
    };
    let call = call("regexp", vec![pattern, left]);
    Some(if negated { Expr::UnaryOp { op: UnaryOperator::Not, expr: Box::new(call) } } else { call })
}

/// Casts to the object identifier types: `'name'::regclass` (and `regtype`) is the named object's OID, looked up
/// in the catalog; `::oid` and casts of anything else are the number itself.
pub(super) fn object_cast(e: &Expr, dt: &DataType) -> Option<Result<Expr, DialectError>> {
    let type_name = match dt {
        DataType::Regclass => "regclass".to_string(),
        DataType::Custom(name, _) => last_part(name).to_ascii_lowercase(),
        _ => return None,
    };
    let (relation, column) = match type_name.as_str() {
        "regclass" => ("pg_class", "relname"),
        "regtype" => ("pg_type", "typname"),
        "regnamespace" => ("pg_namespace", "nspname"),
        "regrole" => ("pg_roles", "rolname"),
        "oid" | "regproc" | "regprocedure" => return Some(Ok(sqlite_cast(e.clone(), "INTEGER"))),
        _ => return None,
    };
    let Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) = e else {
        return Some(Ok(sqlite_cast(e.clone(), "INTEGER")));
    };
    // `public.t` and `"T"` name the same objects as in PostgreSQL; an unknown name is 42P01 / 42704 there.
    let unquoted = text.strip_prefix("public.").unwrap_or(text);
    let name = match unquoted.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => unquoted.to_lowercase(),
    };
    let relation = catalog::lookup(None, relation).expect("a catalog relation");
    Some(parse_expr(&format!(
        "(SELECT oid FROM \"{}\" WHERE {column} = '{}')",
        catalog::placeholder(relation),
        name.replace('\'', "''")
    )))
}

/// Whether `COLLATE name` changes nothing here: PostgreSQL's default and C collations are SQLite's BINARY.
pub(super) fn neutral_collation(name: &ObjectName) -> bool {
    matches!(last_part(name).to_ascii_lowercase().as_str(), "default" | "c" | "posix")
}
