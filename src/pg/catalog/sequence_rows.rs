//! The catalogs' sequences: those of `CREATE SEQUENCE` (rows of the meta table, `db::sequences`) and those
//! PostgreSQL would keep for serial and identity columns (a table's own counter in raftsql), in `pg_class` and
//! `pg_sequence`.

use super::schema_rows::{serials, SEQUENCES, SEQUENCE_NAME};
use super::Session;
use crate::db::sequences::KEY_PREFIX;
use crate::pg::dialect_types::PgType::{self, Bool, Int8};

/// SQL: `FROM` the meta table's sequences `m`, with `json_extract(m.value, ...)` as `field`.
fn created() -> String {
    format!("FROM {} m WHERE m.key LIKE '{KEY_PREFIX}%'", crate::db::writer::META_TABLE)
}

fn field(name: &str) -> String {
    format!("json_extract(m.value, '$.{name}')")
}

/// SQL: `pg_class` rows (after `SELECT`, with `fixed` the six constant columns after the owner) of every
/// sequence, for the union that makes `pg_class`.
pub(super) fn class_rows(public: u32, owner: u32, fixed: &str) -> String {
    let columns = |oid: &str, name: &str| {
        format!(
            "SELECT {oid}, {name}, {public}, 0, 0, {owner}, 0, {fixed}, 0, 0, 'p', 'S', 3, 0, 0, 0, 0, 0, 0, 1, 'n', 0, \
             0, 0, 0, NULL, NULL, NULL"
        )
    };
    format!(
        "{} {serials} UNION ALL {} {created}",
        columns(&format!("{SEQUENCES} + s.rowid"), SEQUENCE_NAME),
        columns(&field("oid"), &format!("substr(m.key, {})", KEY_PREFIX.len() + 1)),
        serials = serials(),
        created = created(),
    )
}

/// SQL: `pg_depend` rows (class, object, sub-object, referenced class, object, column, kind) of the sequences
/// `OWNED BY` a column: an auto dependency on it, as psql's `\d` of the sequence reads ("Owned by").
pub(super) fn owned_depend_rows(database: u32) -> String {
    format!(
        "SELECT 1259, {oid}, 0, 1259, {database} + 2 * s.rowid, p.cid + 1, 'a' \
         FROM {meta} m JOIN sqlite_schema s ON s.type = 'table' AND s.rowid = {owner} \
         JOIN pragma_table_info(s.name) p ON p.name = {column} \
         WHERE m.key LIKE '{KEY_PREFIX}%'",
        oid = field("oid"),
        owner = field("owner_table"),
        column = field("owner_column"),
        meta = crate::db::writer::META_TABLE,
    )
}

pub(super) const PG_SEQUENCE: &[(&str, PgType)] = &[
    ("seqrelid", Int8),
    ("seqtypid", Int8),
    ("seqstart", Int8),
    ("seqincrement", Int8),
    ("seqmax", Int8),
    ("seqmin", Int8),
    ("seqcache", Int8),
    ("seqcycle", Bool),
];

/// The parameters of every sequence; a serial's are PostgreSQL's defaults for its type.
pub(super) fn pg_sequence(_: &Session) -> String {
    let type_oid = |t: &str| format!("CASE {t} WHEN 'int2' THEN 21 WHEN 'int4' THEN 23 ELSE 20 END");
    let serial_type = "lower(raftsql_serial_declared(s.sql))";
    format!(
        "SELECT {SEQUENCES} + s.rowid, {serial_oid}, 1, 1, \
           CASE {serial_type} WHEN 'int2' THEN 32767 WHEN 'int4' THEN 2147483647 ELSE 9223372036854775807 END, \
           1, 1, 0 {serials} \
         UNION ALL \
         SELECT {oid}, {created_oid}, {start}, {increment}, {max}, {min}, {cache}, {cycle} {created}",
        serial_oid = type_oid(serial_type),
        serials = serials(),
        oid = field("oid"),
        created_oid = type_oid(&field("data_type")),
        start = field("start"),
        increment = field("increment"),
        max = field("max"),
        min = field("min"),
        cache = field("cache"),
        cycle = field("cycle"),
        created = created(),
    )
}
