//! Result types of expression columns, which SQLite cannot declare: `count(*)` is bigint, `1` is integer,
//! `now()` is timestamptz, a comparison is boolean, and so on, worked out from the PostgreSQL statement's
//! select list (or RETURNING list) so Describe can announce them before the statement runs.

use pgwire::api::Type;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement,
    UnaryOperator, Value as SqlValue,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::pg::dialect::PgType;
use crate::pg::parser::pg_type;

/// Types of the `columns` result columns of `sql`, by position; `None` where nothing is known (column
/// references, whose declared types SQLite reports, or anything unusual).
pub fn infer_projection(sql: &str, columns: usize) -> Vec<Option<Type>> {
    let Ok(mut statements) = Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return vec![None; columns];
    };
    let Some(statement) = statements.pop() else {
        return vec![None; columns];
    };
    let items: Vec<SelectItem> = match statement {
        Statement::Query(q) => match *q.body {
            SetExpr::Select(s) => s.projection,
            _ => Vec::new(),
        },
        Statement::Insert(i) => i.returning.unwrap_or_default(),
        Statement::Update { returning, .. } => returning.unwrap_or_default(),
        Statement::Delete(d) => d.returning.unwrap_or_default(),
        _ => Vec::new(),
    };
    // A wildcard makes positions unknowable; its columns have declared types anyway.
    if items.len() != columns
        || items.iter().any(|i| matches!(i, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)))
    {
        return vec![None; columns];
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

fn expr_type(e: &Expr) -> Option<Type> {
    match e {
        Expr::Value(v) => match &v.value {
            SqlValue::Number(n, _) => Some(if n.contains(['.', 'e', 'E']) {
                Type::NUMERIC
            } else if n.parse::<i32>().is_ok() {
                Type::INT4
            } else {
                Type::INT8
            }),
            SqlValue::SingleQuotedString(_) | SqlValue::DoubleQuotedString(_) | SqlValue::EscapedStringLiteral(_) => {
                Some(Type::TEXT)
            }
            SqlValue::Boolean(_) => Some(Type::BOOL),
            _ => None,
        },
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon | CastKind::TryCast | CastKind::SafeCast,
            data_type,
            ..
        } => PgType::from_name(&data_type.to_string()).map(pg_type),
        Expr::Nested(inner) => expr_type(inner),
        Expr::UnaryOp { op: UnaryOperator::Not, .. } => Some(Type::BOOL),
        Expr::UnaryOp { expr, .. } => expr_type(expr),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::And
            | BinaryOperator::Or => Some(Type::BOOL),
            BinaryOperator::StringConcat => Some(Type::TEXT),
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => match (expr_type(left), expr_type(right)) {
                (Some(a), Some(b)) if is_float(&a) || is_float(&b) => Some(Type::FLOAT8),
                (Some(a), Some(b)) if a == Type::NUMERIC || b == Type::NUMERIC => Some(Type::NUMERIC),
                (Some(a), Some(b)) if is_int(&a) && is_int(&b) => {
                    Some(if a == Type::INT8 || b == Type::INT8 { Type::INT8 } else { Type::INT4 })
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
        | Expr::Exists { .. } => Some(Type::BOOL),
        Expr::Case { conditions, else_result, .. } => {
            conditions.first().and_then(|c| expr_type(&c.result)).or_else(|| else_result.as_deref().and_then(expr_type))
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_ascii_lowercase();
            match name.as_str() {
                "count" | "random" | "changes" | "total_changes" | "last_insert_rowid" => Some(Type::INT8),
                "length" | "char_length" | "character_length" | "octet_length" | "instr" | "strpos"
                | "pg_backend_pid" => Some(Type::INT4),
                "sum" => first_arg(&f.args)
                    .and_then(expr_type)
                    .map(|t| if is_float(&t) { Type::FLOAT8 } else { Type::INT8 })
                    .or(Some(Type::INT8)),
                "avg" | "total" => Some(Type::FLOAT8),
                "now" | "current_timestamp" => Some(Type::TIMESTAMPTZ),
                "gen_random_uuid" => Some(Type::UUID),
                "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "substr" | "substring" | "replace" | "concat"
                | "version" | "current_database" | "current_user" | "session_user" | "current_setting"
                | "current_schema" | "typeof" | "hex" | "quote" | "printf" | "format" | "group_concat"
                | "string_agg" => Some(Type::TEXT),
                "max" | "min" | "coalesce" | "ifnull" | "abs" | "nullif" => first_arg(&f.args).and_then(expr_type),
                _ => None,
            }
        }
        _ => None,
    }
}

fn is_int(t: &Type) -> bool {
    *t == Type::INT2 || *t == Type::INT4 || *t == Type::INT8
}

fn is_float(t: &Type) -> bool {
    *t == Type::FLOAT4 || *t == Type::FLOAT8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_common_expressions() {
        let t = infer_projection("SELECT count(*), 1, 'a', now(), 1 = 1, $1::int8, x FROM t", 7);
        assert_eq!(
            t,
            vec![
                Some(Type::INT8),
                Some(Type::INT4),
                Some(Type::TEXT),
                Some(Type::TIMESTAMPTZ),
                Some(Type::BOOL),
                Some(Type::INT8),
                None
            ]
        );
        assert_eq!(infer_projection("SELECT * FROM t", 3), vec![None, None, None]);
    }
}
