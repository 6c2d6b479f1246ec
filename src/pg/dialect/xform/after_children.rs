//! What the visitor does to an expression once its children are translated: functions (the catalogs' and the
//! session's, aggregates, date/time, exact numeric and JSON names), arrays under ANY/ALL, typed arithmetic and
//! comparisons, and the expression forms SQLite lacks or spells otherwise.

use super::*;

impl Xform {
    /// Rewrites `e`, whose children are already SQLite's.
    pub(super) fn rewrite_after_children(&mut self, e: &mut Expr) -> ControlFlow<DialectError> {
        use BinaryOperator as B;
        if let Expr::Function(f) = e {
            // `pg_catalog.f()` is `f()`: every function raftsql has is in PostgreSQL's catalog schema.
            if f.name.0.len() == 2 && f.name.0[0].as_ident().is_some_and(|i| i.value.eq_ignore_ascii_case("pg_catalog"))
            {
                f.name.0.remove(0);
            }
            let name = last_part(&f.name).to_ascii_lowercase();
            if !self.functions.contains(&name) {
                self.functions.push(name.clone());
            }
            // Functions the catalogs answer, then the session information functions: worked out once each.
            let rewritten = catalog_refs::function(f, self.session.as_ref())
                .or_else(|| self.session.as_ref().and_then(|s| session_value(f, s)));
            match rewritten {
                Some(Ok(x)) => {
                    *e = x;
                    return ControlFlow::Continue(());
                }
                Some(Err(err)) => return ControlFlow::Break(err),
                None => {}
            }
            if let Some(x) = aggregates::rewrite(f) {
                *e = x;
                return ControlFlow::Continue(());
            }
            if !matches!(f.args, FunctionArguments::None) {
                match datetime::rewrite_function(f) {
                    Some(Ok(x)) => {
                        *e = x;
                        return ControlFlow::Continue(());
                    }
                    Some(Err(err)) => return ControlFlow::Break(err),
                    None => {}
                }
            }
            if f.name.0.len() == 1 {
                if let Some(exact) = numeric::function_name(&name).or_else(|| json::function_name(&name)) {
                    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(exact))]);
                }
            }
            numeric::min_max_argument(f);
        }
        let all = matches!(e, Expr::AllOp { .. });
        if let Expr::AnyOp { left, compare_op, right, .. } | Expr::AllOp { left, compare_op, right } = e {
            if self.array_arguments > 0 && arrays::is_translated_array(right) {
                self.array_arguments -= 1;
                let l = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                match arrays::compare(l, compare_op, right, all) {
                    Ok(x) => *e = x,
                    Err(err) => return ControlFlow::Break(err),
                }
                return ControlFlow::Continue(());
            }
        }
        if self.native_arithmetic == 0 {
            if let Some(x) = numeric_rewrite(e) {
                *e = x;
                return ControlFlow::Continue(());
            }
        }
        let replacement = match e {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => match numeric::literal(n) {
                    Some(x) => x,
                    None => return ControlFlow::Continue(()),
                },
                _ => return ControlFlow::Continue(()),
            },
            Expr::Cast { expr, data_type, format: None, .. } => {
                let inner = std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()));
                match cast_expr(inner, data_type) {
                    Ok(x) => x,
                    Err(err) => return ControlFlow::Break(err),
                }
            }
            Expr::TypedString(ts) => {
                let value = Expr::Value(ts.value.clone());
                match translate_cast(value, &ts.data_type) {
                    Ok(x) => x,
                    Err(err) => return ControlFlow::Break(err),
                }
            }
            // PostgreSQL's LIKE is case-sensitive (raftsql sets SQLite's `case_sensitive_like`) and escapes with a
            // backslash unless told otherwise; ILIKE compares lower-cased text.
            Expr::Like { escape_char: escape @ None, any: false, .. } => {
                *escape = Some(Value::SingleQuotedString("\\".into()));
                return ControlFlow::Continue(());
            }
            Expr::ILike { negated, any: false, expr, pattern, escape_char } => Expr::Like {
                negated: *negated,
                any: false,
                expr: Box::new(call("lower", vec![std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()))])),
                pattern: Box::new(call(
                    "lower",
                    vec![std::mem::replace(pattern.as_mut(), Expr::Value(Value::Null.into()))],
                )),
                escape_char: Some(escape_char.take().unwrap_or(Value::SingleQuotedString("\\".into()))),
            },
            Expr::BinaryOp { left, op, right }
                if matches!(op, B::PGRegexMatch | B::PGRegexIMatch | B::PGRegexNotMatch | B::PGRegexNotIMatch)
                    || matches!(op, B::PGCustomBinaryOperator(ref p) if p.last().is_some_and(|o| o.contains('~'))) =>
            {
                let l = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                let r = std::mem::replace(right.as_mut(), Expr::Value(Value::Null.into()));
                match catalog_refs::regex_match(l, op, r) {
                    Some(x) => x,
                    None => return unsupported_expr(&format!("operator {op}")),
                }
            }
            Expr::BinaryOp { left, op: B::PGOverlap, right } => {
                let l = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                let r = std::mem::replace(right.as_mut(), Expr::Value(Value::Null.into()));
                match arrays::overlap(l, r) {
                    Ok(x) => x,
                    Err(err) => return ControlFlow::Break(err),
                }
            }
            Expr::Collate { expr, collation } if catalog_refs::neutral_collation(collation) => {
                std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()))
            }
            Expr::Function(f) if matches!(f.args, FunctionArguments::None) => {
                let name = last_part(&f.name).to_ascii_lowercase();
                match name.as_str() {
                    "current_user" | "session_user" | "user" | "current_role" => call("current_user", vec![]),
                    "current_catalog" => call("current_database", vec![]),
                    // PostgreSQL's CURRENT_TIMESTAMP is now(), sub-second part included (SQLite's keyword has
                    // whole seconds).
                    "current_timestamp" => call("now", vec![]),
                    _ => match datetime::rewrite(e) {
                        Some(Ok(x)) => x,
                        Some(Err(err)) => return ControlFlow::Break(err),
                        None => return ControlFlow::Continue(()),
                    },
                }
            }
            Expr::Substring { expr, substring_from, substring_for, .. } => {
                let mut args = vec![expr.as_ref().clone()];
                args.push(
                    substring_from.as_deref().cloned().unwrap_or(Expr::Value(Value::Number("1".into(), false).into())),
                );
                args.extend(substring_for.as_deref().cloned());
                call("substr", args)
            }
            Expr::Ceil { expr, field: CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) } => {
                call("pg_ceil", vec![std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()))])
            }
            Expr::Floor { expr, field: CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) } => {
                call("pg_floor", vec![std::mem::replace(expr.as_mut(), Expr::Value(Value::Null.into()))])
            }
            Expr::Ceil { .. } | Expr::Floor { .. } => return unsupported_expr("this form of ceil/floor"),
            Expr::Position { expr, r#in } => call("instr", vec![r#in.as_ref().clone(), expr.as_ref().clone()]),
            Expr::Trim { expr, trim_where, trim_what, trim_characters: None } => {
                let f = match trim_where {
                    Some(sqlparser::ast::TrimWhereField::Leading) => "ltrim",
                    Some(sqlparser::ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "trim",
                };
                let mut args = vec![expr.as_ref().clone()];
                args.extend(trim_what.as_deref().cloned());
                call(f, args)
            }
            Expr::BinaryOp { op, .. } => {
                let ok = matches!(
                    op,
                    B::Plus
                        | B::Minus
                        | B::Multiply
                        | B::Divide
                        | B::Modulo
                        | B::StringConcat
                        | B::Gt
                        | B::Lt
                        | B::GtEq
                        | B::LtEq
                        | B::Eq
                        | B::NotEq
                        | B::And
                        | B::Or
                        | B::BitwiseOr
                        | B::BitwiseAnd
                        | B::PGBitwiseShiftLeft
                        | B::PGBitwiseShiftRight
                        | B::Arrow
                        | B::LongArrow
                );
                if !ok {
                    return unsupported_expr(&format!("operator {op}"));
                }
                return ControlFlow::Continue(());
            }
            Expr::UnaryOp { op, .. } => {
                if !matches!(
                    op,
                    UnaryOperator::Plus | UnaryOperator::Minus | UnaryOperator::Not | UnaryOperator::PGBitwiseNot
                ) {
                    return unsupported_expr(&format!("operator {op}"));
                }
                return ControlFlow::Continue(());
            }
            Expr::AnyOp { left, compare_op, right, .. } => match catalog_arrays::any(left, compare_op, right) {
                Ok(x) => x,
                Err(e) => return ControlFlow::Break(e),
            },
            Expr::CompoundFieldAccess { root, access_chain } => {
                use sqlparser::ast::{AccessExpr, Subscript};
                // `a[i]`, or `c.confkey[1]` (the qualified column, then the subscript).
                let (array, index) = match (root.as_ref(), access_chain.as_slice()) {
                    (_, [AccessExpr::Subscript(Subscript::Index { index })]) => (root.as_ref().clone(), index),
                    (
                        Expr::Identifier(qualifier),
                        [AccessExpr::Dot(Expr::Identifier(column)), AccessExpr::Subscript(Subscript::Index { index })],
                    ) => (Expr::CompoundIdentifier(vec![qualifier.clone(), column.clone()]), index),
                    _ => return ControlFlow::Break(DialectError::unsupported("arrays are not supported")),
                };
                match catalog_arrays::subscript(&array, index) {
                    Ok(x) => x,
                    Err(e) => return ControlFlow::Break(e),
                }
            }
            // `ARRAY[a, b]`: the JSON array arrays are kept as.
            Expr::Array(a) => call("json_array", std::mem::take(&mut a.elem)),
            // `x op ALL (array)` over raftsql's JSON arrays (the catalogs' text arrays take only `= ANY`).
            Expr::AllOp { left, compare_op, right } if !catalog_arrays::is_catalog_array(right) => {
                let l = std::mem::replace(left.as_mut(), Expr::Value(Value::Null.into()));
                match arrays::compare(l, compare_op, right, true) {
                    Ok(x) => x,
                    Err(err) => return ControlFlow::Break(err),
                }
            }
            Expr::AllOp { .. } => return ControlFlow::Break(DialectError::unsupported("arrays are not supported")),
            Expr::Interval(_) | Expr::AtTimeZone { .. } | Expr::Extract { .. } => match datetime::rewrite(e) {
                Some(Ok(x)) => x,
                Some(Err(err)) => return ControlFlow::Break(err),
                None => return ControlFlow::Continue(()),
            },
            Expr::SimilarTo { .. } | Expr::RLike { .. } => return unsupported_expr("regular expressions"),
            Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => return unsupported_expr("grouping sets"),
            Expr::Cast { .. }
            | Expr::Overlay { .. }
            | Expr::Struct { .. }
            | Expr::Map(_)
            | Expr::Dictionary(_)
            | Expr::Lambda(_)
            | Expr::Convert { .. }
            | Expr::Named { .. }
            | Expr::MatchAgainst { .. }
            | Expr::ILike { .. }
            | Expr::Like { any: true, .. }
            | Expr::Trim { .. }
            | Expr::Prefixed { .. } => return unsupported_expr("this expression"),
            _ => return ControlFlow::Continue(()),
        };
        *e = replacement;
        ControlFlow::Continue(())
    }
}
