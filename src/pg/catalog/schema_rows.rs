//! The catalog relations computed from the schema itself: `pg_class`, `pg_index`, `pg_attribute`, `pg_attrdef`,
//! `pg_constraint`, and what `pg_get_indexdef` / `pg_get_constraintdef` answer, as SQLite queries over
//! `sqlite_schema` and the schema pragmas. OIDs: `16384 + 2 * rowid` of the object's `sqlite_schema` row, plus one
//! for the primary-key index of a rowid table.

use super::relations::{DATABASE, OWNER, PUBLIC};
use super::sql::{
    column_decl, column_serial_kind, default_text, quote_ident, serial_default, type_oid, typmod, user_object, TYPES,
};
use super::Session;
use crate::pg::dialect_types::PgType::{self, Bool, Float4, Int2, Int4, Int8, Text};

/// User tables and views of `sqlite_schema`, aliased `s`.
pub(super) fn tables(kinds: &str) -> String {
    format!("FROM sqlite_schema s WHERE s.type IN ({kinds}) AND {}", user_object("s.name"))
}

/// SQL: whether table `t` (a name column) is keyed by its rowid (`INTEGER PRIMARY KEY`): PostgreSQL would show a
/// primary-key index that SQLite does not keep.
pub(super) fn rowid_key(t: &str) -> String {
    format!(
        "((SELECT count(*) FROM pragma_table_info({t}) WHERE pk > 0) = 1 \
         AND (SELECT upper(type) FROM pragma_table_info({t}) WHERE pk = 1) = 'INTEGER' \
         AND NOT EXISTS (SELECT 1 FROM pragma_index_list({t}) WHERE origin = 'pk'))"
    )
}

/// SQL: the referenced column of a foreign key (`f`), the referenced table's key when not named.
pub(super) fn referenced_column() -> &'static str {
    "coalesce(f.\"to\", (SELECT name FROM pragma_table_info(f.\"table\") WHERE pk = 1))"
}

/// Every index, with PostgreSQL's names for those that back constraints: oid, relname, indrelid, table_name,
/// sqlite_name (NULL for a rowid key), indisunique, indisprimary, indkey ("1 2"), natts, partial, columns (as
/// an index definition lists them).
pub(super) fn indexes() -> String {
    // The index's column names in order, joined by `separator`.
    let columns_of = |separator: &str| {
        format!("(SELECT group_concat(name, '{separator}') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))")
    };
    // The name of the table's named UNIQUE constraint over the index's columns, if it has one.
    let named_unique = format!(
        "(SELECT json_extract(c.value, '$.name') FROM json_each(raftsql_table_constraints(t.sql)) c \
         WHERE json_extract(c.value, '$.type') = 'u' AND json_extract(c.value, '$.columns') = {})",
        columns_of(",")
    );
    let attnums =
        "(SELECT group_concat(cid + 1, ' ') FROM (SELECT cid FROM pragma_index_info(il.name) ORDER BY seqno))";
    format!(
        "SELECT {DATABASE} + 2 * ix.rowid AS oid, \
           CASE il.origin WHEN 'pk' THEN t.name || '_pkey' \
             WHEN 'u' THEN coalesce({named}, t.name || '_' || {cols} || '_key') ELSE il.name END AS relname, \
           {DATABASE} + 2 * t.rowid AS indrelid, t.name AS table_name, il.name AS sqlite_name, \
           il.\"unique\" AS indisunique, (il.origin = 'pk' OR il.name = t.name || '_pkey') AS indisprimary, \
           {attnums} AS indkey, (SELECT count(*) FROM pragma_index_info(il.name)) AS natts, il.partial AS partial, \
           (SELECT group_concat({qname}, ', ') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) \
             AS columns, (il.origin IN ('pk', 'u') OR il.name LIKE '%\\_key' ESCAPE '\\') AS isconstraint \
         FROM sqlite_schema t JOIN pragma_index_list(t.name) il JOIN sqlite_schema ix ON ix.name = il.name \
         WHERE t.type = 'table' AND {user} \
         UNION ALL \
         SELECT {DATABASE} + 2 * t.rowid + 1, t.name || '_pkey', {DATABASE} + 2 * t.rowid, t.name, NULL, 1, 1, \
           (SELECT cid + 1 FROM pragma_table_info(t.name) WHERE pk = 1), 1, 0, \
           (SELECT {qname} FROM pragma_table_info(t.name) WHERE pk = 1), 1 \
         FROM sqlite_schema t WHERE t.type = 'table' AND {user} AND {rowid}",
        qname = quote_ident("name"),
        cols = columns_of("_"),
        named = named_unique,
        user = user_object("t.name"),
        rowid = rowid_key("t.name"),
    )
}

pub(super) const PG_CLASS: &[(&str, PgType)] = &[
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

pub(super) fn pg_class(_: &Session) -> String {
    let fixed = "0, 0, 0, -1, 0, 0";
    format!(
        "SELECT {DATABASE} + 2 * s.rowid, s.name, {PUBLIC}, 0, 0, {OWNER}, CASE s.type WHEN 'table' THEN 2 ELSE 0 END, \
           {fixed}, (EXISTS (SELECT 1 FROM pragma_index_list(s.name)) OR {rowid}), 0, 'p', \
           CASE s.type WHEN 'table' THEN 'r' ELSE 'v' END, (SELECT count(*) FROM pragma_table_info(s.name)), \
           (SELECT count(*) FROM json_each(raftsql_table_constraints(s.sql)) c \
            WHERE json_extract(c.value, '$.type') = 'c'), \
           s.type = 'view', {triggers}, \
           0, 0, 0, 1, 'd', 0, 0, 0, 0, NULL, NULL, NULL {tables} \
         UNION ALL \
         SELECT i.oid, i.relname, {PUBLIC}, 0, 0, {OWNER}, 403, {fixed}, 0, 0, 'p', 'i', i.natts, 0, 0, 0, 0, 0, 0, 1, \
           'n', 0, 0, 0, 0, NULL, NULL, NULL FROM ({indexes}) i \
         UNION ALL {sequences}",
        sequences = super::sequence_rows::class_rows(PUBLIC, OWNER, fixed),
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

pub(super) const PG_INDEX: &[(&str, PgType)] = &[
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

pub(super) fn pg_index(_: &Session) -> String {
    format!(
        "SELECT i.oid, i.indrelid, i.natts, i.natts, i.indisunique, 0, i.indisprimary, 0, 1, 0, 1, 0, 1, 1, 0, \
           i.indkey, {zeros}, {zeros}, {zeros}, NULL, NULL FROM ({}) i",
        indexes(),
        zeros = "regexp_replace(i.indkey, '[0-9]+', '0', 'g')",
    )
}

pub(super) const PG_ATTRIBUTE: &[(&str, PgType)] = &[
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
pub(super) fn pg_attribute(_: &Session) -> String {
    let typlen = {
        let mut case = format!("CASE {}", type_oid("x.decl"));
        for t in TYPES {
            case.push_str(&format!(" WHEN {} THEN {}", t.oid, t.typlen));
        }
        case.push_str(" ELSE -1 END");
        case
    };
    // PostgreSQL's storage: plain for fixed-size types, main for numeric, extended for the rest.
    let storage = format!("CASE WHEN ({typlen}) > 0 THEN 'p' WHEN {} = 1700 THEN 'm' ELSE 'x' END", type_oid("x.decl"));
    format!(
        "SELECT x.relid, x.name, {oid}, -1, {typlen}, x.num, 0, -1, {typmod}, 0, 'i', {storage}, '', x.nn, x.hd, 0, \
           CASE x.kind WHEN 'identity' THEN 'd' WHEN 'identity_always' THEN 'a' ELSE '' END, \
           '', 0, 1, 0, 0, NULL, NULL, NULL, NULL \
         FROM (SELECT {DATABASE} + 2 * s.rowid AS relid, p.name AS name, {decl} AS decl, p.cid + 1 AS num, \
                 (p.\"notnull\" OR p.pk > 0) AS nn, (p.dflt_value IS NOT NULL OR {kind} IS 'serial') AS hd, \
                 {kind} AS kind \
               FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type IN ('table', 'view') AND {user} \
               UNION ALL \
               SELECT i.oid, ii.name, (SELECT p.type FROM pragma_table_info(i.table_name) p WHERE p.name = ii.name), \
                 ii.seqno + 1, 0, 0, NULL \
               FROM ({indexes}) i JOIN pragma_index_info(i.sqlite_name) ii \
               UNION ALL \
               SELECT i.oid, p.name, {decl}, 1, 0, 0, NULL FROM ({indexes}) i \
                 JOIN sqlite_schema s ON s.type = 'table' AND s.name = i.table_name \
                 JOIN pragma_table_info(i.table_name) p \
               WHERE i.sqlite_name IS NULL AND p.pk = 1) x",
        decl = column_decl("s", "p"),
        kind = column_serial_kind("s", "p"),
        oid = type_oid("x.decl"),
        typmod = typmod("x.decl"),
        user = user_object("s.name"),
        indexes = indexes(),
    )
}

pub(super) const PG_ATTRDEF: &[(&str, PgType)] = &[("oid", Int8), ("adrelid", Int8), ("adnum", Int2), ("adbin", Text)];

pub(super) fn pg_attrdef(_: &Session) -> String {
    format!(
        "SELECT 1500000000 + s.rowid * 1000 + p.cid + 1, {DATABASE} + 2 * s.rowid, p.cid + 1, \
           coalesce({default}, {serial_default}) \
         FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type = 'table' AND {user} \
           AND (p.dflt_value IS NOT NULL OR {kind} IS 'serial')",
        user = user_object("s.name"),
        kind = column_serial_kind("s", "p"),
        serial_default = serial_default("s", "p"),
        default = default_text("p.dflt_value", &type_oid(&format!("({})", column_decl("s", "p")))),
    )
}

pub(super) const PG_CONSTRAINT: &[(&str, PgType)] = &[
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

pub(super) fn pg_constraint(_: &Session) -> String {
    let action = |c: &str| {
        format!(
            "CASE {c} WHEN 'CASCADE' THEN 'c' WHEN 'RESTRICT' THEN 'r' WHEN 'SET NULL' THEN 'n' \
             WHEN 'SET DEFAULT' THEN 'd' ELSE 'a' END"
        )
    };
    format!(
        "SELECT 1000000000 + i.oid, i.relname, {PUBLIC}, CASE WHEN i.indisprimary THEN 'p' ELSE 'u' END, 0, 0, 1, \
           i.indrelid, 0, i.oid, 0, 0, ' ', ' ', ' ', 1, 0, 1, '{{' || replace(i.indkey, ' ', ',') || '}}', NULL, NULL \
         FROM ({indexes}) i WHERE i.isconstraint \
         UNION ALL \
         SELECT 2000000000 + s.rowid * 1000 + f.id, \
           s.name || '_' || group_concat(f.\"from\", '_') || '_fkey', {PUBLIC}, 'f', 0, 0, 1, {DATABASE} + 2 * s.rowid, \
           0, 0, 0, (SELECT {DATABASE} + 2 * r.rowid FROM sqlite_schema r WHERE r.type = 'table' AND r.name = f.\"table\"), \
           {upd}, {del}, 's', 1, 0, 1, \
           '{{' || group_concat((SELECT p.cid + 1 FROM pragma_table_info(s.name) p WHERE p.name = f.\"from\"), ',') || '}}', \
           '{{' || group_concat((SELECT p.cid + 1 FROM pragma_table_info(f.\"table\") p WHERE p.name = {to}), ',') || '}}', \
           NULL \
         FROM sqlite_schema s JOIN pragma_foreign_key_list(s.name) f WHERE s.type = 'table' AND {user} \
         GROUP BY s.rowid, f.id \
         UNION ALL \
         SELECT {CHECKS} + s.rowid * 1000 + c.key, json_extract(c.value, '$.name'), {PUBLIC}, 'c', 0, 0, 1, \
           {DATABASE} + 2 * s.rowid, 0, 0, 0, 0, ' ', ' ', ' ', 1, 0, 0, json_extract(c.value, '$.conkey'), NULL, \
           json_extract(c.value, '$.definition') \
         {checks}",
        indexes = indexes(),
        checks = checks(),
        upd = action("min(f.on_update)"),
        del = action("min(f.on_delete)"),
        user = user_object("s.name"),
        to = referenced_column(),
    )
}

/// OIDs of check constraints: this plus 1000 per `sqlite_schema` rowid plus the constraint's position.
const CHECKS: u64 = 3_000_000_000;

/// SQL: FROM the user tables `s` joined with their check constraints `c` (see `db::table_constraints`).
fn checks() -> String {
    format!(
        "FROM sqlite_schema s JOIN json_each(raftsql_table_constraints(s.sql)) c \
         WHERE s.type = 'table' AND {} AND json_extract(c.value, '$.type') = 'c'",
        user_object("s.name")
    )
}

/// (The key is not named `oid`: the argument of `pg_get_indexdef(oid)` must not bind to it.)
pub(super) const INDEXDEFS: &[(&str, PgType)] = &[("__raftsql_oid", Int8), ("indexdef", Text)];

/// What `pg_get_indexdef` answers, by index OID (not a PostgreSQL relation).
pub(super) fn indexdefs(_: &Session) -> String {
    format!(
        "SELECT i.oid, 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' || {name} || \
           ' ON public.' || {table} || ' USING btree (' || i.columns || ')' FROM ({indexes}) i",
        name = quote_ident("i.relname"),
        table = quote_ident("i.table_name"),
        indexes = indexes()
    )
}

pub(super) const CONSTRAINTDEFS: &[(&str, PgType)] = &[("__raftsql_oid", Int8), ("condef", Text)];

/// What `pg_get_constraintdef` answers, by constraint OID (not a PostgreSQL relation).
pub(super) fn constraintdefs(_: &Session) -> String {
    let action = |what: &str, column: &str| {
        format!(
            "CASE WHEN min(f.{column}) IN ('NO ACTION', 'NONE') OR min(f.{column}) IS NULL THEN '' \
             ELSE ' ON {what} ' || min(f.{column}) END"
        )
    };
    format!(
        "SELECT 1000000000 + i.oid, CASE WHEN i.indisprimary THEN 'PRIMARY KEY (' ELSE 'UNIQUE (' END || i.columns || ')' \
         FROM ({indexes}) i WHERE i.isconstraint \
         UNION ALL \
         SELECT 2000000000 + s.rowid * 1000 + f.id, 'FOREIGN KEY (' || group_concat({from}, ', ') || ') REFERENCES ' || \
           {table} || '(' || group_concat({to}, ', ') || ')' || {upd} || {del} \
         FROM sqlite_schema s JOIN pragma_foreign_key_list(s.name) f WHERE s.type = 'table' AND {user} \
         GROUP BY s.rowid, f.id \
         UNION ALL \
         SELECT {CHECKS} + s.rowid * 1000 + c.key, json_extract(c.value, '$.definition') {checks}",
        indexes = indexes(),
        checks = checks(),
        from = quote_ident("f.\"from\""),
        table = quote_ident("min(f.\"table\")"),
        to = quote_ident(referenced_column()),
        upd = action("UPDATE", "on_update"),
        del = action("DELETE", "on_delete"),
        user = user_object("s.name"),
    )
}

/// OIDs of the sequences PostgreSQL would keep for serial columns: this plus the table's `sqlite_schema` rowid
/// (one serial column per table, the rowid).
pub(super) const SEQUENCES: u64 = 3_900_000_000;

/// SQL: the name of the sequence of serial column `p` of table `s`, `t_id_seq`.
pub(super) const SEQUENCE_NAME: &str = "s.name || '_' || p.name || '_seq'";

/// SQL: FROM the user tables `s` joined with their serial or identity column `p` (see `db::serial_columns`),
/// which PostgreSQL backs with a sequence.
pub(super) fn serials() -> String {
    format!(
        "FROM sqlite_schema s JOIN pragma_table_info(s.name) p WHERE s.type = 'table' AND {} AND {} IS NOT NULL",
        user_object("s.name"),
        column_serial_kind("s", "p")
    )
}

pub(super) const PG_DEPEND: &[(&str, PgType)] = &[
    ("classid", Int8),
    ("objid", Int8),
    ("objsubid", Int4),
    ("refclassid", Int8),
    ("refobjid", Int8),
    ("refobjsubid", Int4),
    ("deptype", Text),
];

/// What tools ask of dependencies: which column owns a serial's sequence (`a`uto) or an identity's (`i`nternal);
/// `pg_class` is OID 1259.
pub(super) fn pg_depend(_: &Session) -> String {
    format!(
        "SELECT 1259, {SEQUENCES} + s.rowid, 0, 1259, {DATABASE} + 2 * s.rowid, p.cid + 1, \
           CASE {kind} WHEN 'serial' THEN 'a' ELSE 'i' END {serials} \
         UNION ALL {owned}",
        kind = column_serial_kind("s", "p"),
        serials = serials(),
        owned = super::sequence_rows::owned_depend_rows(DATABASE)
    )
}

pub(super) const PG_DESCRIPTION: &[(&str, PgType)] =
    &[("objoid", Int8), ("classoid", Int8), ("objsubid", Int4), ("description", Text)];

/// The comments `COMMENT ON` keeps in the meta table (`db::schema_edit`), on the tables, views and columns that
/// still exist (`pg_class` is OID 1259).
pub(super) fn pg_description(_: &Session) -> String {
    let prefix = crate::db::schema_edit::COMMENT_KEY_PREFIX;
    let object = |i: u8| format!("json_extract(substr(m.key, {}), '$[{i}]')", prefix.len() + 1);
    format!(
        "SELECT {DATABASE} + 2 * s.rowid, 1259, CASE WHEN {column} = '' THEN 0 ELSE \
           (SELECT p.cid + 1 FROM pragma_table_info(s.name) p WHERE p.name = {column}) END, CAST(m.value AS TEXT) \
         FROM {meta} m JOIN sqlite_schema s ON s.type IN ('table', 'view') AND s.name = {table} \
         WHERE m.key LIKE '{prefix}%' \
           AND ({column} = '' OR EXISTS (SELECT 1 FROM pragma_table_info(s.name) p WHERE p.name = {column}))",
        column = object(1),
        table = object(0),
        meta = crate::db::writer::META_TABLE,
    )
}
