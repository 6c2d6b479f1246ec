//! INSERT for SQLite: parameter hints from the column list, DEFAULT in VALUES, ON CONFLICT.

use super::*;

/// Renders an INSERT and records its column/position parameter hints.
pub(super) fn insert_sql(ins: &mut Insert, x: &mut Xform) -> Result<String, DialectError> {
    let table = match &ins.table {
        TableObject::TableName(n) => object_name_text(n),
        TableObject::TableFunction(_) => {
            return Err(DialectError::unsupported("INSERT INTO FUNCTION is not supported"))
        }
    };
    if ins.or.is_some() || ins.ignore || ins.overwrite || ins.replace_into || !ins.assignments.is_empty() {
        return Err(DialectError::unsupported("this form of INSERT is not supported"));
    }
    if let Some(src) = ins.source.as_mut() {
        check_query(src)?;
    }
    drop_default_values(ins)?;
    if let Some(src) = ins.source.as_mut() {
        if let SetExpr::Values(values) = src.body.as_ref() {
            for row in &values.rows {
                for (i, e) in row.iter().enumerate() {
                    let Some(n) = param_index(e) else { continue };
                    let hint = match ins.columns.get(i) {
                        Some(c) => ParamHint::Column { table: Some(table.clone()), column: c.value.clone() },
                        None if ins.columns.is_empty() => {
                            ParamHint::TablePosition { table: table.clone(), position: i }
                        }
                        None => continue,
                    };
                    x.hint(n, hint);
                }
            }
        }
    }
    match &mut ins.on {
        None => {}
        Some(OnInsert::OnConflict(oc)) => {
            if matches!(oc.conflict_target, Some(sqlparser::ast::ConflictTarget::OnConstraint(_))) {
                return Err(DialectError::unsupported("ON CONFLICT ON CONSTRAINT is not supported"));
            }
            if let OnConflictAction::DoUpdate(du) = &oc.action {
                for a in &du.assignments {
                    if let (AssignmentTarget::ColumnName(col), Some(n)) = (&a.target, param_index(&a.value)) {
                        x.hint(n, ParamHint::Column { table: Some(table.clone()), column: last_part(col) });
                    }
                }
            }
            // SQLite needs a WHERE in `INSERT ... SELECT ... ON CONFLICT` to tell ON CONFLICT from a join's ON.
            if let Some(SetExpr::Select(sel)) = ins.source.as_mut().map(|s| s.body.as_mut()) {
                if sel.selection.is_none() {
                    sel.selection = Some(Expr::Value(Value::Boolean(true).into()));
                }
            }
        }
        Some(_) => return Err(DialectError::unsupported("ON DUPLICATE KEY UPDATE is not supported")),
    }
    Ok(ins.to_string())
}

/// Removes a `public.` schema qualifier; other schemas are not supported.
/// `DEFAULT` in a VALUES list, which SQLite lacks: the columns it stands in are left out of the INSERT (so they
/// take their defaults), or the row becomes `DEFAULT VALUES`. Every row must use DEFAULT in the same columns.
pub(super) fn drop_default_values(ins: &mut Insert) -> Result<(), DialectError> {
    let is_default = |e: &Expr| matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"));
    let Some(SetExpr::Values(values)) = ins.source.as_deref().map(|q| q.body.as_ref()) else { return Ok(()) };
    let positions = |row: &Vec<Expr>| -> Vec<usize> {
        row.iter().enumerate().filter(|(_, e)| is_default(e)).map(|(i, _)| i).collect()
    };
    let Some(first) = values.rows.first().map(positions) else { return Ok(()) };
    if values.rows.iter().all(|r| positions(r).is_empty()) {
        return Ok(());
    }
    if values.rows.iter().any(|r| positions(r) != first) {
        return Err(DialectError::unsupported(
            "DEFAULT in different columns of the rows of one VALUES list is not supported",
        ));
    }
    let width = values.rows[0].len();
    if first.len() == width && values.rows.len() == 1 {
        ins.source = None;
        ins.columns.clear();
        return Ok(());
    }
    if ins.columns.is_empty() {
        return Err(DialectError::unsupported("DEFAULT in VALUES without a column list is not supported"));
    }
    if first.len() == width {
        return Err(DialectError::unsupported("several rows of only DEFAULT are not supported"));
    }
    let keep = |i: &usize| !first.contains(i);
    ins.columns = ins.columns.drain(..).enumerate().filter(|(i, _)| keep(i)).map(|(_, c)| c).collect();
    if let Some(SetExpr::Values(values)) = ins.source.as_deref_mut().map(|q| q.body.as_mut()) {
        for row in &mut values.rows {
            *row = row.drain(..).enumerate().filter(|(i, _)| keep(i)).map(|(_, e)| e).collect();
        }
    }
    Ok(())
}
