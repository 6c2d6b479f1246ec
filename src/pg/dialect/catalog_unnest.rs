//! `unnest(...)` of the catalogs' number arrays in FROM, lateral to the table holding them, as catalog queries
//! write it (Django's introspection: `FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY koi(key,
//! option, arridx)`). SQLite has no LATERAL, but a table-valued function may read the tables to its left: the
//! UNNEST becomes `json_each` of the first array under an internal name, and the columns the alias names
//! (`koi.key`, `koi.option`, `koi.arridx`) become expressions over that row: the element, the other arrays'
//! elements at the same position, the 1-based ordinality. `SELECT *` over such a FROM lists those columns by
//! their names, after the other relations' columns. The jsonb table functions (`json_table`) go the same way;
//! when such a function is all the FROM clause has, its columns may also be named bare (`SELECT value FROM
//! jsonb_array_elements(...)`).

use super::*;
use sqlparser::ast::{Select, TableWithJoins};

/// One expanded UNNEST: the name queries use for it and its columns as SQL over the `json_each` row.
struct Expanded {
    alias: String,
    columns: Vec<(String, String)>,
    /// The alias read bare as the function's one value (`SELECT e FROM jsonb_array_elements(d) AS e`), which a
    /// function of one column allows in PostgreSQL; not a column of its own for `*`.
    row_name: Option<(String, String)>,
}

/// Rewrites the catalog UNNESTs of `q`'s own SELECT (not its subqueries, which their own visit handles).
pub(super) fn unnest_in_from(q: &mut Query) -> Result<(), DialectError> {
    let SetExpr::Select(select) = q.body.as_mut() else { return Ok(()) };
    let mut expanded = Vec::new();
    for table in select.from.iter_mut() {
        for factor in std::iter::once(&mut table.relation).chain(table.joins.iter_mut().map(|j| &mut j.relation)) {
            if let Some(e) = expand_factor(factor, expanded.len())? {
                expanded.push(e);
            }
        }
    }
    if expanded.is_empty() {
        return Ok(());
    }
    expand_wildcards(select, &expanded)?;
    let replacements: Vec<(String, String, Expr)> = expanded
        .iter()
        .flat_map(|e| {
            e.columns.iter().chain(&e.row_name).map(move |(c, sql)| (e.alias.clone(), c.clone(), sql.clone()))
        })
        .map(|(alias, column, sql)| parse(&sql).map(|x| (alias, column, x)))
        .collect::<Result<_, _>>()?;
    // The one other relation of the FROM clause, if there is exactly one: a bare name of one of `json_each`'s own
    // columns (`id`, `key`, `value`, ...) that is not a column of the expanded function must be that relation's,
    // and is qualified so that SQLite does not find it ambiguous.
    let owner = match q.body.as_ref() {
        SetExpr::Select(s) => match other_relations(s).as_deref() {
            Some([one]) => Some(one.clone()),
            _ => None,
        },
        _ => None,
    };
    // A select-list item naming one of these columns keeps the column's name once it becomes an expression.
    if let SetExpr::Select(select) = q.body.as_mut() {
        for item in select.projection.iter_mut() {
            let SelectItem::UnnamedExpr(e) = item else { continue };
            let column = match e {
                Expr::Identifier(c) => c,
                Expr::CompoundIdentifier(parts) if parts.len() == 2 => &parts[1],
                _ => continue,
            };
            let renamed = replacements.iter().any(|(_, c, _)| column.value.eq_ignore_ascii_case(c))
                || (owner.is_some() && JSON_EACH_COLUMNS.contains(&column.value.to_ascii_lowercase().as_str()));
            if renamed {
                let alias = Ident::with_quote('"', column.value.to_lowercase());
                *item = SelectItem::ExprWithAlias { expr: e.clone(), alias };
            }
        }
    }
    super::select_srf::each_own_expr(q, 1, |e| rewrite_reference(e, &replacements, owner.as_ref()));
    Ok(())
}

/// The columns of SQLite's `json_each`, which the FROM clause gains with it.
const JSON_EACH_COLUMNS: &[&str] = &["key", "value", "type", "atom", "id", "parent", "fullkey", "path"];

/// Rewrites a column reference of the query level being expanded (not its subqueries, whose FROM clauses are
/// their own): `alias.column` and bare `column` of an expanded function become its expression, and a bare name
/// of one of `json_each`'s columns is qualified with the FROM clause's one other relation. Called after the
/// expression's children (a name has none): a replacement is not visited again, so a document named `value`
/// inside one is left alone.
fn rewrite_reference(e: &mut Expr, replacements: &[(String, String, Expr)], owner: Option<&Ident>) {
    match e {
        Expr::Identifier(column) => {
            if let Some((_, _, x)) = replacements.iter().find(|(_, c, _)| column.value.eq_ignore_ascii_case(c)) {
                *e = x.clone();
            } else if let Some(owner) = owner {
                if JSON_EACH_COLUMNS.contains(&column.value.to_ascii_lowercase().as_str()) {
                    *e = Expr::CompoundIdentifier(vec![owner.clone(), column.clone()]);
                }
            }
        }
        Expr::CompoundIdentifier(parts) => {
            if let [qualifier, column] = parts.as_slice() {
                let found = replacements
                    .iter()
                    .find(|(a, c, _)| qualifier.value.eq_ignore_ascii_case(a) && column.value.eq_ignore_ascii_case(c));
                if let Some((_, _, x)) = found {
                    *e = x.clone();
                }
            }
        }
        _ => {}
    }
}

/// The `json_each` standing for a catalog UNNEST or a jsonb table function, if `factor` is one.
fn expand_factor(factor: &mut TableFactor, n: usize) -> Result<Option<Expanded>, DialectError> {
    // A series over the columns of the FROM items before it: the series as one JSON array, made by a subquery
    // in `json_each`'s argument (which may read them, where a subquery in FROM may not).
    if let TableFactor::Table { name, alias, args: Some(args), .. } = factor {
        if last_part(name).eq_ignore_ascii_case("generate_series")
            && args.args.iter().any(super::select_srf::mentions_column)
        {
            let internal = format!("__srf_g{n}");
            let series = super::series::series_query(&args.args, "json_group_array(\"v\")")?;
            let table = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| "generate_series".into());
            let column = alias.as_ref().and_then(|a| a.columns.first()).map(|c| c.name.value.clone());
            let columns = vec![(column.unwrap_or_else(|| table.clone()), format!("\"{internal}\".value"))];
            *factor = single_factor(&format!("SELECT 1 FROM json_each(({series})) AS \"{internal}\""))?;
            return Ok(Some(Expanded { alias: table, columns, row_name: None }));
        }
    }
    if let TableFactor::Table { name, alias, args: Some(args), .. } = factor {
        let internal = format!("__srf_j{n}");
        let Some(found) = super::json_table::expand(name, &args.args, alias.as_ref(), &internal) else {
            return Ok(None);
        };
        let (sql, columns) = found?;
        let alias_name = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| last_part(name));
        let row_name = match (alias.as_ref(), columns.as_slice()) {
            (Some(a), [(column, value)]) if a.columns.is_empty() && *column != a.name.value => {
                Some((a.name.value.clone(), value.clone()))
            }
            _ => None,
        };
        *factor = single_factor(&sql)?;
        return Ok(Some(Expanded { alias: alias_name, columns, row_name }));
    }
    let TableFactor::UNNEST { alias, array_exprs, with_offset: false, with_ordinality, .. } = factor else {
        return Ok(None);
    };
    let catalog = array_exprs.iter().all(|a| catalog_arrays::number_array(a).is_some());
    // An UNNEST of another table's array column (kept as a JSON array) is read lateral to it the same way; one
    // of constants and parameters is a subquery (`series::unnest_arrays`).
    let lateral = !catalog && array_exprs.iter().any(super::select_srf::mentions_column);
    if array_exprs.is_empty() || !(catalog || lateral) {
        return Ok(None);
    }
    let json_array = |array: &Expr| match catalog {
        true => catalog_arrays::json_numbers(array),
        false => nested(array.clone()).to_string(),
    };
    let internal = format!("__srf_u{n}");
    let names: Vec<String> =
        alias.as_ref().map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect()).unwrap_or_default();
    let alias_name = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| "unnest".into());
    let mut columns = Vec::new();
    for (i, array) in array_exprs.iter().enumerate() {
        let name =
            names.get(i).cloned().unwrap_or_else(|| super::series::unnest_column(alias.as_ref(), array_exprs.len()));
        let sql = if i == 0 {
            format!("\"{internal}\".value")
        } else {
            format!("json_extract({}, '$[' || \"{internal}\".key || ']')", json_array(array))
        };
        columns.push((name, sql));
    }
    if *with_ordinality {
        let name = names.get(array_exprs.len()).cloned().unwrap_or_else(|| "ordinality".into());
        columns.push((name, format!("(\"{internal}\".key + 1)")));
    }
    let sql = format!("SELECT 1 FROM json_each({}) AS \"{internal}\"", json_array(&array_exprs[0]));
    *factor = single_factor(&sql)?;
    Ok(Some(Expanded { alias: alias_name, columns, row_name: None }))
}

/// The one FROM item of `SELECT 1 FROM item`.
fn single_factor(sql: &str) -> Result<TableFactor, DialectError> {
    let parsed = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("unnest: {e}")))?;
    let SetExpr::Select(mut select) = *parsed.body else { return Err(DialectError::syntax("unnest")) };
    let Some(TableWithJoins { relation, .. }) = select.from.pop() else { return Err(DialectError::syntax("unnest")) };
    Ok(relation)
}

/// The names the FROM clause's relations other than the expanded functions go by (an alias, else the table's
/// name); `None` when one of them has no name to qualify its columns with.
fn other_relations(select: &Select) -> Option<Vec<Ident>> {
    select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(|factor| match factor {
            TableFactor::Table { alias: Some(a), .. } if a.name.value.starts_with("__srf_") => None,
            TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
                Some(Some(a.name.clone()))
            }
            TableFactor::Table { name, alias: None, .. } => Some(Some(Ident::new(last_part(name)))),
            _ => Some(None),
        })
        .collect()
}

/// `*` over a FROM with expanded UNNESTs: the other relations' `x.*`, then the UNNESTs' columns by name.
fn expand_wildcards(select: &mut Select, expanded: &[Expanded]) -> Result<(), DialectError> {
    if !select.projection.iter().any(|i| matches!(i, SelectItem::Wildcard(_))) {
        return Ok(());
    }
    let Some(others) = other_relations(select) else {
        return Err(DialectError::unsupported("* over this FROM with unnest is not supported"));
    };
    let mut items: Vec<String> = others.iter().map(|name| format!("{name}.*")).collect();
    for e in expanded {
        for (name, sql) in &e.columns {
            items.push(format!("{sql} AS {}", Ident::with_quote('"', name.clone())));
        }
    }
    let parsed = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&format!("SELECT {} FROM \"__x\"", items.join(", ")))
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("unnest: {e}")))?;
    let SetExpr::Select(parsed) = *parsed.body else { return Err(DialectError::syntax("unnest")) };
    let mut projection = Vec::new();
    for item in select.projection.drain(..) {
        match item {
            SelectItem::Wildcard(_) => projection.extend(parsed.projection.iter().cloned()),
            other => projection.push(other),
        }
    }
    select.projection = projection;
    Ok(())
}

fn parse(sql: &str) -> Result<Expr, DialectError> {
    super::catalog_refs::parse_expr(sql)
}
