//! The jsonb builders and aggregates — `jsonb_build_object`, `jsonb_build_array`, `jsonb_agg`,
//! `jsonb_object_agg`, `to_jsonb` — as SQLite's JSON functions made canonical by `pg_jsonb`. They are rewritten
//! before their arguments are translated, while the arguments' PostgreSQL types still show: a boolean becomes
//! JSON `true`/`false` (SQLite's booleans are 1 and 0), a numeric (decimal text inside raftsql), a json/jsonb
//! value or an array is embedded as JSON rather than as a string. What only the schema could tell (a boolean
//! column) stays as SQLite has it.

use super::*;

/// The SQLite form of a builder call, if `f` is one.
pub(super) fn rewrite(f: &Function) -> Option<Expr> {
    if f.name.0.len() > 2 {
        return None;
    }
    let name = last_part(&f.name).to_ascii_lowercase();
    let FunctionArguments::List(list) = &f.args else { return None };
    let args: Vec<Expr> = list
        .args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let canonical = |e: Expr| call("pg_jsonb", vec![e]);
    let empty_is_null = |e: Expr, empty: &str| call("nullif", vec![e, string_literal(empty)]);
    Some(match name.as_str() {
        "jsonb_build_object" => {
            let args = args.into_iter().enumerate().map(|(i, a)| if i % 2 == 1 { embedded(a) } else { a }).collect();
            canonical(call("json_object", args))
        }
        "jsonb_build_array" => canonical(call("json_array", args.into_iter().map(embedded).collect())),
        "to_jsonb" => {
            let [x] = <[Expr; 1]>::try_from(args).ok()?;
            let not_null = Expr::IsNotNull(Box::new(nested(x.clone())));
            case_when(None, vec![(not_null, canonical(call("json_quote", vec![embedded(x)])))], None)
        }
        "jsonb_agg" | "jsonb_object_agg" => {
            let mut aggregate = f.clone();
            let (sqlite, empty) =
                if name == "jsonb_agg" { ("json_group_array", "[]") } else { ("json_group_object", "{}") };
            aggregate.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(sqlite))]);
            if let FunctionArguments::List(l) = &mut aggregate.args {
                let value = l.args.len() - 1;
                if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(v))) = l.args.get_mut(value) {
                    *v = embedded(v.clone());
                }
            }
            empty_is_null(canonical(Expr::Function(aggregate)), empty)
        }
        _ => return None,
    })
}

/// An argument as a JSON builder should take it: JSON where its type is one JSON has a form for.
fn embedded(e: Expr) -> Expr {
    let json = |e: Expr| call("json", vec![e]);
    match crate::pg::infer::schema_free_type(&e) {
        Some(PgType::Bool) => casts::boolean_case(e, json(string_literal("true")), json(string_literal("false"))),
        Some(PgType::Numeric | PgType::Json | PgType::Jsonb | PgType::Array(_)) => json(e),
        _ => e,
    }
}
