//! The scopes of a query, for inference: what its FROM clause names (derived tables, CTEs, catalog relations)
//! and the names and types of a query's result columns, through UNIONs, CTEs and wildcards.

use super::{catalog, expr_type, PgType, TypeContext};
use sqlparser::ast::{Expr, Query, SelectItem, SetExpr, TableFactor};

/// A query's WITH clause: each CTE's name, column names and query.
type Ctes<'q> = [(String, &'q [sqlparser::ast::TableAliasColumnDef], &'q Query)];

/// Names (when it has one) and types of a query's result columns, by position; `None` when the positions are
/// unknowable. A UNION's columns are its first SELECT's; a wildcard expands over a lone CTE or derived table.
/// `by_name`: only the named columns matter (to type references to a derived table), so a wildcard that cannot
/// be expanded is skipped instead of making everything unknowable.
pub(super) fn query_columns(
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
    let relation = catalog_relation(name)?;
    Some(relation.columns.iter().map(|(c, t)| (Some(c.to_string()), Some(*t))).collect())
}

/// The catalog relation a FROM item names (`pg_class`, `pg_catalog.pg_class`, `information_schema.tables`).
fn catalog_relation(name: &sqlparser::ast::ObjectName) -> Option<&'static catalog::Relation> {
    let parts: Vec<String> = name.0.iter().map(|p| p.to_string()).collect();
    match parts.as_slice() {
        [schema, rel] => catalog::lookup(Some(schema), rel),
        [rel] => catalog::lookup(None, rel),
        _ => None,
    }
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
        // The set-returning functions (`generate_series`, `unnest`, the jsonb and json table functions).
        TableFactor::Table { args: Some(_), .. } | TableFactor::UNNEST { .. } => {
            super::table_functions::columns(factor, ctx, by_name)
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
    for factor in factors(select) {
        if let Some(columns) = relation_columns(factor, ctes, ctx, true) {
            derived.extend(columns.into_iter().filter_map(|(n, t)| Some((n?, t))));
            continue;
        }
        if let TableFactor::Table { name, alias, args: None, .. } = factor {
            if let Some(r) = catalog_relation(name) {
                let alias = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or(r.name.to_string());
                catalogs.push((alias, r));
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
