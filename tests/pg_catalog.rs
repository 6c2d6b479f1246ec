//! The catalogs against a real PostgreSQL 15: psql's `\d`, `\d+` (tables, views, indexes), `\dt`, `\di`,
//! `\dv`, `\dn`, `\df`, `\dT`, `\ds`, `\d` of sequences, `\dp` and catalog and information_schema queries over the same schema, run through a follower of a
//! three-node cluster and through PostgreSQL, must print the same; `\l`, `\du`, `\dt+` and `\conninfo` print
//! raftsql's one database, user and no sizes. OIDs are the same on every node and survive a restart.

mod cli_support;
mod common;

use std::time::Duration;

use cli_support::oracle::Oracle;
use cli_support::{psql, run};
use common::procs::ProcCluster;

const RUN: Duration = Duration::from_secs(60);

/// A serial column, whose sequence both list (`\ds`), and check, unique and foreign-key constraints for the
/// `information_schema` views (no `\d` of the checked table: its check prints without PostgreSQL's casts). Not
/// compared: `is_insertable_into` of views (PostgreSQL's simple views take writes, SQLite's do not), the names
/// of NOT NULL constraints (they hold table OIDs).
const SCHEMA: &str = r#"create table authors (id bigint primary key, name varchar(100) not null, born date);
create table books (id bigint primary key, author_id bigint references authors (id) on delete cascade,
  title text not null, isbn varchar(13) unique, price numeric, published boolean default false);
create index books_title_idx on books (title);
create table "Mixed Case" ("Key" int not null, note text);
create view cheap as select id, title from books;
create table tagged (id serial primary key, label text not null, score int check (score > 0),
  author_id bigint references authors (id), constraint tagged_uq unique (label, score));
create sequence order_ids start 5 increment 2 maxvalue 1000 cycle;
create sequence small_ids as smallint;
create table orders (id int primary key default nextval('order_ids'::regclass), note text);
alter sequence order_ids owned by orders.id;
"#;

const QUERIES: &str = r#"\dt
\di
\dv
\dn
\dt books
\di books*
\d books
\d authors
\d "Mixed Case"
\d+ books
\d cheap
\d books_pkey
\d+ books_isbn_key
\df
\dT
\ds
\dp
\d order_ids
\d small_ids
\d tagged_id_seq
\d orders
select c.relname, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle, format_type(s.seqtypid, null)
  from pg_sequence s join pg_class c on c.oid = s.seqrelid order by 1;
select table_name, table_type from information_schema.tables where table_schema = 'public' order by 1;
select table_name, column_name, ordinal_position, data_type, is_nullable, character_maximum_length, numeric_precision, udt_name
  from information_schema.columns where table_schema = 'public' order by 1, 3;
select schema_name from information_schema.schemata order by 1;
select c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
  from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid
  where c.relnamespace = 'public'::regnamespace and a.attnum > 0 and c.relkind = 'r' order by 1, a.attnum;
select conname, contype, conkey, confkey, confdeltype from pg_constraint where conrelid = 'books'::regclass order by 1;
select c.relname, i.indisunique, i.indisprimary, i.indkey from pg_index i join pg_class c on c.oid = i.indexrelid
  join pg_class t on t.oid = i.indrelid where t.relname = 'books' order by 1;
select typname, typlen from pg_type where oid in (16, 20, 23, 25, 1043, 1700) order by oid;
select nspname from pg_namespace where nspname !~ '^pg_t' order by 1;
select quote_ident('plain'), quote_ident('Mixed Case'), pg_catalog.pg_encoding_to_char(6);
select current_schemas(true), current_schemas(false);
select count(*) from pg_catalog.pg_database where datname = current_database();
select relname from pg_class where relname ~ '^b' and relkind = 'r';
select constraint_name, table_name, constraint_type, is_deferrable, initially_deferred, enforced, nulls_distinct
  from information_schema.table_constraints where table_schema = 'public' and constraint_name !~ 'not_null$'
  order by 2, 3, 1;
select table_name, count(*) from information_schema.table_constraints where table_schema = 'public' and constraint_name ~ 'not_null$'
  group by 1 order by 1;
select constraint_name, table_name, column_name, ordinal_position, position_in_unique_constraint
  from information_schema.key_column_usage where table_schema = 'public' order by 2, 1, 4;
select constraint_name, unique_constraint_name, match_option, update_rule, delete_rule
  from information_schema.referential_constraints order by 1;
select column_name, column_default, data_type, is_identity from information_schema.columns
  where table_name = 'tagged' order by ordinal_position;
select conname, contype, conkey from pg_constraint where conrelid = 'tagged'::regclass order by 1;
create table priced (id int, price numeric(10,2));
insert into priced values (1, 10.50);
select coalesce(price, 0) as p, price * 2 as d, -price as n, id + 1 as i from priced;
"#;

fn script(port: u16, sql: &str) -> String {
    let out = run(psql(port).args(["-v", "ON_ERROR_STOP=0", "-f", "-"]), Some(sql), RUN);
    format!("{}\n--- stderr ---\n{}", out.stdout, out.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn psql_and_catalog_queries_match_postgresql() {
    let oracle = Oracle::start();
    let mut cluster = ProcCluster::start(3).await;
    let follower = cluster.follower().await;
    let port = cluster.nodes[follower as usize - 1].pg_port;
    assert_eq!(script(port, SCHEMA), script(oracle.port, SCHEMA));
    let ours = script(port, QUERIES);
    let theirs = script(oracle.port, QUERIES);
    assert_eq!(ours, theirs, "raftsql (left) and PostgreSQL 15 (right) printed differently");
    for line in [
        " public | authors    | table | raftsql",
        " public | books_pkey      | index | raftsql | books",
        " public | cheap | view | raftsql",
        " public | pg_database_owner",
        "    \"books_pkey\" PRIMARY KEY, btree (id)",
        "    \"books_isbn_key\" UNIQUE CONSTRAINT, btree (isbn)",
        "    TABLE \"books\" CONSTRAINT \"books_author_id_fkey\" FOREIGN KEY (author_id) REFERENCES authors(id) ON DELETE CASCADE",
        " published | boolean               |           |          | false   | plain    |",
        "primary key, btree, for table \"public.books\"",
        " books_author_id_fkey | f       | {2}    | {1}     | c",
        " books      | isbn        |                4 | character varying | YES         |                       13 |",
        " plain       | \"Mixed Case\" | UTF8",
    ] {
        assert!(ours.contains(line), "missing {line:?} in:\n{ours}");
    }

    // What cannot match PostgreSQL's own cluster: one database, the session's user, no sizes (see the README).
    let own = script(port, "\\l\n\\du\n\\dt+ books\n\\conninfo\n");
    for line in [
        " raftsql | raftsql | UTF8     | C       | C     |            | libc            | ",
        " raftsql   | Superuser, Create role, Create DB | {}",
        " public | books | table | raftsql | permanent   | heap          | 0 bytes | ",
        &format!(
            "You are connected to database \"raftsql\" as user \"raftsql\" on host \"127.0.0.1\" at port \"{port}\"."
        ),
    ] {
        assert!(own.contains(line), "missing {line:?} in:\n{own}");
    }

    // Inside a write transaction the catalogs are read on the leader's writer, with the transaction's own DDL.
    let c = cluster.pg_client(follower).await;
    c.batch_execute("BEGIN; CREATE TABLE in_txn (k int PRIMARY KEY, v text)").await.unwrap();
    let rows = c
        .query(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'in_txn'::regclass AND attnum > 0 ORDER BY attnum",
            &[],
        )
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["k", "v"]);
    c.batch_execute("ROLLBACK").await.unwrap();

    // The same OIDs on every node, and after a restart.
    let oids = "select relname, oid from pg_class order by 1;";
    let before: Vec<String> = (1..=3).map(|id| script(cluster.nodes[id - 1].pg_port, oids)).collect();
    assert!(before.iter().all(|o| *o == before[0]), "{before:?}");
    cluster.kill(follower);
    cluster.start_node(follower);
    cluster.wait_ready().await;
    assert_eq!(script(port, oids), before[0]);
}
