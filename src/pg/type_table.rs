//! The one table of the PostgreSQL types raftsql knows. For each: its OID and its array's, the names PostgreSQL
//! gives it (`typname`, `format_type`'s) and its size, the SQLite declared types a column of it is stored under
//! (the first is what raftsql's DDL writes), the names SQL calls it by, the declared name of its arrays' elements,
//! and the SQLite type a cast to it becomes. The translator (type names, column declarations, casts), the wire
//! (OIDs of parameters and columns), inference and the catalogs (`pg_type`, `format_type`, declared types) all
//! read it; nothing else lists types.

use crate::pg::dialect_types::PgType;

/// One PostgreSQL type.
#[derive(Debug)]
pub struct TypeInfo {
    /// The translator's type; `None` for the types only the catalogs show (`name`, `"char"`, `oid`).
    pub ty: Option<PgType>,
    pub oid: u32,
    /// The OID of the one-dimensional array of it (`_int4`).
    pub array_oid: u32,
    /// `pg_type.typname`.
    pub typname: &'static str,
    /// `pg_type.typlen`: the fixed width in bytes, -1 for variable width.
    pub typlen: i16,
    /// How `format_type` prints it (before any modifier).
    pub display: &'static str,
    /// SQLite declared types (upper case) that are this type; the first is what raftsql's DDL writes.
    pub decls: &'static [&'static str],
    /// The names SQL calls it by (lower case, words separated by one space); `serial` names its integer.
    pub names: &'static [&'static str],
    /// The declared name of an array column's elements (`_INT4` declares an `int4[]`); `None` when raftsql keeps
    /// no arrays of it.
    pub element_decl: Option<&'static str>,
    /// The SQLite type `CAST(x AS ...)` gives a value of this type; `None` when the value is kept as is (text).
    pub sqlite_cast: Option<&'static str>,
    /// `pg_type.typcategory`: B(oolean), N(umeric), S(tring), D(ate/time), T(imespan), U(ser-defined).
    pub category: &'static str,
}

const fn row(
    ty: Option<PgType>,
    (oid, array_oid): (u32, u32),
    (typname, typlen, display): (&'static str, i16, &'static str),
    decls: &'static [&'static str],
    names: &'static [&'static str],
    element_decl: Option<&'static str>,
    sqlite_cast: Option<&'static str>,
) -> TypeInfo {
    let category = match typname.as_bytes() {
        b"bool" => "B",
        b"int2" | b"int4" | b"int8" | b"float4" | b"float8" | b"numeric" | b"oid" => "N",
        b"text" | b"varchar" | b"bpchar" | b"name" | b"char" => "S",
        b"date" | b"time" | b"timestamp" | b"timestamptz" => "D",
        b"interval" => "T",
        _ => "U",
    };
    TypeInfo { ty, oid, array_oid, typname, typlen, display, decls, names, element_decl, sqlite_cast, category }
}

use PgType as P;

/// Every type, in the order `pg_type` lists them.
pub const TYPES: &[TypeInfo] = &[
    row(
        Some(P::Bool),
        (16, 1000),
        ("bool", 1, "boolean"),
        &["BOOLEAN", "BOOL"],
        &["bool", "boolean"],
        Some("BOOL"),
        Some("BOOLEAN"),
    ),
    row(Some(P::Bytea), (17, 1001), ("bytea", -1, "bytea"), &["BLOB", "BYTEA"], &["bytea"], None, Some("BLOB")),
    row(None, (19, 1003), ("name", 64, "name"), &["NAME"], &[], None, None),
    row(
        Some(P::Int8),
        (20, 1016),
        ("int8", 8, "bigint"),
        // `INTEGER` is SQLite's rowid alias: 64 bits.
        &["INT8", "INTEGER", "BIGINT", "BIGSERIAL"],
        &["int8", "bigint", "bigserial", "serial8"],
        Some("INT8"),
        Some("INTEGER"),
    ),
    row(
        Some(P::Int2),
        (21, 1005),
        ("int2", 2, "smallint"),
        &["INT2", "SMALLINT", "SMALLSERIAL"],
        &["int2", "smallint", "smallserial", "serial2"],
        Some("INT2"),
        Some("INTEGER"),
    ),
    row(
        Some(P::Int4),
        (23, 1007),
        ("int4", 4, "integer"),
        &["INT4", "INT", "MEDIUMINT", "SERIAL"],
        &["int", "integer", "int4", "serial", "serial4"],
        Some("INT4"),
        Some("INTEGER"),
    ),
    row(Some(P::Text), (25, 1009), ("text", -1, "text"), &["TEXT", "CLOB"], &["text"], Some("TEXT"), Some("TEXT")),
    row(Some(P::Json), (114, 199), ("json", -1, "json"), &["JSON"], &["json"], Some("JSON"), None),
    row(
        Some(P::Float4),
        (700, 1021),
        ("float4", 4, "real"),
        &["FLOAT4", "REAL"],
        &["real", "float4"],
        Some("FLOAT4"),
        Some("REAL"),
    ),
    row(
        Some(P::Float8),
        (701, 1022),
        ("float8", 8, "double precision"),
        &["FLOAT8", "DOUBLE", "DOUBLE PRECISION", "FLOAT"],
        &["double precision", "float8", "float", "double"],
        Some("FLOAT8"),
        Some("REAL"),
    ),
    row(
        Some(P::Bpchar),
        (1042, 1014),
        ("bpchar", -1, "character"),
        &["CHAR", "CHARACTER", "BPCHAR"],
        &["char", "character", "bpchar"],
        Some("BPCHAR"),
        Some("TEXT"),
    ),
    row(
        Some(P::Varchar),
        (1043, 1015),
        ("varchar", -1, "character varying"),
        &["VARCHAR", "CHARACTER VARYING"],
        &["varchar", "character varying"],
        Some("VARCHAR"),
        Some("TEXT"),
    ),
    row(Some(P::Date), (1082, 1182), ("date", 4, "date"), &["DATE"], &["date"], Some("DATE"), None),
    row(
        Some(P::Time),
        (1083, 1183),
        ("time", 8, "time without time zone"),
        &["TIME", "TIME WITHOUT TIME ZONE"],
        &["time", "time without time zone"],
        Some("TIME"),
        None,
    ),
    row(
        Some(P::Timestamp),
        (1114, 1115),
        ("timestamp", 8, "timestamp without time zone"),
        &["TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE", "DATETIME"],
        &["timestamp", "timestamp without time zone"],
        Some("TIMESTAMP"),
        None,
    ),
    row(
        Some(P::Timestamptz),
        (1184, 1185),
        ("timestamptz", 8, "timestamp with time zone"),
        &["TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"],
        &["timestamptz", "timestamp with time zone"],
        Some("TIMESTAMPTZ"),
        None,
    ),
    row(Some(P::Interval), (1186, 1187), ("interval", 16, "interval"), &["INTERVAL"], &["interval"], None, None),
    row(
        Some(P::Numeric),
        (1700, 1231),
        ("numeric", -1, "numeric"),
        // Decimal text with numeric ordering: see `db::numeric_functions`.
        &["NUMERIC_TEXT", "NUMERIC", "DECIMAL"],
        &["numeric", "decimal"],
        Some("NUMERIC"),
        Some("NUMERIC"),
    ),
    row(Some(P::Uuid), (2950, 2951), ("uuid", 16, "uuid"), &["UUID"], &["uuid"], Some("UUID"), None),
    row(Some(P::Jsonb), (3802, 3807), ("jsonb", -1, "jsonb"), &["JSONB"], &["jsonb"], Some("JSONB"), None),
    row(None, (18, 1002), ("char", 1, "\"char\""), &[], &[], None, None),
    row(None, (26, 1028), ("oid", 4, "oid"), &[], &[], None, None),
];

/// The row of a translator type (an array's is its element's).
pub fn of(ty: PgType) -> &'static TypeInfo {
    let scalar = match ty {
        PgType::Array(element) => *element,
        t => t,
    };
    TYPES.iter().find(|t| t.ty == Some(scalar)).expect("every PgType has a row in TYPES")
}

/// The row of a type OID (not of an array's).
pub fn by_oid(oid: u32) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.oid == oid)
}

/// The row of a declared type's base name (upper case, modifiers removed), if it is one of the `decls`.
pub fn by_decl(base: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.decls.contains(&base))
}

/// The row of a name as SQL writes a type (lower case, single spaces).
pub fn by_name(name: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.names.contains(&name))
}

/// PostgreSQL's OID of the array whose elements have OID `element`.
pub fn array_of(element: u32) -> Option<u32> {
    by_oid(element).map(|t| t.array_oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_translator_type_has_one_row_and_oids_are_unique() {
        let all = [
            P::Bool,
            P::Int2,
            P::Int4,
            P::Int8,
            P::Float4,
            P::Float8,
            P::Numeric,
            P::Text,
            P::Varchar,
            P::Bpchar,
            P::Bytea,
            P::Date,
            P::Time,
            P::Timestamp,
            P::Timestamptz,
            P::Interval,
            P::Json,
            P::Jsonb,
            P::Uuid,
        ];
        for ty in all {
            assert_eq!(TYPES.iter().filter(|t| t.ty == Some(ty)).count(), 1, "{ty:?}");
            assert_eq!(of(ty.array_of()).oid, of(ty).oid);
        }
        let mut oids: Vec<u32> = TYPES.iter().flat_map(|t| [t.oid, t.array_oid]).collect();
        oids.sort_unstable();
        let count = oids.len();
        oids.dedup();
        assert_eq!(oids.len(), count);
        assert_eq!(by_decl("INTEGER").map(|t| t.oid), Some(20));
        assert_eq!(by_name("integer").map(|t| t.oid), Some(23));
        assert_eq!(array_of(1700), Some(1231));
    }
}
