//! One parsed statement translated: its kind, the visitor's rewriting, the SQLite text of each kind of
//! statement (queries, INSERT/UPDATE/DELETE, CREATE TABLE/INDEX/VIEW, ALTER, TRUNCATE, COMMENT, DROP), and the
//! checks of what SQLite cannot run.

use super::*;

/// Translates one parsed statement.
pub(super) fn translate_statement(
    mut stmt: Statement,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
    if let Some(kind) = session_kind(&stmt)? {
        return Ok(control(kind));
    }
    if let Statement::Explain { analyze, statement, options, .. } = stmt {
        return explain(*statement, analyze, options, session);
    }
    if let Some(kind) = session_sql::set_config_call(&stmt) {
        return Ok(Translated { returns_rows: true, result_types: vec![Some(PgType::Text)], ..control(kind) });
    }
    let kind = match &stmt {
        Statement::Query(_) => StatementKind::Select,
        Statement::Insert(_) => StatementKind::Insert,
        Statement::Update { .. } => StatementKind::Update,
        Statement::Delete(_) => StatementKind::Delete,
        Statement::CreateTable(_) => StatementKind::CreateTable,
        Statement::CreateIndex(_) => StatementKind::CreateIndex,
        Statement::CreateView { .. } => StatementKind::CreateView,
        Statement::AlterTable { .. } => StatementKind::AlterTable,
        Statement::Truncate { .. } => StatementKind::Truncate,
        Statement::Comment { .. } => StatementKind::Comment,
        Statement::Drop { object_type: ObjectType::Table, .. } => StatementKind::DropTable,
        Statement::Drop { object_type: ObjectType::Index, .. } => StatementKind::DropIndex,
        Statement::Drop { object_type: ObjectType::View, .. } => StatementKind::DropView,
        other => return Err(unsupported_statement(other)),
    };
    if let Statement::Query(q) = &mut stmt {
        name_columns(q);
    }
    let mut result_types = crate::pg::infer::infer_statement(&stmt, &crate::pg::infer::NoContext);
    // The PostgreSQL statement as written, for inference with the schema where the schema-free one cannot tell.
    let returns = match &stmt {
        Statement::Query(_) => true,
        Statement::Insert(i) => i.returning.is_some(),
        Statement::Update { returning, .. } => returning.is_some(),
        Statement::Delete(d) => d.returning.is_some(),
        _ => false,
    };
    // (Not of a statement nested too deeply to clone safely: the visitor refuses those anyway.)
    let source = (returns && shallow(&stmt)).then(|| std::sync::Arc::new(stmt.clone()));
    let mut x = Xform::new(session);
    if let ControlFlow::Break(e) = stmt.visit(&mut x) {
        return Err(e);
    }
    if let Statement::Query(q) = &stmt {
        numeric::result_types(q, &mut result_types);
    }
    let mut returns_rows = false;
    let row_lock = match &stmt {
        // SKIP LOCKED waits like a plain FOR UPDATE: with one writer at a time no row is ever locked by another
        // transaction once the gate is held, so none is skipped.
        Statement::Query(q) if !q.locks.is_empty() => {
            Some(q.locks.iter().any(|l| matches!(l.nonblock, Some(sqlparser::ast::NonBlock::Nowait))))
        }
        _ => None,
    };
    let sqlite_sql = match &mut stmt {
        Statement::Query(q) => {
            returns_rows = true;
            check_query(q)?;
            q.to_string()
        }
        Statement::Insert(ins) => {
            returns_rows = ins.returning.is_some();
            insert_sql(ins, &mut x)?
        }
        Statement::Update { table, assignments, returning, or, limit, .. } => {
            returns_rows = returning.is_some();
            if or.is_some() || limit.is_some() || !table.joins.is_empty() {
                return Err(DialectError::unsupported("this form of UPDATE is not supported"));
            }
            let target = match &table.relation {
                TableFactor::Table { name, .. } => Some(object_name_text(name)),
                _ => None,
            };
            for a in assignments.iter() {
                if let (AssignmentTarget::ColumnName(col), Some(n)) = (&a.target, param_index(&a.value)) {
                    x.hint(n, ParamHint::Column { table: target.clone(), column: last_part(col) });
                }
            }
            stmt.to_string()
        }
        Statement::Delete(del) => {
            returns_rows = del.returning.is_some();
            check_delete(del)?;
            stmt.to_string()
        }
        Statement::CreateTable(ct) => create_table_sql(ct)?,
        Statement::CreateIndex(ci) => create_index_sql(ci)?,
        Statement::CreateView {
            or_alter,
            or_replace,
            materialized,
            name,
            columns,
            query,
            if_not_exists,
            temporary,
            ..
        } => {
            if *or_alter || *materialized || (*or_replace && *if_not_exists) {
                return Err(DialectError::unsupported(format!("{} is not supported", leading_words(&stmt))));
            }
            check_query(query)?;
            let cols: Vec<String> = columns.iter().map(|c| c.name.to_string()).collect();
            let cols = if cols.is_empty() { String::new() } else { format!(" ({})", cols.join(", ")) };
            let create = format!(
                "CREATE {}VIEW {}{}{} AS {}",
                if *temporary { "TEMPORARY " } else { "" },
                if *if_not_exists { "IF NOT EXISTS " } else { "" },
                name,
                cols,
                query
            );
            // SQLite has no CREATE OR REPLACE: the view is dropped first, in the same replicated statement.
            if *or_replace {
                use crate::db::schema_edit::{statement, SchemaEdit};
                statement(&[SchemaEdit::Sql(format!("DROP VIEW IF EXISTS {name}")), SchemaEdit::Sql(create)])
            } else {
                create
            }
        }
        Statement::AlterTable { name, if_exists, operations, .. } => {
            if *if_exists {
                return Err(DialectError::unsupported("ALTER TABLE IF EXISTS is not supported"));
            }
            let mut actions: Vec<crate::db::schema_edit::SchemaEdit> = Vec::new();
            for op in operations.iter() {
                actions.extend(alter_action(name, op)?);
            }
            alter_statement(actions)
        }
        // Serial counters go on unless RESTART IDENTITY (serial columns are AUTOINCREMENT rowids).
        Statement::Truncate { table_names, identity, .. } => {
            use crate::db::schema_edit::{statement, SchemaEdit};
            let restart = matches!(identity, Some(sqlparser::ast::TruncateIdentityOption::Restart));
            let mut edits = Vec::new();
            for t in table_names.iter() {
                edits.push(SchemaEdit::Sql(format!("DELETE FROM {}", t.name)));
                if restart {
                    edits.push(SchemaEdit::RestartIdentity { table: object_name_text(&t.name) });
                }
            }
            if restart {
                statement(&edits)
            } else {
                let parts: Vec<String> = table_names.iter().map(|t| format!("DELETE FROM {}", t.name)).collect();
                parts.join("; ")
            }
        }
        Statement::Comment { object_type, object_name, comment, .. } => {
            comment_statement(object_type, object_name, comment)?
        }
        Statement::Drop { object_type, if_exists, names, .. } => {
            let mut parts = Vec::new();
            for n in names.iter_mut() {
                strip_schema(n)?;
                parts.push(format!("DROP {object_type} {}{n}", if *if_exists { "IF EXISTS " } else { "" }));
            }
            parts.join("; ")
        }
        other => return Err(unsupported_statement(other)),
    };
    let sqlite_sql = crate::pg::catalog::expand(sqlite_sql, || session.map(SessionValues::catalog).unwrap_or_default());
    let mut translated = x.finish(sqlite_sql, kind, returns_rows);
    translated.result_types = result_types;
    translated.source = source;
    translated.row_lock = row_lock;
    Ok(translated)
}

/// Rejects query features SQLite cannot run (after the visitor has rewritten the rest).
pub(super) fn check_query(q: &mut Query) -> Result<(), DialectError> {
    q.locks.clear(); // FOR UPDATE / FOR SHARE: taken as the write gate (`Translated::row_lock`), not in SQLite.
    if q.for_clause.is_some() {
        return Err(DialectError::unsupported("FOR XML/JSON is not supported"));
    }
    check_set_expr(&q.body)
}

pub(super) fn check_set_expr(body: &SetExpr) -> Result<(), DialectError> {
    match body {
        SetExpr::Select(s) => {
            if matches!(s.distinct, Some(sqlparser::ast::Distinct::On(_))) {
                return Err(DialectError::unsupported("SELECT DISTINCT ON is not supported"));
            }
            if s.into.is_some() {
                return Err(DialectError::unsupported("SELECT INTO is not supported"));
            }
            Ok(())
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        _ => Ok(()),
    }
}

pub(super) fn check_delete(del: &Delete) -> Result<(), DialectError> {
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    if del.using.is_some() || !del.tables.is_empty() || from.len() != 1 || from.iter().any(|t| !t.joins.is_empty()) {
        return Err(DialectError::unsupported("DELETE ... USING is not supported"));
    }
    if del.limit.is_some() || !del.order_by.is_empty() {
        return Err(DialectError::unsupported("DELETE ... ORDER BY / LIMIT is not supported"));
    }
    Ok(())
}
