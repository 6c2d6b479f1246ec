//! JSON in the translation: the operators `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&` become the
//! functions of
//! `db::json_functions` (PostgreSQL's lookups, keys taken literally, answers in jsonb's canonical form), and
//! casts to `jsonb`/`json` check the text (and make jsonb canonical, so equal jsonb values are equal texts).

use super::*;

/// `a -> b`, `a ->> b`, `a #> b`, `a #>> b` as function calls; `None` for other operators.
pub(super) fn operator(left: &mut Expr, op: &BinaryOperator, right: &mut Expr) -> Option<Expr> {
    let f = match op {
        BinaryOperator::Arrow => "pg_json_get",
        BinaryOperator::LongArrow => "pg_json_get_text",
        BinaryOperator::HashArrow => "pg_json_path",
        BinaryOperator::HashLongArrow => "pg_json_path_text",
        BinaryOperator::AtArrow => "pg_jsonb_contains",
        BinaryOperator::Question => "pg_jsonb_exists",
        BinaryOperator::QuestionPipe => "pg_jsonb_exists_any",
        BinaryOperator::QuestionAnd => "pg_jsonb_exists_all",
        BinaryOperator::ArrowAt => {
            let take = |e: &mut Expr| std::mem::replace(e, Expr::Value(Value::Null.into()));
            return Some(call("pg_jsonb_contains", vec![take(right), take(left)]));
        }
        _ => return None,
    };
    let take = |e: &mut Expr| std::mem::replace(e, Expr::Value(Value::Null.into()));
    Some(call(f, vec![take(left), take(right)]))
}

/// `e::jsonb` (canonical text) or `e::json` (checked, kept as written).
pub(super) fn cast(e: Expr, binary: bool) -> Expr {
    call(if binary { "pg_jsonb" } else { "pg_json" }, vec![e])
}
