//! PostgreSQL's system catalogs (`pg_catalog.*`, `information_schema.*`), computed from the live SQLite schema
//! by each query that names them: never a copy that could go stale. The translator puts a placeholder where a
//! catalog relation is named, and `expand` replaces it with the relation's subquery in the final SQLite text
//! (written in SQLite's own SQL, so it does not go through the translator). The column types are PostgreSQL's,
//! for result descriptions.
//!
//! OIDs are stable for the life of an object and the same on every node: they are derived from the object's row
//! in `sqlite_schema` (whose rowids every replica assigns alike and a snapshot copies), `16384 + 2 * rowid`, plus
//! one for the primary-key index of a table keyed by its rowid (which SQLite does not store as an index).
//! Namespaces and types have PostgreSQL's own OIDs.

mod fixed_rows;
mod information_constraints;
mod information_schema;
mod relations;
mod schema_rows;
mod sequence_rows;
mod sql;

use crate::pg::dialect_types::PgType;

pub use relations::{DATABASE_OWNER, RELATIONS};
pub use sql::{decl_oid, decl_typmod, format_type, number_array, quote_ident, typlen};

/// One catalog relation: its PostgreSQL schema and name, columns (name, type) and SQLite subquery.
pub struct Relation {
    pub schema: &'static str,
    pub name: &'static str,
    pub columns: &'static [(&'static str, PgType)],
    /// The SQLite query producing the relation's rows.
    pub sql: fn(&Session) -> String,
}

/// What a catalog query may show of the session (`pg_cursors`, `pg_database`, `current_schemas`).
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub user: String,
    pub database: String,
    /// Open cursors: (name, statement, holdable).
    pub cursors: Vec<(String, String, bool)>,
    /// Session parameters (`pg_settings`).
    pub settings: Vec<(String, String)>,
}

/// Prefix of the placeholders the translator leaves for catalog relations.
const PLACEHOLDER: &str = "__raftsql_catalog_";

/// The catalog relation `schema.name` (or `name` alone: `pg_catalog` comes first on every search path, as in
/// PostgreSQL; `information_schema` must be named).
pub fn lookup(schema: Option<&str>, name: &str) -> Option<&'static Relation> {
    let name = name.to_ascii_lowercase();
    let schema = schema.map(str::to_ascii_lowercase);
    RELATIONS.iter().find(|r| {
        r.name == name
            && match schema.as_deref() {
                Some(s) => s == r.schema,
                None => r.schema == "pg_catalog",
            }
    })
}

/// The placeholder identifier standing for `relation` in translated SQL.
pub fn placeholder(relation: &Relation) -> String {
    format!("{PLACEHOLDER}{}_{}", relation.schema, relation.name)
}

/// The placeholder of the `pg_catalog` relation `name` as SQL (a quoted identifier), for the expressions the
/// translator writes over the catalogs; `name` is one of `RELATIONS` (a fixed name in the code, never input).
pub fn relation_sql(name: &str) -> String {
    let relation = lookup(None, name).unwrap_or_else(|| panic!("no catalog relation {name}"));
    format!("\"{}\"", placeholder(relation))
}

/// Whether a table name is a catalog placeholder (not a table of the database).
pub fn is_placeholder(table: &str) -> bool {
    table.starts_with(PLACEHOLDER)
}

/// Replaces the placeholders in `sql` (rendered as quoted identifiers) with the relations' subqueries; what the
/// session shows is asked for only when a catalog relation is named (most statements name none).
pub fn expand(sql: String, session: impl FnOnce() -> Session) -> String {
    if !sql.contains(PLACEHOLDER) {
        return sql;
    }
    let session = session();
    let mut out = sql;
    for r in RELATIONS {
        let quoted = format!("\"{}\"", placeholder(r));
        if out.contains(&quoted) {
            out = out.replace(&quoted, &relation_query(r, &session));
        }
    }
    out
}

/// A relation's query, its columns named and typed: a CTE with a column list names the columns whatever the
/// query's own select list says; the casts give them SQLite affinities, so that `oid = '16480'` compares as
/// PostgreSQL would.
fn relation_query(r: &Relation, session: &Session) -> String {
    let columns: Vec<String> = r.columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let typed: Vec<String> = r
        .columns
        .iter()
        .map(|(c, t)| match t {
            PgType::Int2 | PgType::Int4 | PgType::Int8 | PgType::Bool => format!("CAST(\"{c}\" AS INTEGER) AS \"{c}\""),
            PgType::Float4 | PgType::Float8 => format!("CAST(\"{c}\" AS REAL) AS \"{c}\""),
            _ => format!("\"{c}\""),
        })
        .collect();
    format!(
        "(WITH \"__rel\"({}) AS ({}) SELECT {} FROM \"__rel\")",
        columns.join(", "),
        (r.sql)(session),
        typed.join(", ")
    )
}

/// The query of the `pg_catalog` relation `name`, for relations built on others (`information_schema`).
fn catalog_query(name: &str, session: &Session) -> String {
    let relation = lookup(None, name).unwrap_or_else(|| panic!("no catalog relation {name}"));
    relation_query(relation, session)
}

/// The type of a catalog relation's column.
pub fn column_type(relation: &Relation, column: &str) -> Option<PgType> {
    relation.columns.iter().find(|(c, _)| c.eq_ignore_ascii_case(column)).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests;
