//! Types shared by the PostgreSQL → SQLite translator: PostgreSQL types, parameter hints, statement kinds, errors,
//! and the mapping of PostgreSQL data types to SQLite cast targets and declared column types.

use std::fmt;

use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo, ObjectName, TimezoneInfo};

/// A PostgreSQL data type that raftsql understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Text,
    Varchar,
    Bpchar,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    Interval,
    Json,
    Jsonb,
    Uuid,
    /// A one-dimensional array of a scalar type, kept as a JSON array in SQLite (`PgType::array_of` builds it).
    Array(&'static PgType),
}

impl PgType {
    /// The name an array of this type stores its elements by (`db::array_functions`): the declared type of an
    /// array column is it with a leading `_`. `None` for types arrays of which raftsql does not keep.
    pub fn element_decl(self) -> Option<&'static str> {
        match self {
            PgType::Array(_) => None,
            t => crate::pg::type_table::of(t).element_decl,
        }
    }

    /// The array type whose elements are `self` (an array of arrays stays the array: one dimension only).
    pub fn array_of(self) -> PgType {
        use PgType::*;
        PgType::Array(match self {
            Bool => &Bool,
            Int2 => &Int2,
            Int4 => &Int4,
            Int8 => &Int8,
            Float4 => &Float4,
            Float8 => &Float8,
            Numeric => &Numeric,
            Text => &Text,
            Varchar => &Varchar,
            Bpchar => &Bpchar,
            Bytea => &Bytea,
            Date => &Date,
            Time => &Time,
            Timestamp => &Timestamp,
            Timestamptz => &Timestamptz,
            Interval => &Interval,
            Json => &Json,
            Jsonb => &Jsonb,
            Uuid => &Uuid,
            Array(_) => return self,
        })
    }

    /// From a PostgreSQL type name as written in SQL (any case, common aliases, extra spaces allowed).
    /// `serial`/`bigserial`/`smallserial` give the integer type they are based on.
    pub fn from_name(name: &str) -> Option<PgType> {
        let words: Vec<String> = name.split_whitespace().map(|w| w.to_ascii_lowercase()).collect();
        let norm = words.join(" ");
        let norm = norm.strip_prefix("pg_catalog.").unwrap_or(&norm);
        crate::pg::type_table::by_name(norm).and_then(|t| t.ty)
    }

    /// From a parsed sqlparser data type (`None` for types raftsql does not support, including arrays).
    pub fn from_data_type(dt: &DataType) -> Option<PgType> {
        Some(match dt {
            DataType::Bool | DataType::Boolean => PgType::Bool,
            DataType::Int2(_) | DataType::SmallInt(_) => PgType::Int2,
            DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => PgType::Int4,
            DataType::Int8(_) | DataType::BigInt(_) => PgType::Int8,
            DataType::Real | DataType::Float4 => PgType::Float4,
            DataType::Float(ExactNumberInfo::Precision(p)) if *p <= 24 => PgType::Float4,
            DataType::Float(_) | DataType::Float8 | DataType::DoublePrecision | DataType::Double(_) => PgType::Float8,
            DataType::Numeric(_) | DataType::Decimal(_) | DataType::Dec(_) => PgType::Numeric,
            DataType::Text => PgType::Text,
            DataType::Varchar(_) | DataType::CharacterVarying(_) | DataType::CharVarying(_) => PgType::Varchar,
            DataType::Char(_) | DataType::Character(_) => PgType::Bpchar,
            DataType::Bytea => PgType::Bytea,
            DataType::Date => PgType::Date,
            DataType::Time(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => PgType::Time,
            DataType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => PgType::Timestamp,
            DataType::Timestamp(_, TimezoneInfo::Tz | TimezoneInfo::WithTimeZone) => PgType::Timestamptz,
            DataType::Interval { .. } => PgType::Interval,
            DataType::JSON => PgType::Json,
            DataType::JSONB => PgType::Jsonb,
            DataType::Uuid => PgType::Uuid,
            DataType::Custom(name, _) => return PgType::from_name(&object_name_text(name)),
            _ => return None,
        })
    }

    /// From a one-dimensional array data type (`int[]`, `varchar(10)[]`): the array of its element type.
    pub fn from_array_type(dt: &DataType) -> Option<PgType> {
        PgType::from_data_type(array_inner(dt)?).map(PgType::array_of)
    }

    /// The SQLite type to `CAST` a value of this type to, or `None` when the value is kept as is (stored as text).
    pub fn sqlite_cast_target(self) -> Option<&'static str> {
        match self {
            PgType::Array(_) => None,
            t => crate::pg::type_table::of(t).sqlite_cast,
        }
    }
}

/// Plain text of an object name (`public.t` → `public.t`, quotes removed).
pub(crate) fn object_name_text(name: &ObjectName) -> String {
    let parts: Vec<String> =
        name.0.iter().map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_else(|| p.to_string())).collect();
    parts.join(".")
}

/// How a column type is declared in SQLite DDL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ColumnType {
    /// `serial`-like: becomes `INTEGER PRIMARY KEY` (the rowid alias).
    Serial,
    /// A declared type name that SQLite keeps.
    Declared(String),
}

/// Maps a column's PostgreSQL data type to its SQLite declared type.
pub(crate) fn column_type(dt: &DataType) -> Result<ColumnType, DialectError> {
    if let DataType::Custom(name, _) = dt {
        let text = object_name_text(name).to_ascii_lowercase();
        if matches!(text.as_str(), "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2") {
            return Ok(ColumnType::Serial);
        }
    }
    let len = |l: &Option<CharacterLength>| match l {
        Some(CharacterLength::IntegerLength { length, .. }) => format!("({length})"),
        _ => String::new(),
    };
    if let Some(inner) = array_inner(dt) {
        return array_column_type(inner).ok_or_else(|| unsupported_type(dt));
    }
    let pg = PgType::from_data_type(dt).ok_or_else(|| unsupported_type(dt))?;
    let name = match (pg, dt) {
        (PgType::Varchar, DataType::Varchar(l) | DataType::CharacterVarying(l) | DataType::CharVarying(l)) => {
            format!("VARCHAR{}", len(l))
        }
        (PgType::Bpchar, DataType::Char(l) | DataType::Character(l)) => format!("CHAR{}", len(l)),
        // Decimal text with numeric ordering: see `db::numeric_functions`.
        (PgType::Numeric, DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info)) => {
            numeric_column_type(info)?
        }
        (PgType::Numeric, _) => numeric_column_type(&ExactNumberInfo::None)?,
        (PgType::Array(_), _) => return Err(unsupported_type(dt)),
        // The declared type raftsql's DDL writes for it.
        (t, _) => crate::pg::type_table::of(t).decls[0].into(),
    };
    Ok(ColumnType::Declared(name))
}

/// The declared type of an array column: PostgreSQL's name for the array type (`_INT4`), whose values are JSON
/// arrays kept canonical by `db::canonical_columns` (SQLite takes `[]` in a type name as a quoted identifier).
fn array_column_type(element: &DataType) -> Option<ColumnType> {
    let name = PgType::from_data_type(element)?.element_decl()?;
    // numeric(p,s) elements keep their precision and scale, enforced as a column's would be.
    let modifier = match element {
        DataType::Numeric(ExactNumberInfo::PrecisionAndScale(p, s))
        | DataType::Decimal(ExactNumberInfo::PrecisionAndScale(p, s)) => format!("({p},{s})"),
        DataType::Numeric(ExactNumberInfo::Precision(p)) | DataType::Decimal(ExactNumberInfo::Precision(p)) => {
            format!("({p},0)")
        }
        _ => String::new(),
    };
    Some(ColumnType::Declared(format!("_{name}{modifier}")))
}

/// `NUMERIC_TEXT[(p,s)] COLLATE pg_numeric`: TEXT affinity keeps every digit of the decimal text (SQLite's NUMERIC
/// affinity would turn it into a double), the collation compares as numbers.
fn numeric_column_type(info: &ExactNumberInfo) -> Result<String, DialectError> {
    let modifier = match info {
        ExactNumberInfo::None => String::new(),
        ExactNumberInfo::Precision(p) => format!("({p})"),
        ExactNumberInfo::PrecisionAndScale(p, s) => format!("({p},{s})"),
    };
    crate::pg::dialect::numeric_typmod(info)?;
    Ok(format!("NUMERIC_TEXT{modifier} COLLATE {}", crate::db::numeric_functions::COLLATION))
}

/// The 0A000 error for a data type raftsql does not support.
pub(crate) fn unsupported_type(dt: &DataType) -> DialectError {
    DialectError::unsupported(format!("type {dt} is not supported"))
}

/// The element type of a one-dimensional array type, sized or not (`int[]`, `int[3]`, `ARRAY<int>`).
fn array_inner(dt: &DataType) -> Option<&DataType> {
    match dt {
        DataType::Array(
            sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, _)
            | sqlparser::ast::ArrayElemTypeDef::AngleBracket(inner),
        ) => Some(inner),
        _ => None,
    }
}

/// What is known about a parameter's type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamHint {
    /// Nothing is known.
    Unknown,
    /// `$1::int8`, `CAST($1 AS text)`, ...
    Cast(PgType),
    /// Compared with (=, <>, <, <=, >, >=, IN (...), BETWEEN, LIKE/ILIKE), inserted into (INSERT column list) or
    /// assigned to (UPDATE SET col = $1, ON CONFLICT DO UPDATE SET) a column. `table` is the qualifying table if
    /// written (`t.col`, aliases resolved), else the statement's single target/from table if there is exactly one,
    /// else None.
    Column {
        /// Table of the column, when known.
        table: Option<String>,
        /// Column name as written (unquoted).
        column: String,
    },
    /// INSERT without a column list: the `position`-th (0-based) column of `table`.
    TablePosition {
        /// The INSERT target table.
        table: String,
        /// 0-based column position.
        position: usize,
    },
    /// LIMIT $n / OFFSET $n.
    Limit,
    /// `$1::int[]`: a one-dimensional array of the element type.
    ArrayCast(PgType),
    /// `$1::oid[]` (`regtype[]`, ...): drivers' catalog lookups (asyncpg's type introspection), whose codec for
    /// `oid[]` is built in where `int8[]` would need that very introspection.
    OidArray,
    /// `col = ANY ($1)`: an array of the column's type (`table` as in `Column`).
    ArrayOfColumn { table: Option<String>, column: String },
}

impl ParamHint {
    /// Higher wins when one parameter is seen in several places.
    pub(crate) fn priority(&self) -> u8 {
        match self {
            ParamHint::Unknown => 0,
            ParamHint::Limit => 1,
            ParamHint::Column { .. } | ParamHint::TablePosition { .. } | ParamHint::ArrayOfColumn { .. } => 2,
            ParamHint::Cast(_) | ParamHint::ArrayCast(_) | ParamHint::OidArray => 3,
        }
    }
}

/// What kind of statement a client sent.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    CreateTable,
    CreateIndex,
    CreateView,
    DropTable,
    DropIndex,
    DropView,
    AlterTable,
    Truncate,
    /// `COMMENT ON TABLE/COLUMN`.
    Comment,
    /// BEGIN / START TRANSACTION.
    Begin {
        /// `READ ONLY` was given.
        read_only: bool,
    },
    Commit,
    Rollback,
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    /// `SET [SESSION|LOCAL] name = value | TO value`, `SET TIME ZONE x` (name "timezone"), `SET NAMES x`
    /// (client_encoding). name lowercased; value unquoted; `DEFAULT` gives "default"; lists joined with ", ".
    Set {
        /// Lowercased setting name.
        name: String,
        /// Unquoted value.
        value: String,
        /// `SET LOCAL`.
        local: bool,
    },
    /// `SELECT set_config('name', 'value', is_local)` with constant arguments: SET, answering the value.
    SetConfig {
        /// Lowercased setting name.
        name: String,
        value: String,
        local: bool,
    },
    /// SHOW name (lowercased; `SHOW ALL` gives "all"; `SHOW TIME ZONE` gives "timezone").
    Show(String),
    /// RESET name / RESET ALL ("all").
    Reset(String),
    /// `EXPLAIN stmt`: SQLite's `EXPLAIN QUERY PLAN` of the translated statement, shown as one text column.
    Explain,
    /// `LOCK [TABLE] name [IN mode MODE] [NOWAIT]`: the write gate, whatever the mode.
    LockTable {
        nowait: bool,
    },
    /// `COPY ... FROM STDIN` / `COPY ... TO STDOUT`.
    Copy(Box<crate::pg::dialect::copy::CopyStatement>),
    /// `PREPARE name [(types)] AS body`: the types as written, the body as PostgreSQL text.
    Prepare {
        name: String,
        types: Vec<String>,
        body: String,
    },
    /// `EXECUTE name [(args)]`: each argument as PostgreSQL text.
    Execute {
        name: String,
        args: Vec<String>,
    },
    /// `DEALLOCATE name` (`None`: ALL).
    Deallocate(Option<String>),
    /// `DECLARE name CURSOR [WITH HOLD] FOR query`.
    Declare {
        name: String,
        hold: bool,
        query: String,
    },
    /// `FETCH` (or, with `move_only`, `MOVE`) from a cursor.
    Fetch {
        name: String,
        direction: crate::pg::dialect::session_sql::FetchDirection,
        move_only: bool,
    },
    /// `CLOSE name` (`None`: ALL).
    CloseCursor(Option<String>),
    /// `DISCARD ALL`: what connection poolers send between clients.
    DiscardAll,
    /// `DISCARD SEQUENCES`: the session forgets what `currval` and `lastval` would answer.
    DiscardSequences,
    /// `SET TRANSACTION [READ ONLY | READ WRITE] [ISOLATION LEVEL ...]`: the access mode, if given.
    SetTransaction {
        read_only: Option<bool>,
    },
    /// Accepted and acknowledged with this tag, without effect (VACUUM, ANALYZE).
    NoOp(String),
    /// Anything else that is supported, with its PostgreSQL command tag.
    Other(String),
}

impl StatementKind {
    /// The CommandComplete tag exactly as PostgreSQL writes it; `rows` is used by SELECT/INSERT/UPDATE/DELETE.
    pub fn command_tag(&self, rows: u64) -> String {
        let tag = match self {
            StatementKind::Select => return format!("SELECT {rows}"),
            StatementKind::Insert => return format!("INSERT 0 {rows}"),
            StatementKind::Update => return format!("UPDATE {rows}"),
            StatementKind::Delete => return format!("DELETE {rows}"),
            StatementKind::CreateTable => "CREATE TABLE",
            StatementKind::CreateIndex => "CREATE INDEX",
            StatementKind::CreateView => "CREATE VIEW",
            StatementKind::DropTable => "DROP TABLE",
            StatementKind::DropIndex => "DROP INDEX",
            StatementKind::DropView => "DROP VIEW",
            StatementKind::AlterTable => "ALTER TABLE",
            StatementKind::Truncate => "TRUNCATE TABLE",
            StatementKind::Comment => "COMMENT",
            StatementKind::Begin { .. } => "BEGIN",
            StatementKind::Commit => "COMMIT",
            StatementKind::Rollback | StatementKind::RollbackTo(_) => "ROLLBACK",
            StatementKind::Savepoint(_) => "SAVEPOINT",
            StatementKind::Release(_) => "RELEASE",
            StatementKind::Set { .. } => "SET",
            StatementKind::Show(_) => "SHOW",
            StatementKind::SetConfig { .. } => return "SELECT 1".into(),
            StatementKind::Reset(_) => "RESET",
            StatementKind::LockTable { .. } => "LOCK TABLE",
            StatementKind::Explain => "EXPLAIN",
            StatementKind::Copy(_) => return format!("COPY {rows}"),
            StatementKind::Prepare { .. } => "PREPARE",
            StatementKind::Execute { .. } => "EXECUTE",
            StatementKind::Deallocate(Some(_)) => "DEALLOCATE",
            StatementKind::Deallocate(None) => "DEALLOCATE ALL",
            StatementKind::Declare { .. } => "DECLARE CURSOR",
            StatementKind::Fetch { move_only: false, .. } => return format!("FETCH {rows}"),
            StatementKind::Fetch { move_only: true, .. } => return format!("MOVE {rows}"),
            StatementKind::CloseCursor(Some(_)) => "CLOSE CURSOR",
            StatementKind::CloseCursor(None) => "CLOSE CURSOR ALL",
            StatementKind::DiscardAll => "DISCARD ALL",
            StatementKind::DiscardSequences => "DISCARD SEQUENCES",
            StatementKind::SetTransaction { .. } => "SET",
            StatementKind::Other(tag) | StatementKind::NoOp(tag) => return tag.clone(),
        };
        tag.to_string()
    }
}

/// A translation error with its PostgreSQL SQLSTATE.
#[derive(Debug, Clone, PartialEq)]
pub struct DialectError {
    /// `42601` (syntax error), `0A000` (feature not supported), `42P02` (undefined parameter).
    pub sqlstate: &'static str,
    /// Human-readable message, PostgreSQL style.
    pub message: String,
}

impl DialectError {
    /// A 42601 syntax error.
    pub fn syntax(message: impl Into<String>) -> Self {
        DialectError { sqlstate: "42601", message: message.into() }
    }

    /// A 0A000 feature-not-supported error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        DialectError { sqlstate: "0A000", message: message.into() }
    }
}

impl fmt::Display for DialectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.sqlstate)
    }
}

impl std::error::Error for DialectError {}
