//! PostgreSQL aggregates SQLite lacks, as SQLite's: `array_agg(x [ORDER BY ...])` is `json_group_array` (arrays
//! are JSON arrays inside raftsql, see `types::array`), NULL over no rows as in PostgreSQL; `bool_and`/`every`
//! and `bool_or` are `min` and `max` of SQLite's 0/1 booleans, which skip NULLs as PostgreSQL's do.

use super::*;

/// The SQLite form of the aggregate call `f`, or `None` when `f` is not one of these.
pub(super) fn rewrite(f: &Function) -> Option<Expr> {
    if f.name.0.len() != 1 {
        return None;
    }
    let renamed = match last_part(&f.name).to_ascii_lowercase().as_str() {
        "array_agg" => "json_group_array",
        "bool_and" | "every" => "min",
        "bool_or" => "max",
        _ => return None,
    };
    let mut aggregate = f.clone();
    aggregate.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(renamed))]);
    if renamed != "json_group_array" {
        return Some(Expr::Function(aggregate));
    }
    Some(call("nullif", vec![Expr::Function(aggregate), string_literal("[]")]))
}
