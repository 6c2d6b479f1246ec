//! JSON in the translation: the operators `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&` become the
//! functions of
//! `db::json_functions` (PostgreSQL's lookups, keys taken literally, answers in jsonb's canonical form), and
//! casts to `jsonb`/`json` check the text (and make jsonb canonical, so equal jsonb values are equal texts);
//! `||` and `-` on jsonb (`db::json_edit`) where the statement shows the operand is jsonb, and `jsonb_set`.

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

/// Before translation: `a || b` with a jsonb operand (by the types the statement shows) is jsonb's concatenation;
/// `a - 'key'` with a key that is not a number (so not arithmetic) deletes the key.
pub(super) fn edit_operator(e: &Expr) -> Option<Expr> {
    let Expr::BinaryOp { left, op, right } = e else { return None };
    let is_json = |x: &Expr| matches!(crate::pg::infer::schema_free_type(x), Some(PgType::Jsonb | PgType::Json));
    match op {
        BinaryOperator::StringConcat if is_json(left) || is_json(right) => {
            Some(call("pg_jsonb_concat", vec![left.as_ref().clone(), right.as_ref().clone()]))
        }
        BinaryOperator::Minus => match right.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(key) if key.trim().parse::<f64>().is_err() => {
                    Some(call("pg_jsonb_delete", vec![left.as_ref().clone(), right.as_ref().clone()]))
                }
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The SQLite function standing for a jsonb function PostgreSQL has under another name.
pub(super) fn function_name(name: &str) -> Option<&'static str> {
    match name {
        "jsonb_set" => Some("pg_jsonb_set"),
        _ => None,
    }
}
