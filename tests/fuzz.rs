//! Fuzzing of everything that decodes bytes or text from outside: the cluster RPC (handshake, frames,
//! messages), the SQL dialect translator (COPY, session commands and catalog queries included), COPY data in
//! every format, and the PostgreSQL parameter decoders, plus the value encoders. Each
//! input must end in a result or a clean error: no panic, no abort, and memory bounded (a counting allocator
//! measures each input's peak). Random and mutated inputs from a seeded generator; CI runs a bounded number
//! (`RAFTSQL_FUZZ_ITERATIONS`, default 1500 per target), longer runs are one variable away. A failure prints
//! the seed (`RAFTSQL_FUZZ_SEED` replays it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

mod common;

use common::rng::Rng;
use pgwire::api::Type;
use raftsql::db::{Statement, Value};
use raftsql::pg::types::{decode_param, encode_binary, encode_text};
use raftsql::raft::rpc::{AdminRequest, LeaderRequest, RpcRequest};
use raftsql::raft::wire::{self, ClusterSecret, MAX_FRAME};

/// Counts the bytes each thread has allocated and its peak, so that an input's memory can be bounded.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let _ = LIVE.try_with(|l| {
                let now = l.get() + layout.size();
                l.set(now);
                let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
            });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(layout.size())));
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns how many bytes this thread had allocated at most meanwhile, above what it had before.
fn peak_of<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(base));
    let out = f();
    (out, PEAK.with(|p| p.get()).saturating_sub(base))
}

/// Fuzzing helpers on top of the tests' seeded generator.
trait Fuzz {
    fn new(label: &str) -> Self;
    fn under(&mut self, n: usize) -> usize;
    fn bytes(&mut self, max: usize) -> Vec<u8>;
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T;
    fn mutate(&mut self, input: &[u8]) -> Vec<u8>;
}

impl Fuzz for Rng {
    fn new(label: &str) -> Rng {
        Rng::from_env("RAFTSQL_FUZZ_SEED", &format!("fuzz {label}"))
    }
    fn under(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.under(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.under(items.len())]
    }
    /// `input` with a few random edits: flipped bytes, insertions, deletions, truncation, huge varints.
    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.under(4) {
            match self.under(6) {
                0 if !out.is_empty() => {
                    let i = self.under(out.len());
                    out[i] ^= 1 << self.under(8);
                }
                1 => {
                    let i = self.under(out.len() + 1);
                    let b = self.next() as u8;
                    out.insert(i, b);
                }
                2 if !out.is_empty() => {
                    let i = self.under(out.len());
                    out.remove(i);
                }
                3 => out.truncate(self.under(out.len() + 1)),
                4 => {
                    // A length claiming petabytes, bincode's varint for u64.
                    let i = self.under(out.len() + 1);
                    let mut huge = vec![0xFD];
                    huge.extend_from_slice(&(1u64 << (40 + self.under(20))).to_le_bytes());
                    out.splice(i..i, huge);
                }
                _ => {
                    let i = self.under(out.len() + 1);
                    let j = (i + self.under(8)).min(out.len());
                    out.drain(i..j);
                }
            }
        }
        out
    }
}

fn iterations() -> usize {
    std::env::var("RAFTSQL_FUZZ_ITERATIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(1500)
}

fn valid_requests() -> Vec<Vec<u8>> {
    let reqs = [
        RpcRequest::Leader(LeaderRequest::Write(vec![Statement::new(
            "INSERT INTO t VALUES (?1, ?2)",
            vec![Value::Integer(1), Value::Blob(vec![1, 2, 3])],
        )])),
        RpcRequest::Leader(LeaderRequest::ReadIndex),
        RpcRequest::Leader(LeaderRequest::RemoveNode(3)),
        RpcRequest::Admin(AdminRequest::Status),
        RpcRequest::Admin(AdminRequest::SetElections { on: false, for_ms: 1000 }),
        RpcRequest::Admin(AdminRequest::Join { id: 4, node: Default::default(), voter: true }),
    ];
    reqs.iter().map(|r| raftsql::codec::encode(r).unwrap()).collect()
}

#[test]
fn rpc_message_decoder() {
    let mut rng = Rng::new("rpc messages");
    let corpus = valid_requests();
    for i in 0..iterations() {
        let input = if i % 3 == 0 {
            rng.bytes(64)
        } else {
            let base = corpus[rng.under(corpus.len())].clone();
            rng.mutate(&base)
        };
        let (_, peak) = peak_of(|| raftsql::codec::decode_message::<RpcRequest>(&input).is_ok());
        // The decoder may allocate what the bytes announce, never more than a frame.
        assert!(peak <= MAX_FRAME + (1 << 20), "{} bytes of input allocated {peak} bytes", input.len());
        let _ = raftsql::codec::decode_message::<raftsql::raft::rpc::RpcResponse>(&input);
    }
}

#[tokio::test]
async fn handshake_and_frames() {
    let mut rng = Rng::new("handshake and frames");
    let secret = ClusterSecret::new(b"fuzzing-cluster-secret");
    for _ in 0..iterations() / 3 {
        let junk = rng.bytes(200);
        let (mut a, mut b) = tokio::io::duplex(1024);
        let server = tokio::spawn({
            let secret = secret.clone();
            async move { tokio::time::timeout(Duration::from_secs(5), wire::handshake_server(&mut b, &secret, 1)).await }
        });
        use tokio::io::AsyncWriteExt;
        let _ = a.write_all(&junk).await;
        drop(a);
        let outcome = server.await.expect("no panic");
        assert!(!matches!(outcome, Ok(Ok(_))), "random bytes passed the handshake");
        // Frames: a length (sometimes huge) and a body.
        let mut frame = rng.bytes(12);
        if rng.under(2) == 0 {
            frame.splice(0..0, (rng.next() as u32).to_be_bytes());
        }
        let mut reader = &frame[..];
        let (r, peak) =
            peak_of(|| futures::executor::block_on(wire::read_frame(&mut reader, Duration::from_millis(100))));
        if let Ok(Some(body)) = r {
            assert!(body.len() <= MAX_FRAME);
        }
        assert!(peak <= MAX_FRAME + (1 << 20));
    }
}

const SQL_CORPUS: &[&str] = &[
    "SELECT a, b FROM t WHERE a = $1 AND b LIKE 'x%' ORDER BY 1 LIMIT 10",
    "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING a",
    "UPDATE t SET b = b || 'x' WHERE a IN (SELECT a FROM u WHERE c > 3)",
    "DELETE FROM t WHERE a BETWEEN 1 AND 10",
    "CREATE TABLE IF NOT EXISTS t (id SERIAL PRIMARY KEY, v NUMERIC(10,2) DEFAULT 0, ts TIMESTAMPTZ DEFAULT now())",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5) SELECT sum(x) FROM c",
    "BEGIN; SAVEPOINT s; ROLLBACK TO s; COMMIT",
    "SET statement_timeout = '5s'",
    "SELECT $1::int8 + 2, 'a''b', E'\\n', $$dollar$$, x'ff'::bytea",
    "ALTER TABLE t ADD COLUMN c TEXT; DROP TABLE a, b",
    "SELECT count(*) FROM raftsql_nodes WHERE NOT is_leader",
    "SELECT * FROM t1 JOIN t2 ON t1.a = t2.a LEFT JOIN t3 USING (b) GROUP BY 1 HAVING count(*) > 1",
    "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ';', QUOTE '''', FORCE_NOT_NULL (a))",
    "COPY (SELECT a FROM t WHERE b ~ '^x') TO STDOUT WITH CSV HEADER FORCE QUOTE *",
    "PREPARE q (int, text) AS SELECT * FROM t WHERE a = $1; EXECUTE q(1 + 2, 'x'); DEALLOCATE ALL",
    "DECLARE c SCROLL CURSOR WITH HOLD FOR SELECT 1; FETCH BACKWARD 2 FROM c; MOVE ABSOLUTE -1 IN c; CLOSE c",
    "SELECT c.relname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_class c JOIN pg_attribute a ON a.attrelid = c.oid WHERE c.oid = 'public.t'::regclass AND c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default",
    "SELECT array_to_string(array(select rolname from pg_roles where oid = any (pol.polroles) order by 1), ',') FROM pg_policy pol",
    "INSERT INTO t (a) SELECT p0::INTEGER FROM (VALUES ($1, 0), ($2, 1)) AS imp(p0, n) ORDER BY n RETURNING t.a",
    "SELECT g FROM generate_series(1, $1, -2) AS g, unnest(x.conkey) AS k",
    "SELECT round(a * 1.5, 2), sum(b) OVER (ORDER BY c), -x, ceil(-2.5) FROM t WHERE a * 2 BETWEEN 0.5 AND 1e3 ORDER BY a / 3 DESC",
    "SELECT 'a_b' LIKE 'a\\_%', name ILIKE $1, 12345678901234567890123::numeric(30,2) > avg(v) FROM t GROUP BY name",
    "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0), ALTER COLUMN b TYPE numeric(5,1) USING b::numeric, DROP CONSTRAINT IF EXISTS x",
    "INSERT INTO t (a, b) SELECT * FROM UNNEST($1::varchar[], '{1,2}'::int[]) RETURNING a; LOCK TABLE t IN SHARE MODE NOWAIT",
    "SELECT doc -> 'a' ->> 0, doc #> '{a,b}', doc @> '{\"a\": 1}'::jsonb, doc ? 'k' FROM t FOR UPDATE SKIP LOCKED",
    "EXPLAIN SELECT regexp_replace(a, '(x)', '\\1', 'g'), left(b, -2), split_part(c, ',', 2) FROM t ORDER BY 1 DESC",
    "CREATE SEQUENCE IF NOT EXISTS public.s AS int START WITH -5 INCREMENT BY 2 NO MINVALUE MAXVALUE 9 CYCLE OWNED BY t.a",
    "ALTER SEQUENCE s RESTART WITH 3 CACHE 10; DROP SEQUENCE IF EXISTS s, u CASCADE; SELECT setval('s', 5, false)",
    "SELECT id, unnest(tags), nextval('s'::regclass) FROM t; SELECT generate_series(1, id) FROM t, currval('s'), lastval()",
    "SELECT e, k FROM t, jsonb_array_elements(t.doc) AS e, json_object_keys(t.j) k, generate_series(t.a, 9) g",
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS c timestamptz NOT NULL DEFAULT now(), ALTER COLUMN d SET DEFAULT lower('X')",
];

const SQL_TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "(",
    ")",
    ",",
    ";",
    "'",
    "\"",
    "$1",
    "$99999999999",
    "::",
    "::int",
    "||",
    "*",
    "-",
    "--",
    "/*",
    "*/",
    "$$",
    "E'",
    "\\",
    "1e999999",
    "-9223372036854775809",
    "NULL",
    "ARRAY[",
    "]",
    "CASE",
    "WHEN",
    "THEN",
    "END",
    "IN",
    "LIKE",
    "ILIKE",
    "JOIN",
    "ON",
    "INSERT INTO",
    "VALUES",
    "RETURNING",
    "CREATE TABLE",
    "DROP",
    "ALTER",
    "SET",
    "SHOW",
    "RESET",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "x",
    "now()",
    "count(*)",
    "SEQUENCE",
    "nextval('s')",
    "unnest(",
    "generate_series(",
    "OWNED BY",
    "DEFAULT",
    "\u{0}",
    "\u{FEFF}",
    "é",
    "🎉",
];

#[test]
fn dialect_translator() {
    // Deep nesting just under, at and over the length translated on the caller's stack (this test's thread has
    // 2 MiB): 37 `NOT`s used to overflow it and abort the process.
    for depth in [10, 14, 15, 16, 17, 37, 60, 500] {
        for (open, close) in [("NOT ", ""), ("-", ""), ("(", ")"), ("(SELECT ", ")"), ("CASE WHEN true THEN ", " END")]
        {
            let sql = format!("SELECT {}1{}", open.repeat(depth), close.repeat(depth));
            let _ = raftsql::pg::dialect::translate(&sql);
        }
    }
    let mut rng = Rng::new("dialect translator");
    for i in 0..iterations() {
        let sql = match i % 3 {
            0 => {
                let base = SQL_CORPUS[rng.under(SQL_CORPUS.len())].as_bytes().to_vec();
                String::from_utf8_lossy(&rng.mutate(&base)).into_owned()
            }
            1 => (0..rng.under(40)).map(|_| *rng.pick(SQL_TOKENS)).collect::<Vec<_>>().join(" "),
            _ => {
                // Deep nesting: parentheses, unary minus, long operator chains.
                let depth = rng.under(3000);
                let open = rng.pick(&["(", "-", "NOT ", "(SELECT "]).repeat(depth);
                format!("SELECT {open}1{}", ")".repeat(rng.under(depth + 1)))
            }
        };
        if let Ok(path) = std::env::var("RAFTSQL_FUZZ_LAST_INPUT") {
            // Written before each input, so that an abort leaves the culprit behind.
            std::fs::write(path, &sql).unwrap();
        }
        let (_, peak) = peak_of(|| raftsql::pg::dialect::translate(&sql).is_ok());
        assert!(peak < (256 << 20), "{} bytes of SQL took {peak} bytes", sql.len());
    }
}

/// Valid COPY data in each format, for mutation.
fn copy_corpus() -> Vec<(&'static str, Vec<u8>)> {
    use raftsql::pg::copy::writer::{binary_header, binary_trailer};
    let mut binary = binary_header();
    for i in 0..3i32 {
        binary.extend_from_slice(&2i16.to_be_bytes());
        binary.extend_from_slice(&4i32.to_be_bytes());
        binary.extend_from_slice(&i.to_be_bytes());
        binary.extend_from_slice(&(-1i32).to_be_bytes());
    }
    binary.extend(binary_trailer());
    vec![
        ("COPY t (a, b) FROM STDIN", b"1\tx\n2\t\\N\n3\ttab\\there\\x41\\101\n\\.\n".to_vec()),
        ("COPY t (a, b) FROM STDIN (FORMAT csv, HEADER)", b"a,b\n1,\"multi\nline \"\"q\"\"\"\n2,\n".to_vec()),
        ("COPY t (a, b) FROM STDIN (FORMAT csv, QUOTE '''', ESCAPE '\\', FORCE_NULL (b))", b"1,'it\\'s'\n".to_vec()),
        ("COPY t (a, b) FROM STDIN (FORMAT binary)", binary),
    ]
}

#[test]
fn copy_reader() {
    use raftsql::pg::copy::reader::RowReader;
    use raftsql::pg::dialect::StatementKind;
    let corpus = copy_corpus();
    let mut rng = Rng::new("copy reader");
    for _ in 0..iterations() {
        let (sql, data) = &corpus[rng.under(corpus.len())];
        let StatementKind::Copy(copy) = raftsql::pg::dialect::translate(sql).unwrap().remove(0).kind else {
            panic!("{sql}")
        };
        let data = rng.mutate(data);
        let columns = vec!["a".to_string(), "b".to_string()];
        let (_, peak) = peak_of(|| {
            let mut reader = RowReader::new(copy.options.clone(), columns.clone());
            let mut at = 0;
            let mut rows = 0usize;
            loop {
                let end = (at + 1 + rng.under(64)).min(data.len());
                reader.push(&data[at..end]);
                at = end;
                let done = at == data.len();
                let mut failed = false;
                loop {
                    match reader.next_row(done) {
                        Ok(Some(_)) => rows += 1,
                        Ok(None) => break,
                        Err(_) => {
                            failed = true;
                            break;
                        }
                    }
                }
                if failed || done {
                    break;
                }
            }
            rows
        });
        assert!(peak < (16 << 20), "{} bytes of COPY data took {peak} bytes", data.len());
    }
}

const TYPES: &[Type] = &[
    Type::BOOL,
    Type::BPCHAR,
    Type::BYTEA,
    Type::DATE,
    Type::FLOAT4,
    Type::FLOAT8,
    Type::INT2,
    Type::INT4,
    Type::INT8,
    Type::JSON,
    Type::JSONB,
    Type::NAME,
    Type::NUMERIC,
    Type::TEXT,
    Type::TIME,
    Type::TIMESTAMP,
    Type::TIMESTAMPTZ,
    Type::UUID,
    Type::VARCHAR,
];

#[test]
fn parameter_decoders_and_value_encoders() {
    let mut rng = Rng::new("parameter decoders");
    let texts: &[&[u8]] = &[
        b"1",
        b"-0",
        b"1e308",
        b"NaN",
        b"t",
        b"2024-02-30",
        b"24:00:00",
        b"2024-01-01 12:00:00+02",
        b"{}",
        b"123.456",
        b"\\x00ff",
        b"00000000-0000-0000-0000-000000000000",
        b"infinity",
        b"  ",
    ];
    for i in 0..iterations() * 2 {
        let ty = rng.pick(TYPES).clone();
        let binary = rng.under(2) == 0;
        let bytes = if i % 2 == 0 {
            rng.bytes(24)
        } else {
            let base = texts[rng.under(texts.len())];
            rng.mutate(base)
        };
        let (decoded, peak) = peak_of(|| decode_param(Some(&bytes), binary, &ty));
        assert!(peak < (1 << 20), "{ty} from {} bytes took {peak} bytes", bytes.len());
        // Whatever decoded encodes back in both formats without panicking.
        if let Ok(v) = decoded {
            let _ = encode_text(&v, &ty);
            let _ = encode_binary(&v, &ty);
        }
        let _ = decode_param(None, binary, &ty);
        // And any stored value, in any declared type.
        let v = match rng.under(5) {
            0 => Value::Integer(rng.next() as i64),
            1 => Value::Real(f64::from_bits(rng.next())),
            2 => Value::Text(String::from_utf8_lossy(&rng.bytes(16)).into_owned()),
            3 => Value::Blob(rng.bytes(16)),
            _ => Value::Null,
        };
        let _ = encode_text(&v, &ty);
        let _ = encode_binary(&v, &ty);
    }
}

#[test]
fn decimal_arithmetic_and_collation() {
    use raftsql::db::decimal::Decimal;
    use raftsql::db::numeric_functions::collate;
    let mut rng = Rng::new("decimal arithmetic");
    let seeds: &[&[u8]] = &[
        b"12345678901234567890.123456789",
        b"-0.000001",
        b"1e131071",
        b"9e-16383",
        b"NaN",
        b"-Infinity",
        b"1.5e-1000000",
        b"0",
    ];
    let parse = |b: &[u8]| Decimal::parse(&String::from_utf8_lossy(b));
    for _ in 0..iterations() {
        let (i, j) = (rng.under(seeds.len()), rng.under(seeds.len()));
        let (a, b) = (rng.mutate(seeds[i]), rng.mutate(seeds[j]));
        let ((x, y), peak) = peak_of(|| (parse(&a), parse(&b)));
        assert!(peak < (1 << 20), "parsing {} and {} bytes took {peak} bytes", a.len(), b.len());
        let (sa, sb) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
        assert_eq!(collate(&sa, &sb), collate(&sb, &sa).reverse(), "{sa:?} {sb:?}");
        if let (Ok(x), Ok(y)) = (x, y) {
            let (_, peak) = peak_of(|| {
                let _ = (x.add(&y), x.mul(&y), x.div(&y), x.rem(&y), x.round(rng_digits(&sa)), x.with_typmod(10, 2));
            });
            assert!(peak < (4 << 20), "arithmetic on {sa:?} and {sb:?} took {peak} bytes");
        }
    }
}

/// A rounding position from the input's length, negative and positive.
fn rng_digits(s: &str) -> i64 {
    s.len() as i64 * 37 % 4001 - 2000
}

#[test]
fn jsonb_canonical_form_and_lookups() {
    use raftsql::db::json;
    let mut rng = Rng::new("jsonb");
    let seeds: &[&[u8]] = &[
        br#"{"b": 1, "a": {"y": [1, 2.50, {"z": null}], "x": "s\u00e9"}}"#,
        b"[1e308, -0, 123456789012345678901234567890.5, [], {}]",
        br#""\ud83d\ude00 \t""#,
        b"[[[[[[[[[[1]]]]]]]]]]",
    ];
    for _ in 0..iterations() {
        let i = rng.under(seeds.len());
        let bytes = rng.mutate(seeds[i]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (parsed, peak) = peak_of(|| json::parse(&text).map(|v| (json::canonical(&v), v)));
        assert!(peak < (1 << 20), "{} bytes took {peak} bytes", bytes.len());
        if let Some((canonical, value)) = parsed {
            // Canonical text is a fixed point and contains itself.
            let again = json::parse(&canonical).expect("canonical text parses");
            assert_eq!(json::canonical(&again), canonical, "{text:?}");
            assert!(json::contains(&value, &again), "{text:?}");
        }
    }
}
