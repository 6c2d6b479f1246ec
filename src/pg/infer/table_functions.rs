//! The columns of the set-returning functions in FROM, for inference: `generate_series`, `unnest`, the jsonb and
//! json table functions, with the names PostgreSQL gives them (a function of one column is named by its alias,
//! and the jsonb ones of one column may also be read by the alias alone).

use super::{expr_type, PgType, TypeContext};
use sqlparser::ast::{Expr, TableAlias, TableFactor};

/// Names and types of a function's columns in FROM; `None` when `factor` is no such function. `by_name`: for
/// looking columns up by name (not by position), where a jsonb function's alias alone also names its value.
pub(super) fn columns(
    factor: &TableFactor,
    ctx: &dyn TypeContext,
    by_name: bool,
) -> Option<Vec<(Option<String>, Option<PgType>)>> {
    match factor {
        TableFactor::UNNEST { array_exprs, alias, with_ordinality, .. } => {
            let element = |a: &Expr| match expr_type(a, ctx) {
                Some(PgType::Array(element)) => Some(*element),
                _ => None,
            };
            let mut out: Vec<(Option<String>, Option<PgType>)> = array_exprs
                .iter()
                .enumerate()
                .map(|(i, a)| (Some(name(alias.as_ref(), i, array_exprs.len(), "unnest")), element(a)))
                .collect();
            if *with_ordinality {
                let n = array_exprs.len();
                out.push((Some(renamed(alias.as_ref(), n).unwrap_or_else(|| "ordinality".into())), Some(PgType::Int8)));
            }
            Some(out)
        }
        TableFactor::Table { name: function, args: Some(args), alias, .. } => {
            let function = function.0.last()?.to_string().to_lowercase();
            if function == "generate_series" {
                let first = args.args.first().and_then(|a| match a {
                    sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) => expr_type(e, ctx),
                    _ => None,
                });
                return Some(vec![(Some(name(alias.as_ref(), 0, 1, &function)), first.map(series_type))]);
            }
            let (names, types): (&[&str], &[PgType]) = match function.as_str() {
                "jsonb_array_elements" => (&["value"], &[PgType::Jsonb]),
                "jsonb_array_elements_text" | "json_array_elements_text" => (&["value"], &[PgType::Text]),
                "json_array_elements" => (&["value"], &[PgType::Json]),
                "jsonb_each" => (&["key", "value"], &[PgType::Text, PgType::Jsonb]),
                "jsonb_each_text" => (&["key", "value"], &[PgType::Text, PgType::Text]),
                "jsonb_object_keys" | "json_object_keys" => (&[""], &[PgType::Text]),
                _ => return None,
            };
            let mut out: Vec<(Option<String>, Option<PgType>)> = names
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (n, t))| {
                    let name = renamed(alias.as_ref(), i).unwrap_or_else(|| match *n {
                        "" => alias.as_ref().map_or(function.clone(), |a| a.name.value.to_lowercase()),
                        n => n.to_string(),
                    });
                    (Some(name), Some(*t))
                })
                .collect();
            // `SELECT e FROM jsonb_array_elements(d) AS e`: the alias alone is the one value.
            if let (Some(a), [(_, t)], true) = (alias, out.as_slice(), by_name) {
                if a.columns.is_empty() {
                    out.push((Some(a.name.value.to_lowercase()), *t));
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// The type of a series' values from its start's: integers are at least `integer`; over dates, untyped texts and
/// timestamptz it is timestamptz, over timestamps timestamp.
pub(super) fn series_type(start: PgType) -> PgType {
    match start {
        PgType::Int2 => PgType::Int4,
        PgType::Date | PgType::Timestamptz | PgType::Text => PgType::Timestamptz,
        t => t,
    }
}

/// The `i`th column's name in the alias's column list.
fn renamed(alias: Option<&TableAlias>, i: usize) -> Option<String> {
    alias.and_then(|a| a.columns.get(i)).map(|c| c.name.value.to_lowercase())
}

/// The name of column `i` of `count` of a function returning base values: the column list's, else the alias's
/// when there is one column, else the function's.
fn name(alias: Option<&TableAlias>, i: usize, count: usize, function: &str) -> String {
    renamed(alias, i).unwrap_or_else(|| match alias {
        Some(a) if count == 1 => a.name.value.to_lowercase(),
        _ => function.to_string(),
    })
}
