//! `raftsql_table_constraints(create_table_sql)`: the CHECK and UNIQUE constraints a table's `CREATE TABLE` text
//! declares, with the names PostgreSQL gives them, as a JSON array for the catalogs (`pg_constraint`, the names
//! of unique indexes). SQLite keeps no constraint names of its own: they live only in that text.
//!
//! Each item: `{"name", "type": "c" | "u", "conkey": "{2,3}", "columns": "a,b", "definition"}`; `columns` lists
//! a unique constraint's columns in order (to match SQLite's index on them), `conkey` their attribute numbers
//! (for a check, the columns its expression names).

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::Connection;
use serde_json::json;
use sqlparser::ast::{ColumnOption, Expr, Statement, TableConstraint};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Registers the function on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    let exact = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("raftsql_table_constraints", 1, exact, |c: &mut Context<'_>| {
        let sql: Option<String> = c.get(0)?;
        Ok(sql.map(|s| constraints(&s).to_string()))
    })
}

/// The constraints of a `CREATE TABLE` statement; an empty array for anything else (or text that does not parse).
pub fn constraints(sql: &str) -> serde_json::Value {
    let parsed = Parser::parse_sql(&SQLiteDialect {}, sql);
    let Ok([Statement::CreateTable(table)]) = parsed.as_deref() else { return json!([]) };
    let mut out = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    let table_name = table.name.0.last().map(|p| p.to_string().trim_matches('"').to_string()).unwrap_or_default();
    let columns: Vec<String> = table.columns.iter().map(|c| c.name.value.clone()).collect();
    let attnum = |name: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(name)).map(|i| i + 1);
    let conkey = |names: &[String]| {
        let nums: Vec<String> = names.iter().filter_map(|n| attnum(n)).map(|n| n.to_string()).collect();
        format!("{{{}}}", nums.join(","))
    };
    let mut push = |name: Option<String>, default: String, kind: &str, names: Vec<String>, definition: String| {
        if name.as_deref().is_some_and(crate::db::serial_columns::is_marker) {
            return;
        }
        let name = name.unwrap_or_else(|| unique_name(&default, &taken));
        taken.push(name.clone());
        out.push(json!({
            "name": name,
            "type": kind,
            "conkey": conkey(&names),
            "columns": names.join(","),
            "definition": definition,
        }));
    };
    for column in &table.columns {
        for option in &column.options {
            let name = option.name.as_ref().map(|n| n.value.clone());
            match &option.option {
                ColumnOption::Check(expr) => {
                    let default = format!("{table_name}_{}_check", column.name.value);
                    push(name, default, "c", vec![column.name.value.clone()], format!("CHECK (({expr}))"));
                }
                ColumnOption::Unique { is_primary: false, .. } => {
                    let default = format!("{table_name}_{}_key", column.name.value);
                    let definition = format!("UNIQUE ({})", column.name);
                    push(name, default, "u", vec![column.name.value.clone()], definition);
                }
                _ => {}
            }
        }
    }
    for constraint in &table.constraints {
        match constraint {
            TableConstraint::Check { name, expr, .. } => {
                let referenced = referenced_columns(expr, &columns);
                let default = match referenced.as_slice() {
                    [only] => format!("{table_name}_{only}_check"),
                    _ => format!("{table_name}_check"),
                };
                push(name.as_ref().map(|n| n.value.clone()), default, "c", referenced, format!("CHECK (({expr}))"));
            }
            TableConstraint::Unique { name, columns: keys, .. } => {
                let names: Vec<String> =
                    keys.iter().map(|k| k.column.expr.to_string().trim_matches('"').to_string()).collect();
                let default = format!("{table_name}_{}_key", names.join("_"));
                let definition = format!(
                    "UNIQUE ({})",
                    keys.iter().map(|k| k.column.expr.to_string()).collect::<Vec<_>>().join(", ")
                );
                push(name.as_ref().map(|n| n.value.clone()), default, "u", names, definition);
            }
            _ => {}
        }
    }
    serde_json::Value::Array(out)
}

/// `base`, or `base1`, `base2`, ... when taken (PostgreSQL's way of keeping generated names apart).
fn unique_name(base: &str, taken: &[String]) -> String {
    let mut name = base.to_string();
    let mut n = 0;
    while taken.iter().any(|t| t == &name) {
        n += 1;
        name = format!("{base}{n}");
    }
    name
}

/// The table's columns an expression names, in the table's order, each once.
fn referenced_columns(expr: &Expr, columns: &[String]) -> Vec<String> {
    let mut named = Vec::new();
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        let ident = match e {
            Expr::Identifier(i) => Some(&i.value),
            Expr::CompoundIdentifier(parts) => parts.last().map(|i| &i.value),
            _ => None,
        };
        if let Some(i) = ident {
            named.push(i.to_ascii_lowercase());
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    columns.iter().filter(|c| named.contains(&c.to_ascii_lowercase())).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_constraints_as_postgres_does() {
        let c = constraints(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT4 CHECK (a > 0), b TEXT UNIQUE, c INT4, \
             CONSTRAINT uq_bc UNIQUE (b, c), UNIQUE (c), CHECK (c > a), CHECK (c < 10), CONSTRAINT named CHECK (b <> ''), \
             CHECK (a > 1))",
        );
        let names: Vec<(&str, &str, &str)> = c
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["name"].as_str().unwrap(), x["type"].as_str().unwrap(), x["conkey"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("t_a_check", "c", "{2}"),
                ("t_b_key", "u", "{3}"),
                ("uq_bc", "u", "{3,4}"),
                ("t_c_key", "u", "{4}"),
                ("t_check", "c", "{2,4}"),
                ("t_c_check", "c", "{4}"),
                ("named", "c", "{3}"),
                ("t_a_check1", "c", "{2}"),
            ]
        );
        assert_eq!(c[6]["definition"], "CHECK ((b <> ''))");
        assert_eq!(c[2]["columns"], "b,c");
        assert_eq!(constraints("CREATE INDEX i ON t (a)"), json!([]));
        assert_eq!(constraints("not sql"), json!([]));
    }
}
