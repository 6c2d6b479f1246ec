//! Set-returning functions in a select list (`SELECT id, unnest(tags) FROM t`, `SELECT generate_series(1, 3)`,
//! `SELECT jsonb_array_elements(doc) FROM t`). SQLite has none: the call moves to the end of the FROM clause as
//! the same function in FROM (translated like any other there: `json_each` lateral to the tables before it, a
//! recursive CTE for a series), and the select list reads its one column instead. Rows come out as PostgreSQL's
//! do: the function's rows for each row of the rest of the FROM clause, none for an empty or NULL input.
//!
//! Not supported (0A000): several such functions in one select list (PostgreSQL runs them side by side), with
//! GROUP BY or aggregates (PostgreSQL expands after grouping), and the functions returning records
//! (`jsonb_each`).

use super::*;
use sqlparser::ast::{GroupByExpr, Select, TableWithJoins};

/// The name the moved function goes by in the FROM clause, and its column.
const ALIAS: &str = "raftsql_srf";
const COLUMN: &str = "v";

/// Set-returning functions of one column that may stand in a select list.
const ONE_COLUMN: &[&str] = &[
    "generate_series",
    "unnest",
    "jsonb_array_elements",
    "jsonb_array_elements_text",
    "jsonb_object_keys",
    "json_array_elements",
    "json_array_elements_text",
    "json_object_keys",
];

/// Set-returning functions of records: refused in a select list.
const RECORDS: &[&str] = &["jsonb_each", "jsonb_each_text", "json_each", "json_each_text"];

const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "bool_and",
    "bool_or",
    "every",
    "group_concat",
];

/// Moves the set-returning function of `select`'s own select list (not its subqueries') into its FROM clause.
pub(super) fn move_to_from(select: &mut Select) -> Result<(), DialectError> {
    let mut calls = Calls::default();
    for item in select.projection.iter_mut() {
        let (SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) = item else { continue };
        let whole = srf_name(e);
        each_own_expr(e, 0, |x| calls.take(x));
        // The column keeps the function's name, as PostgreSQL names it.
        if let (Some(name), SelectItem::UnnamedExpr(e)) = (whole, &*item) {
            *item = SelectItem::ExprWithAlias { expr: e.clone(), alias: Ident::with_quote('"', name) };
        }
    }
    if let Some(name) = calls.records {
        return Err(DialectError::unsupported(format!("{name} in a select list is not supported (call it in FROM)")));
    }
    let call = match calls.moved.as_slice() {
        [] => return Ok(()),
        [one] => one,
        _ => {
            return Err(DialectError::unsupported(
                "several set-returning functions in one select list are not supported",
            ))
        }
    };
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(exprs, _) => !exprs.is_empty(),
    };
    if grouped || select.having.is_some() || calls.aggregates {
        return Err(DialectError::unsupported(
            "set-returning functions in a select list with GROUP BY or aggregates are not supported",
        ));
    }
    let mut call = call.clone();
    // The function becomes a `json_each` whose own columns (`id`, `key`, `value`, ...) would make a bare column
    // of the FROM clause's one relation ambiguous: qualify them.
    if let Some(owner) = only_relation(select) {
        each_own_expr(&mut call, 0, |e| {
            if let Expr::Identifier(column) = &*e {
                *e = Expr::CompoundIdentifier(vec![owner.clone(), column.clone()]);
            }
        });
    }
    let Expr::Function(f) = &call else { return Ok(()) };
    let name = last_part(&f.name).to_ascii_lowercase();
    let FunctionArguments::List(list) = &f.args else {
        return Err(DialectError { sqlstate: "42883", message: format!("function {name}() does not exist") });
    };
    let args: Vec<String> = list.args.iter().map(|a| a.to_string()).collect();
    let sql = format!("SELECT 1 FROM {name}({}) AS {ALIAS}({COLUMN})", args.join(", "));
    let parsed = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_query())
        .map_err(|e| DialectError::syntax(format!("{name}: {e}")))?;
    let SetExpr::Select(mut parsed) = *parsed.body else { return Err(DialectError::syntax(name)) };
    select.from.append(&mut parsed.from);
    Ok(())
}

/// The name the FROM clause's one relation goes by, if it has exactly one.
fn only_relation(select: &Select) -> Option<Ident> {
    let [TableWithJoins { relation, joins }] = select.from.as_slice() else { return None };
    if !joins.is_empty() {
        return None;
    }
    match relation {
        TableFactor::Table { alias: Some(a), args: None, .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.clone())
        }
        TableFactor::Table { name, alias: None, args: None, .. } => Some(Ident::new(last_part(name))),
        _ => None,
    }
}

/// The name of a set-returning function of one column called by `e`, if it is such a call.
fn srf_name(e: &Expr) -> Option<String> {
    let Expr::Function(f) = e else { return None };
    let name = last_part(&f.name).to_ascii_lowercase();
    if !ONE_COLUMN.contains(&name.as_str()) {
        return None;
    }
    // `unnest` of a catalog array has its own expansion (`catalog_arrays`).
    if let FunctionArguments::List(list) = &f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(a))) = list.args.first() {
            if name == "unnest" && catalog_arrays::is_catalog_array(a) {
                return None;
            }
        }
    }
    Some(name)
}

/// Whether an expression (or a function argument) reads a column of the query it is in (a subquery's own
/// columns do not count).
pub(super) fn mentions_column(node: &impl sqlparser::ast::Visit) -> bool {
    struct Columns {
        depth: usize,
    }
    impl sqlparser::ast::Visitor for Columns {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) if self.depth == 0 => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
    }
    node.visit(&mut Columns { depth: 0 }).is_break()
}

/// Calls `f` on every expression of one query level of `node` (after the expression's own children), not on those
/// of its subqueries: `own` is that level's depth, 0 for an expression, 1 for a query.
pub(super) fn each_own_expr(node: &mut impl VisitMut, own: usize, f: impl FnMut(&mut Expr)) {
    struct Level<F> {
        depth: usize,
        own: usize,
        f: F,
    }
    impl<F: FnMut(&mut Expr)> VisitorMut for Level<F> {
        type Break = ();
        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.depth -= 1;
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            if self.depth == self.own {
                (self.f)(e);
            }
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Level { depth: 0, own, f });
}

/// What the select list calls: the set-returning calls (each replaced with the column standing for it), a
/// function returning records, and whether it aggregates.
#[derive(Default)]
struct Calls {
    moved: Vec<Expr>,
    records: Option<String>,
    aggregates: bool,
}

impl Calls {
    fn take(&mut self, e: &mut Expr) {
        if let Expr::Function(f) = &*e {
            let name = last_part(&f.name).to_ascii_lowercase();
            if RECORDS.contains(&name.as_str()) {
                self.records = Some(name.clone());
            }
            // A window function is not an aggregate here: it runs over the rows the FROM clause gives.
            if AGGREGATES.contains(&name.as_str()) && f.over.is_none() {
                self.aggregates = true;
            }
        }
        if srf_name(e).is_some() {
            let column = Expr::CompoundIdentifier(vec![Ident::new(ALIAS), Ident::new(COLUMN)]);
            self.moved.push(std::mem::replace(e, column));
        }
    }
}
