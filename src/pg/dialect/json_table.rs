//! The jsonb set-returning functions in FROM — `jsonb_array_elements[_text]`, `jsonb_each[_text]`,
//! `jsonb_object_keys` — as `json_each` of the canonical document, lateral to the table they read like the
//! catalogs' `unnest` (`catalog_unnest` does the rest: wildcards and column references). Values are taken with
//! `pg_json_get[_text]`, so they are jsonb's canonical text as PostgreSQL prints them, and objects iterate in
//! jsonb's key order. The `json` twins `json_array_elements[_text]` and `json_object_keys` read the document as
//! written (keys in their order, duplicates kept); a nested value comes back without the input's spacing.

use super::*;

/// A FROM item rewritten: the SQL `SELECT 1 FROM <json_each ...>` holding it, and its columns as (name, SQL).
pub(super) type Rewritten = (String, Vec<(String, String)>);

/// The rewriting of a jsonb table function call in FROM, `None` for other items.
pub(super) fn expand(
    name: &ObjectName,
    args: &[FunctionArg],
    alias: Option<&sqlparser::ast::TableAlias>,
    internal: &str,
) -> Option<Result<Rewritten, DialectError>> {
    let function = last_part(name).to_ascii_lowercase();
    // (The `json_*` twins keep their input's spacing in PostgreSQL, and `json_each` is also SQLite's own, which
    // this translation writes under internal aliases: those stay SQLite's.)
    if alias.is_some_and(|a| a.name.value.starts_with("__")) {
        return None;
    }
    let columns: &[(&str, &str)] = match function.as_str() {
        "jsonb_array_elements" => &[("value", "pg_json_get")],
        "jsonb_array_elements_text" => &[("value", "pg_json_get_text")],
        "jsonb_each" => &[("key", ""), ("value", "pg_json_get")],
        "jsonb_each_text" => &[("key", ""), ("value", "pg_json_get_text")],
        "jsonb_object_keys" => &[("", "")],
        "json_array_elements" => &[("value", "json")],
        "json_array_elements_text" => &[("value", "json_text")],
        "json_object_keys" => &[("", "")],
        _ => return None,
    };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(doc))] = args else {
        return Some(Err(DialectError { sqlstate: "42883", message: format!("function {function} does not exist") }));
    };
    let doc = match function.starts_with("jsonb") {
        true => format!("pg_jsonb({})", nested(doc.clone())),
        false => format!("json({})", nested(doc.clone())),
    };
    let named: Vec<String> =
        alias.map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect()).unwrap_or_default();
    let out = columns
        .iter()
        .enumerate()
        .map(|(i, (default, getter))| {
            // A function of one unnamed column is named by its alias, as PostgreSQL names it.
            let name = named.get(i).cloned().unwrap_or_else(|| match *default {
                "" => alias.map(|a| a.name.value.clone()).unwrap_or_else(|| function.clone()),
                d => d.to_string(),
            });
            let sql = match *getter {
                "" => format!("\"{internal}\".key"),
                // The element's JSON text: a nested value as SQLite writes it (no spaces), a string quoted.
                "json" => format!(
                    "CASE \"{internal}\".type WHEN 'text' THEN json_quote(\"{internal}\".value) WHEN 'true' THEN 'true' \
                     WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE CAST(\"{internal}\".value AS TEXT) END"
                ),
                "json_text" => format!(
                    "CASE \"{internal}\".type WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                     ELSE CAST(\"{internal}\".value AS TEXT) END"
                ),
                getter => format!("{getter}({doc}, \"{internal}\".key)"),
            };
            (name, sql)
        })
        .collect();
    Some(Ok((format!("SELECT 1 FROM json_each({doc}) AS \"{internal}\""), out)))
}
