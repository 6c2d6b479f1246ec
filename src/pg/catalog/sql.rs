//! SQL building blocks of the catalogs: which SQLite objects are the user's, the one table from declared column
//! types to PostgreSQL types (OID, size, the name `format_type` prints), and the expressions computing OIDs and
//! type modifiers from the schema.

pub use crate::pg::type_table::{array_of, TYPES};

/// The catalogs' arrays of numbers (kept as text, see `schema_rows`): whether each is a vector
/// (`int2vector`/`oidvector`: space-separated, subscripts from 0) rather than an array (`{1,2}`, from 1), and
/// its element type (attribute numbers are `int2`; operator classes, collations, roles and types are OIDs).
const NUMBER_ARRAYS: &[(&str, bool, crate::pg::dialect_types::PgType)] = {
    use crate::pg::dialect_types::PgType::{Int2, Int8};
    &[
        ("conkey", false, Int2),
        ("confkey", false, Int2),
        ("polroles", false, Int8),
        ("prattrs", false, Int2),
        ("indkey", true, Int2),
        ("indclass", true, Int8),
        ("indoption", true, Int2),
        ("indcollation", true, Int8),
        ("stxkeys", true, Int2),
        ("proargtypes", true, Int8),
    ]
};

/// `(vector, element type)` of the catalog array of numbers named `column`, if it is one.
pub fn number_array(column: &str) -> Option<(bool, crate::pg::dialect_types::PgType)> {
    NUMBER_ARRAYS.iter().find(|(n, ..)| column.eq_ignore_ascii_case(n)).map(|(_, vector, t)| (*vector, *t))
}

/// `pg_type.typlen` of a type raftsql sends: its fixed width in bytes, -1 for variable-width ones (arrays and
/// unknown types included), as RowDescription carries it.
pub fn typlen(oid: u32) -> i16 {
    crate::pg::type_table::by_oid(oid).map_or(-1, |t| t.typlen)
}

/// The type modifier of a declared type, as `typmod` computes it in SQL: `(n)` of character types is n + 4,
/// `(p, s)` of numeric is (p << 16 | s) + 4, otherwise -1.
pub fn decl_typmod(decl: &str) -> i32 {
    let Some((base, rest)) = decl.split_once('(') else { return -1 };
    let Some(inside) = rest.split(')').next() else { return -1 };
    let numbers: Vec<i32> = inside.split(',').filter_map(|n| n.trim().parse().ok()).collect();
    let base = base.trim().to_ascii_uppercase();
    match (base.as_str(), numbers.as_slice()) {
        ("NUMERIC_TEXT" | "NUMERIC" | "DECIMAL" | "_NUMERIC", [p]) => (p << 16) + 4,
        ("NUMERIC_TEXT" | "NUMERIC" | "DECIMAL" | "_NUMERIC", [p, s]) => ((p << 16) | s) + 4,
        ("VARCHAR" | "CHARACTER VARYING" | "CHAR" | "CHARACTER" | "BPCHAR", [n]) => n + 4,
        _ => -1,
    }
}

/// The OID of a declared type (SQLite's text: any case, `(n)` modifiers), `None` if raftsql does not know it.
pub fn decl_oid(decl: &str) -> Option<u32> {
    // Drop any "(...)" modifiers, normalize case and whitespace.
    let mut base = String::with_capacity(decl.len());
    let mut depth = 0usize;
    for c in decl.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => base.push(c.to_ascii_uppercase()),
            _ => {}
        }
    }
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    // An array column is declared with PostgreSQL's name of the array type: `_INT4`.
    if let Some(element) = base.strip_prefix('_') {
        return decl_oid(element).and_then(array_of);
    }
    crate::pg::type_table::by_decl(&base).map(|t| t.oid)
}

/// SQL: true for the SQLite objects that are the user's (not SQLite's, not raftsql's), given the name column.
pub fn user_object(name: &str) -> String {
    format!("({name} NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND {name} NOT LIKE '\\_\\_raftsql%' ESCAPE '\\')")
}

/// SQL: the identifier `name` (an SQL expression) as PostgreSQL prints it: quoted unless plain lower case.
pub fn quote_ident(name: &str) -> String {
    format!("CASE WHEN regexp('^[a-z_][a-z0-9_$]*$', {name}) THEN {name} ELSE '\"' || replace({name}, '\"', '\"\"') || '\"' END")
}

/// SQL: the declared type `decl` without its modifiers, upper case.
fn decl_base(decl: &str) -> String {
    format!(
        "upper(trim(CASE WHEN instr({decl}, '(') > 0 THEN substr({decl}, 1, instr({decl}, '(') - 1) ELSE {decl} END))"
    )
}

/// SQL: the type OID of the declared type `decl` (text when unknown, as raftsql shows such columns).
pub fn type_oid(decl: &str) -> String {
    let mut out = format!("CASE {}", decl_base(decl));
    for t in TYPES {
        for n in t.decls {
            out.push_str(&format!(" WHEN '{n}' THEN {} WHEN '_{n}' THEN {}", t.oid, t.array_oid));
        }
    }
    out.push_str(" ELSE 25 END");
    out
}

/// SQL: the type modifier of the declared type `decl`: `(n)` of character types is n + 4, `(p, s)` of numeric
/// is (p << 16 | s) + 4, otherwise -1.
pub fn typmod(decl: &str) -> String {
    let inside = format!("substr({decl}, instr({decl}, '(') + 1, instr({decl}, ')') - instr({decl}, '(') - 1)");
    format!(
        "CASE WHEN instr({decl}, '(') = 0 THEN -1 \
         WHEN {base} IN ('NUMERIC_TEXT', 'NUMERIC', 'DECIMAL', '_NUMERIC') THEN \
           CASE WHEN instr({inside}, ',') > 0 \
             THEN ((CAST(substr({inside}, 1, instr({inside}, ',') - 1) AS INTEGER) << 16) \
                   | CAST(substr({inside}, instr({inside}, ',') + 1) AS INTEGER)) + 4 \
             ELSE (CAST({inside} AS INTEGER) << 16) + 4 END \
         ELSE CAST({inside} AS INTEGER) + 4 END",
        base = decl_base(decl)
    )
}

/// SQL: `format_type(oid, typmod)`, as PostgreSQL prints a column's type.
pub fn format_type(oid: &str, typmod: &str) -> String {
    let mut out = format!("CASE {oid}");
    for t in TYPES {
        let (type_oid, name) = (t.oid, t.display);
        let modifier = match type_oid {
            1042 | 1043 => format!(" || CASE WHEN {typmod} >= 4 THEN '(' || ({typmod} - 4) || ')' ELSE '' END"),
            1700 => format!(
                " || CASE WHEN {typmod} >= 4 THEN '(' || (({typmod} - 4) >> 16) || ',' || (({typmod} - 4) & 65535) \
                 || ')' ELSE '' END"
            ),
            _ => String::new(),
        };
        out.push_str(&format!(" WHEN {type_oid} THEN '{}'{modifier}", name.replace('\'', "''")));
        out.push_str(&format!(" WHEN {} THEN '{}'{modifier} || '[]'", t.array_oid, name.replace('\'', "''")));
    }
    out.push_str(&format!(" WHEN NULL THEN NULL ELSE CASE WHEN {oid} IS NULL THEN NULL ELSE '???' END END"));
    out
}

/// SQL: the declared type of column `p` (a `pragma_table_info` row) of the table whose `sqlite_schema` row is `s`,
/// as PostgreSQL knows it: a serial column's marked integer type instead of the rowid's `INTEGER`.
pub fn column_decl(s: &str, p: &str) -> String {
    format!(
        "CASE WHEN {p}.pk = 1 AND upper({p}.type) = 'INTEGER' \
           THEN coalesce(raftsql_serial_declared({s}.sql), {p}.type) ELSE {p}.type END"
    )
}

/// SQL: the serial kind (`serial`, `identity`, `identity_always`) of column `p` of table `s`, else NULL.
pub fn column_serial_kind(s: &str, p: &str) -> String {
    format!("CASE WHEN {p}.pk = 1 AND upper({p}.type) = 'INTEGER' THEN raftsql_serial_kind({s}.sql) END")
}

/// SQL: a serial column's default as PostgreSQL shows it, `nextval('t_id_seq'::regclass)`.
pub fn serial_default(s: &str, p: &str) -> String {
    format!("('nextval(''' || {s}.name || '_' || {p}.name || '_seq''::regclass)')")
}

/// SQL: a column default `d` (SQLite's text of it) as PostgreSQL deparses it for a column of type `oid`: a string
/// literal carries a cast to the column's type (`'x'::text`, `'z'::bpchar`), a negative number a cast to its own
/// type (`'-1'::integer`), a sequence's name the `regclass` cast (`nextval('s'::regclass)`); other expressions
/// are kept.
pub fn default_text(d: &str, oid: &str) -> String {
    format!(
        "CASE WHEN substr({d}, 1, 1) = '''' THEN {d} || '::' || CASE {oid} WHEN 1042 THEN 'bpchar' ELSE {name} END \
         WHEN {d} LIKE 'nextval(''%'')' AND {d} NOT LIKE '%::%' THEN substr({d}, 1, length({d}) - 1) || '::regclass)' \
         WHEN {d} LIKE '-%' AND CAST(CAST({d} AS INTEGER) AS TEXT) = {d} THEN '''' || {d} || '''::' || \
           CASE WHEN CAST({d} AS INTEGER) >= -2147483648 THEN 'integer' ELSE 'bigint' END \
         WHEN {d} LIKE '-%' AND CAST({d} AS REAL) < 0 THEN '''' || {d} || '''::numeric' \
         ELSE {d} END",
        name = format_type(oid, "-1")
    )
}
