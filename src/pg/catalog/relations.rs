//! The catalog relations raftsql has, each a SQLite query over `sqlite_schema` and the schema pragmas (or
//! constant rows), with PostgreSQL's column names and types. Relations PostgreSQL has and raftsql never fills
//! (no enums, sequences, functions, descriptions, inheritance) are there with their columns and no rows, so the
//! queries tools send still run.

use super::sql::{format_type, type_oid, typmod, user_object, CATALOG_TYPES, TYPES};
use super::{Relation, Session};
use crate::pg::dialect_types::PgType::{self, Bool, Float4, Int2, Int4, Int8, Text};

/// OIDs of objects that are not rows of `sqlite_schema`.
const PG_CATALOG: u32 = 11;
const PG_TOAST: u32 = 99;
const PUBLIC: u32 = 2200;
const INFORMATION_SCHEMA: u32 = 13_000;
const DATABASE: u32 = 16_384;
const OWNER: u32 = 10;
/// PostgreSQL 15's owner of the `public` schema.
pub const DATABASE_OWNER: u32 = 6171;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `SELECT ... FROM (VALUES ...)` naming the columns, or a query of no rows when `rows` is empty.
fn constant_rows(columns: &[(&str, PgType)], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        let nulls: Vec<String> = columns.iter().map(|(c, _)| format!("NULL AS \"{c}\"")).collect();
        return format!("SELECT {} WHERE 0", nulls.join(", "));
    }
    let names: Vec<String> =
        columns.iter().enumerate().map(|(i, (c, _))| format!("column{} AS \"{c}\"", i + 1)).collect();
    let values: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
    format!("SELECT {} FROM (VALUES {})", names.join(", "), values.join(", "))
}

/// User tables and views of `sqlite_schema`, aliased `s`.
fn tables(kinds: &str) -> String {
    format!("FROM sqlite_schema s WHERE s.type IN ({kinds}) AND {}", user_object("s.name"))
}

/// SQL: whether table `t` (a name column) is keyed by its rowid (`INTEGER PRIMARY KEY`): PostgreSQL would show a
/// primary-key index that SQLite does not keep.
fn rowid_key(t: &str) -> String {
    format!(
        "((SELECT count(*) FROM pragma_table_info({t}) WHERE pk > 0) = 1 \
         AND (SELECT upper(type) FROM pragma_table_info({t}) WHERE pk = 1) = 'INTEGER' \
         AND NOT EXISTS (SELECT 1 FROM pragma_index_list({t}) WHERE origin = 'pk'))"
    )
}

/// SQL: the identifier `name` as PostgreSQL prints it (quoted unless plain lower case).
fn quote_ident(name: &str) -> String {
    format!("CASE WHEN regexp('^[a-z_][a-z0-9_$]*$', {name}) THEN {name} ELSE '\"' || replace({name}, '\"', '\"\"') || '\"' END")
}

/// SQL: the referenced column of a foreign key (`f`), the referenced table's key when not named.
fn referenced_column() -> &'static str {
    "coalesce(f.\"to\", (SELECT name FROM pragma_table_info(f.\"table\") WHERE pk = 1))"
}

/// Every index, with PostgreSQL's names for those that back constraints: oid, relname, indrelid, table_name,
/// sqlite_name (NULL for a rowid key), indisunique, indisprimary, indkey ("1 2"), natts, partial, columns (as
/// an index definition lists them).
fn indexes() -> String {
    let columns_of = |index: &str| {
        format!("(SELECT group_concat(name, '_') FROM (SELECT name FROM pragma_index_info({index}) ORDER BY seqno))")
    };
    let attnums =
        "(SELECT group_concat(cid + 1, ' ') FROM (SELECT cid FROM pragma_index_info(il.name) ORDER BY seqno))";
    format!(
        "SELECT {DATABASE} + 2 * ix.rowid AS oid, \
           CASE il.origin WHEN 'pk' THEN t.name || '_pkey' WHEN 'u' THEN t.name || '_' || {cols} || '_key' \
             ELSE il.name END AS relname, \
           {DATABASE} + 2 * t.rowid AS indrelid, t.name AS table_name, il.name AS sqlite_name, \
           il.\"unique\" AS indisunique, (il.origin = 'pk' OR il.name = t.name || '_pkey') AS indisprimary, \
           {attnums} AS indkey, (SELECT count(*) FROM pragma_index_info(il.name)) AS natts, il.partial AS partial, \
           (SELECT group_concat({qname}, ', ') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) \
             AS columns \
         FROM sqlite_schema t JOIN pragma_index_list(t.name) il JOIN sqlite_schema ix ON ix.name = il.name \
         WHERE t.type = 'table' AND {user} \
         UNION ALL \
         SELECT {DATABASE} + 2 * t.rowid + 1, t.name || '_pkey', {DATABASE} + 2 * t.rowid, t.name, NULL, 1, 1, \
           (SELECT cid + 1 FROM pragma_table_info(t.name) WHERE pk = 1), 1, 0, \
           (SELECT {qname} FROM pragma_table_info(t.name) WHERE pk = 1) \
         FROM sqlite_schema t WHERE t.type = 'table' AND {user} AND {rowid}",
        qname = quote_ident("name"),
        cols = columns_of("il.name"),
        user = user_object("t.name"),
        rowid = rowid_key("t.name"),
    )
}

const PG_NAMESPACE: &[(&str, PgType)] = &[("oid", Int8), ("nspname", Text), ("nspowner", Int8), ("nspacl", Text)];

fn pg_namespace(_: &Session) -> String {
    let rows = [
        (PG_CATALOG, "pg_catalog", OWNER),
        (PG_TOAST, "pg_toast", OWNER),
        (PUBLIC, "public", DATABASE_OWNER),
        (INFORMATION_SCHEMA, "information_schema", OWNER),
    ]
    .iter()
    .map(|(oid, name, owner)| vec![oid.to_string(), quote(name), owner.to_string(), "NULL".into()])
    .collect::<Vec<_>>();
    constant_rows(PG_NAMESPACE, &rows)
}

const PG_CLASS: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("relname", Text),
    ("relnamespace", Int8),
    ("reltype", Int8),
    ("reloftype", Int8),
    ("relowner", Int8),
    ("relam", Int8),
    ("relfilenode", Int8),
    ("reltablespace", Int8),
    ("relpages", Int4),
    ("reltuples", Float4),
    ("relallvisible", Int4),
    ("reltoastrelid", Int8),
    ("relhasindex", Bool),
    ("relisshared", Bool),
    ("relpersistence", Text),
    ("relkind", Text),
    ("relnatts", Int2),
    ("relchecks", Int2),
    ("relhasrules", Bool),
    ("relhastriggers", Bool),
    ("relhassubclass", Bool),
    ("relrowsecurity", Bool),
    ("relforcerowsecurity", Bool),
    ("relispopulated", Bool),
    ("relreplident", Text),
    ("relispartition", Bool),
    ("relrewrite", Int8),
    ("relfrozenxid", Int8),
    ("relminmxid", Int8),
    ("relacl", Text),
    ("reloptions", Text),
    ("relpartbound", Text),
];

fn pg_class(_: &Session) -> String {
    let fixed = "0, 0, 0, -1, 0, 0";
    format!(
        "SELECT {DATABASE} + 2 * s.rowid, s.name, {PUBLIC}, 0, 0, {OWNER}, CASE s.type WHEN 'table' THEN 2 ELSE 0 END, \
           {fixed}, (EXISTS (SELECT 1 FROM pragma_index_list(s.name)) OR {rowid}), 0, 'p', \
           CASE s.type WHEN 'table' THEN 'r' ELSE 'v' END, (SELECT count(*) FROM pragma_table_info(s.name)), 0, \
           s.type = 'view', {triggers}, \
           0, 0, 0, 1, 'd', 0, 0, 0, 0, NULL, NULL, NULL {tables} \
         UNION ALL \
         SELECT i.oid, i.relname, {PUBLIC}, 0, 0, {OWNER}, 403, {fixed}, 0, 0, 'p', 'i', i.natts, 0, 0, 0, 0, 0, 0, 1, \
           'n', 0, 0, 0, 0, NULL, NULL, NULL FROM ({indexes}) i",
        rowid = rowid_key("s.name"),
        tables = tables("'table', 'view'"),
        indexes = indexes(),
        // Foreign keys are triggers in PostgreSQL, on both tables: psql shows them only for tables with triggers.
        triggers = "(EXISTS (SELECT 1 FROM sqlite_schema tr WHERE tr.type = 'trigger' AND tr.tbl_name = s.name) \
            OR EXISTS (SELECT 1 FROM pragma_foreign_key_list(s.name)) \
            OR EXISTS (SELECT 1 FROM sqlite_schema o JOIN pragma_foreign_key_list(o.name) f \
                       WHERE o.type = 'table' AND f.\"table\" = s.name))",
    )
}

const PG_INDEX: &[(&str, PgType)] = &[
    ("indexrelid", Int8),
    ("indrelid", Int8),
    ("indnatts", Int2),
    ("indnkeyatts", Int2),
    ("indisunique", Bool),
    ("indnullsnotdistinct", Bool),
    ("indisprimary", Bool),
    ("indisexclusion", Bool),
    ("indimmediate", Bool),
    ("indisclustered", Bool),
    ("indisvalid", Bool),
    ("indcheckxmin", Bool),
    ("indisready", Bool),
    ("indislive", Bool),
    ("indisreplident", Bool),
    ("indkey", Text),
    ("indcollation", Text),
    ("indclass", Text),
    ("indoption", Text),
    ("indexprs", Text),
    ("indpred", Text),
];

fn pg_index(_: &Session) -> String {
    format!(
        "SELECT i.oid, i.indrelid, i.natts, i.natts, i.indisunique, 0, i.indisprimary, 0, 1, 0, 1, 0, 1, 1, 0, \
           i.indkey, NULL, NULL, NULL, NULL, NULL FROM ({}) i",
        indexes()
    )
}

const PG_ATTRIBUTE: &[(&str, PgType)] = &[
    ("attrelid", Int8),
    ("attname", Text),
    ("atttypid", Int8),
    ("attstattarget", Int4),
    ("attlen", Int2),
    ("attnum", Int2),
    ("attndims", Int4),
    ("attcacheoff", Int4),
    ("atttypmod", Int4),
    ("attbyval", Bool),
    ("attalign", Text),
    ("attstorage", Text),
    ("attcompression", Text),
    ("attnotnull", Bool),
    ("atthasdef", Bool),
    ("atthasmissing", Bool),
    ("attidentity", Text),
    ("attgenerated", Text),
    ("attisdropped", Bool),
    ("attislocal", Bool),
    ("attinhcount", Int4),
    ("attcollation", Int8),
    ("attacl", Text),
    ("attoptions", Text),
    ("attfdwoptions", Text),
    ("attmissingval", Text),
];

/// The columns of tables and views, then of indexes (named after the table columns they hold).
fn pg_attribute(_: &Session) -> String {
    let typlen = {
        let mut case = format!("CASE {}", type_oid("x.decl"));
        for (_, oid, _, len, _) in TYPES {
            case.push_str(&format!(" WHEN {oid} THEN {len}"));
        }
        case.push_str(" ELSE -1 END");
        case
    };
    // PostgreSQL's storage: plain for fixed-size types, main for numeric, extended for the rest.
    let storage = format!("CASE WHEN ({typlen}) > 0 THEN 'p' WHEN {} = 1700 THEN 'm' ELSE 'x' END", type_oid("x.decl"));
    format!(
        "SELECT x.relid, x.name, {oid}, -1, {typlen}, x.num, 0, -1, {typmod}, 0, 'i', {storage}, '', x.nn, x.hd, 0, '', \
           '', 0, 1, 0, 0, NULL, NULL, NULL, NULL \
         FROM (SELECT {DATABASE} + 2 * s.rowid AS relid, p.name AS name, p.type AS decl, p.cid + 1 AS num, \
                 (p.\"notnull\" OR p.pk > 0) AS nn, p.dflt_value IS NOT NULL AS hd \
               FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type IN ('table', 'view') AND {user} \
               UNION ALL \
               SELECT i.oid, ii.name, (SELECT p.type FROM pragma_table_info(i.table_name) p WHERE p.name = ii.name), \
                 ii.seqno + 1, 0, 0 \
               FROM ({indexes}) i JOIN pragma_index_info(i.sqlite_name) ii \
               UNION ALL \
               SELECT i.oid, p.name, p.type, 1, 0, 0 FROM ({indexes}) i JOIN pragma_table_info(i.table_name) p \
               WHERE i.sqlite_name IS NULL AND p.pk = 1) x",
        oid = type_oid("x.decl"),
        typmod = typmod("x.decl"),
        user = user_object("s.name"),
        indexes = indexes(),
    )
}

const PG_ATTRDEF: &[(&str, PgType)] = &[("oid", Int8), ("adrelid", Int8), ("adnum", Int2), ("adbin", Text)];

fn pg_attrdef(_: &Session) -> String {
    format!(
        "SELECT 1500000000 + s.rowid * 1000 + p.cid + 1, {DATABASE} + 2 * s.rowid, p.cid + 1, p.dflt_value \
         FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type = 'table' AND {} \
           AND p.dflt_value IS NOT NULL",
        user_object("s.name")
    )
}

const PG_TYPE: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("typname", Text),
    ("typnamespace", Int8),
    ("typowner", Int8),
    ("typlen", Int2),
    ("typbyval", Bool),
    ("typtype", Text),
    ("typcategory", Text),
    ("typispreferred", Bool),
    ("typisdefined", Bool),
    ("typdelim", Text),
    ("typrelid", Int8),
    ("typsubscript", Text),
    ("typelem", Int8),
    ("typarray", Int8),
    ("typinput", Text),
    ("typoutput", Text),
    ("typreceive", Text),
    ("typsend", Text),
    ("typbasetype", Int8),
    ("typtypmod", Int4),
    ("typndims", Int4),
    ("typcollation", Int8),
    ("typnotnull", Bool),
    ("typdefault", Text),
    ("typacl", Text),
];

fn pg_type(_: &Session) -> String {
    let category = |name: &str| match name {
        "bool" => "B",
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "oid" => "N",
        "text" | "varchar" | "bpchar" | "name" | "char" => "S",
        "date" | "time" | "timestamp" | "timestamptz" => "D",
        _ => "U",
    };
    let rows: Vec<Vec<String>> = TYPES
        .iter()
        .map(|t| (t.1, t.2, t.3))
        .chain(CATALOG_TYPES.iter().map(|t| (t.0, t.1, t.2)))
        .map(|(oid, name, len)| {
            let byval = (1..=8).contains(&len);
            let collation = if matches!(name, "text" | "varchar" | "bpchar") { 100 } else { 0 };
            let f = |suffix: &str| quote(&format!("{name}{suffix}"));
            vec![
                oid.to_string(),
                quote(name),
                PG_CATALOG.to_string(),
                OWNER.to_string(),
                len.to_string(),
                i32::from(byval).to_string(),
                "'b'".into(),
                quote(category(name)),
                "0".into(),
                "1".into(),
                "','".into(),
                "0".into(),
                "'-'".into(),
                "0".into(),
                "0".into(),
                f("in"),
                f("out"),
                f("recv"),
                f("send"),
                "0".into(),
                "-1".into(),
                "0".into(),
                collation.to_string(),
                "0".into(),
                "NULL".into(),
                "NULL".into(),
            ]
        })
        .collect();
    constant_rows(PG_TYPE, &rows)
}

const PG_CONSTRAINT: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("conname", Text),
    ("connamespace", Int8),
    ("contype", Text),
    ("condeferrable", Bool),
    ("condeferred", Bool),
    ("convalidated", Bool),
    ("conrelid", Int8),
    ("contypid", Int8),
    ("conindid", Int8),
    ("conparentid", Int8),
    ("confrelid", Int8),
    ("confupdtype", Text),
    ("confdeltype", Text),
    ("confmatchtype", Text),
    ("conislocal", Bool),
    ("coninhcount", Int4),
    ("connoinherit", Bool),
    ("conkey", Text),
    ("confkey", Text),
    ("conbin", Text),
];

fn pg_constraint(_: &Session) -> String {
    let action = |c: &str| {
        format!(
            "CASE {c} WHEN 'CASCADE' THEN 'c' WHEN 'RESTRICT' THEN 'r' WHEN 'SET NULL' THEN 'n' \
             WHEN 'SET DEFAULT' THEN 'd' ELSE 'a' END"
        )
    };
    format!(
        "SELECT 1000000000 + i.oid, i.relname, {PUBLIC}, CASE WHEN i.indisprimary THEN 'p' ELSE 'u' END, 0, 0, 1, \
           i.indrelid, 0, i.oid, 0, 0, ' ', ' ', ' ', 1, 0, 1, '{{' || replace(i.indkey, ' ', ',') || '}}', NULL, NULL \
         FROM ({indexes}) i WHERE i.indisprimary OR i.relname LIKE '%\\_key' ESCAPE '\\' \
         UNION ALL \
         SELECT 2000000000 + s.rowid * 1000 + f.id, \
           s.name || '_' || group_concat(f.\"from\", '_') || '_fkey', {PUBLIC}, 'f', 0, 0, 1, {DATABASE} + 2 * s.rowid, \
           0, 0, 0, (SELECT {DATABASE} + 2 * r.rowid FROM sqlite_schema r WHERE r.type = 'table' AND r.name = f.\"table\"), \
           {upd}, {del}, 's', 1, 0, 1, \
           '{{' || group_concat((SELECT p.cid + 1 FROM pragma_table_info(s.name) p WHERE p.name = f.\"from\"), ',') || '}}', \
           '{{' || group_concat((SELECT p.cid + 1 FROM pragma_table_info(f.\"table\") p WHERE p.name = {to}), ',') || '}}', \
           NULL \
         FROM sqlite_schema s JOIN pragma_foreign_key_list(s.name) f WHERE s.type = 'table' AND {user} \
         GROUP BY s.rowid, f.id",
        indexes = indexes(),
        upd = action("min(f.on_update)"),
        del = action("min(f.on_delete)"),
        user = user_object("s.name"),
        to = referenced_column(),
    )
}

/// (The key is not named `oid`: the argument of `pg_get_indexdef(oid)` must not bind to it.)
const INDEXDEFS: &[(&str, PgType)] = &[("__raftsql_oid", Int8), ("indexdef", Text)];

/// What `pg_get_indexdef` answers, by index OID (not a PostgreSQL relation).
fn indexdefs(_: &Session) -> String {
    format!(
        "SELECT i.oid, 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || {name} || \
           ' ON public.' || {table} || ' USING btree (' || i.columns || ')' FROM ({indexes}) i",
        name = quote_ident("i.relname"),
        table = quote_ident("i.table_name"),
        indexes = indexes()
    )
}

const CONSTRAINTDEFS: &[(&str, PgType)] = &[("__raftsql_oid", Int8), ("condef", Text)];

/// What `pg_get_constraintdef` answers, by constraint OID (not a PostgreSQL relation).
fn constraintdefs(_: &Session) -> String {
    let action = |what: &str, column: &str| {
        format!(
            "CASE WHEN min(f.{column}) IN ('NO ACTION', 'NONE') OR min(f.{column}) IS NULL THEN '' \
             ELSE ' ON {what} ' || min(f.{column}) END"
        )
    };
    format!(
        "SELECT 1000000000 + i.oid, CASE WHEN i.indisprimary THEN 'PRIMARY KEY (' ELSE 'UNIQUE (' END || i.columns || ')' \
         FROM ({indexes}) i WHERE i.indisprimary OR i.relname LIKE '%\\_key' ESCAPE '\\' \
         UNION ALL \
         SELECT 2000000000 + s.rowid * 1000 + f.id, 'FOREIGN KEY (' || group_concat({from}, ', ') || ') REFERENCES ' || \
           {table} || '(' || group_concat({to}, ', ') || ')' || {upd} || {del} \
         FROM sqlite_schema s JOIN pragma_foreign_key_list(s.name) f WHERE s.type = 'table' AND {user} \
         GROUP BY s.rowid, f.id",
        indexes = indexes(),
        from = quote_ident("f.\"from\""),
        table = quote_ident("min(f.\"table\")"),
        to = quote_ident(referenced_column()),
        upd = action("UPDATE", "on_update"),
        del = action("DELETE", "on_delete"),
        user = user_object("s.name"),
    )
}

const PG_AM: &[(&str, PgType)] = &[("oid", Int8), ("amname", Text), ("amhandler", Text), ("amtype", Text)];

fn pg_am(_: &Session) -> String {
    let rows = vec![
        vec!["2".into(), "'heap'".into(), "'heap_tableam_handler'".into(), "'t'".into()],
        vec!["403".into(), "'btree'".into(), "'bthandler'".into(), "'i'".into()],
    ];
    constant_rows(PG_AM, &rows)
}

const PG_DATABASE: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("datname", Text),
    ("datdba", Int8),
    ("encoding", Int4),
    ("datlocprovider", Text),
    ("datistemplate", Bool),
    ("datallowconn", Bool),
    ("datconnlimit", Int4),
    ("datfrozenxid", Int8),
    ("datminmxid", Int8),
    ("dattablespace", Int8),
    ("datcollate", Text),
    ("datctype", Text),
    ("daticulocale", Text),
    ("datcollversion", Text),
    ("datacl", Text),
];

fn pg_database(s: &Session) -> String {
    let row = vec![
        DATABASE.to_string(),
        quote(&s.database),
        OWNER.to_string(),
        "6".into(),
        "'c'".into(),
        "0".into(),
        "1".into(),
        "-1".into(),
        "0".into(),
        "0".into(),
        "1663".into(),
        "'C'".into(),
        "'C'".into(),
        "NULL".into(),
        "NULL".into(),
        "NULL".into(),
    ];
    constant_rows(PG_DATABASE, &[row])
}

const PG_ROLES: &[(&str, PgType)] = &[
    ("rolname", Text),
    ("rolsuper", Bool),
    ("rolinherit", Bool),
    ("rolcreaterole", Bool),
    ("rolcreatedb", Bool),
    ("rolcanlogin", Bool),
    ("rolreplication", Bool),
    ("rolconnlimit", Int4),
    ("rolpassword", Text),
    ("rolvaliduntil", Text),
    ("rolbypassrls", Bool),
    ("rolconfig", Text),
    ("oid", Int8),
];

fn superuser(s: &Session) -> bool {
    s.settings.iter().any(|(k, v)| k == "is_superuser" && v == "on")
}

fn pg_roles(s: &Session) -> String {
    let sup = i32::from(superuser(s)).to_string();
    let row = vec![
        quote(&s.user),
        sup.clone(),
        "1".into(),
        sup.clone(),
        sup.clone(),
        "1".into(),
        "0".into(),
        "-1".into(),
        "'********'".into(),
        "NULL".into(),
        "0".into(),
        "NULL".into(),
        OWNER.to_string(),
    ];
    constant_rows(PG_ROLES, &[row])
}

const PG_USER: &[(&str, PgType)] = &[
    ("usename", Text),
    ("usesysid", Int8),
    ("usecreatedb", Bool),
    ("usesuper", Bool),
    ("userepl", Bool),
    ("usebypassrls", Bool),
    ("passwd", Text),
    ("valuntil", Text),
    ("useconfig", Text),
];

fn pg_user(s: &Session) -> String {
    let sup = i32::from(superuser(s)).to_string();
    let row = vec![
        quote(&s.user),
        OWNER.to_string(),
        sup.clone(),
        sup,
        "0".into(),
        "0".into(),
        "'********'".into(),
        "NULL".into(),
        "NULL".into(),
    ];
    constant_rows(PG_USER, &[row])
}

const PG_SETTINGS: &[(&str, PgType)] = &[
    ("name", Text),
    ("setting", Text),
    ("unit", Text),
    ("category", Text),
    ("short_desc", Text),
    ("extra_desc", Text),
    ("context", Text),
    ("vartype", Text),
    ("source", Text),
    ("min_val", Text),
    ("max_val", Text),
    ("enumvals", Text),
    ("boot_val", Text),
    ("reset_val", Text),
    ("sourcefile", Text),
    ("sourceline", Int4),
    ("pending_restart", Bool),
];

fn pg_settings(s: &Session) -> String {
    let rows: Vec<Vec<String>> = s
        .settings
        .iter()
        .map(|(k, v)| {
            let mut row = vec![quote(crate::pg::settings::display_name(k)), quote(v)];
            row.extend(["NULL", "''", "''", "NULL", "'user'", "'string'", "'session'"].map(String::from));
            row.extend(["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "0"].map(String::from));
            row
        })
        .collect();
    constant_rows(PG_SETTINGS, &rows)
}

const PG_CURSORS: &[(&str, PgType)] = &[
    ("name", Text),
    ("statement", Text),
    ("is_holdable", Bool),
    ("is_binary", Bool),
    ("is_scrollable", Bool),
    ("creation_time", Text),
];

fn pg_cursors(s: &Session) -> String {
    let rows: Vec<Vec<String>> = s
        .cursors
        .iter()
        .map(|(name, statement, hold)| {
            vec![quote(name), quote(statement), i32::from(*hold).to_string(), "0".into(), "1".into(), "NULL".into()]
        })
        .collect();
    constant_rows(PG_CURSORS, &rows)
}

/// A relation raftsql never has rows for.
macro_rules! empty {
    ($name:ident, $columns:expr) => {
        fn $name(_: &Session) -> String {
            constant_rows($columns, &[])
        }
    };
}

const PG_DESCRIPTION: &[(&str, PgType)] =
    &[("objoid", Int8), ("classoid", Int8), ("objsubid", Int4), ("description", Text)];
empty!(pg_description, PG_DESCRIPTION);
const PG_ENUM: &[(&str, PgType)] =
    &[("oid", Int8), ("enumtypid", Int8), ("enumsortorder", Float4), ("enumlabel", Text)];
empty!(pg_enum, PG_ENUM);
const PG_SEQUENCE: &[(&str, PgType)] = &[
    ("seqrelid", Int8),
    ("seqtypid", Int8),
    ("seqstart", Int8),
    ("seqincrement", Int8),
    ("seqmax", Int8),
    ("seqmin", Int8),
    ("seqcache", Int8),
    ("seqcycle", Bool),
];
empty!(pg_sequence, PG_SEQUENCE);
const PG_PROC: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("proname", Text),
    ("pronamespace", Int8),
    ("proowner", Int8),
    ("prokind", Text),
    ("prorettype", Int8),
    ("proargtypes", Text),
    ("prosrc", Text),
];
empty!(pg_proc, PG_PROC);
const PG_INHERITS: &[(&str, PgType)] =
    &[("inhrelid", Int8), ("inhparent", Int8), ("inhseqno", Int4), ("inhdetachpending", Bool)];
empty!(pg_inherits, PG_INHERITS);
const PG_TRIGGER: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("tgrelid", Int8),
    ("tgparentid", Int8),
    ("tgname", Text),
    ("tgisinternal", Bool),
    ("tgenabled", Text),
];
empty!(pg_trigger, PG_TRIGGER);
const PG_POLICY: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("polname", Text),
    ("polrelid", Int8),
    ("polcmd", Text),
    ("polpermissive", Bool),
    ("polroles", Text),
    ("polqual", Text),
    ("polwithcheck", Text),
];
empty!(pg_policy, PG_POLICY);
const PG_STATISTIC_EXT: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("stxrelid", Int8),
    ("stxname", Text),
    ("stxnamespace", Int8),
    ("stxowner", Int8),
    ("stxstattarget", Int4),
    ("stxkeys", Text),
    ("stxkind", Text),
];
empty!(pg_statistic_ext, PG_STATISTIC_EXT);
const PG_PUBLICATION: &[(&str, PgType)] =
    &[("oid", Int8), ("pubname", Text), ("pubowner", Int8), ("puballtables", Bool)];
empty!(pg_publication, PG_PUBLICATION);
const PG_PUBLICATION_NAMESPACE: &[(&str, PgType)] = &[("oid", Int8), ("pnpubid", Int8), ("pnnspid", Int8)];
empty!(pg_publication_namespace, PG_PUBLICATION_NAMESPACE);
const PG_PUBLICATION_REL: &[(&str, PgType)] =
    &[("oid", Int8), ("prpubid", Int8), ("prrelid", Int8), ("prqual", Text), ("prattrs", Text)];
empty!(pg_publication_rel, PG_PUBLICATION_REL);
const PG_AUTH_MEMBERS: &[(&str, PgType)] =
    &[("roleid", Int8), ("member", Int8), ("grantor", Int8), ("admin_option", Bool)];
empty!(pg_auth_members, PG_AUTH_MEMBERS);

const PG_COLLATION: &[(&str, PgType)] = &[
    ("oid", Int8),
    ("collname", Text),
    ("collnamespace", Int8),
    ("collowner", Int8),
    ("collprovider", Text),
    ("collisdeterministic", Bool),
    ("collencoding", Int4),
    ("collcollate", Text),
    ("collctype", Text),
];

fn pg_collation(_: &Session) -> String {
    let row = |oid: &str, name: &str, provider: &str, collate: &str| {
        vec![oid.into(), quote(name), PG_CATALOG.to_string(), OWNER.to_string(), quote(provider), "1".into()]
            .into_iter()
            .chain(["-1".to_string(), collate.to_string(), collate.to_string()])
            .collect::<Vec<String>>()
    };
    constant_rows(PG_COLLATION, &[row("100", "default", "d", "NULL"), row("950", "C", "c", "'C'")])
}

const SCHEMATA: &[(&str, PgType)] = &[
    ("catalog_name", Text),
    ("schema_name", Text),
    ("schema_owner", Text),
    ("default_character_set_catalog", Text),
    ("default_character_set_schema", Text),
    ("default_character_set_name", Text),
    ("sql_path", Text),
];

fn schemata(s: &Session) -> String {
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

const TABLES: &[(&str, PgType)] = &[
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

fn information_tables(s: &Session) -> String {
    format!(
        "SELECT {db}, 'public', s.name, CASE s.type WHEN 'table' THEN 'BASE TABLE' ELSE 'VIEW' END, NULL, NULL, NULL, \
           NULL, NULL, CASE s.type WHEN 'table' THEN 'YES' ELSE 'NO' END, 'NO', NULL {tables}",
        db = quote(&s.database),
        tables = tables("'table', 'view'")
    )
}

const COLUMNS: &[(&str, PgType)] = &[
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

fn information_columns(s: &Session) -> String {
    let oid = type_oid("p.type");
    let modifier = typmod("p.type");
    let mut udt = format!("CASE {oid}");
    for (_, type_oid, name, ..) in TYPES {
        udt.push_str(&format!(" WHEN {type_oid} THEN '{name}'"));
    }
    udt.push_str(" END");
    format!(
        "SELECT {db}, 'public', s.name, p.name, p.cid + 1, p.dflt_value, \
           CASE WHEN p.\"notnull\" OR p.pk > 0 THEN 'NO' ELSE 'YES' END, {data_type}, \
           CASE WHEN {oid} IN (1042, 1043) AND {modifier} >= 4 THEN {modifier} - 4 END, \
           CASE {oid} WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53 \
             WHEN 1700 THEN CASE WHEN {modifier} >= 4 THEN ({modifier} - 4) >> 16 END END, \
           CASE {oid} WHEN 21 THEN 0 WHEN 23 THEN 0 WHEN 20 THEN 0 \
             WHEN 1700 THEN CASE WHEN {modifier} >= 4 THEN ({modifier} - 4) & 65535 END END, \
           CASE WHEN {oid} IN (1082, 1083, 1114, 1184) THEN CASE {oid} WHEN 1082 THEN 0 ELSE 6 END END, \
           {db}, 'pg_catalog', {udt}, 'NO', 'NEVER', CASE s.type WHEN 'table' THEN 'YES' ELSE 'NO' END \
         FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type IN ('table', 'view') AND {user}",
        db = quote(&s.database),
        data_type = format_type(&oid, "-1"),
        user = user_object("s.name"),
    )
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
];
