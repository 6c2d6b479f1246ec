//! Parse for the extended protocol: translates the statement, infers the types of parameters the client
//! left unspecified (from casts, from the column a parameter is compared with, inserted into or assigned
//! to, from LIMIT/OFFSET; text only as the last resort) and works out the result columns that Describe
//! announces (declared column types, or types inferred from the expressions).

use crate::pg::rows::ResultColumn;
use std::sync::Arc;

use async_trait::async_trait;
use pgwire::api::portal::Format;
use pgwire::api::results::FieldInfo;
use pgwire::api::stmt::QueryParser;
use pgwire::api::{ClientInfo, Type};
use pgwire::error::PgWireResult;
use rusqlite::Connection;

use crate::pg::dialect::{translate_with, ParamHint, PgType, StatementKind, Translated};
use crate::pg::errors::{error, sql_error, user_error};
use crate::pg::infer::{infer_statement, TypeContext};
use crate::pg::settings::{session_values, Settings};
use crate::pg::types::type_for_decl;
use crate::raft::NodeCore;

/// A parsed (prepared) statement.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub translated: Translated,
    /// Inferred type of each parameter.
    pub param_types: Vec<Type>,
    /// Result columns; empty for statements without rows.
    pub fields: Vec<ResultColumn>,
}

impl Prepared {
    /// Parameter types: the client's where it gave one, inferred ones otherwise.
    pub fn merged_param_types(&self, client: &[Option<Type>]) -> Vec<Type> {
        (0..self.param_types.len())
            .map(|i| match client.get(i) {
                Some(Some(t)) if *t != Type::UNKNOWN => t.clone(),
                _ => self.param_types[i].clone(),
            })
            .collect()
    }
}

/// The PostgreSQL type of a dialect type.
pub fn pg_type(t: PgType) -> Type {
    let row = crate::pg::type_table::of(t);
    let oid = if matches!(t, PgType::Array(_)) { row.array_oid } else { row.oid };
    Type::from_oid(oid).unwrap_or(Type::TEXT)
}

/// The PostgreSQL array type of a dialect element type.
pub fn array_type(t: PgType) -> Type {
    pg_type(t.array_of())
}

/// The dialect type of a PostgreSQL type, for inference.
pub fn from_type(t: &Type) -> Option<PgType> {
    let oid = t.oid();
    if let Some(row) = crate::pg::type_table::by_oid(oid) {
        return row.ty;
    }
    let element = crate::pg::type_table::TYPES.iter().find(|r| r.array_oid == oid)?;
    element.ty.map(PgType::array_of)
}

/// Inference with the schema at hand: column types from `pragma_table_info`, parameter types as resolved.
struct DbContext<'a> {
    conn: &'a Connection,
    tables: &'a [String],
    params: &'a [Type],
}

impl TypeContext for DbContext<'_> {
    fn column(&self, qualifier: Option<&str>, name: &str) -> Option<PgType> {
        let named = qualifier.filter(|q| self.tables.iter().any(|t| t.eq_ignore_ascii_case(q)));
        let candidates: Vec<&str> = match named {
            Some(q) => vec![q],
            None => self.tables.iter().map(String::as_str).collect(),
        };
        candidates
            .iter()
            .find_map(|t| column_decl(self.conn, t, name))
            .and_then(|d| type_for_decl(Some(&d)))
            .and_then(|t| from_type(&t))
    }

    fn param(&self, n: usize) -> Option<PgType> {
        n.checked_sub(1).and_then(|i| self.params.get(i)).and_then(from_type)
    }
}

/// Parses statements for pgwire's extended query handler.
pub struct Parser {
    core: Arc<NodeCore>,
    settings: Arc<std::sync::Mutex<Settings>>,
    /// The connection's cursors (`pg_cursors`).
    cursors: Arc<std::sync::Mutex<crate::pg::cursors::Cursors>>,
}

fn column_decl(conn: &Connection, table: &str, column: &str) -> Option<String> {
    crate::db::serial_columns::column_declared_type(conn, table, "name = ?2 COLLATE NOCASE", &column)
}

fn position_decl(conn: &Connection, table: &str, position: usize) -> Option<String> {
    crate::db::serial_columns::column_declared_type(conn, table, "cid = ?2", &(position as i64))
}

/// Parameter types and result columns (name, type) of a statement.
type Description = (Vec<Type>, Vec<ResultColumn>);

/// Why a statement could not be described from this node's schema.
#[derive(Debug)]
enum DescribeError {
    /// A parameter is tied to a column that this node's schema lacks, of a table the statement names: the
    /// schema may be behind the leader's (a table created or altered a moment ago).
    SchemaBehind,
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for DescribeError {
    fn from(e: rusqlite::Error) -> Self {
        DescribeError::Sql(e)
    }
}

/// The result types of `t` inferred with the schema (column types from `pragma_table_info`) and the parameter
/// types at hand, where they tell more than the schema-free inference of the translation; empty when the
/// column count (`columns`) does not match.
pub fn schema_result_types(conn: &Connection, t: &Translated, params: &[Type], columns: usize) -> Vec<Option<PgType>> {
    let ctx = DbContext { conn, tables: &t.tables, params };
    let inferred = t
        .source
        .as_deref()
        .map(|stmt| infer_statement(stmt, &ctx))
        .filter(|types| types.len() == columns)
        // What the schema does not tell, the translation may (decimal arithmetic on derived columns).
        .map(|types| types.into_iter().zip(&t.result_types).map(|(a, b)| a.or(*b)).collect())
        .unwrap_or_else(|| t.result_types.clone());
    if inferred.len() == columns {
        inferred
    } else {
        Vec::new()
    }
}

/// Parameter types and result columns of `t`, read from the schema on a read connection. With `strict`, a
/// parameter tied to a column the schema lacks is `SchemaBehind`; without, its type falls back to text.
fn describe(
    conn: &Connection,
    t: &Translated,
    client_types: &[Option<Type>],
    strict: bool,
) -> Result<Description, DescribeError> {
    let decl_type = |decl: Option<String>| decl.and_then(|d| type_for_decl(Some(&d)));
    let named = |table: &str| t.tables.iter().any(|n| n.eq_ignore_ascii_case(table));
    let mut params = Vec::with_capacity(t.param_hints.len());
    for (i, hint) in t.param_hints.iter().enumerate() {
        let decl = match hint {
            ParamHint::Column { table: Some(table), column } => Some((table, column_decl(conn, table, column))),
            ParamHint::TablePosition { table, position } => Some((table, position_decl(conn, table, *position))),
            _ => None,
        };
        if strict && decl.as_ref().is_some_and(|(table, decl)| decl.is_none() && named(table)) {
            return Err(DescribeError::SchemaBehind);
        }
        let inferred = match hint {
            ParamHint::Cast(p) => Some(pg_type(*p)),
            ParamHint::ArrayCast(p) => Some(array_type(*p)),
            ParamHint::OidArray => Some(Type::OID_ARRAY),
            ParamHint::Column { table: None, column } => {
                t.tables.iter().find_map(|table| decl_type(column_decl(conn, table, column)))
            }
            ParamHint::Column { .. } | ParamHint::TablePosition { .. } => decl.and_then(|(_, d)| decl_type(d)),
            ParamHint::ArrayOfColumn { table, column } => {
                let element = match table {
                    Some(table) => decl_type(column_decl(conn, table, column)),
                    None => t.tables.iter().find_map(|table| decl_type(column_decl(conn, table, column))),
                };
                element.and_then(|e| from_type(&e)).map(array_type)
            }
            ParamHint::Limit => Some(Type::INT8),
            ParamHint::Unknown => None,
        };
        params.push(match client_types.get(i) {
            Some(Some(c)) if *c != Type::UNKNOWN => c.clone(),
            _ => inferred.unwrap_or(Type::TEXT),
        });
    }
    let fields = match &t.kind {
        StatementKind::Show(name) if name == "all" => crate::pg::settings::show_all_columns(),
        StatementKind::Show(name) => vec![ResultColumn::new(crate::pg::settings::display_name(name), Type::TEXT)],
        _ if t.returns_rows => {
            let stmt = conn.prepare(&t.sqlite_sql)?;
            let inferred = schema_result_types(conn, t, &params, stmt.column_count());
            let declared = crate::db::serial_columns::declared_types(conn, &stmt);
            stmt.columns()
                .zip(declared)
                .enumerate()
                .map(|(i, (c, declared))| {
                    let ty = type_for_decl(declared.as_deref())
                        .or_else(|| inferred.get(i).copied().flatten().map(pg_type))
                        .unwrap_or(Type::TEXT);
                    ResultColumn::declared(c.name(), ty, declared.as_deref())
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok((params, fields))
}

impl Parser {
    pub fn new(
        core: Arc<NodeCore>,
        settings: Arc<std::sync::Mutex<Settings>>,
        cursors: Arc<std::sync::Mutex<crate::pg::cursors::Cursors>>,
    ) -> Parser {
        Parser { core, settings, cursors }
    }

    async fn describe(
        &self,
        t: &Translated,
        types: &[Option<Type>],
        strict: bool,
    ) -> Result<Description, DescribeError> {
        let (t, types) = (t.clone(), types.to_vec());
        if crate::pg::cluster_sql::wants(&t) {
            return tokio::task::spawn_blocking(move || {
                let conn = crate::pg::cluster_sql::describe_connection()?;
                describe(&conn, &t, &types, strict)
            })
            .await
            .unwrap_or_else(|e| Err(rusqlite::Error::ToSqlConversionFailure(Box::new(e)).into()));
        }
        self.core.reads.with_connection(move |conn| describe(conn, &t, &types, strict)).await
    }
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(&self, client: &C, sql: &str, types: &[Option<Type>]) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let values = session_values(&self.settings, &self.cursors, client);
        let mut statements =
            translate_with(sql, Some(&values)).map_err(|e| user_error(error(e.sqlstate, e.message)))?;
        if statements.is_empty() {
            return Ok(None);
        }
        if statements.len() > 1 {
            return Err(user_error(error("42601", "cannot insert multiple commands into a prepared statement")));
        }
        let translated = statements.remove(0);
        let described = match self.describe(&translated, types, true).await {
            Ok(d) => d,
            // The schema may be behind the leader's (a table created or altered a moment ago, even by this
            // client through another node): catch up and look again.
            Err(_) => {
                let _ = self.core.read_barrier().await;
                match self.describe(&translated, types, false).await {
                    Ok(d) => d,
                    Err(DescribeError::Sql(e)) if translated.returns_rows => {
                        return Err(user_error(sql_error(&crate::error::SqlError::from_rusqlite(&e))))
                    }
                    // A statement without rows may name a table created earlier in the client's own, still
                    // uncommitted transaction: its parameters fall back to their casts or text.
                    Err(_) => {
                        let params = translated
                            .param_hints
                            .iter()
                            .map(|h| match h {
                                ParamHint::Cast(p) => pg_type(*p),
                                ParamHint::ArrayCast(p) => array_type(*p),
                                ParamHint::OidArray => Type::OID_ARRAY,
                                ParamHint::Limit => Type::INT8,
                                _ => Type::TEXT,
                            })
                            .collect();
                        (params, Vec::new())
                    }
                }
            }
        };
        let (param_types, fields) = described;
        Ok(Some(Prepared { translated, param_types, fields }))
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        Ok(stmt.param_types.clone())
    }

    fn get_result_schema(&self, stmt: &Prepared, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        let format = format.cloned().unwrap_or_default();
        Ok(crate::pg::rows::field_infos(&stmt.fields, &format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(conn: &Connection, sql: &str, strict: bool) -> Result<Vec<Type>, DescribeError> {
        let t = translate_with(sql, None).unwrap().remove(0);
        describe(conn, &t, &[], strict).map(|(params, _)| params)
    }

    #[test]
    fn a_parameter_tied_to_a_column_this_node_lacks_means_the_schema_may_be_behind() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (i BIGINT, s TEXT)").unwrap();
        // What the schema has is described, strictly or not.
        assert_eq!(described(&conn, "INSERT INTO t VALUES ($1, $2)", true).unwrap(), [Type::INT8, Type::TEXT]);
        assert_eq!(described(&conn, "SELECT s FROM t a WHERE a.i = $1", true).unwrap(), [Type::INT8]);
        // A table created, or a column added, on the leader a moment ago: the caller catches up and looks again.
        for behind in
            ["INSERT INTO u (i) VALUES ($1)", "INSERT INTO t (i, added) VALUES ($1, $2)", "UPDATE u SET i = $1"]
        {
            assert!(matches!(described(&conn, behind, true), Err(DescribeError::SchemaBehind)), "{behind}");
        }
        // After catching up, whatever is still missing falls back to text.
        assert_eq!(described(&conn, "INSERT INTO u (i) VALUES ($1)", false).unwrap(), [Type::TEXT]);
        // A column of a derived table is not the schema's to know.
        let derived = "SELECT x FROM (SELECT 1 AS x) d WHERE d.x = $1";
        assert_eq!(described(&conn, derived, true).unwrap(), [Type::TEXT]);
    }
}
