//! PostgreSQL semantics, differentially: every statement of the corpus files in `tests/corpus/` runs on a real
//! PostgreSQL 15 and on a follower of a three-node raftsql cluster, and the answers must be the same:
//! - through the simple protocol: each value's text, the column names, the command tag, or the error's SQLSTATE;
//! - through the extended protocol (for statements that only read): each column's type OID and each value's
//!   binary encoding.
//!
//! A statement preceded by `-- differs: <reason>` runs on both but is not compared; those comments are the
//! corpus's list of known differences (the README lists them too). Every failing statement is reported, not
//! just the first.

mod cli_support;
mod common;

use std::path::Path;

use cli_support::oracle::Oracle;
use common::procs::{pg_client_at, ProcCluster};
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

/// One statement of a corpus file.
struct Case {
    file: String,
    line: usize,
    sql: String,
    /// Why the answers are allowed to differ, if they are.
    differs: Option<String>,
}

/// Splits a corpus file into statements: a statement ends with a line ending in `;`.
fn cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut out = Vec::new();
    let (mut sql, mut start, mut differs) = (String::new(), 0, None);
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if sql.is_empty() {
            if let Some(reason) = trimmed.strip_prefix("-- differs:") {
                differs = Some(reason.trim().to_string());
                continue;
            }
            if trimmed.is_empty() || trimmed.starts_with("--") {
                continue;
            }
            start = i + 1;
        }
        sql.push_str(line);
        sql.push('\n');
        if trimmed.ends_with(';') {
            out.push(Case { file: file.clone(), line: start, sql: std::mem::take(&mut sql), differs: differs.take() });
        }
    }
    assert!(sql.trim().is_empty(), "{file}: the last statement does not end with ';'");
    out
}

/// A value's binary encoding, whatever its type.
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn sqlstate(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("ERROR {}", db.code().code()),
        None => format!("ERROR {e}"),
    }
}

/// The simple-protocol answer: column names and text values, or the command tag, or the SQLSTATE.
async fn simple(client: &Client, sql: &str) -> String {
    match client.simple_query(sql).await {
        Err(e) => sqlstate(&e),
        Ok(messages) => {
            let mut out = String::new();
            for m in messages {
                match m {
                    SimpleQueryMessage::RowDescription(cols) => {
                        let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
                        out.push_str(&format!("columns {}\n", names.join(" | ")));
                    }
                    SimpleQueryMessage::Row(row) => {
                        let values: Vec<String> =
                            (0..row.len()).map(|i| row.get(i).map_or("NULL".into(), |v| format!("'{v}'"))).collect();
                        out.push_str(&format!("row {}\n", values.join(" | ")));
                    }
                    SimpleQueryMessage::CommandComplete(n) => out.push_str(&format!("complete {n}\n")),
                    _ => {}
                }
            }
            out
        }
    }
}

/// The extended-protocol answer: column types and binary values, or the SQLSTATE.
async fn extended(client: &Client, sql: &str) -> String {
    let stmt = match client.prepare(sql.trim().trim_end_matches(';')).await {
        Ok(s) => s,
        Err(e) => return sqlstate(&e),
    };
    let mut out = String::new();
    let types: Vec<String> = stmt.columns().iter().map(|c| format!("{}:{}", c.name(), c.type_().name())).collect();
    out.push_str(&format!("columns {}\n", types.join(" | ")));
    match client.query(&stmt, &[]).await {
        Err(e) => out.push_str(&sqlstate(&e)),
        Ok(rows) => {
            for row in rows {
                let values: Vec<String> = (0..row.len())
                    .map(|i| match row.get::<_, Option<Raw>>(i) {
                        None => "NULL".into(),
                        Some(Raw(b)) => b.iter().map(|x| format!("{x:02x}")).collect(),
                    })
                    .collect();
                out.push_str(&format!("row {}\n", values.join(" | ")));
            }
        }
    }
    out
}

/// An answer that ends in an error is that error: PostgreSQL folds constants when it prepares, so it may fail at
/// Parse where raftsql fails at Execute.
fn settled(answer: String) -> String {
    match answer.find("ERROR") {
        Some(at) => answer[at..].to_string(),
        None => answer,
    }
}

fn reads_only(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    matches!(first.as_str(), "SELECT" | "VALUES" | "WITH" | "TABLE")
}

/// Runs every corpus file on both servers; returns the differences found.
async fn compare(ours: &Client, theirs: &Client) -> (usize, Vec<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    files.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for file in files {
        for case in cases(&file) {
            let (a, b) = (simple(theirs, &case.sql).await, simple(ours, &case.sql).await);
            let (c, d) = if reads_only(&case.sql) {
                (settled(extended(theirs, &case.sql).await), settled(extended(ours, &case.sql).await))
            } else {
                (String::new(), String::new())
            };
            if case.differs.is_some() {
                continue;
            }
            compared += 1;
            if a != b || c != d {
                failures.push(format!(
                    "{}:{}: {}\n  PostgreSQL: {}\n  raftsql:    {}",
                    case.file,
                    case.line,
                    case.sql.trim(),
                    format!("{a}{c}").trim().replace('\n', "\n              "),
                    format!("{b}{d}").trim().replace('\n', "\n              "),
                ));
            }
        }
    }
    (compared, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_matches_postgresql() {
    let oracle = Oracle::start();
    let cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let ours = cluster.pg_client(follower).await;
    let theirs = pg_client_at(oracle.port).await;
    let (compared, failures) = compare(&ours, &theirs).await;
    assert!(failures.is_empty(), "{} of {compared} statements differ:\n{}", failures.len(), failures.join("\n"));
    assert!(compared >= 100, "only {compared} statements compared");
}
