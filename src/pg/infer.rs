//! Result types of expression columns, which SQLite cannot declare: `count(*)` is bigint, `1` is integer,
//! `now()` is timestamptz, a comparison is boolean, and so on, worked out from the PostgreSQL statement's
//! select list (or RETURNING list) so Describe can announce them before the statement runs.

use crate::pg::catalog;
mod datetime;
mod scope;
mod table_functions;
use crate::pg::dialect_types::PgType;
use scope::query_columns;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr, Statement,
    UnaryOperator, Value as SqlValue,
};

/// What inference may ask about names: the declared type of a column, the type of a parameter.
pub trait TypeContext {
    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<PgType>;
    fn param(&self, n: usize) -> Option<PgType>;
}

/// No schema at hand: column references and parameters stay unknown.
pub struct NoContext;

impl TypeContext for NoContext {
    fn column(&self, _: Option<&str>, _: &str) -> Option<PgType> {
        None
    }
    fn param(&self, _: usize) -> Option<PgType> {
        None
    }
}

/// Types of a statement's result columns by position (the select list, or the RETURNING list), read from
/// the PostgreSQL statement before translation; `None` where nothing is known (column references, whose
/// declared types SQLite reports, or anything unusual). Empty when positions are unknowable (a wildcard over
/// anything but one CTE or derived table).
pub fn infer_statement(statement: &Statement, ctx: &dyn TypeContext) -> Vec<Option<PgType>> {
    match statement {
        Statement::Query(q) => query_columns(q, &[], ctx, false).map(|c| c.into_iter().map(|(_, t)| t).collect()),
        Statement::Insert(i) => returning(i.returning.as_ref(), ctx),
        Statement::Update { returning: r, .. } => returning(r.as_ref(), ctx),
        Statement::Delete(d) => returning(d.returning.as_ref(), ctx),
        _ => None,
    }
    .unwrap_or_default()
}

fn returning(items: Option<&Vec<SelectItem>>, ctx: &dyn TypeContext) -> Option<Vec<Option<PgType>>> {
    items?
        .iter()
        .map(|item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(expr_type(e, ctx)),
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

/// The type of `e` as far as it shows without the schema (literals, comparisons, casts, known functions).
pub fn schema_free_type(e: &Expr) -> Option<PgType> {
    expr_type(e, &NoContext)
}

fn expr_type(e: &Expr, ctx: &dyn TypeContext) -> Option<PgType> {
    let ty = |e: &Expr| expr_type(e, ctx);
    match e {
        Expr::Identifier(i) => ctx.column(None, &i.value),
        Expr::CompoundIdentifier(parts) => {
            let name = parts.last()?;
            let qualifier = (parts.len() > 1).then(|| parts[parts.len() - 2].value.as_str());
            ctx.column(qualifier, &name.value)
        }
        Expr::Value(v) if matches!(&v.value, SqlValue::Placeholder(_)) => {
            let SqlValue::Placeholder(p) = &v.value else { return None };
            p.trim_start_matches('$').parse().ok().and_then(|n| ctx.param(n))
        }
        Expr::Subquery(q) => match q.body.as_ref() {
            SetExpr::Select(s) if s.projection.len() == 1 => match &s.projection[0] {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => ty(e),
                _ => None,
            },
            _ => None,
        },
        Expr::Value(v) => match &v.value {
            SqlValue::Number(n, _) => Some(if n.contains(['.', 'e', 'E']) {
                PgType::Numeric
            } else if n.parse::<i32>().is_ok() {
                PgType::Int4
            } else if n.parse::<i64>().is_ok() {
                PgType::Int8
            } else {
                PgType::Numeric
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
        } => PgType::from_data_type(data_type).or_else(|| PgType::from_array_type(data_type)),
        Expr::Nested(inner) => ty(inner),
        // `ARRAY[a, b]`: an array of its first element's type.
        Expr::Array(a) => a.elem.iter().find_map(ty).map(PgType::array_of),
        // `a[i]`: the element type of the array.
        Expr::CompoundFieldAccess { root, access_chain } if access_chain.len() == 1 => match ty(root) {
            Some(PgType::Array(element)) => Some(*element),
            _ => None,
        },
        Expr::TypedString(ts) => PgType::from_data_type(&ts.data_type),
        Expr::Interval(_) => Some(PgType::Interval),
        Expr::Extract { .. } => Some(PgType::Numeric),
        Expr::AtTimeZone { timestamp, .. } => Some(datetime::at_time_zone(ty(timestamp))),
        Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => rounded(ty(expr), false),
        Expr::UnaryOp { op: UnaryOperator::Not, .. } => Some(PgType::Bool),
        Expr::UnaryOp { expr, .. } => ty(expr),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq
            | BinaryOperator::And
            | BinaryOperator::Or
            | BinaryOperator::PGRegexMatch
            | BinaryOperator::PGRegexIMatch
            | BinaryOperator::PGRegexNotMatch
            | BinaryOperator::PGRegexNotIMatch
            | BinaryOperator::AtArrow
            | BinaryOperator::ArrowAt
            | BinaryOperator::Question
            | BinaryOperator::QuestionPipe
            | BinaryOperator::QuestionAnd => Some(PgType::Bool),
            BinaryOperator::StringConcat => match (ty(left), ty(right)) {
                (Some(t @ PgType::Array(_)), _) | (_, Some(t @ PgType::Array(_))) => Some(t),
                (Some(PgType::Jsonb | PgType::Json), _) | (_, Some(PgType::Jsonb | PgType::Json)) => {
                    Some(PgType::Jsonb)
                }
                _ => Some(PgType::Text),
            },
            BinaryOperator::PGOverlap => Some(PgType::Bool),
            BinaryOperator::LongArrow | BinaryOperator::HashLongArrow => Some(PgType::Text),
            BinaryOperator::Arrow | BinaryOperator::HashArrow => match ty(left) {
                Some(PgType::Json) => Some(PgType::Json),
                _ => Some(PgType::Jsonb),
            },
            // `doc - 'key'`: jsonb's key deletion (see `dialect::json::edit_operator`).
            BinaryOperator::Minus
                if matches!(right.as_ref(), Expr::Value(v) if matches!(&v.value,
                    SqlValue::SingleQuotedString(k) if k.trim().parse::<f64>().is_err())) =>
            {
                Some(PgType::Jsonb)
            }
            // Each operand typed once: nested arithmetic must not be typed again at every level.
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => match (ty(left), ty(right)) {
                (a, b) if *op != BinaryOperator::Modulo && datetime::arithmetic(op_char(op), a, b).is_some() => {
                    datetime::arithmetic(op_char(op), a, b)
                }
                (Some(a), Some(b)) if is_float(&a) || is_float(&b) => Some(PgType::Float8),
                (Some(a), Some(b)) if a == PgType::Numeric || b == PgType::Numeric => Some(PgType::Numeric),
                (Some(a), Some(b)) if is_int(&a) && is_int(&b) => {
                    Some(if a == PgType::Int8 || b == PgType::Int8 { PgType::Int8 } else { PgType::Int4 })
                }
                _ => None,
            },
            _ => None,
        },
        Expr::AnyOp { .. }
        | Expr::AllOp { .. }
        | Expr::IsNull(_)
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
            conditions.first().and_then(|c| ty(&c.result)).or_else(|| else_result.as_deref().and_then(ty))
        }
        Expr::Function(f) => {
            // `pg_catalog.f` is `f`.
            let name = f.name.0.last().map(|p| p.to_string()).unwrap_or_default().to_ascii_lowercase();
            match name.as_str() {
                "count" | "random" | "changes" | "total_changes" | "last_insert_rowid" | "nextval" | "currval"
                | "setval" | "lastval" => Some(PgType::Int8),
                "length" | "char_length" | "character_length" | "octet_length" | "instr" | "strpos"
                | "pg_backend_pid" => Some(PgType::Int4),
                // As PostgreSQL: sum of integers is bigint, of floats double, of numeric numeric.
                "sum" => first_arg(&f.args).and_then(ty).map(|t| match t {
                    t if is_float(&t) => PgType::Float8,
                    t if is_int(&t) => PgType::Int8,
                    _ => PgType::Numeric,
                }),
                "avg" => {
                    first_arg(&f.args).and_then(ty).map(|t| if is_float(&t) { PgType::Float8 } else { PgType::Numeric })
                }
                "total" => Some(PgType::Float8),
                "now" | "current_timestamp" => Some(PgType::Timestamptz),
                "current_date" => Some(PgType::Date),
                "localtimestamp" => Some(PgType::Timestamp),
                "localtime" => Some(PgType::Time),
                "pg_is_in_recovery" => Some(PgType::Bool),
                "gen_random_uuid" => Some(PgType::Uuid),
                "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "substr" | "substring" | "replace" | "concat"
                | "version" | "current_database" | "current_catalog" | "current_user" | "session_user"
                | "current_setting" | "current_schema" | "typeof" | "hex" | "quote" | "printf" | "format"
                | "group_concat" | "string_agg" | "left" | "right" | "repeat" | "lpad" | "rpad" | "reverse"
                | "split_part" | "initcap" | "translate" | "btrim" | "chr" => Some(PgType::Text),
                "starts_with" | "regexp_like" | "bool_and" | "bool_or" | "every" => Some(PgType::Bool),
                // Of unknown elements (a column, without the schema at hand): text[], which prints the same.
                "array_agg" => Some(first_arg(&f.args).and_then(ty).unwrap_or(PgType::Text).array_of()),
                "generate_subscripts"
                | "array_length"
                | "array_upper"
                | "array_lower"
                | "cardinality"
                | "array_position" => Some(PgType::Int4),
                "array_to_string" => Some(PgType::Text),
                // The array's type, else the array of the element's type.
                "array_append" | "array_remove" | "array_cat" | "array_prepend" => {
                    let args: Vec<Option<PgType>> = match &f.args {
                        FunctionArguments::List(l) => l
                            .args
                            .iter()
                            .map(|a| match a {
                                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => ty(e),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    };
                    let array = args.iter().flatten().find(|t| matches!(t, PgType::Array(_))).copied();
                    array.or_else(|| args.iter().flatten().next().map(|t| t.array_of()))
                }
                // `ARRAY(SELECT x ...)`: an array of x's type (text when unknown, as the catalogs keep them).
                "array" => match &f.args {
                    FunctionArguments::Subquery(q) => Some(
                        query_columns(q, &[], ctx, false)
                            .and_then(|c| c.first().and_then(|(_, t)| *t))
                            .unwrap_or(PgType::Text)
                            .array_of(),
                    ),
                    _ => None,
                },
                "unnest" => match first_arg(&f.args).and_then(ty) {
                    Some(PgType::Array(element)) => Some(*element),
                    _ => first_arg(&f.args).and_then(catalog_array_element),
                },
                // Set-returning functions in a select list (`dialect::select_srf`): their column's type.
                "generate_series" => first_arg(&f.args).and_then(ty).map(table_functions::series_type),
                "jsonb_array_elements" => Some(PgType::Jsonb),
                "json_array_elements" => Some(PgType::Json),
                "jsonb_array_elements_text" | "json_array_elements_text" | "jsonb_object_keys" | "json_object_keys" => {
                    Some(PgType::Text)
                }
                "regexp_replace" | "regexp_substr" => Some(PgType::Text),
                "regexp_count" | "regexp_instr" => Some(PgType::Int4),
                "ascii" | "jsonb_array_length" => Some(PgType::Int4),
                "jsonb_typeof" | "json_typeof" => Some(PgType::Text),
                "jsonb_build_object" | "jsonb_build_array" | "jsonb_agg" | "jsonb_object_agg" | "to_jsonb"
                | "jsonb_set" => Some(PgType::Jsonb),
                "max" | "min" | "coalesce" | "ifnull" | "abs" | "nullif" => first_arg(&f.args).and_then(ty),
                "round" | "trunc" | "ceil" | "ceiling" | "floor" => {
                    let with_digits = matches!(&f.args, FunctionArguments::List(l) if l.args.len() == 2);
                    rounded(first_arg(&f.args).and_then(ty), with_digits)
                }
                other => datetime::function(other, nth_arg(&f.args, 1).and_then(ty)),
            }
        }
        _ => None,
    }
}

/// The element type of a catalog array column (`catalog::number_array`).
fn catalog_array_element(e: &Expr) -> Option<PgType> {
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => &parts.last()?.value,
        _ => return None,
    };
    catalog::number_array(name).map(|(_, element)| element)
}

/// The type of `round`/`trunc`/`ceil`/`floor` of a `t`: PostgreSQL has them for numeric and double precision only,
/// and with a digits argument for numeric only (integers become doubles).
fn rounded(t: Option<PgType>, with_digits: bool) -> Option<PgType> {
    match t? {
        _ if with_digits => Some(PgType::Numeric),
        PgType::Numeric => Some(PgType::Numeric),
        _ => Some(PgType::Float8),
    }
}

/// The character of an arithmetic operator.
fn op_char(op: &BinaryOperator) -> char {
    match op {
        BinaryOperator::Plus => '+',
        BinaryOperator::Minus => '-',
        BinaryOperator::Multiply => '*',
        _ => '/',
    }
}

/// The `n`-th (from 0) positional argument.
fn nth_arg(args: &FunctionArguments, n: usize) -> Option<&Expr> {
    match args {
        FunctionArguments::List(l) => match l.args.get(n)? {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        },
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
        infer_statement(&Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap()[0], &NoContext)
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
