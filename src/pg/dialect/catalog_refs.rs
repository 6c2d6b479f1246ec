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

/// Parses an expression built around already translated SQL: its `?N` placeholders (which PostgreSQL's syntax
/// does not have) are parsed as `$N` and turned back into `?N`; quoted text is left alone.
pub(super) fn parse_expr(sql: &str) -> Result<Expr, DialectError> {
    let mut text = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => {
                text.push('$');
                continue;
            }
            None => {}
        }
        text.push(c);
    }
    let mut expr = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| DialectError { sqlstate: "XX000", message: format!("internal: catalog expression: {e}") })?;
    let _ = sqlparser::ast::visit_expressions_mut(&mut expr, |e| {
        if let Expr::Value(ValueWithSpan { value: Value::Placeholder(p), .. }) = e {
            if let Some(n) = p.strip_prefix('$') {
                *p = format!("?{n}");
            }
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(expr)
}

fn boolean(b: bool) -> Expr {
    Expr::Value(Value::Boolean(b).into())
}

/// The expression standing for a catalog function call, if `f` is one.
pub(super) fn function(f: &Function, session: Option<&SessionValues>) -> Option<Result<Expr, DialectError>> {
    let name = last_part(&f.name).to_ascii_lowercase();
    let args = match (&f.args, positional_args(f)) {
        (FunctionArguments::Subquery(q), _) if name == "array" => return Some(catalog_arrays::array_of(q)),
        (_, Some(args)) => args,
        (_, None) => return None,
    };
    if let Some(x) = catalog_arrays::function(&name, &args) {
        return Some(x);
    }
    let by_oid = |relation: &str, column: &str, oid: &Expr| {
        parse_expr(&format!(
            "(SELECT {column} FROM {} WHERE \"__raftsql_oid\" = {})",
            catalog::relation_sql(relation),
            nested(oid.clone())
        ))
    };
    let user = session.map(|s| s.user.clone()).unwrap_or_else(|| "raftsql".into());
    let fname = name.as_str();
    Some(Ok(match (fname, args.as_slice()) {
        // One schema, every object in it visible; every user sees and may use everything it can reach.
        ("pg_table_is_visible" | "pg_type_is_visible" | "pg_function_is_visible" | "pg_collation_is_visible", [_]) => {
            boolean(true)
        }
        ("json_build_object" | "jsonb_build_object", _) => {
            call("json_object", args.iter().map(|a| (*a).clone()).collect())
        }
        ("json_build_array" | "jsonb_build_array", _) => {
            call("json_array", args.iter().map(|a| (*a).clone()).collect())
        }
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
        // The search path as PostgreSQL reports it (an array, in its text form as the catalogs' arrays are).
        ("current_schemas", [implicit]) => {
            return Some(parse_expr(&format!(
                "CASE WHEN {} THEN '{{pg_catalog,public}}' ELSE '{{public}}' END",
                nested((*implicit).clone())
            )))
        }
        ("pg_get_userbyid", [oid]) => {
            let owner = crate::pg::catalog::DATABASE_OWNER;
            return Some(parse_expr(&format!(
                "CASE {} WHEN {owner} THEN 'pg_database_owner' ELSE '{}' END",
                nested((*oid).clone()),
                user.replace('\'', "''")
            )));
        }
        // Comments on relations and columns (`COMMENT ON`); nothing else has any.
        ("obj_description", [oid, ..]) | ("col_description", [oid, _]) => {
            let subid = if fname == "col_description" { nested(args[1].clone()).to_string() } else { "0".to_string() };
            return Some(parse_expr(&format!(
                "(SELECT \"__d\".description FROM {} AS \"__d\" WHERE \"__d\".objoid = {} AND \"__d\".objsubid = {subid})",
                catalog::relation_sql("pg_description"),
                nested((*oid).clone())
            )));
        }
        ("obj_description" | "col_description" | "shobj_description", _) => Expr::Value(Value::Null.into()),
        ("pg_encoding_to_char", [_]) => string_literal("UTF8"),
        // Expressions are kept as their text already.
        ("pg_get_expr", [e, ..]) => (*e).clone(),
        ("pg_get_indexdef", [oid]) => return Some(by_oid("__raftsql_indexdefs", "indexdef", oid)),
        // With a column number: that column of the index (0: the whole definition).
        ("pg_get_indexdef", [oid, column, ..]) => {
            let definition = match by_oid("__raftsql_indexdefs", "indexdef", oid) {
                Ok(d) => d,
                Err(e) => return Some(Err(e)),
            };
            return Some(parse_expr(&format!(
                "CASE WHEN {column} = 0 THEN {definition} ELSE (SELECT \"__a\".attname FROM {} AS \"__a\" \
                 WHERE \"__a\".attrelid = {oid} AND \"__a\".attnum = {column}) END",
                catalog::relation_sql("pg_attribute"),
                column = nested((*column).clone()),
                oid = nested((*oid).clone()),
            )));
        }
        // The OID of a named type or relation, NULL when there is none.
        ("to_regtype" | "to_regclass" | "to_regnamespace" | "to_regrole", [name]) => {
            let (relation, column) = match fname {
                "to_regtype" => ("pg_type", "typname"),
                "to_regclass" => ("pg_class", "relname"),
                "to_regnamespace" => ("pg_namespace", "nspname"),
                _ => ("pg_roles", "rolname"),
            };
            return Some(parse_expr(&format!(
                "(SELECT \"__t\".oid FROM {} AS \"__t\" WHERE \"__t\".{column} = {})",
                catalog::relation_sql(relation),
                nested((*name).clone())
            )));
        }
        // Sizes are not tracked per relation (SQLite pages are shared by the whole file).
        ("pg_table_size" | "pg_relation_size" | "pg_total_relation_size" | "pg_indexes_size", [_, ..]) => {
            Expr::Value(Value::Number("0".into(), false).into())
        }
        ("pg_size_pretty", [bytes]) => {
            let b = nested((*bytes).clone());
            return Some(parse_expr(&format!(
                "CASE WHEN abs({b}) < 10240 THEN {b} || ' bytes' \
                 WHEN abs({b}) < 10485760 THEN ((abs({b}) + 512) >> 10) * sign({b}) || ' kB' \
                 WHEN abs({b}) < 10737418240 THEN ((abs({b}) + 524288) >> 20) * sign({b}) || ' MB' \
                 ELSE ((abs({b}) + 536870912) >> 30) * sign({b}) || ' GB' END"
            )));
        }
        ("pg_get_constraintdef", [oid, ..]) => return Some(by_oid("__raftsql_constraintdefs", "condef", oid)),
        // No partitions: a table is its own only ancestor; nothing is published.
        ("pg_partition_ancestors" | "pg_partition_root", [rel]) => (*rel).clone(),
        ("pg_relation_is_publishable", [_]) => boolean(false),
        (
            "pg_get_statisticsobjdef_columns"
            | "pg_get_triggerdef"
            | "pg_get_ruledef"
            | "pg_get_function_result"
            | "pg_get_function_arguments"
            | "pg_get_function_identity_arguments",
            _,
        ) => Expr::Value(Value::Null.into()),
        ("format_type", [oid, typmod]) => {
            return Some(parse_expr(&catalog::format_type(
                &nested((*oid).clone()).to_string(),
                &nested((*typmod).clone()).to_string(),
            )))
        }
        ("quote_ident", [x]) => return Some(parse_expr(&catalog::quote_ident(&nested((*x).clone()).to_string()))),
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

/// The name of an object identifier type (`regclass`, `oid`, ...), lower case; `None` for other types.
pub(super) fn object_type_name(dt: &DataType) -> Option<String> {
    let name = match dt {
        DataType::Regclass => "regclass".to_string(),
        DataType::Custom(name, _) => last_part(name).to_ascii_lowercase(),
        _ => return None,
    };
    matches!(name.as_str(), "regclass" | "regtype" | "regnamespace" | "regrole" | "oid" | "regproc" | "regprocedure")
        .then_some(name)
}

/// Whether `dt` is an object identifier type.
pub(super) fn is_object_type(dt: &DataType) -> bool {
    object_type_name(dt).is_some()
}

/// Whether a value of type `dt` is written as an object's name (`regclass`, `regtype`, ...), not as a number.
pub(super) fn names_object(dt: &DataType) -> bool {
    object_type_name(dt).is_some_and(|n| matches!(n.as_str(), "regclass" | "regtype" | "regnamespace" | "regrole"))
}

/// PostgreSQL's OIDs of its own catalog relations, which tools name as `'pg_class'::regclass` (in `pg_depend`
/// and `pg_description` joins).
const CATALOG_RELATION_OIDS: &[(&str, u32)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_class", 1259),
    ("pg_attrdef", 2604),
    ("pg_constraint", 2606),
    ("pg_description", 2609),
    ("pg_index", 2610),
    ("pg_namespace", 2615),
    ("pg_trigger", 2620),
    ("pg_database", 1262),
    ("pg_am", 2601),
];

fn catalog_relation_oid(relation: &str, name: &str) -> Option<u32> {
    let name = name.strip_prefix("pg_catalog.").unwrap_or(name);
    (relation == "pg_class").then_some(())?;
    CATALOG_RELATION_OIDS.iter().find(|(n, _)| *n == name).map(|(_, oid)| *oid)
}

/// SQL: the OID of the object named by the text expression `name` (as a `regclass` input: digits are the OID
/// itself, `public.` and `pg_catalog.` prefixes are dropped, a double-quoted name is taken as written, any other
/// is folded to lower case), NULL when there is none.
fn object_named(name: &str, relation: &str, column: &str) -> String {
    let bare = format!(
        "CASE WHEN {name} LIKE 'public.%' OR {name} LIKE 'pg\\_catalog.%' ESCAPE '\\' \
           THEN substr({name}, instr({name}, '.') + 1) ELSE {name} END"
    );
    format!(
        "(CASE WHEN CAST(CAST({name} AS INTEGER) AS TEXT) = {name} THEN CAST({name} AS INTEGER) {catalogs} \
         ELSE (SELECT \"__n\".oid FROM {} AS \"__n\" WHERE \"__n\".{column} = \
           CASE WHEN substr({bare}, 1, 1) = '\"' THEN replace(substr({bare}, 2, length({bare}) - 2), '\"\"', '\"') \
           ELSE lower({bare}) END) END)",
        catalog::relation_sql(relation),
        catalogs = if relation == "pg_class" {
            CATALOG_RELATION_OIDS.iter().map(|(n, oid)| format!("WHEN {bare} = '{n}' THEN {oid} ")).collect::<String>()
        } else {
            String::new()
        },
    )
}

/// Casts to the object identifier types: `'name'::regclass` (and `regtype`) is the named object's OID, looked up
/// in the catalog, as is a parameter's text; `::oid` and casts of anything else are the number itself.
pub(super) fn object_cast(e: &Expr, dt: &DataType) -> Option<Result<Expr, DialectError>> {
    let type_name = match dt {
        // A catalog's text array cast to its array type stays the text array (user tables have no arrays yet).
        DataType::Array(_) if catalog_arrays::is_catalog_array(e) => return Some(Ok(e.clone())),
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
    if let Expr::Value(ValueWithSpan { value: Value::Placeholder(_), .. }) = e {
        return Some(parse_expr(&object_named(&e.to_string(), relation, column)));
    }
    let Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. }) = e else {
        // An OID shown as the object's name, as PostgreSQL prints a regclass or regtype value.
        return Some(parse_expr(&format!(
            "(SELECT {} FROM {} AS \"__o\" WHERE \"__o\".oid = {})",
            catalog::quote_ident(&format!("\"__o\".{column}")),
            catalog::relation_sql(relation),
            nested(e.clone())
        )));
    };
    if text.parse::<i64>().is_ok() {
        return Some(Ok(Expr::Value(Value::Number(text.clone(), false).into())));
    }
    if let Some(oid) = catalog_relation_oid(relation, text) {
        return Some(Ok(Expr::Value(Value::Number(oid.to_string(), false).into())));
    }
    // `public.t` and `"T"` name the same objects as in PostgreSQL; an unknown name is 42P01 / 42704 there.
    let unquoted = text.strip_prefix("public.").unwrap_or(text);
    let name = match unquoted.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => unquoted.to_lowercase(),
    };
    Some(parse_expr(&format!(
        "(SELECT oid FROM {} WHERE {column} = '{}')",
        catalog::relation_sql(relation),
        name.replace('\'', "''")
    )))
}

/// Whether `COLLATE name` changes nothing here: PostgreSQL's default and C collations are SQLite's BINARY.
pub(super) fn neutral_collation(name: &ObjectName) -> bool {
    matches!(last_part(name).to_ascii_lowercase().as_str(), "default" | "c" | "posix")
}
