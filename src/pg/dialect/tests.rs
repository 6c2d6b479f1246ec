//! Tests of the PostgreSQL to SQLite translation: exact output SQL, kinds, hints, tags and errors.
use super::*;

mod ddl;
mod set_returning;

fn one(sql: &str) -> Translated {
    let mut v = translate(sql).unwrap();
    assert_eq!(v.len(), 1, "{sql}");
    v.remove(0)
}

fn out(sql: &str) -> String {
    one(sql).sqlite_sql
}

fn err(sql: &str) -> DialectError {
    translate(sql).unwrap_err()
}

fn col(table: Option<&str>, column: &str) -> ParamHint {
    ParamHint::Column { table: table.map(String::from), column: column.into() }
}

#[test]
fn placeholders_and_select_hints() {
    let t = one("SELECT * FROM t WHERE id = $1 AND name = $2 LIMIT $3");
    assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE id = ?1 AND name = ?2 LIMIT ?3");
    assert_eq!(t.param_count, 3);
    assert_eq!(t.param_hints, vec![col(Some("t"), "id"), col(Some("t"), "name"), ParamHint::Limit]);
    assert_eq!(t.tables, vec!["t"]);
    assert!(t.returns_rows);
    assert_eq!(t.kind, StatementKind::Select);
}

#[test]
fn insert_without_columns_gives_positions() {
    let t = one("INSERT INTO t VALUES ($1, $2)");
    assert_eq!(t.sqlite_sql, "INSERT INTO t VALUES (?1, ?2)");
    assert_eq!(
        t.param_hints,
        vec![
            ParamHint::TablePosition { table: "t".into(), position: 0 },
            ParamHint::TablePosition { table: "t".into(), position: 1 }
        ]
    );
    assert!(!t.returns_rows);
}

#[test]
fn insert_with_columns_gives_columns() {
    let t = one("INSERT INTO public.t (a, b) VALUES ($2, $1)");
    assert_eq!(t.sqlite_sql, "INSERT INTO t (a, b) VALUES (?2, ?1)");
    assert_eq!(t.param_hints, vec![col(Some("t"), "b"), col(Some("t"), "a")]);
}

#[test]
fn update_hints() {
    let t = one("UPDATE t SET a = $1 WHERE b = $2");
    assert_eq!(t.sqlite_sql, "UPDATE t SET a = ?1 WHERE b = ?2");
    assert_eq!(t.kind, StatementKind::Update);
    assert_eq!(t.param_hints, vec![col(Some("t"), "a"), col(Some("t"), "b")]);
}

#[test]
fn cast_hints_drop_the_cast() {
    let t = one("SELECT $1::int8, CAST($2 AS text), $3");
    assert_eq!(t.sqlite_sql, "SELECT ?1 AS \"int8\", ?2 AS \"text\", ?3 AS \"?column?\"");
    assert_eq!(t.param_hints, vec![ParamHint::Cast(PgType::Int8), ParamHint::Cast(PgType::Text), ParamHint::Unknown]);
}

#[test]
fn cast_beats_column_hint() {
    let t = one("SELECT * FROM t WHERE id = $1::int4");
    assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE id = ?1");
    assert_eq!(t.param_hints, vec![ParamHint::Cast(PgType::Int4)]);
}

#[test]
fn hints_in_between_like_and_aliases() {
    let t =
        one("SELECT 1 FROM t x JOIN u ON x.id = u.t_id WHERE x.a IN ($1, $2) AND b BETWEEN $3 AND $4 AND u.c ILIKE $5");
    assert_eq!(t.tables, vec!["t", "u"]);
    assert_eq!(
        t.param_hints,
        vec![col(Some("t"), "a"), col(Some("t"), "a"), col(None, "b"), col(None, "b"), col(Some("u"), "c")]
    );
}

#[test]
fn gaps_in_parameter_numbers() {
    let t = one("SELECT $3");
    assert_eq!(t.param_count, 3);
    assert_eq!(t.param_hints, vec![ParamHint::Unknown; 3]);
    assert_eq!(err("SELECT $0").sqlstate, "42P02");
}

#[test]
fn casts_of_values() {
    assert_eq!(
        out("SELECT '1'::int, a::bigint, b::float8, c::numeric(10,2), d::varchar(3), e::bytea FROM t"),
        "SELECT CAST('1' AS INTEGER) AS \"int4\", CAST(a AS INTEGER) AS \"a\", CAST(b AS REAL) AS \"b\", \
         pg_numeric(c, 10, 2) AS \"c\", CAST(d AS TEXT) AS \"d\", CAST(e AS BLOB) AS \"e\" FROM t"
    );
    assert_eq!(
        out("SELECT CAST(a + 1 AS date) * 2 FROM t"),
        "SELECT pg_mul(pg_date(pg_add(a, 1)), 2) AS \"?column?\" FROM t"
    );
    assert_eq!(
        out("SELECT '2020-01-01'::date, DATE '2020-01-02', x::uuid FROM t"),
        "SELECT pg_date('2020-01-01') AS \"date\", pg_date('2020-01-02') AS \"date\", x AS \"x\" FROM t"
    );
}

#[test]
fn bool_cast() {
    assert_eq!(
        out("SELECT 'yes'::boolean"),
        "SELECT (CASE WHEN lower(CAST('yes' AS TEXT)) IN ('t', 'true', '1', 'yes', 'on', 'y') THEN 1 \
         WHEN lower(CAST('yes' AS TEXT)) IN ('f', 'false', '0', 'no', 'off', 'n') THEN 0 ELSE NULL END) AS \"bool\""
    );
}

#[test]
fn array_expressions_and_unsupported_types() {
    assert_eq!(out("SELECT x::int[] FROM t"), "SELECT pg_array(x, 'INT4') AS \"x\" FROM t");
    assert_eq!(out("SELECT '{1,NULL}'::int[]"), "SELECT '[1,null]' AS \"int4\"");
    assert_eq!(out("SELECT ARRAY[1, 2]"), "SELECT json_array(1, 2) AS \"array\"");
    assert_eq!(
        out("SELECT * FROM UNNEST('{1,NULL}'::int[], $1::text[]) AS t(a, b)"),
        "SELECT * FROM (SELECT \"__u0\".value AS \"a\", \"__u1\".value AS \"b\" FROM json_each('[1,null]') AS \"__u0\" \
         LEFT JOIN json_each(?1) AS \"__u1\" ON \"__u1\".key = \"__u0\".key ORDER BY \"__u0\".key NULLS LAST) AS \"t\""
    );
    assert_eq!(err("SELECT x::box FROM t").sqlstate, "0A000");
    assert_eq!(err("SELECT x::bytea[] FROM t").sqlstate, "0A000");
}

#[test]
fn expressions() {
    assert_eq!(
        out("SELECT * FROM t WHERE a ILIKE 'x%' AND b NOT ILIKE $1"),
        "SELECT * FROM t WHERE lower(a) LIKE lower('x%') ESCAPE '\\' AND lower(b) NOT LIKE lower(?1) ESCAPE '\\'"
    );
    assert_eq!(out("SELECT a LIKE 'x\\_%' FROM t"), "SELECT a LIKE 'x\\_%' ESCAPE '\\' AS \"?column?\" FROM t");
    assert_eq!(
        out("SELECT current_user, session_user, user, CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP"),
        "SELECT current_user() AS \"current_user\", current_user() AS \"session_user\", current_user() AS \"user\", now() AS \"current_timestamp\", pg_date(now()) AS \"current_date\", pg_timestamp(now()) AS \"localtimestamp\""
    );
    assert_eq!(
        out("SELECT now(), version(), current_database(), current_setting('x'), pg_backend_pid(), gen_random_uuid(), random()"),
        "SELECT now() AS \"now\", version() AS \"version\", current_database() AS \"current_database\", \
         current_setting('x') AS \"current_setting\", pg_backend_pid() AS \"pg_backend_pid\", \
         gen_random_uuid() AS \"gen_random_uuid\", random() AS \"random\""
    );
    assert_eq!(
        out("SELECT COALESCE(a, 'x') || b, CASE WHEN a THEN 1 ELSE 2 END, TRUE, FALSE FROM t"),
        "SELECT COALESCE(a, 'x') || b AS \"?column?\", CASE WHEN a THEN 1 ELSE 2 END AS \"case\", true AS \"bool\", \
         false AS \"bool\" FROM t"
    );
    assert_eq!(out(r"SELECT E'a\nb''c\'d'"), "SELECT 'a\nb''c''d' AS \"?column?\"");
    assert_eq!(out("SELECT $$it's$$"), "SELECT 'it''s' AS \"?column?\"");
    assert_eq!(out("SELECT \"Weird Col\" FROM \"T\""), "SELECT \"Weird Col\" FROM \"T\"");
    assert_eq!(
        out("SELECT substring(a from 2 for 3), position('x' in a), trim(both 'x' from a) FROM t"),
        "SELECT substr(a, 2, 3) AS \"substring\", instr(a, 'x') AS \"position\", trim(a, 'x') AS \"btrim\" FROM t"
    );
    assert_eq!(
        out("SELECT a ~ 'x', a !~* 'y' FROM t"),
        "SELECT regexp('x', a) AS \"?column?\", NOT regexp('(?i)' || 'y', a) AS \"?column?\" FROM t"
    );
}

#[test]
fn catalog_relations_and_functions() {
    let t = one("SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = 'public.t'::regclass");
    assert!(t.sqlite_sql.starts_with("SELECT c.relname FROM (WITH \"__rel\"(\"oid\", \"relname\""), "{}", t.sqlite_sql);
    assert!(t.tables.is_empty(), "{:?}", t.tables);
    assert_eq!(t.result_types, vec![Some(PgType::Text)]);
    let t = one("SELECT relhasindex FROM pg_class");
    assert_eq!(t.result_types, vec![Some(PgType::Bool)]);
    assert_eq!(
        out("SELECT pg_catalog.pg_table_is_visible(1), shobj_description(1, 'pg_database'), pg_encoding_to_char(6)"),
        "SELECT true AS \"pg_table_is_visible\", NULL AS \"shobj_description\", 'UTF8' AS \"pg_encoding_to_char\""
    );
    // Arguments that are parameters stay parameters (SQLite's `?n`), also inside the rewritten expressions.
    let t = one("SELECT typname FROM pg_type WHERE oid = to_regtype($1)");
    assert!(t.sqlite_sql.contains("\"__t\".typname = ?1)"), "{}", t.sqlite_sql);
    assert_eq!(t.param_count, 1);
    assert_eq!(
        out("SELECT current_schemas(false)"),
        "SELECT CASE WHEN false THEN '{pg_catalog,public}' ELSE '{public}' END AS \"current_schemas\""
    );
    // information_schema must be named; a table of the user's called `tables` is the user's.
    assert_eq!(out("SELECT * FROM tables"), "SELECT * FROM tables");
    assert!(out("SELECT * FROM information_schema.tables").contains("sqlite_schema"));
}

#[test]
fn limit_offset_fetch() {
    assert_eq!(out("SELECT a FROM t LIMIT ALL"), "SELECT a FROM t");
    assert_eq!(out("SELECT a FROM t LIMIT ALL OFFSET 5"), "SELECT a FROM t LIMIT -1 OFFSET 5");
    assert_eq!(out("SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY"), "SELECT a FROM t LIMIT 3 OFFSET 2");
    assert_eq!(
        out("SELECT a FROM t ORDER BY a DESC NULLS FIRST LIMIT 10 OFFSET 20"),
        "SELECT a FROM t ORDER BY a DESC NULLS FIRST LIMIT 10 OFFSET 20"
    );
    let t = one("SELECT a FROM t LIMIT $1 OFFSET $2");
    assert_eq!(t.param_hints, vec![ParamHint::Limit, ParamHint::Limit]);
}

#[test]
fn queries_render_as_is() {
    let sql = "WITH c AS (SELECT a FROM u) SELECT t.a, count(*) FROM t LEFT JOIN c ON t.a = c.a \
               WHERE t.b IN (SELECT b FROM v) GROUP BY t.a HAVING count(*) > 1 UNION SELECT 1, 2";
    let t = one(sql);
    assert_eq!(t.sqlite_sql, sql.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(t.tables, vec!["u", "t", "v"]);
    assert!(one("VALUES (1, 2)").returns_rows);
    assert_eq!(out("SELECT a FROM t FOR UPDATE"), "SELECT a FROM t");
}

#[test]
fn upsert_and_returning() {
    let t = one(
        "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b WHERE t.b <> $3 RETURNING *",
    );
    assert_eq!(
        t.sqlite_sql,
        "INSERT INTO t (a, b) VALUES (?1, ?2) ON CONFLICT(a) DO UPDATE SET b = EXCLUDED.b WHERE t.b <> ?3 RETURNING *"
    );
    assert!(t.returns_rows);
    assert_eq!(t.param_hints[2], col(Some("t"), "b"));
    assert_eq!(
        out("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING"),
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING"
    );
    assert_eq!(
        out("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING"),
        "INSERT INTO t SELECT * FROM u WHERE true ON CONFLICT DO NOTHING"
    );
    assert_eq!(out("INSERT INTO t DEFAULT VALUES"), "INSERT INTO t DEFAULT VALUES");
    let u = one("UPDATE t SET a = a + 1 RETURNING a");
    assert!(u.returns_rows);
    let d = one("DELETE FROM t WHERE id = $1 RETURNING id");
    assert_eq!((d.sqlite_sql.as_str(), d.returns_rows), ("DELETE FROM t WHERE id = ?1 RETURNING id", true));
    assert!(!one("DELETE FROM t").returns_rows);
    assert_eq!(err("INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT c DO NOTHING").sqlstate, "0A000");
}

#[test]
fn transaction_control() {
    use StatementKind as K;
    let kinds = |sql: &str| translate(sql).unwrap().into_iter().map(|t| t.kind).collect::<Vec<_>>();
    assert_eq!(
        kinds(
            "BEGIN; BEGIN WORK; BEGIN TRANSACTION; START TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY; \
               START TRANSACTION READ WRITE"
        ),
        vec![
            K::Begin { read_only: false },
            K::Begin { read_only: false },
            K::Begin { read_only: false },
            K::Begin { read_only: true },
            K::Begin { read_only: false }
        ]
    );
    assert_eq!(
        kinds("COMMIT; END; ROLLBACK; ABORT; SAVEPOINT s; RELEASE s; RELEASE SAVEPOINT s; ROLLBACK TO s; ROLLBACK TO SAVEPOINT s"),
        vec![
            K::Commit,
            K::Commit,
            K::Rollback,
            K::Rollback,
            K::Savepoint("s".into()),
            K::Release("s".into()),
            K::Release("s".into()),
            K::RollbackTo("s".into()),
            K::RollbackTo("s".into())
        ]
    );
    assert_eq!(one("COMMIT").sqlite_sql, "");
}

#[test]
fn set_show_reset() {
    let set = |n: &str, v: &str, l: bool| StatementKind::Set { name: n.into(), value: v.into(), local: l };
    assert_eq!(one("SET search_path TO public").kind, set("search_path", "public", false));
    assert_eq!(one("SET LOCAL statement_timeout = '5s'").kind, set("statement_timeout", "5s", true));
    assert_eq!(one("SET SESSION DateStyle = ISO").kind, set("datestyle", "ISO", false));
    assert_eq!(one("SET extra_float_digits = 3").kind, set("extra_float_digits", "3", false));
    assert_eq!(one("SET TIME ZONE 'UTC'").kind, set("timezone", "UTC", false));
    assert_eq!(one("SET NAMES 'UTF8'").kind, set("client_encoding", "UTF8", false));
    assert_eq!(one("SET x TO DEFAULT").kind, set("x", "default", false));
    assert_eq!(one("SHOW TIME ZONE").kind, StatementKind::Show("timezone".into()));
    assert_eq!(one("SHOW ALL").kind, StatementKind::Show("all".into()));
    assert_eq!(one("SHOW server_version").kind, StatementKind::Show("server_version".into()));
    assert_eq!(one("RESET ALL").kind, StatementKind::Reset("all".into()));
    assert_eq!(one("RESET search_path").kind, StatementKind::Reset("search_path".into()));
    assert_eq!(one("RESET TIME ZONE").kind, StatementKind::Reset("timezone".into()));
    assert_eq!(err("RESET").sqlstate, "42601");
}

#[test]
fn multi_statement_comments_and_empty() {
    let v = translate("SELECT 1; -- one\n/* two */ SELECT 'a;b';;").unwrap();
    assert_eq!(
        v.iter().map(|t| t.sqlite_sql.as_str()).collect::<Vec<_>>(),
        vec!["SELECT 1 AS \"?column?\"", "SELECT 'a;b' AS \"?column?\""]
    );
    assert!(translate("").unwrap().is_empty());
    assert!(translate(" ; ;\n-- only a comment\n/* c */;").unwrap().is_empty());
    let v = translate("BEGIN; INSERT INTO t VALUES (1); COMMIT").unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[1].sqlite_sql, "INSERT INTO t VALUES (1)");
}

#[test]
fn syntax_errors() {
    let e = err("SELEC 1");
    assert_eq!((e.sqlstate, e.message.as_str()), ("42601", "syntax error at or near \"SELEC\""));
    assert_eq!(err("SELECT 1 +").message, "syntax error at end of input");
    assert_eq!(err("SELECT 'unterminated").sqlstate, "42601");
    assert_eq!(err("SELECT 1; SELEC 2").sqlstate, "42601");
    assert_eq!(err("SELECT (1").sqlstate, "42601");
}

#[test]
fn unsupported_statements() {
    let e = err("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql");
    assert_eq!((e.sqlstate, e.message.as_str()), ("0A000", "CREATE FUNCTION is not supported"));
    assert_eq!(
        err("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql").message,
        "CREATE FUNCTION is not supported"
    );
    assert_eq!(err("COPY t FROM '/tmp/x'").sqlstate, "42501");
    assert_eq!(err("SELECT * FROM unnest_me(1)").sqlstate, "42883");
    assert_eq!(err("LISTEN x").message, "LISTEN is not supported");
    assert_eq!(err("NOTIFY x").message, "NOTIFY is not supported");
    assert_eq!(err("CREATE SCHEMA s").sqlstate, "0A000");
    assert_eq!(err("CREATE SCHEMA public").sqlstate, "42P06");
    assert_eq!(one("CREATE SCHEMA IF NOT EXISTS public").kind, StatementKind::NoOp("CREATE SCHEMA".into()));
    assert_eq!(err("SELECT * FROM other.t").sqlstate, "0A000");
    assert_eq!(err("DELETE FROM t USING u WHERE t.a = u.a").sqlstate, "0A000");
}

#[test]
fn generate_series_becomes_a_recursive_subquery() {
    let t = one("SELECT aid FROM generate_series(1, $1) AS aid");
    assert_eq!(
        t.sqlite_sql,
        "SELECT aid FROM (WITH RECURSIVE \"__series\" (\"v\") AS (SELECT 1 WHERE (CASE WHEN 1 > 0 THEN 1 <= ?1 WHEN 1 < 0 \
         THEN 1 >= ?1 END) UNION ALL SELECT \"v\" + 1 FROM \"__series\" WHERE (CASE WHEN 1 > 0 THEN \"v\" + 1 <= ?1 WHEN 1 < 0 \
         THEN \"v\" + 1 >= ?1 END)) SELECT \"v\" AS \"aid\" FROM \"__series\") AS \"aid\""
    );
    assert!(t.tables.is_empty(), "{:?}", t.tables);
    assert_eq!(err("SELECT * FROM generate_series(1)").sqlstate, "42883");
}

#[test]
fn command_tags() {
    use StatementKind as K;
    assert_eq!(K::Select.command_tag(5), "SELECT 5");
    assert_eq!(K::Insert.command_tag(3), "INSERT 0 3");
    assert_eq!(K::Update.command_tag(2), "UPDATE 2");
    assert_eq!(K::Delete.command_tag(1), "DELETE 1");
    assert_eq!(K::CreateTable.command_tag(0), "CREATE TABLE");
    assert_eq!(K::DropIndex.command_tag(0), "DROP INDEX");
    assert_eq!(K::Begin { read_only: true }.command_tag(0), "BEGIN");
    assert_eq!(K::RollbackTo("s".into()).command_tag(0), "ROLLBACK");
    assert_eq!(K::Release("s".into()).command_tag(0), "RELEASE");
    assert_eq!(K::Set { name: "a".into(), value: "b".into(), local: false }.command_tag(0), "SET");
    assert_eq!(K::Show("a".into()).command_tag(0), "SHOW");
    assert_eq!(K::Reset("all".into()).command_tag(0), "RESET");
    assert_eq!(one("DISCARD ALL").kind.command_tag(0), "DISCARD ALL");
}

#[test]
fn pg_type_names() {
    assert_eq!(PgType::from_name("INTEGER"), Some(PgType::Int4));
    assert_eq!(PgType::from_name("bigserial"), Some(PgType::Int8));
    assert_eq!(PgType::from_name("Double  Precision"), Some(PgType::Float8));
    assert_eq!(PgType::from_name("timestamp with time zone"), Some(PgType::Timestamptz));
    assert_eq!(PgType::from_name("character varying"), Some(PgType::Varchar));
    assert_eq!(PgType::from_name("bpchar"), Some(PgType::Bpchar));
    assert_eq!(PgType::from_name("money"), None);
    assert_eq!(
        PgType::from_data_type(&DataType::Float(sqlparser::ast::ExactNumberInfo::Precision(10))),
        Some(PgType::Float4)
    );
}

#[test]
fn deep_and_hostile_input_does_not_panic() {
    let long_chain = format!("SELECT 1{}", "+1".repeat(100_000));
    assert_eq!(err(&long_chain).sqlstate, "54001");
    let ok_chain = format!("SELECT 1 FROM t WHERE {}", vec!["a = 1"; 500].join(" OR "));
    assert!(translate(&ok_chain).is_ok());
    let unions = format!("SELECT 1{}", " UNION SELECT 1".repeat(5_000));
    assert_eq!(err(&unions).sqlstate, "54001");
    let parens = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(err(&parens).sqlstate, "42601");
    for s in ["$", "$1", "'", "\"", "E'\\", "::", ";;;", "SELECT $99999999999999999999", "\u{0}", "ÿ 日本"] {
        let _ = translate(s);
    }
}

#[test]
fn schema_public_is_stripped() {
    let t = one("SELECT * FROM public.t JOIN public.u ON t.id = u.id");
    assert_eq!(t.sqlite_sql, "SELECT * FROM t JOIN u ON t.id = u.id");
    assert_eq!(t.tables, vec!["t", "u"]);
}

#[test]
fn cte_names_are_not_tables() {
    assert_eq!(one("WITH c AS (SELECT * FROM t) SELECT * FROM c").tables, vec!["t"]);
}

#[test]
fn json_arrows_become_functions_and_distinct_from_passes_through() {
    assert_eq!(
        out("SELECT data -> 'a', data ->> 'b' FROM t WHERE a IS DISTINCT FROM b"),
        "SELECT pg_json_get(data, 'a') AS \"?column?\", pg_json_get_text(data, 'b') AS \"?column?\" FROM t WHERE a IS DISTINCT FROM b"
    );
}

#[test]
fn distinct_on_is_unsupported() {
    assert_eq!(err("SELECT DISTINCT ON (a) a FROM t").sqlstate, "0A000");
    assert_eq!(out("SELECT DISTINCT a FROM t"), "SELECT DISTINCT a FROM t");
}

#[test]
fn on_conflict_set_gives_column_hint() {
    let t = one("INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = $1");
    assert_eq!(t.param_hints, vec![col(Some("t"), "b")]);
}

#[test]
fn ambiguous_column_table_is_none() {
    let t = one("SELECT * FROM t, u WHERE a = $1 AND u.b = $2");
    assert_eq!(t.param_hints, vec![col(None, "a"), col(Some("u"), "b")]);
}

#[test]
fn parameters_in_subqueries_and_functions() {
    let t = one("SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = $1) AND lower(d) = lower($2)");
    assert_eq!(t.sqlite_sql, "SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = ?1) AND lower(d) = lower(?2)");
    assert_eq!(t.param_hints, vec![col(None, "c"), ParamHint::Unknown]);
}

#[test]
fn session_commands_and_set_config() {
    assert_eq!(one("DISCARD ALL").kind, StatementKind::DiscardAll);
    assert_eq!(out("TABLE t ORDER BY 1"), "SELECT * FROM t ORDER BY 1 NULLS LAST");
    assert_eq!(one("DEALLOCATE ALL").kind, StatementKind::Deallocate(None));
    let t = one("SELECT pg_catalog.set_config('search_path', 'public', false)");
    assert_eq!(t.kind, StatementKind::SetConfig { name: "search_path".into(), value: "public".into(), local: false });
    assert!(t.returns_rows);
    assert_eq!(
        out("SELECT pg_catalog.version(), pg_catalog.lower('A')"),
        "SELECT version() AS \"version\", lower('A') AS \"lower\""
    );
    assert_eq!(one("VACUUM ANALYZE t").kind, StatementKind::NoOp("VACUUM".into()));
}

#[test]
fn localtimestamp_and_current_timestamp_become_now() {
    assert_eq!(out("SELECT LOCALTIMESTAMP"), "SELECT pg_timestamp(now()) AS \"localtimestamp\"");
    assert_eq!(out("SELECT CURRENT_DATE"), "SELECT pg_date(now()) AS \"current_date\"");
}

#[test]
fn select_without_from_and_placeholders_in_projection() {
    let t = one("SELECT $1 || 'x', $2::bool");
    assert_eq!(t.sqlite_sql, "SELECT ?1 || 'x' AS \"?column?\", ?2 AS \"bool\"");
    assert_eq!(t.param_hints, vec![ParamHint::Unknown, ParamHint::Cast(PgType::Bool)]);
    assert!(t.tables.is_empty());
}

#[test]
fn intervals_at_time_zone_and_extract_become_the_datetime_functions() {
    assert_eq!(out("SELECT now() - INTERVAL '1 day'"), "SELECT pg_sub(now(), pg_interval('1 day')) AS \"?column?\"");
    assert_eq!(out("SELECT now() AT TIME ZONE 'UTC'"), "SELECT pg_at_time_zone(now(), 'UTC') AS \"timezone\"");
    assert_eq!(out("SELECT EXTRACT(year FROM d) FROM t"), "SELECT pg_extract('year', d) AS \"extract\" FROM t");
    assert_eq!(out("SELECT INTERVAL '3' DAY"), "SELECT pg_interval('3 day') AS \"interval\"");
    assert_eq!(out("SELECT d::timestamptz FROM t"), "SELECT pg_timestamptz(d) AS \"d\" FROM t");
    assert_eq!(
        out("SELECT make_interval(days => 2)"),
        "SELECT make_interval(0, 0, 0, 2, 0, 0, 0) AS \"make_interval\""
    );
}

#[test]
fn any_and_all_over_array_parameters_and_literals() {
    let t = one("SELECT id FROM t WHERE tag = ANY($1::text[]) AND id <> ALL($2)");
    assert_eq!(
        t.sqlite_sql,
        "SELECT id FROM t WHERE tag IN (SELECT value FROM json_each(?1)) AND id NOT IN (SELECT value FROM json_each(?2))"
    );
    assert_eq!(
        t.param_hints,
        vec![
            ParamHint::ArrayCast(PgType::Text),
            ParamHint::ArrayOfColumn { table: Some("t".into()), column: "id".into() }
        ]
    );
    assert_eq!(
        out("SELECT $2 > ANY('{1,2}'::int[])"),
        "SELECT EXISTS (SELECT 1 FROM (SELECT value AS \"__element\" FROM json_each('[1,2]')) WHERE ?2 > \"__element\") AS \"?column?\""
    );
}
