//! `information_schema`'s constraint views — `table_constraints`, `key_column_usage`, `referential_constraints`
//! — built on the `pg_catalog` relations (`pg_constraint`, `pg_class`, `pg_attribute`) as PostgreSQL builds
//! them, so they name the same constraints with the same names. As in PostgreSQL, every NOT NULL column is also
//! a CHECK constraint named `<namespace oid>_<table oid>_<attnum>_not_null` in `table_constraints`.

use super::relations::{quote, PUBLIC};
use super::{catalog_query, Session};
use crate::pg::dialect_types::PgType::{self, Int4, Text};

pub(super) const TABLE_CONSTRAINTS: &[(&str, PgType)] = &[
    ("constraint_catalog", Text),
    ("constraint_schema", Text),
    ("constraint_name", Text),
    ("table_catalog", Text),
    ("table_schema", Text),
    ("table_name", Text),
    ("constraint_type", Text),
    ("is_deferrable", Text),
    ("initially_deferred", Text),
    ("enforced", Text),
    ("nulls_distinct", Text),
];

pub(super) fn table_constraints(s: &Session) -> String {
    format!(
        "SELECT {db}, 'public', c.conname, {db}, 'public', t.relname, \
           CASE c.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' WHEN 'f' THEN 'FOREIGN KEY' \
             ELSE 'CHECK' END, \
           CASE WHEN c.condeferrable THEN 'YES' ELSE 'NO' END, CASE WHEN c.condeferred THEN 'YES' ELSE 'NO' END, \
           'YES', CASE WHEN c.contype = 'u' THEN 'YES' END \
         FROM {constraints} c JOIN {classes} t ON t.oid = c.conrelid \
         UNION ALL \
         SELECT {db}, 'public', '{PUBLIC}_' || t.oid || '_' || a.attnum || '_not_null', {db}, 'public', t.relname, \
           'CHECK', 'NO', 'NO', 'YES', NULL \
         FROM {classes} t JOIN {attributes} a ON a.attrelid = t.oid \
         WHERE t.relkind = 'r' AND a.attnum > 0 AND a.attnotnull",
        db = quote(&s.database),
        constraints = catalog_query("pg_constraint", s),
        classes = catalog_query("pg_class", s),
        attributes = catalog_query("pg_attribute", s),
    )
}

pub(super) const KEY_COLUMN_USAGE: &[(&str, PgType)] = &[
    ("constraint_catalog", Text),
    ("constraint_schema", Text),
    ("constraint_name", Text),
    ("table_catalog", Text),
    ("table_schema", Text),
    ("table_name", Text),
    ("column_name", Text),
    ("ordinal_position", Int4),
    ("position_in_unique_constraint", Int4),
];

/// SQL: the attribute numbers of the constraint `c`'s array column `keys` (`{1,2}`) as `json_each` rows.
fn keys(keys: &str) -> String {
    format!("json_each('[' || ltrim(rtrim(c.{keys}, '}}'), '{{') || ']')")
}

pub(super) fn key_column_usage(s: &Session) -> String {
    format!(
        "SELECT {db}, 'public', c.conname, {db}, 'public', t.relname, a.attname, k.key + 1, \
           CASE WHEN c.contype = 'f' THEN \
             (SELECT r.key + 1 FROM {constraints} u JOIN {referenced} r \
              WHERE u.conrelid = c.confrelid AND u.contype IN ('p', 'u') \
                AND r.value = json_extract('[' || ltrim(rtrim(c.confkey, '}}'), '{{') || ']', '$[' || k.key || ']') \
              ORDER BY u.contype LIMIT 1) END \
         FROM {constraints} c JOIN {classes} t ON t.oid = c.conrelid JOIN {keys} k \
           JOIN {attributes} a ON a.attrelid = c.conrelid AND a.attnum = k.value \
         WHERE c.contype IN ('p', 'u', 'f')",
        db = quote(&s.database),
        constraints = catalog_query("pg_constraint", s),
        classes = catalog_query("pg_class", s),
        attributes = catalog_query("pg_attribute", s),
        keys = keys("conkey"),
        referenced = "json_each('[' || ltrim(rtrim(u.conkey, '}'), '{') || ']')",
    )
}

pub(super) const REFERENTIAL_CONSTRAINTS: &[(&str, PgType)] = &[
    ("constraint_catalog", Text),
    ("constraint_schema", Text),
    ("constraint_name", Text),
    ("unique_constraint_catalog", Text),
    ("unique_constraint_schema", Text),
    ("unique_constraint_name", Text),
    ("match_option", Text),
    ("update_rule", Text),
    ("delete_rule", Text),
];

pub(super) fn referential_constraints(s: &Session) -> String {
    let rule = |column: &str| {
        format!(
            "CASE c.{column} WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' \
             WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END"
        )
    };
    format!(
        "SELECT {db}, 'public', c.conname, {db}, 'public', \
           (SELECT u.conname FROM {constraints} u WHERE u.conrelid = c.confrelid AND u.contype IN ('p', 'u') \
            AND u.conkey = c.confkey ORDER BY u.contype LIMIT 1), \
           CASE c.confmatchtype WHEN 'f' THEN 'FULL' WHEN 'p' THEN 'PARTIAL' ELSE 'NONE' END, {update}, {delete} \
         FROM {constraints} c WHERE c.contype = 'f'",
        db = quote(&s.database),
        constraints = catalog_query("pg_constraint", s),
        update = rule("confupdtype"),
        delete = rule("confdeltype"),
    )
}
