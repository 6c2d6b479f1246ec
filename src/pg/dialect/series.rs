//! FROM items SQLite lacks, rewritten as subqueries it runs: `generate_series(start, stop [, step])` over integers
//! or timestamps becomes a recursive CTE (bounded like any statement by the execution budget); `unnest` of a catalog's text
//! array and `pg_partition_ancestors` likewise; a derived table's column list (`AS v(a, b)`) names the
//! subquery's own columns.

use super::*;

/// A derived table of `sql` (PostgreSQL text, still to be visited by the translator) named `name`.
fn derived(sql: &str, name: String, what: &str) -> Result<TableFactor, DialectError> {
    let subquery = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("{what}: {e}")))?;
    Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(sqlparser::ast::TableAlias { name: Ident::with_quote('"', name), columns: Vec::new() }),
    })
}

/// True for the recursive subqueries this module writes (their counters are integers: SQLite's arithmetic is
/// right and faster than raftsql's typed functions).
pub(super) fn is_generated(tf: &TableFactor) -> bool {
    let TableFactor::Derived { subquery, .. } = tf else { return false };
    subquery
        .with
        .as_ref()
        .is_some_and(|w| w.cte_tables.iter().any(|c| matches!(c.alias.name.value.as_str(), "__series" | "__e")))
}

/// The subquery standing for `name(args) [AS alias[(column)]]` in FROM.
pub(super) fn table_function(
    name: &ObjectName,
    args: &[FunctionArg],
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Result<TableFactor, DialectError> {
    let function = last_part(name).to_ascii_lowercase();
    if matches!(function.as_str(), "pg_partition_ancestors" | "pg_partition_tree") {
        return partition_ancestors(args, alias);
    }
    if function == "unnest" {
        return unnest_text_array(args, alias);
    }
    if function != "generate_series" {
        return Err(DialectError { sqlstate: "42883", message: format!("function {function} does not exist") });
    }
    // PostgreSQL names the column after the alias when one is given, else after the function.
    let table = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| "generate_series".into());
    let column = alias.and_then(|a| a.columns.first()).map(|c| c.name.value.clone()).unwrap_or_else(|| table.clone());
    let sql = series_query(args, &format!("\"v\" AS {}", Ident::with_quote('"', column)))?;
    derived(&sql, table, "generate_series")
}

/// `generate_series(args)` as a recursive CTE over integers or timestamps, its value `"v"`, ending in `SELECT
/// {output} FROM` the CTE.
pub(super) fn series_query(args: &[FunctionArg], output: &str) -> Result<String, DialectError> {
    let exprs: Vec<String> = args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(nested(e.clone()).to_string()),
            _ => Err(DialectError::unsupported("named arguments to generate_series are not supported")),
        })
        .collect::<Result<_, _>>()?;
    let (start, stop, step) = match exprs.as_slice() {
        [a, b] => (a.clone(), b.clone(), "1".to_string()),
        [a, b, c] => (a.clone(), b.clone(), c.clone()),
        _ => {
            return Err(DialectError {
                sqlstate: "42883",
                message: format!("function generate_series with {} arguments does not exist", exprs.len()),
            })
        }
    };
    if let Some(cast) = timestamp_series(args) {
        // Timestamps stepped by an interval: the bounds in one storage form, so they compare as texts, and the
        // step's direction read off its first application. (Not named `__series`: its `+` is the typed one.)
        let (start, stop) = (format!("({start})::{cast}"), format!("({stop})::{cast}"));
        let step = format!("({step})::interval");
        let within = |x: &str| {
            format!("(CASE WHEN {start} + {step} > {start} THEN {x} <= {stop} WHEN {start} + {step} < {start} THEN {x} >= {stop} END)")
        };
        // The CTE's column has no type the translation can see: cast, so `+` and the comparisons are date/time ones.
        let next = format!("(\"v\")::{cast} + {step}");
        return Ok(stepped_series("__timestamps", &start, &next, output, within));
    }
    let within = |x: &str| format!("(CASE WHEN {step} > 0 THEN {x} <= {stop} WHEN {step} < 0 THEN {x} >= {stop} END)");
    // Integers count with SQLite's own arithmetic (`__series`); decimals with the exact, typed one.
    let decimal = args.iter().any(|a| match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
            matches!(crate::pg::infer::schema_free_type(e), Some(PgType::Numeric | PgType::Float4 | PgType::Float8))
        }
        _ => false,
    });
    if decimal {
        let next = format!("(\"v\")::numeric + {step}");
        return Ok(stepped_series("__decimals", &format!("({start})::numeric"), &next, output, within));
    }
    Ok(stepped_series("__series", &start, &format!("\"v\" + {step}"), output, within))
}

/// The recursive CTE `cte` counting from `start` (each value `next` of the one before, `"v"`) while `within`
/// holds, ending in `SELECT {output} FROM` it.
fn stepped_series(cte: &str, start: &str, next: &str, output: &str, within: impl Fn(&str) -> String) -> String {
    format!(
        "WITH RECURSIVE \"{cte}\"(\"v\") AS (SELECT {start} WHERE {} UNION ALL SELECT {next} FROM \
         \"{cte}\" WHERE {}) SELECT {output} FROM \"{cte}\"",
        within(start),
        within(next),
    )
}

/// For `generate_series` over timestamps (an interval step, or bounds the statement shows are dates or
/// timestamps): the type its values take, `timestamp` when the start is one, else `timestamptz` (as PostgreSQL
/// resolves dates and untyped literals). `None` for an integer series.
fn timestamp_series(args: &[FunctionArg]) -> Option<&'static str> {
    let types: Vec<Option<PgType>> = args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => crate::pg::infer::schema_free_type(e),
            _ => None,
        })
        .collect();
    let temporal = types
        .iter()
        .any(|t| matches!(t, Some(PgType::Interval | PgType::Date | PgType::Timestamp | PgType::Timestamptz)));
    if !temporal {
        return None;
    }
    Some(if types.first() == Some(&Some(PgType::Timestamp)) { "timestamp" } else { "timestamptz" })
}

/// `pg_partition_ancestors(rel) [WITH ORDINALITY] [AS a(relid, depth)]`: raftsql has no partitions, so a table
/// is its own only ancestor.
fn partition_ancestors(
    args: &[FunctionArg],
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Result<TableFactor, DialectError> {
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(rel))] = args else {
        return Err(DialectError {
            sqlstate: "42883",
            message: "function pg_partition_ancestors does not exist".into(),
        });
    };
    let name = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| "pg_partition_ancestors".into());
    let columns: Vec<String> =
        alias.map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect()).unwrap_or_default();
    let relid = columns.first().cloned().unwrap_or_else(|| "relid".into());
    let depth = columns.get(1).cloned().unwrap_or_else(|| "ordinality".into());
    let sql = format!(
        "SELECT {} AS {}, 1 AS {}",
        nested(rel.clone()),
        Ident::with_quote('"', relid),
        Ident::with_quote('"', depth)
    );
    derived(&sql, name, "pg_partition_ancestors")
}

/// `unnest(array) [AS x]` over a catalog's text array (`{a,b}`): its elements as rows.
fn unnest_text_array(
    args: &[FunctionArg],
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Result<TableFactor, DialectError> {
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(array))] = args else {
        return Err(DialectError::unsupported("unnest of several arrays is not supported"));
    };
    let name = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| "unnest".into());
    let column = alias.and_then(|a| a.columns.first()).map(|c| c.name.value.clone()).unwrap_or_else(|| name.clone());
    let a = nested(array.clone());
    let sql = format!(
        "WITH RECURSIVE \"__e\"(\"v\", \"rest\") AS (SELECT NULL, ltrim(rtrim({a}, '}}'), '{{') || ',' \
         WHERE {a} IS NOT NULL AND {a} <> '{{}}' UNION ALL SELECT substr(\"rest\", 1, instr(\"rest\", ',') - 1), \
         substr(\"rest\", instr(\"rest\", ',') + 1) FROM \"__e\" WHERE \"rest\" <> '') \
         SELECT \"v\" AS {} FROM \"__e\" WHERE \"v\" IS NOT NULL",
        Ident::with_quote('"', column)
    );
    derived(&sql, name, "unnest")
}

/// `UNNEST(a, b, ...) [AS t(x, y, ...)]` over array parameters (JSON arrays, see `types::array`): one row per
/// element of the first array, the others' elements beside it by position (NULL where one is shorter).
pub(super) fn unnest_arrays(
    arrays: &[Expr],
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Result<TableFactor, DialectError> {
    if arrays.is_empty() {
        return Err(DialectError::syntax("UNNEST needs an array"));
    }
    let name = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| "unnest".into());
    let columns: Vec<String> = (0..arrays.len())
        .map(|i| {
            let c = alias.and_then(|a| a.columns.get(i)).map(|c| c.name.value.clone());
            let c = c.unwrap_or_else(|| unnest_column(alias, arrays.len()));
            format!("\"__u{i}\".value AS {}", Ident::with_quote('"', c))
        })
        .collect();
    let mut from = format!("json_each({}) AS \"__u0\"", arrays[0]);
    for (i, a) in arrays.iter().enumerate().skip(1) {
        from.push_str(&format!(" LEFT JOIN json_each({a}) AS \"__u{i}\" ON \"__u{i}\".key = \"__u0\".key"));
    }
    derived(&format!("SELECT {} FROM {from} ORDER BY \"__u0\".key", columns.join(", ")), name, "UNNEST")
}

/// The default name of an UNNEST's column: one array's is named by the alias, as PostgreSQL names the column of
/// a function returning a base type (`unnest(a) AS x` reads as `x`), else `unnest`.
pub(super) fn unnest_column(alias: Option<&sqlparser::ast::TableAlias>, arrays: usize) -> String {
    match alias {
        Some(a) if arrays == 1 => a.name.value.clone(),
        _ => "unnest".into(),
    }
}

/// Names the result columns of `subquery` (a derived table aliased `AS t(a, b, ...)`): VALUES lists are wrapped
/// in a SELECT naming SQLite's `column1`, `column2`...; a plain SELECT gets aliases on its select list.
pub(super) fn name_columns(subquery: &mut Query, names: &[Ident]) -> Result<(), DialectError> {
    let unsupported = || DialectError::unsupported("this column list on a derived table is not supported");
    match subquery.body.as_mut() {
        SetExpr::Values(values) => {
            let width = values.rows.first().map(Vec::len).unwrap_or(0);
            if names.len() > width {
                return Err(unsupported());
            }
            let columns: Vec<String> = (0..width)
                .map(|i| match names.get(i) {
                    Some(n) => format!("column{} AS {}", i + 1, Ident::with_quote('"', n.value.clone())),
                    None => format!("column{}", i + 1),
                })
                .collect();
            let sql = format!("SELECT {} FROM ({})", columns.join(", "), subquery);
            *subquery = *Parser::new(&PostgreSqlDialect {})
                .try_with_sql(&sql)
                .and_then(|mut p| p.parse_query())
                .map_err(|e| DialectError::syntax(format!("derived table: {e}")))?;
            Ok(())
        }
        SetExpr::Select(select) => {
            if names.len() > select.projection.len() {
                return Err(unsupported());
            }
            for (item, name) in select.projection.iter_mut().zip(names) {
                let expr = match std::mem::replace(item, SelectItem::UnnamedExpr(Expr::Value(Value::Null.into()))) {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => return Err(unsupported()),
                };
                *item = SelectItem::ExprWithAlias { expr, alias: name.clone() };
            }
            Ok(())
        }
        _ => Err(unsupported()),
    }
}
