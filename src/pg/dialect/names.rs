//! PostgreSQL's names for result columns (`?column?`, `count`, `int4`...), given as aliases so SQLite reports them.

use super::*;

/// The name PostgreSQL gives an unnamed result column: the column's name, the function's name, the cast's
/// type, or `?column?`.
fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(ident_name(i)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident_name),
        Expr::Function(f) => Some(last_part(&f.name).to_lowercase()),
        Expr::Nested(inner) => column_name(inner),
        Expr::Cast { expr, data_type, .. } => match expr.as_ref() {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Function(_) => column_name(expr),
            _ => Some(
                PgType::from_data_type(data_type)
                    .or_else(|| array_element(data_type))
                    .map(|t| format!("{t:?}").to_lowercase())
                    .unwrap_or_else(|| "?column?".into()),
            ),
        },
        Expr::TypedString(ts) => Some(
            PgType::from_data_type(&ts.data_type)
                .map(|t| format!("{t:?}").to_lowercase())
                .unwrap_or_else(|| "?column?".into()),
        ),
        Expr::Value(v) if matches!(v.value, Value::Boolean(_)) => Some("bool".into()),
        Expr::Case { .. } => Some("case".into()),
        Expr::Array(_) => Some("array".into()),
        // `tags[1]` is named after the array.
        Expr::CompoundFieldAccess { root, .. } => column_name(root),
        Expr::Exists { .. } => Some("exists".into()),
        Expr::Substring { .. } => Some("substring".into()),
        Expr::Position { .. } => Some("position".into()),
        Expr::Ceil { .. } => Some("ceil".into()),
        Expr::Extract { .. } => Some("extract".into()),
        Expr::AtTimeZone { .. } => Some("timezone".into()),
        Expr::Interval(_) => Some("interval".into()),
        Expr::Floor { .. } => Some("floor".into()),
        Expr::Trim { trim_where, .. } => Some(
            match trim_where {
                Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                _ => "btrim",
            }
            .into(),
        ),
        _ => Some("?column?".into()),
    }
}

/// Names the top-level select list's unnamed columns as PostgreSQL does (SQLite would use the expression's
/// text, e.g. `count(*)` instead of `count`, and keep the case of unquoted identifiers).
pub(super) fn name_columns(q: &mut Query) {
    let SetExpr::Select(select) = q.body.as_mut() else { return };
    for item in select.projection.iter_mut() {
        if let SelectItem::UnnamedExpr(e) = item {
            // SQLite already names a column reference by the column, unless it was written in capitals.
            let plain_ref = match e {
                Expr::Identifier(i) => i.quote_style.is_some() || i.value == i.value.to_lowercase(),
                Expr::CompoundIdentifier(p) => {
                    p.last().is_some_and(|i| i.quote_style.is_some() || i.value == i.value.to_lowercase())
                }
                _ => false,
            };
            if plain_ref {
                continue;
            }
            if let Some(name) = column_name(e) {
                let expr = std::mem::replace(e, Expr::Value(Value::Null.into()));
                *item = SelectItem::ExprWithAlias { expr, alias: Ident::with_quote('"', name) };
            }
        }
    }
}
