//! Result types of expression columns, which SQLite cannot declare: `count(*)` is bigint, `1` is integer,
//! `now()` is timestamptz, a comparison is boolean, and so on, worked out from the PostgreSQL statement's
//! select list (or RETURNING list) so Describe can announce them before the statement runs.

use crate::pg::catalog;
use crate::pg::dialect_types::PgType;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Query, SelectItem, SetExpr,
    Statement, TableFactor, UnaryOperator, Value as SqlValue,
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

/// A query's WITH clause: each CTE's name, column names and query.
type Ctes<'q> = [(String, &'q [sqlparser::ast::TableAliasColumnDef], &'q Query)];

/// Names (when it has one) and types of a query's result columns, by position; `None` when the positions are
/// unknowable. A UNION's columns are its first SELECT's; a wildcard expands over a lone CTE or derived table.
/// `by_name`: only the named columns matter (to type references to a derived table), so a wildcard that cannot
/// be expanded is skipped instead of making everything unknowable.
fn query_columns(
    q: &Query,
    outer: &Ctes<'_>,
    ctx: &dyn TypeContext,
    by_name: bool,
) -> Option<Vec<(Option<String>, Option<PgType>)>> {
    let mut ctes: Vec<(String, &[sqlparser::ast::TableAliasColumnDef], &Query)> = outer.to_vec();
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            ctes.push((cte.alias.name.value.to_lowercase(), &cte.alias.columns, &cte.query));
        }
    }
    body_columns(&q.body, &ctes, ctx, by_name)
}

/// The columns of a query body: a SELECT's, or a set operation's where its branches do not disagree (names
/// from the first).
fn body_columns(
    body: &SetExpr,
    ctes: &Ctes<'_>,
    ctx: &dyn TypeContext,
    by_name: bool,
) -> Option<Vec<(Option<String>, Option<PgType>)>> {
    let select = match body {
        SetExpr::Select(s) => s,
        SetExpr::Query(inner) => return query_columns(inner, ctes, ctx, by_name),
        SetExpr::SetOperation { left, right, .. } => {
            let mut columns = body_columns(left, ctes, ctx, by_name)?;
            // A recursive CTE's second branch names the CTE itself: the first branch alone types it.
            if let Some(others) = body_columns(right, ctes, ctx, by_name) {
                for (column, other) in columns.iter_mut().zip(others) {
                    if other.1.is_some() && column.1 != other.1 {
                        column.1 = None;
                    }
                }
            }
            return Some(columns);
        }
        _ => return None,
    };
    let ctes = ctes.to_vec();
    let scoped = from_context(select, &ctes, ctx);
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::ExprWithAlias { expr, alias } => {
                out.push((Some(alias.value.to_lowercase()), expr_type(expr, &scoped)))
            }
            SelectItem::UnnamedExpr(e) => {
                let name = match e {
                    Expr::Identifier(i) => Some(i.value.to_lowercase()),
                    Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.to_lowercase()),
                    _ => None,
                };
                out.push((name, expr_type(e, &scoped)));
            }
            SelectItem::Wildcard(_) if by_name => {
                for factor in factors(select) {
                    out.extend(factor_columns(factor, &ctes, ctx).unwrap_or_default());
                }
            }
            SelectItem::Wildcard(_) => {
                let [only] = select.from.as_slice() else { return None };
                if !only.joins.is_empty() {
                    return None;
                }
                out.extend(relation_columns(&only.relation, &ctes, ctx, false)?);
            }
            SelectItem::QualifiedWildcard(kind, _) if by_name => {
                let qualifier = kind.to_string().trim_end_matches(".*").to_lowercase();
                let named = factors(select).find(|f| factor_name(f).is_some_and(|n| n == qualifier));
                out.extend(named.and_then(|f| factor_columns(f, &ctes, ctx)).unwrap_or_default());
            }
            SelectItem::QualifiedWildcard(..) => return None,
        }
    }
    Some(out)
}

/// The relations of a SELECT's FROM clause, joined ones included.
fn factors(select: &sqlparser::ast::Select) -> impl Iterator<Item = &TableFactor> {
    select.from.iter().flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
}

/// The name a query uses for a relation in its FROM: its alias, else its (last) name.
fn factor_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.value.to_lowercase())
        }
        TableFactor::Table { name, alias: None, .. } => name.0.last().map(|p| p.to_string().to_lowercase()),
        _ => None,
    }
}

/// The named columns of a relation in FROM: a derived table's or CTE's, or a catalog relation's.
fn factor_columns(
    factor: &TableFactor,
    ctes: &Ctes<'_>,
    ctx: &dyn TypeContext,
) -> Option<Vec<(Option<String>, Option<PgType>)>> {
    if let Some(columns) = relation_columns(factor, ctes, ctx, true) {
        return Some(columns);
    }
    let TableFactor::Table { name, args: None, .. } = factor else { return None };
    let parts: Vec<String> = name.0.iter().map(|p| p.to_string()).collect();
    let relation = match parts.as_slice() {
        [schema, rel] => catalog::lookup(Some(schema), rel),
        [rel] => catalog::lookup(None, rel),
        _ => None,
    }?;
    Some(relation.columns.iter().map(|(c, t)| (Some(c.to_string()), Some(*t))).collect())
}

/// The columns of a derived table or of a CTE named in FROM.
fn relation_columns(
    factor: &TableFactor,
    ctes: &Ctes<'_>,
    ctx: &dyn TypeContext,
    by_name: bool,
) -> Option<Vec<(Option<String>, Option<PgType>)>> {
    match factor {
        TableFactor::Derived { subquery, .. } => query_columns(subquery, ctes, ctx, by_name),
        TableFactor::Table { name, args: None, .. } if name.0.len() == 1 => {
            let wanted = name.0[0].to_string().trim_matches('"').to_lowercase();
            let (_, names, query) = ctes.iter().rev().find(|(n, ..)| *n == wanted)?;
            // A recursive CTE refers to itself: its first SELECT alone gives the types.
            let outer: Vec<_> = ctes.iter().filter(|(n, ..)| *n != wanted).cloned().collect();
            let mut columns = query_columns(query, &outer, ctx, by_name)?;
            for (column, name) in columns.iter_mut().zip(names.iter()) {
                column.0 = Some(name.name.value.to_lowercase());
            }
            Some(columns)
        }
        _ => None,
    }
}

/// What a SELECT's FROM clause adds to `ctx`: the columns of its derived tables and CTEs (`FROM (SELECT sum(x)
/// AS total ...) s`), typed by their own FROM clauses in turn, and of the catalog relations it names (`FROM
/// pg_catalog.pg_class c`).
fn from_context<'a>(select: &sqlparser::ast::Select, ctes: &Ctes<'_>, ctx: &'a dyn TypeContext) -> Derived<'a> {
    let mut derived = Vec::new();
    let mut catalogs = Vec::new();
    for t in &select.from {
        for factor in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
            if let Some(columns) = relation_columns(factor, ctes, ctx, true) {
                derived.extend(columns.into_iter().filter_map(|(n, t)| Some((n?, t))));
                continue;
            }
            if let TableFactor::Table { name, alias, args: None, .. } = factor {
                let parts: Vec<String> = name.0.iter().map(|p| p.to_string()).collect();
                let relation = match parts.as_slice() {
                    [schema, rel] => catalog::lookup(Some(schema), rel),
                    [rel] => catalog::lookup(None, rel),
                    _ => None,
                };
                if let Some(r) = relation {
                    let alias = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or(r.name.to_string());
                    catalogs.push((alias, r));
                }
            }
        }
    }
    Derived { inner: Box::new(Catalogs { inner: ctx, relations: catalogs }), columns: derived }
}

/// A context that also knows the columns of the catalog relations the statement names, by alias.
struct Catalogs<'a> {
    inner: &'a dyn TypeContext,
    relations: Vec<(String, &'static catalog::Relation)>,
}

impl TypeContext for Catalogs<'_> {
    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<PgType> {
        let own = self
            .relations
            .iter()
            .filter(|(alias, _)| qualifier.is_none_or(|q| q.eq_ignore_ascii_case(alias)))
            .find_map(|(_, r)| catalog::column_type(r, name));
        own.or_else(|| self.inner.column(qualifier, name))
    }
    fn param(&self, n: usize) -> Option<PgType> {
        self.inner.param(n)
    }
}

/// A context that also knows the columns of the statement's derived tables.
struct Derived<'a> {
    inner: Box<dyn TypeContext + 'a>,
    columns: Vec<(String, Option<PgType>)>,
}

impl TypeContext for Derived<'_> {
    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<PgType> {
        let own = self.columns.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, t)| *t);
        own.or_else(|| self.inner.column(qualifier, name))
    }
    fn param(&self, n: usize) -> Option<PgType> {
        self.inner.param(n)
    }
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
        } => PgType::from_data_type(data_type),
        Expr::Nested(inner) => ty(inner),
        Expr::TypedString(ts) => PgType::from_data_type(&ts.data_type),
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
            BinaryOperator::StringConcat => Some(PgType::Text),
            BinaryOperator::LongArrow | BinaryOperator::HashLongArrow => Some(PgType::Text),
            BinaryOperator::Arrow | BinaryOperator::HashArrow => match ty(left) {
                Some(PgType::Json) => Some(PgType::Json),
                _ => Some(PgType::Jsonb),
            },
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => match (ty(left), ty(right)) {
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
                "count" | "random" | "changes" | "total_changes" | "last_insert_rowid" => Some(PgType::Int8),
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
                "pg_is_in_recovery" => Some(PgType::Bool),
                "gen_random_uuid" => Some(PgType::Uuid),
                "lower" | "upper" | "trim" | "ltrim" | "rtrim" | "substr" | "substring" | "replace" | "concat"
                | "version" | "current_database" | "current_catalog" | "current_user" | "session_user"
                | "current_setting" | "current_schema" | "typeof" | "hex" | "quote" | "printf" | "format"
                | "group_concat" | "string_agg" | "left" | "right" | "repeat" | "lpad" | "rpad" | "reverse"
                | "split_part" | "initcap" | "translate" | "btrim" | "chr" => Some(PgType::Text),
                "starts_with" | "regexp_like" | "bool_and" | "bool_or" | "every" => Some(PgType::Bool),
                "array_agg" => first_arg(&f.args).and_then(ty).map(PgType::array_of),
                "generate_subscripts" => Some(PgType::Int4),
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
                "regexp_replace" | "regexp_substr" => Some(PgType::Text),
                "regexp_count" | "regexp_instr" => Some(PgType::Int4),
                "ascii" | "jsonb_array_length" => Some(PgType::Int4),
                "jsonb_typeof" | "json_typeof" => Some(PgType::Text),
                "max" | "min" | "coalesce" | "ifnull" | "abs" | "nullif" => first_arg(&f.args).and_then(ty),
                "round" | "trunc" | "ceil" | "ceiling" | "floor" => {
                    let with_digits = matches!(&f.args, FunctionArguments::List(l) if l.args.len() == 2);
                    rounded(first_arg(&f.args).and_then(ty), with_digits)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The element type of a catalog array column (kept as text, see `catalog::schema_rows`): attribute numbers are
/// `int2`, operator classes, collations, roles and types are OIDs.
fn catalog_array_element(e: &Expr) -> Option<PgType> {
    let name = match e {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => &parts.last()?.value,
        _ => return None,
    };
    match name.to_ascii_lowercase().as_str() {
        "indkey" | "indoption" | "conkey" | "confkey" | "stxkeys" | "prattrs" => Some(PgType::Int2),
        "indclass" | "indcollation" | "polroles" | "proargtypes" => Some(PgType::Int8),
        _ => None,
    }
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
