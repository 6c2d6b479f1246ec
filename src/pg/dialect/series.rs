//! Set-returning functions in FROM, rewritten as subqueries SQLite runs: `generate_series(start, stop [, step])`
//! over integers becomes a recursive CTE (bounded like any statement by the execution budget).

use super::*;

/// The subquery standing for `name(args) [AS alias[(column)]]` in FROM.
pub(super) fn table_function(
    name: &ObjectName,
    args: &[FunctionArg],
    alias: Option<&sqlparser::ast::TableAlias>,
) -> Result<TableFactor, DialectError> {
    let function = last_part(name).to_ascii_lowercase();
    if function != "generate_series" {
        return Err(DialectError { sqlstate: "42883", message: format!("function {function} does not exist") });
    }
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
    // PostgreSQL names the column after the alias when one is given, else after the function.
    let table = alias.map(|a| a.name.value.clone()).unwrap_or_else(|| "generate_series".into());
    let column = alias.and_then(|a| a.columns.first()).map(|c| c.name.value.clone()).unwrap_or_else(|| table.clone());
    let within = |x: &str| format!("(CASE WHEN {step} > 0 THEN {x} <= {stop} WHEN {step} < 0 THEN {x} >= {stop} END)");
    let sql = format!(
        "WITH RECURSIVE \"__series\"(\"v\") AS (SELECT {start} WHERE {} UNION ALL SELECT \"v\" + {step} FROM \
         \"__series\" WHERE {}) SELECT \"v\" AS {} FROM \"__series\"",
        within(&start),
        within(&format!("\"v\" + {step}")),
        Ident::with_quote('"', &column)
    );
    let subquery = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("generate_series: {e}")))?;
    Ok(TableFactor::Derived {
        lateral: false,
        subquery,
        alias: Some(sqlparser::ast::TableAlias { name: Ident::with_quote('"', table), columns: Vec::new() }),
    })
}
