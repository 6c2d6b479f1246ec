//! DDL for SQLite: column types and constraints (serial columns as rowids, primary keys NOT NULL), CREATE
//! TABLE, CREATE INDEX and ALTER TABLE actions.

use super::*;
use crate::db::schema_edit::SchemaEdit;
use sqlparser::ast::AlterColumnOperation;

/// Renders a column definition for SQLite; `serial_pk` tells whether a serial column may become the rowid.
pub(super) fn column_sql(col: &ColumnDef) -> Result<(String, bool), DialectError> {
    let mut serial = column_type(&col.data_type)? == ColumnType::Serial;
    let identity = col.options.iter().any(|o| {
        matches!(&o.option, ColumnOption::Generated { generation_expr: None, .. } | ColumnOption::Identity(_))
    });
    if identity {
        if !matches!(PgType::from_data_type(&col.data_type), Some(PgType::Int2 | PgType::Int4 | PgType::Int8)) {
            return Err(DialectError::unsupported("identity columns must be integers"));
        }
        serial = true;
    }
    let mut out = col.name.to_string();
    out.push(' ');
    // AUTOINCREMENT: like a sequence, the counter never goes back (not after deletes, not after TRUNCATE). The
    // marker keeps the declared type and kind, which the rowid's `INTEGER` cannot (see `db::serial_columns`).
    match column_type(&col.data_type)? {
        _ if serial => {
            out.push_str("INTEGER PRIMARY KEY AUTOINCREMENT ");
            out.push_str(&serial_marker(col, identity));
        }
        ColumnType::Declared(t) => out.push_str(&t),
        ColumnType::Serial => out.push_str("INTEGER PRIMARY KEY AUTOINCREMENT"),
    }
    for o in &col.options {
        let keep = match &o.option {
            ColumnOption::Null | ColumnOption::NotNull | ColumnOption::Default(_) | ColumnOption::Unique { .. } => {
                !serial
            }
            ColumnOption::Generated { generation_expr: None, .. } | ColumnOption::Identity(_) => false,
            ColumnOption::Check(_) => true,
            ColumnOption::ForeignKey { .. } => true,
            other => {
                return Err(DialectError::unsupported(format!("column option {other} is not supported")));
            }
        };
        if keep {
            // SQLite takes only literals bare after DEFAULT; any other expression needs parentheses.
            if let ColumnOption::Default(e) = &o.option {
                if let Some(literal) = numeric::default_literal(e) {
                    out.push_str(&format!(" DEFAULT {literal}"));
                } else if matches!(e, Expr::Value(_)) {
                    out.push_str(&format!(" DEFAULT {e}"));
                } else {
                    out.push_str(&format!(" DEFAULT ({e})"));
                }
                continue;
            }
            let mut o = o.clone();
            if let ColumnOption::ForeignKey { foreign_table, .. } = &mut o.option {
                strip_schema(foreign_table)?;
            }
            out.push(' ');
            out.push_str(&o.to_string());
        }
    }
    Ok((out, serial))
}

/// The marker constraint of a serial or identity column: its integer type and kind.
fn serial_marker(col: &ColumnDef, identity: bool) -> String {
    use crate::db::serial_columns::{marker, SerialKind};
    let width = match PgType::from_data_type(&col.data_type) {
        Some(PgType::Int2) => "int2",
        Some(PgType::Int8) => "int8",
        _ => "int4",
    };
    let always = col.options.iter().any(|o| {
        matches!(
            &o.option,
            ColumnOption::Generated { generated_as: sqlparser::ast::GeneratedAs::Always, generation_expr: None, .. }
        )
    });
    let kind = match (identity, always) {
        (false, _) => SerialKind::Serial,
        (true, false) => SerialKind::Identity,
        (true, true) => SerialKind::IdentityAlways,
    };
    marker(kind, width, &col.name.to_string())
}

/// Renders CREATE TABLE for SQLite with mapped column types and serial handling.
pub(super) fn create_table_sql(ct: &mut CreateTable) -> Result<String, DialectError> {
    if ct.or_replace || ct.like.is_some() || ct.clone.is_some() || ct.inherits.is_some() || ct.partition_by.is_some() {
        return Err(DialectError::unsupported("this form of CREATE TABLE is not supported"));
    }
    // A temporary table would live on one node's connection only, outside the replicated database.
    if ct.temporary {
        return Err(DialectError::unsupported("temporary tables are not supported"));
    }
    let head = format!("CREATE TABLE {}{}", if ct.if_not_exists { "IF NOT EXISTS " } else { "" }, ct.name);
    if let Some(q) = ct.query.as_mut() {
        if !ct.columns.is_empty() {
            return Err(DialectError::unsupported("CREATE TABLE AS with a column list is not supported"));
        }
        check_query(q)?;
        return Ok(format!("{head} AS {q}"));
    }
    let mut defs = Vec::new();
    let mut serials = Vec::new();
    let mut other_pk = false;
    // Primary key columns are NOT NULL in PostgreSQL; SQLite lets NULL into a primary key that is not the rowid.
    let table_pk: Vec<String> = ct
        .constraints
        .iter()
        .filter_map(|c| match c {
            TableConstraint::PrimaryKey { columns, .. } => Some(columns),
            _ => None,
        })
        .flatten()
        .map(|c| c.column.expr.to_string().trim_matches('"').to_lowercase())
        .collect();
    for col in &ct.columns {
        let (mut sql, serial) = column_sql(col)?;
        let is_pk = table_pk.contains(&col.name.value.to_lowercase())
            || col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. }));
        let has_not_null = col.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
        if is_pk && !serial && !has_not_null {
            sql.push_str(" NOT NULL");
        }
        if serial {
            serials.push(col.name.value.clone());
        } else if col.options.iter().any(|o| matches!(o.option, ColumnOption::Unique { is_primary: true, .. })) {
            other_pk = true;
        }
        defs.push(sql);
    }
    let mut constraints = Vec::new();
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey { columns, .. } => {
                let names: Vec<String> = columns.iter().map(|c| c.column.expr.to_string()).collect();
                let unquoted: Vec<String> = names.iter().map(|n| n.trim_matches('"').to_string()).collect();
                if serials.len() == 1 && unquoted.len() == 1 && unquoted[0] == serials[0] {
                    continue; // the serial column already carries PRIMARY KEY
                }
                other_pk = true;
                constraints.push(format!("PRIMARY KEY ({})", names.join(", ")));
            }
            TableConstraint::Unique { .. } | TableConstraint::Check { .. } => constraints.push(c.to_string()),
            TableConstraint::ForeignKey { .. } => {
                let mut c = c.clone();
                if let TableConstraint::ForeignKey { foreign_table, .. } = &mut c {
                    strip_schema(foreign_table)?;
                }
                constraints.push(c.to_string());
            }
            other => return Err(DialectError::unsupported(format!("table constraint {other} is not supported"))),
        }
    }
    if serials.len() > 1 || (!serials.is_empty() && other_pk) {
        return Err(DialectError::unsupported("serial column that is not the primary key is not supported"));
    }
    defs.extend(constraints);
    Ok(format!("{head} ({})", defs.join(", ")))
}

/// Renders CREATE INDEX for SQLite.
pub(super) fn create_index_sql(ci: &mut CreateIndex) -> Result<String, DialectError> {
    match &ci.using {
        None | Some(IndexType::BTree) => {}
        Some(other) => return Err(DialectError::unsupported(format!("index method {other} is not supported"))),
    }
    if !ci.include.is_empty() || !ci.with.is_empty() || ci.nulls_distinct.is_some() {
        return Err(DialectError::unsupported("this form of CREATE INDEX is not supported"));
    }
    let cols: Vec<String> = ci
        .columns
        .iter()
        .map(|c| {
            let dir = match c.column.options.asc {
                Some(true) => " ASC",
                Some(false) => " DESC",
                None => "",
            };
            format!("{}{dir}", c.column.expr)
        })
        .collect();
    let name = match &mut ci.name {
        Some(n) => {
            strip_schema(n)?;
            n.to_string()
        }
        None => {
            let mut parts = vec![object_name_text(&ci.table_name)];
            parts.extend(ci.columns.iter().map(|c| c.column.expr.to_string().trim_matches('"').to_string()));
            parts.push("idx".into());
            Ident::with_quote('"', parts.join("_")).to_string()
        }
    };
    let pred = ci.predicate.as_ref().map(|p| format!(" WHERE {p}")).unwrap_or_default();
    Ok(format!(
        "CREATE {}INDEX {}{name} ON {} ({}){pred}",
        if ci.unique { "UNIQUE " } else { "" },
        if ci.if_not_exists { "IF NOT EXISTS " } else { "" },
        ci.table_name,
        cols.join(", ")
    ))
}

/// Renders one ALTER TABLE action for SQLite.
/// The SQLite statement(s) for an ALTER TABLE's actions: plain SQL when SQLite can make every change itself,
/// else one schema-edit statement carrying them all (so they apply together, in order).
pub(super) fn alter_statement(actions: Vec<SchemaEdit>) -> String {
    let plain: Option<Vec<String>> = actions
        .iter()
        .map(|a| match a {
            SchemaEdit::Sql(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    match plain {
        Some(sql) => sql.join("; "),
        None => crate::db::schema_edit::statement(&actions),
    }
}

/// One ALTER TABLE action: SQL SQLite runs itself, or schema edits the writer makes (`db::schema_edit`).
pub(super) fn alter_action(table: &ObjectName, op: &AlterTableOperation) -> Result<Vec<SchemaEdit>, DialectError> {
    if let AlterTableOperation::AddColumn { if_not_exists, column_def, column_position: None, .. } = op {
        if let Some(edits) = add_column_with_expression_default(table, column_def, *if_not_exists)? {
            return Ok(edits);
        }
    }
    one_alter_action(table, op).map(|edit| vec![edit])
}

/// `ADD COLUMN c t DEFAULT <expression>`, which SQLite's ALTER TABLE refuses (it takes literal defaults only):
/// the column is added without its default and NOT NULL, the rows there get the default's value (evaluated for
/// each, as PostgreSQL does), then the default and NOT NULL are set. `None` for any other column.
fn add_column_with_expression_default(
    table: &ObjectName,
    column_def: &ColumnDef,
    if_not_exists: bool,
) -> Result<Option<Vec<SchemaEdit>>, DialectError> {
    let default = column_def.options.iter().find_map(|o| match &o.option {
        ColumnOption::Default(e) if numeric::default_literal(e).is_none() && !matches!(e, Expr::Value(_)) => Some(e),
        _ => None,
    });
    let Some(default) = default else { return Ok(None) };
    let not_null = column_def.options.iter().any(|o| matches!(o.option, ColumnOption::NotNull));
    let mut bare = column_def.clone();
    bare.options.retain(|o| !matches!(o.option, ColumnOption::Default(_) | ColumnOption::NotNull));
    let (sql, serial) = column_sql(&bare)?;
    if serial {
        return Err(DialectError::unsupported("adding a serial column is not supported"));
    }
    let (table_name, column) = (object_name_text(table), column_def.name.value.clone());
    let mut then = vec![
        SchemaEdit::Sql(format!("UPDATE {table} SET {} = ({default})", column_def.name)),
        SchemaEdit::SetDefault {
            table: table_name.clone(),
            column: column.clone(),
            default: Some(default.to_string()),
        },
    ];
    if not_null {
        then.push(SchemaEdit::SetNotNull { table: table_name.clone(), column: column.clone(), not_null: true });
    }
    if if_not_exists {
        return Ok(Some(vec![SchemaEdit::AddColumnIfNotExists { table: table_name, column, definition: sql, then }]));
    }
    then.insert(0, SchemaEdit::Sql(format!("ALTER TABLE {table} ADD COLUMN {sql}")));
    Ok(Some(then))
}

fn one_alter_action(table: &ObjectName, op: &AlterTableOperation) -> Result<SchemaEdit, DialectError> {
    let table_name = object_name_text(table);
    let quoted = |s: &str| Ident::with_quote('"', s).to_string();
    let action = match op {
        AlterTableOperation::AddColumn { if_not_exists, column_def, column_position: None, .. } => {
            let (sql, serial) = column_sql(column_def)?;
            if serial {
                return Err(DialectError::unsupported("adding a serial column is not supported"));
            }
            if *if_not_exists {
                return Ok(SchemaEdit::AddColumnIfNotExists {
                    table: table_name,
                    column: column_def.name.value.clone(),
                    definition: sql,
                    then: Vec::new(),
                });
            }
            format!("ADD COLUMN {sql}")
        }
        AlterTableOperation::DropColumn { column_names, if_exists, .. } if column_names.len() == 1 => {
            if *if_exists {
                return Ok(SchemaEdit::DropColumnIfExists { table: table_name, column: column_names[0].value.clone() });
            }
            // SQLite will not drop a column a trigger names: the numeric columns' triggers go first (the writer
            // puts them back for the columns that remain).
            let drops: Vec<String> = crate::db::canonical_columns::trigger_names(&table_name)
                .iter()
                .map(|t| format!("DROP TRIGGER IF EXISTS {}", quoted(t)))
                .collect();
            return Ok(SchemaEdit::Sql(format!(
                "{}; ALTER TABLE {table} DROP COLUMN {}",
                drops.join("; "),
                column_names[0]
            )));
        }
        AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
            format!("RENAME COLUMN {old_column_name} TO {new_column_name}")
        }
        AlterTableOperation::RenameTable { table_name } => {
            let (sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n)) = table_name;
            let mut n = n.clone();
            strip_schema(&mut n)?;
            format!("RENAME TO {n}")
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            if let Some(sql) = add_key_sql(table, constraint)? {
                return Ok(SchemaEdit::Sql(sql));
            }
            return add_constraint(table, &table_name, constraint);
        }
        AlterTableOperation::DropConstraint { if_exists, name, .. } => {
            return Ok(SchemaEdit::DropConstraint {
                table: table_name,
                name: name.value.clone(),
                if_exists: *if_exists,
            });
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            return alter_column(table_name, column_name.value.clone(), op);
        }
        other => return Err(DialectError::unsupported(format!("ALTER TABLE {other} is not supported"))),
    };
    Ok(SchemaEdit::Sql(format!("ALTER TABLE {table} {action}")))
}

/// `ADD [CONSTRAINT name] CHECK (...)` or `FOREIGN KEY ...`, named as PostgreSQL names them when unnamed.
fn add_constraint(
    table: &ObjectName,
    table_name: &str,
    constraint: &TableConstraint,
) -> Result<SchemaEdit, DialectError> {
    let mut c = constraint.clone();
    let name = match &mut c {
        TableConstraint::Check { name, .. } => {
            name.get_or_insert_with(|| Ident::new(format!("{table_name}_check"))).value.clone()
        }
        TableConstraint::ForeignKey { name, columns, foreign_table, .. } => {
            strip_schema(foreign_table)?;
            let cols: Vec<&str> = columns.iter().map(|c| c.value.as_str()).collect();
            let default = format!("{table_name}_{}_fkey", cols.join("_"));
            name.get_or_insert_with(|| Ident::with_quote('"', default)).value.clone()
        }
        _ => return Err(DialectError::unsupported(format!("ALTER TABLE {table} ADD {constraint} is not supported"))),
    };
    Ok(SchemaEdit::AddConstraint { table: table_name.to_string(), name, constraint: c.to_string() })
}

/// `ALTER COLUMN c SET/DROP DEFAULT`, `SET/DROP NOT NULL`, `[SET DATA] TYPE t [USING e]`.
fn alter_column(table: String, column: String, op: &AlterColumnOperation) -> Result<SchemaEdit, DialectError> {
    Ok(match op {
        AlterColumnOperation::SetNotNull => SchemaEdit::SetNotNull { table, column, not_null: true },
        AlterColumnOperation::DropNotNull => SchemaEdit::SetNotNull { table, column, not_null: false },
        AlterColumnOperation::SetDefault { value } => SchemaEdit::SetDefault {
            table,
            column,
            default: Some(numeric::default_literal(value).unwrap_or_else(|| value.to_string())),
        },
        AlterColumnOperation::DropDefault => SchemaEdit::SetDefault { table, column, default: None },
        AlterColumnOperation::SetDataType { data_type, using, .. } => {
            let ColumnType::Declared(decl) = column_type(data_type)? else {
                return Err(DialectError::unsupported("changing a column to a serial type is not supported"));
            };
            let (decl, collation) = match decl.split_once(" COLLATE ") {
                Some((d, c)) => (d.to_string(), Some(c.to_string())),
                None => (decl, None),
            };
            let using =
                using.as_ref().map(|e| e.to_string()).unwrap_or_else(|| Ident::with_quote('"', &column).to_string());
            SchemaEdit::SetType { table, column, decl, collation, using }
        }
        other => return Err(DialectError::unsupported(format!("ALTER COLUMN {other} is not supported"))),
    })
}

/// `ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE (cols)`. SQLite cannot add a constraint to a table,
/// so the key is a unique index with PostgreSQL's name for it (`t_pkey`, `t_a_b_key`), which the catalogs
/// show as the constraint; for a primary key, triggers refuse NULLs in its columns (23502) as PostgreSQL's
/// implied NOT NULL does. `None` for other constraints.
fn add_key_sql(table: &ObjectName, constraint: &TableConstraint) -> Result<Option<String>, DialectError> {
    let (name, columns, primary) = match constraint {
        TableConstraint::PrimaryKey {
            name, columns, index_type: None, index_options, characteristics: None, ..
        } if index_options.is_empty() => (name, columns, true),
        TableConstraint::Unique { name, columns, index_type: None, index_options, characteristics: None, .. }
            if index_options.is_empty() =>
        {
            (name, columns, false)
        }
        _ => return Ok(None),
    };
    let table_name = object_name_text(table);
    let cols: Vec<String> = columns.iter().map(|c| c.column.expr.to_string()).collect();
    let plain: Vec<String> = cols.iter().map(|c| c.trim_matches('"').to_string()).collect();
    let index = match name {
        Some(n) => n.value.clone(),
        None if primary => format!("{table_name}_pkey"),
        None => format!("{table_name}_{}_key", plain.join("_")),
    };
    let quoted = |s: &str| Ident::with_quote('"', s).to_string();
    let mut sql = format!("CREATE UNIQUE INDEX {} ON {table} ({})", quoted(&index), cols.join(", "));
    if primary {
        for (col, plain) in cols.iter().zip(&plain) {
            let message =
                format!("null value in column \"{plain}\" of relation \"{table_name}\" violates not-null constraint")
                    .replace('\'', "''");
            for event in ["INSERT", "UPDATE"] {
                sql.push_str(&format!(
                    "; CREATE TRIGGER {} BEFORE {event} ON {table} WHEN NEW.{col} IS NULL BEGIN SELECT RAISE(ABORT, '{message}'); END",
                    quoted(&format!("{index}_{plain}_not_null_{}", event.to_lowercase())),
                ));
            }
        }
    }
    Ok(Some(sql))
}

/// `COMMENT ON TABLE [public.]t` / `COLUMN [public.]t.c IS 'text' | NULL`: a schema edit keeping the comment in
/// raftsql's meta table, by object name (see `db::schema_edit`).
pub(super) fn comment_statement(
    object_type: &sqlparser::ast::CommentObject,
    object_name: &ObjectName,
    comment: &Option<String>,
) -> Result<String, DialectError> {
    use crate::db::schema_edit::{statement, SchemaEdit};
    use sqlparser::ast::CommentObject;
    let mut parts: Vec<String> =
        object_name.0.iter().map(|p| p.as_ident().map_or_else(|| p.to_string(), ident_name)).collect();
    let qualified = if matches!(object_type, CommentObject::Column) { 3 } else { 2 };
    if parts.len() == qualified && parts[0] == "public" {
        parts.remove(0);
    }
    let (table, column) = match (object_type, parts.as_slice()) {
        (CommentObject::Table, [t]) => (t.clone(), None),
        (CommentObject::Column, [t, c]) => (t.clone(), Some(c.clone())),
        _ => return Err(DialectError::unsupported(format!("COMMENT ON {object_type} is not supported"))),
    };
    Ok(statement(&[SchemaEdit::Comment { table, column, text: comment.clone() }]))
}
