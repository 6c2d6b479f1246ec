//! The registry of catalog relations (name, columns, the query producing them) and what their queries share:
//! the OIDs of objects that are not schema rows, quoting, constant rows. The relations themselves are in
//! `schema_rows.rs` (from the schema), `fixed_rows.rs` (fixed, session and empty ones) and
//! `information_schema.rs`.

use super::fixed_rows::*;
use super::information_constraints::*;
use super::information_schema::*;
use super::schema_rows::*;
use super::sequence_rows::{pg_sequence, PG_SEQUENCE};
use super::Relation;
use crate::pg::dialect_types::PgType;

/// OIDs of objects that are not rows of `sqlite_schema`.
pub(super) const PG_CATALOG: u32 = 11;
pub(super) const PG_TOAST: u32 = 99;
pub(super) const PUBLIC: u32 = 2200;
pub(super) const INFORMATION_SCHEMA: u32 = 13_000;
pub(super) const DATABASE: u32 = 16_384;
pub(super) const OWNER: u32 = 10;
/// PostgreSQL 15's owner of the `public` schema.
pub const DATABASE_OWNER: u32 = 6171;

pub(super) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `SELECT ... FROM (VALUES ...)` naming the columns, or a query of no rows when `rows` is empty.
pub(super) fn constant_rows(columns: &[(&str, PgType)], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        let nulls: Vec<String> = columns.iter().map(|(c, _)| format!("NULL AS \"{c}\"")).collect();
        return format!("SELECT {} WHERE 0", nulls.join(", "));
    }
    let names: Vec<String> =
        columns.iter().enumerate().map(|(i, (c, _))| format!("column{} AS \"{c}\"", i + 1)).collect();
    let values: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
    format!("SELECT {} FROM (VALUES {})", names.join(", "), values.join(", "))
}

/// Every catalog relation.
pub const RELATIONS: &[Relation] = &[
    Relation { schema: "pg_catalog", name: "pg_namespace", columns: PG_NAMESPACE, sql: pg_namespace },
    Relation { schema: "pg_catalog", name: "pg_class", columns: PG_CLASS, sql: pg_class },
    Relation { schema: "pg_catalog", name: "pg_index", columns: PG_INDEX, sql: pg_index },
    Relation { schema: "pg_catalog", name: "pg_attribute", columns: PG_ATTRIBUTE, sql: pg_attribute },
    Relation { schema: "pg_catalog", name: "pg_attrdef", columns: PG_ATTRDEF, sql: pg_attrdef },
    Relation { schema: "pg_catalog", name: "pg_type", columns: PG_TYPE, sql: pg_type },
    Relation { schema: "pg_catalog", name: "pg_constraint", columns: PG_CONSTRAINT, sql: pg_constraint },
    Relation { schema: "pg_catalog", name: "pg_am", columns: PG_AM, sql: pg_am },
    Relation { schema: "pg_catalog", name: "pg_database", columns: PG_DATABASE, sql: pg_database },
    Relation { schema: "pg_catalog", name: "pg_roles", columns: PG_ROLES, sql: pg_roles },
    Relation { schema: "pg_catalog", name: "pg_user", columns: PG_USER, sql: pg_user },
    Relation { schema: "pg_catalog", name: "pg_settings", columns: PG_SETTINGS, sql: pg_settings },
    Relation { schema: "pg_catalog", name: "pg_cursors", columns: PG_CURSORS, sql: pg_cursors },
    Relation { schema: "pg_catalog", name: "pg_description", columns: PG_DESCRIPTION, sql: pg_description },
    Relation { schema: "pg_catalog", name: "pg_enum", columns: PG_ENUM, sql: pg_enum },
    Relation { schema: "pg_catalog", name: "pg_sequence", columns: PG_SEQUENCE, sql: pg_sequence },
    Relation { schema: "pg_catalog", name: "pg_proc", columns: PG_PROC, sql: pg_proc },
    Relation { schema: "pg_catalog", name: "pg_inherits", columns: PG_INHERITS, sql: pg_inherits },
    Relation { schema: "pg_catalog", name: "pg_trigger", columns: PG_TRIGGER, sql: pg_trigger },
    Relation { schema: "pg_catalog", name: "pg_auth_members", columns: PG_AUTH_MEMBERS, sql: pg_auth_members },
    Relation { schema: "pg_catalog", name: "pg_collation", columns: PG_COLLATION, sql: pg_collation },
    Relation { schema: "pg_catalog", name: "pg_opclass", columns: PG_OPCLASS, sql: pg_opclass },
    Relation { schema: "pg_catalog", name: "pg_range", columns: PG_RANGE, sql: pg_range },
    Relation { schema: "pg_catalog", name: "pg_depend", columns: PG_DEPEND, sql: pg_depend },
    Relation { schema: "pg_catalog", name: "pg_tablespace", columns: PG_TABLESPACE, sql: pg_tablespace },
    Relation { schema: "pg_catalog", name: "pg_policy", columns: PG_POLICY, sql: pg_policy },
    Relation { schema: "pg_catalog", name: "pg_statistic_ext", columns: PG_STATISTIC_EXT, sql: pg_statistic_ext },
    Relation { schema: "pg_catalog", name: "pg_publication", columns: PG_PUBLICATION, sql: pg_publication },
    Relation {
        schema: "pg_catalog",
        name: "pg_publication_namespace",
        columns: PG_PUBLICATION_NAMESPACE,
        sql: pg_publication_namespace,
    },
    Relation { schema: "pg_catalog", name: "pg_publication_rel", columns: PG_PUBLICATION_REL, sql: pg_publication_rel },
    Relation { schema: "pg_catalog", name: "__raftsql_indexdefs", columns: INDEXDEFS, sql: indexdefs },
    Relation { schema: "pg_catalog", name: "__raftsql_constraintdefs", columns: CONSTRAINTDEFS, sql: constraintdefs },
    Relation { schema: "information_schema", name: "schemata", columns: SCHEMATA, sql: schemata },
    Relation { schema: "information_schema", name: "tables", columns: TABLES, sql: information_tables },
    Relation { schema: "information_schema", name: "columns", columns: COLUMNS, sql: information_columns },
    Relation {
        schema: "information_schema",
        name: "table_constraints",
        columns: TABLE_CONSTRAINTS,
        sql: table_constraints,
    },
    Relation {
        schema: "information_schema",
        name: "key_column_usage",
        columns: KEY_COLUMN_USAGE,
        sql: key_column_usage,
    },
    Relation {
        schema: "information_schema",
        name: "referential_constraints",
        columns: REFERENTIAL_CONSTRAINTS,
        sql: referential_constraints,
    },
];
