//! The AST visitor that rewrites expressions for SQLite (placeholders, casts, ILIKE, division, session
//! functions) and collects parameter hints and referenced tables.

use super::*;

mod after_children;
mod from_items;

/// The AST visitor: collects tables and hints, rewrites expressions, values and LIMIT clauses.
#[derive(Default)]
pub(super) struct Xform {
    session: Option<SessionValues>,
    hints: BTreeMap<usize, ParamHint>,
    /// Names (lowercase) of the functions the statement calls.
    functions: Vec<String>,
    max_param: usize,
    tables: Vec<String>,
    aliases: Vec<(String, String)>,
    ctes: Vec<String>,
    depth: usize,
    /// Inside the SQL raftsql writes for a set-returning function (integer counters): SQLite's own arithmetic.
    native_arithmetic: usize,
    /// Inside the arguments of an UNNEST, the one place arrays are supported yet.
    array_arguments: usize,
}

/// Deepest expression nesting accepted; deeper trees would risk overflowing the stack when visited or rendered.
pub(super) const MAX_EXPR_DEPTH: usize = 2000;

impl Xform {
    /// A visitor for one statement, substituting `session`'s values when given.
    pub(super) fn new(session: Option<&SessionValues>) -> Xform {
        Xform { session: session.cloned(), ..Xform::default() }
    }

    /// Records a hint for `$n`, keeping the most specific one.
    pub(super) fn hint(&mut self, n: usize, h: ParamHint) {
        let cur = self.hints.get(&n).map(ParamHint::priority).unwrap_or(0);
        if h.priority() > cur {
            self.hints.insert(n, h);
        }
    }

    fn column_hint(&mut self, col: &Expr, param: &Expr) {
        if let (Some((table, column)), Some(n)) = (column_ref(col), param_index(param)) {
            self.hint(n, ParamHint::Column { table, column });
        }
    }

    /// Resolves hint tables and builds the result.
    pub(super) fn finish(mut self, sqlite_sql: String, kind: StatementKind, returns_rows: bool) -> Translated {
        let single = if self.tables.len() == 1 { self.tables.first().cloned() } else { None };
        let resolve = |table: Option<String>| match table {
            Some(q) => Some(self.aliases.iter().find(|(a, _)| *a == q).map(|(_, t)| t.clone()).unwrap_or(q)),
            None => single.clone(),
        };
        let param_hints = (1..=self.max_param)
            .map(|n| match self.hints.remove(&n) {
                Some(ParamHint::Column { table, column }) => ParamHint::Column { table: resolve(table), column },
                Some(ParamHint::ArrayOfColumn { table, column }) => {
                    ParamHint::ArrayOfColumn { table: resolve(table), column }
                }
                Some(h) => h,
                None => ParamHint::Unknown,
            })
            .collect();
        Translated {
            sqlite_sql,
            kind,
            param_count: self.max_param,
            param_hints,
            tables: self.tables,
            returns_rows,
            result_types: Vec::new(),
            functions: self.functions,
            row_lock: None,
            source: None,
        }
    }
}

/// Arithmetic through functions typed by their operands (exact on decimals, PostgreSQL's errors on integer
/// overflow and division by zero, where SQLite switches to doubles or returns NULL), and comparisons that
/// involve decimals.
fn numeric_rewrite(e: &mut Expr) -> Option<Expr> {
    match e {
        Expr::BinaryOp { left, op, right } => numeric::arithmetic(left.as_mut(), op, right.as_mut())
            .or_else(|| json::operator(left.as_mut(), op, right.as_mut()))
            .or_else(|| numeric::comparison(left.as_mut(), op, right.as_mut())),
        Expr::UnaryOp { op: UnaryOperator::Minus, expr } => numeric::negate(expr.as_mut()),
        Expr::Between { expr, negated, low, high } => {
            numeric::between(expr.as_mut(), *negated, low.as_mut(), high.as_mut())
        }
        _ => None,
    }
}

pub(super) fn unsupported_expr(what: &str) -> ControlFlow<DialectError> {
    ControlFlow::Break(DialectError::unsupported(format!("{what} is not supported")))
}

impl VisitorMut for Xform {
    type Break = DialectError;

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<DialectError> {
        if set_depth(&q.body) > MAX_EXPR_DEPTH {
            let empty = SetExpr::Values(sqlparser::ast::Values { explicit_row: false, rows: Vec::new() });
            dismantle_set(std::mem::replace(q.body.as_mut(), empty));
            return ControlFlow::Break(too_deep());
        }
        // A set-returning function in the select list moves to FROM first, where the rest translates it.
        if let SetExpr::Select(select) = q.body.as_mut() {
            if let Err(e) = select_srf::move_to_from(select) {
                return ControlFlow::Break(e);
            }
        }
        if let Err(e) = catalog_unnest::unnest_in_from(q) {
            return ControlFlow::Break(e);
        }
        if let SetExpr::Select(select) = q.body.as_mut() {
            if let Err(e) = catalog_arrays::expand_select_list(select) {
                return ControlFlow::Break(e);
            }
        }
        if let Some(with) = &q.with {
            self.ctes.extend(with.cte_tables.iter().map(|c| c.alias.name.value.clone()));
        }
        if let Some(fetch) = q.fetch.take() {
            if fetch.with_ties || fetch.percent {
                return unsupported_expr("FETCH WITH TIES / PERCENT");
            }
            let qty = fetch.quantity.unwrap_or(Expr::Value(Value::Number("1".into(), false).into()));
            match &mut q.limit_clause {
                Some(LimitClause::LimitOffset { limit, .. }) => *limit = Some(qty),
                _ => {
                    q.limit_clause = Some(LimitClause::LimitOffset { limit: Some(qty), offset: None, limit_by: vec![] })
                }
            }
        }
        match &mut q.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, limit_by }) => {
                if !limit_by.is_empty() {
                    return unsupported_expr("LIMIT BY");
                }
                if let Some(o) = offset {
                    o.rows = OffsetRows::None;
                    if let Some(n) = param_index(&o.value) {
                        self.hint(n, ParamHint::Limit);
                    }
                    if limit.is_none() {
                        *limit = Some(Expr::Value(Value::Number("-1".into(), false).into()));
                    }
                }
                if let Some(n) = limit.as_ref().and_then(param_index) {
                    self.hint(n, ParamHint::Limit);
                }
            }
            Some(LimitClause::OffsetCommaLimit { .. }) => return unsupported_expr("LIMIT offset, count"),
            None => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<DialectError> {
        if let TableFactor::Table { name, alias: Some(a), args: Some(_), .. } = tf {
            if last_part(name) == "json_each" && a.name.value.starts_with("__u") {
                self.array_arguments = self.array_arguments.saturating_sub(1);
            }
        }
        if series::is_generated(tf) {
            self.native_arithmetic = self.native_arithmetic.saturating_sub(1);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<DialectError> {
        numeric::order_by(q);
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &mut ObjectName) -> ControlFlow<DialectError> {
        if let Err(e) = strip_schema(name) {
            return ControlFlow::Break(e);
        }
        let t = object_name_text(name);
        if crate::pg::catalog::is_placeholder(&t) {
            return ControlFlow::Continue(());
        }
        if !self.ctes.contains(&t) && !self.tables.contains(&t) {
            self.tables.push(t);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<DialectError> {
        self.rewrite_from_item(tf)
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<DialectError> {
        self.depth += 1;
        if self.depth + spine_len(e) > MAX_EXPR_DEPTH {
            dismantle_expr(std::mem::replace(e, Expr::Value(Value::Null.into())));
            return ControlFlow::Break(too_deep());
        }
        // The jsonb builders, while their arguments' types still show.
        if let Expr::Function(f) = e {
            sequences::name_argument(f);
            if let Some(x) = json_builders::rewrite(f) {
                *e = x;
            }
        }
        // Before the children are visited: `x = ANY (ARRAY[a, b])` is `x IN (a, b)`, and `pg_catalog.pg_class.oid`
        // names the column through the catalog relation's own name (its alias here).
        // An array parameter or literal under ANY/ALL: its casts are allowed, a bare parameter is an array of
        // the compared column's type.
        if let Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } = e {
            if arrays::is_user_array(right) {
                self.array_arguments += 1;
                if let (Some((table, column)), Some(n)) = (column_ref(left), param_index(right)) {
                    self.hint(n, ParamHint::ArrayOfColumn { table, column });
                }
            }
        }
        if let Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } = e {
            if let Expr::Array(a) = right.as_ref() {
                let list = a.elem.clone();
                let left = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                *e = Expr::InList { expr: Box::new(left), list, negated: false };
            }
        }
        if let Some(x) = json::edit_operator(e) {
            *e = x;
        }
        if let Expr::BinaryOp { left, op: BinaryOperator::StringConcat, right } = e {
            if let Some(x) = arrays::concatenation(left, right) {
                *e = x;
            }
        }
        if let Expr::CompoundIdentifier(parts) = e {
            let schema = parts.first().map(|p| p.value.to_ascii_lowercase());
            if parts.len() == 3 && matches!(schema.as_deref(), Some("pg_catalog" | "information_schema" | "public")) {
                parts.remove(0);
            }
        }
        match e {
            Expr::BinaryOp { left, op, right } if is_comparison(op) => {
                self.column_hint(left, right);
                self.column_hint(right, left);
            }
            Expr::InList { expr, list, .. } => list.iter().for_each(|p| self.column_hint(expr, p)),
            Expr::Between { expr, low, high, .. } => {
                self.column_hint(expr, low);
                self.column_hint(expr, high);
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => self.column_hint(expr, pattern),
            Expr::Cast { expr, data_type, .. } => {
                // A boolean as text is `true`/`false` (SQLite's booleans are 1 and 0).
                let to_text =
                    matches!(PgType::from_data_type(data_type), Some(PgType::Text | PgType::Varchar | PgType::Bpchar));
                if to_text && crate::pg::infer::schema_free_type(expr) == Some(PgType::Bool) {
                    let inner = std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()));
                    **expr = bool_text(inner);
                }
                if let Some(n) = param_index(expr) {
                    match (PgType::from_data_type(data_type), array_element(data_type)) {
                        (Some(t), _) => self.hint(n, ParamHint::Cast(t)),
                        // `$1::regclass` is looked up by the name the client sends; `$1::oid` is the number.
                        (None, None) if catalog_refs::is_object_type(data_type) => {
                            let t = if catalog_refs::names_object(data_type) { PgType::Text } else { PgType::Int8 };
                            self.hint(n, ParamHint::Cast(t))
                        }
                        (None, Some(_)) if casts::is_oid_array(data_type) => self.hint(n, ParamHint::OidArray),
                        (None, Some(t)) => self.hint(n, ParamHint::ArrayCast(t)),
                        (None, _) => return ControlFlow::Break(unsupported_type(data_type)),
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<DialectError> {
        self.depth = self.depth.saturating_sub(1);
        self.rewrite_after_children(e)
    }

    fn post_visit_value(&mut self, v: &mut Value) -> ControlFlow<DialectError> {
        match v {
            Value::Placeholder(p) => {
                let n = match p.strip_prefix('$').and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) if n > 0 && n <= 65535 => n,
                    _ => {
                        return ControlFlow::Break(DialectError {
                            sqlstate: "42P02",
                            message: format!("there is no parameter {p}"),
                        })
                    }
                };
                self.max_param = self.max_param.max(n);
                *p = format!("?{n}");
            }
            Value::EscapedStringLiteral(s) | Value::NationalStringLiteral(s) | Value::UnicodeStringLiteral(s) => {
                *v = Value::SingleQuotedString(std::mem::take(s));
            }
            Value::DollarQuotedString(d) => *v = Value::SingleQuotedString(std::mem::take(&mut d.value)),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
