//! `EXPLAIN`: SQLite's query plan of the translated statement.

use super::*;

/// `EXPLAIN stmt`: SQLite's query plan of the statement's translation (nothing runs). ANALYZE, which would run
/// it, is refused.
pub(super) fn explain(
    stmt: Statement,
    analyze: bool,
    options: Option<Vec<sqlparser::ast::UtilityOption>>,
    session: Option<&SessionValues>,
) -> Result<Translated, DialectError> {
    let analyze = analyze || options.iter().flatten().any(|o| o.name.value.eq_ignore_ascii_case("analyze"));
    if analyze {
        return Err(DialectError::unsupported("EXPLAIN ANALYZE is not supported (EXPLAIN shows SQLite's query plan)"));
    }
    let inner = translate_statement(stmt, session)?;
    if inner.sqlite_sql.is_empty() || crate::db::schema_edit::parse(&inner.sqlite_sql).is_some() {
        return Err(DialectError::unsupported("EXPLAIN of this statement is not supported"));
    }
    Ok(Translated {
        sqlite_sql: format!("EXPLAIN QUERY PLAN {}", inner.sqlite_sql),
        kind: StatementKind::Explain,
        returns_rows: true,
        result_types: vec![Some(PgType::Text)],
        row_lock: None,
        source: None,
        ..inner
    })
}
