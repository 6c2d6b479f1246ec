//! Result types of expression columns, which SQLite cannot declare: `count(*)` is bigint, `1` is integer,
//! `now()` is timestamptz, a comparison is boolean, and so on, worked out from the PostgreSQL statement's
//! select list (or RETURNING list) so Describe can announce them before the statement runs.

use crate::pg::dialect_types::PgType;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement,
    UnaryOperator, Value as SqlValue,
};

/// Types of a statement's result columns by position (the select list, or the RETURNING list), read from
/// the PostgreSQL statement before translation; `None` where nothing is known (column references, whose
/// declared types SQLite reports, or anything unusual). Empty when positions are unknowable (a wildcard).
pub fn infer_statement(statement: &Statement) -> Vec<Option<PgType>> {
    let empty = Vec::new();
    let items: &Vec<SelectItem> = match statement {
        Statement::Query(q) => match q.body.as_ref() {
            SetExpr::Select(s) => &s.projection,
            _ => &empty,
        },
        Statement::Insert(i) => i.returning.as_ref().unwrap_or(&empty),
        Statement::Update { returning, .. } => returning.as_ref().unwrap_or(&empty),
        Statement::Delete(d) => d.returning.as_ref().unwrap_or(&empty),
        _ => &empty,
    };
    if items.iter().any(|i| matches!(i, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..))) {
        return Vec::new();
    }
    items
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => expr_type(e),
            _ => None,
        })
        .collect()
}

fn first_arg(args: &FunctionArguments) -> Option<&Expr> {
    match args {
        FunctionArguments::List(list) => list.args.first().and_then(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        }),
        _ => None,
    }
}

fn expr_type(e: &Expr) -> Option<PgType> {
    match e {
        Expr::Value(v) => match &v.value {
            SqlValue::Number(n, _) => Some(if n.contains(['.', 'e', 'E']) {
                PgType::Numeric
            } else if n.parse::<i32>().is_ok() {
                PgType::Int4
            } else {
                PgType::Int8
            }),
            SqlValue::SingleQuotedString(_) | SqlValue::DoubleQuotedString(_) | SqlValue::EscapedStringLiteral(_) => {
                Some(PgType::Text)
            }
            SqlValue::Boolean(_) => Some(PgType::Bool),
            _ => None,
        },
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon | CastKind::TryCast | CastKind::SafeCast,
            data_type,
            ..
        } => PgType::from_data_type(data_type),
        Expr::Nested(inner) => expr_type(inner),
        Expr::UnaryOp { op: UnaryOperator::Not, .. } => Some(PgType::Bool),
        Expr::UnaryOp { expr, .. } => expr_type(expr),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::And
            | BinaryOperator::Or => Some(PgType::Bool),
            BinaryOperator::StringConcat => Some(PgType::Text),
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => match (expr_type(left), expr_type(right)) {
                (Some(a), Some(b)) if is_float(&a) || is_float(&b) => Some(PgType::Float8),
                (Some(a), Some(b)) if a == PgType::Numeric || b == PgType::Numeric => Some(PgType::Numeric),
                (Some(a), Some(b)) if is_int(&a) && is_int(&b) => {
                    Some(if a == PgType::Int8 || b == PgType::Int8 { PgType::Int8 } else { PgType::Int4 })
                }
                _ => None,
            },
            _ => None,
        },
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::Exists { .. } => Some(PgType::Bool),
        Expr::Case { conditions, else_result, .. } => {
            conditions.first().and_then(|c| expr_type(&c.result)).or_else(|| else_result.as_deref().and_then(expr_type))
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            match name.as_str() {
                "count" | "random" | "changes" | "total_changes" | "last_insert_rowid" => Some(PgType::Int8),
                "length" | "char_length" | "character_length" | "octet_length" | "instr" | "strpos"
                | "pg_backend_pid" => Some(PgType::Int4),
                "sum" => first_arg(&f.args)
                    .and_then(expr_type)
                    .map(|t| if is_float(&t) { PgType::Float8 } else { PgType::Int8 })
                    .or(Some(PgType::Int8)),
                "avg" | "total" => Some(PgType::Float8),
                "now" | "current_timestamp" => Some(PgType::Timestamptz),
                "gen_random_uuid" => Some(PgType::Uuid),
                "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "substr" | "substring" | "replace" | "concat"
                | "version" | "current_database" | "current_user" | "session_user" | "current_setting"
                | "current_schema" | "typeof" | "hex" | "quote" | "printf" | "format" | "group_concat"
                | "string_agg" => Some(PgType::Text),
                "max" | "min" | "coalesce" | "ifnull" | "abs" | "nullif" => first_arg(&f.args).and_then(expr_type),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_int(t: &PgType) -> bool {
    *t == PgType::Int2 || *t == PgType::Int4 || *t == PgType::Int8
}

fn is_float(t: &PgType) -> bool {
    *t == PgType::Float4 || *t == PgType::Float8
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn infer(sql: &str) -> Vec<Option<PgType>> {
        infer_statement(&Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap()[0])
    }

    #[test]
    fn infers_common_expressions() {
        use PgType::*;
        assert_eq!(
            infer("SELECT count(*), 1, 'a', now(), 1 = 1, $1::int8, x FROM t"),
            vec![Some(Int8), Some(Int4), Some(Text), Some(Timestamptz), Some(Bool), Some(Int8), None]
        );
        assert!(infer("SELECT * FROM t").is_empty());
    }
}
