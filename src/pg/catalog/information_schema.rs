//! `information_schema.schemata`, `.tables` and `.columns`, over the user's tables and views.

use super::relations::{constant_rows, quote};
use super::schema_rows::tables;
use super::sql::{
    column_decl, column_serial_kind, default_text, format_type, serial_default, type_oid, typmod, user_object, TYPES,
};
use super::Session;
use crate::pg::dialect_types::PgType::{self, Int4, Text};

pub(super) const SCHEMATA: &[(&str, PgType)] = &[
    ("catalog_name", Text),
    ("schema_name", Text),
    ("schema_owner", Text),
    ("default_character_set_catalog", Text),
    ("default_character_set_schema", Text),
    ("default_character_set_name", Text),
    ("sql_path", Text),
];

pub(super) fn schemata(s: &Session) -> String {
    let rows: Vec<Vec<String>> = ["pg_catalog", "pg_toast", "public", "information_schema"]
        .iter()
        .map(|n| {
            vec![
                quote(&s.database),
                quote(n),
                quote(&s.user),
                "NULL".into(),
                "NULL".into(),
                "NULL".into(),
                "NULL".into(),
            ]
        })
        .collect();
    constant_rows(SCHEMATA, &rows)
}

pub(super) const TABLES: &[(&str, PgType)] = &[
    ("table_catalog", Text),
    ("table_schema", Text),
    ("table_name", Text),
    ("table_type", Text),
    ("self_referencing_column_name", Text),
    ("reference_generation", Text),
    ("user_defined_type_catalog", Text),
    ("user_defined_type_schema", Text),
    ("user_defined_type_name", Text),
    ("is_insertable_into", Text),
    ("is_typed", Text),
    ("commit_action", Text),
];

pub(super) fn information_tables(s: &Session) -> String {
    format!(
        "SELECT {db}, 'public', s.name, CASE s.type WHEN 'table' THEN 'BASE TABLE' ELSE 'VIEW' END, NULL, NULL, NULL, \
           NULL, NULL, CASE s.type WHEN 'table' THEN 'YES' ELSE 'NO' END, 'NO', NULL {tables}",
        db = quote(&s.database),
        tables = tables("'table', 'view'")
    )
}

pub(super) const COLUMNS: &[(&str, PgType)] = &[
    ("table_catalog", Text),
    ("table_schema", Text),
    ("table_name", Text),
    ("column_name", Text),
    ("ordinal_position", Int4),
    ("column_default", Text),
    ("is_nullable", Text),
    ("data_type", Text),
    ("character_maximum_length", Int4),
    ("numeric_precision", Int4),
    ("numeric_scale", Int4),
    ("datetime_precision", Int4),
    ("udt_catalog", Text),
    ("udt_schema", Text),
    ("udt_name", Text),
    ("is_identity", Text),
    ("is_generated", Text),
    ("is_updatable", Text),
];

pub(super) fn information_columns(s: &Session) -> String {
    let decl = format!("({})", column_decl("s", "p"));
    let oid = type_oid(&decl);
    let modifier = typmod(&decl);
    let mut udt = format!("CASE {oid}");
    for t in TYPES {
        udt.push_str(&format!(" WHEN {} THEN '{}'", t.oid, t.typname));
    }
    udt.push_str(" END");
    format!(
        "SELECT {db}, 'public', s.name, p.name, p.cid + 1, \
           coalesce({default}, CASE WHEN {kind} IS 'serial' THEN {serial_default} END), \
           CASE WHEN p.\"notnull\" OR p.pk > 0 THEN 'NO' ELSE 'YES' END, {data_type}, \
           CASE WHEN {oid} IN (1042, 1043) AND {modifier} >= 4 THEN {modifier} - 4 END, \
           CASE {oid} WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53 \
             WHEN 1700 THEN CASE WHEN {modifier} >= 4 THEN ({modifier} - 4) >> 16 END END, \
           CASE {oid} WHEN 21 THEN 0 WHEN 23 THEN 0 WHEN 20 THEN 0 \
             WHEN 1700 THEN CASE WHEN {modifier} >= 4 THEN ({modifier} - 4) & 65535 END END, \
           CASE WHEN {oid} IN (1082, 1083, 1114, 1184) THEN CASE {oid} WHEN 1082 THEN 0 ELSE 6 END END, \
           {db}, 'pg_catalog', {udt}, CASE WHEN {kind} LIKE 'identity%' THEN 'YES' ELSE 'NO' END, 'NEVER', \
           CASE s.type WHEN 'table' THEN 'YES' ELSE 'NO' END \
         FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type IN ('table', 'view') AND {user}",
        db = quote(&s.database),
        data_type = format_type(&oid, "-1"),
        user = user_object("s.name"),
        kind = column_serial_kind("s", "p"),
        serial_default = serial_default("s", "p"),
        default = default_text("p.dflt_value", &oid),
    )
}
