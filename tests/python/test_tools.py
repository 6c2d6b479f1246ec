"""COPY and cursors through the Python drivers people use, against a follower of the three-node cluster (see
conftest.py): psycopg 3's `cursor.copy()` (text rows, binary rows, COPY TO), named (server-side) cursors,
`rollback()` after an error with server-side prepared statements (psycopg then sends DEALLOCATE), psycopg2's
`copy_expert`/`copy_from`, asyncpg's `copy_records_to_table` (binary COPY), `copy_to_table`, `copy_from_table`
and `copy_from_query`. Every row
written through one node is read back through another.
"""

import asyncio
import io

import asyncpg
import psycopg
import psycopg.errors as E
import psycopg2
import pytest


def follower(cluster):
    roles = cluster.roles()
    return next(i for i, r in sorted(roles.items()) if r == "Follower")


def reader(cluster, node):
    return node % 3 + 1


@pytest.fixture
def table(cluster):
    node = follower(cluster)
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS tools")
        conn.execute("CREATE TABLE tools (id int PRIMARY KEY, name text, score numeric, ok boolean)")
    return node


def rows(cluster, node, sql):
    with cluster.connect(node) as conn:
        return conn.execute(sql).fetchall()


def test_psycopg_copy_in_out_and_binary(cluster, table):
    with cluster.connect(table, autocommit=True) as conn:
        with conn.cursor() as cur:
            with cur.copy("COPY tools (id, name, score, ok) FROM STDIN") as copy:
                for i in range(1, 1001):
                    copy.write_row((i, f"n{i}", i / 4, i % 2 == 0))
            assert cur.rowcount == 1000
            with cur.copy("COPY tools (id, name) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "text"])
                copy.write_row((5000, "binary"))
            assert cur.rowcount == 1
            with cur.copy("COPY (SELECT id, name, ok FROM tools WHERE id <= 2 ORDER BY id) TO STDOUT") as copy:
                out = list(copy.rows())
            assert out == [("1", "n1", "f"), ("2", "n2", "t")]
            # A bad row fails the whole COPY, with PostgreSQL's error and line.
            with pytest.raises(E.InvalidTextRepresentation) as err:
                with cur.copy("COPY tools (id, name) FROM STDIN") as copy:
                    copy.write(b"6000\tfine\nnot-a-number\tbad\n")
            assert err.value.diag.context == 'COPY tools, line 2, column id: "not-a-number"'
    assert rows(cluster, reader(cluster, table), "SELECT count(*), sum(score) FROM tools") == [(1001, 125125)]


def test_psycopg_named_cursor_and_rollback_after_an_error(cluster, table):
    with cluster.connect(table, autocommit=True) as conn:
        conn.execute("INSERT INTO tools (id, name) SELECT g, 'x' || g FROM generate_series(1, 250) AS g")
    with cluster.connect(table) as conn:
        with conn.cursor(name="walk") as cur:
            cur.itersize = 100
            cur.execute("SELECT id FROM tools ORDER BY id")
            assert [r[0] for r in cur] == list(range(1, 251))
        conn.commit()
    # Server-side prepared statements from the first use, then an error: psycopg deallocates and goes on.
    with cluster.connect(table, prepare_threshold=0) as conn:
        for i in range(3):
            assert conn.execute("SELECT name FROM tools WHERE id = %s", (i + 1,)).fetchone() == (f"x{i + 1}",)
        with pytest.raises(E.DivisionByZero):
            conn.execute("SELECT 1 / 0")
        conn.rollback()
        assert conn.execute("SELECT name FROM tools WHERE id = %s", (7,)).fetchone() == ("x7",)


def test_psycopg2_copy_expert_and_copy_from(cluster, table):
    conn = psycopg2.connect(cluster.dsn(table))
    try:
        cur = conn.cursor()
        cur.copy_expert("COPY tools (id, name) FROM STDIN WITH CSV HEADER", io.StringIO('id,name\n1,a\n2,"b,c"\n'))
        cur.copy_from(io.StringIO("3\tx\n4\t\\N\n"), "tools", columns=("id", "name"))
        conn.commit()
        out = io.StringIO()
        cur.copy_expert("COPY (SELECT id, name FROM tools ORDER BY id) TO STDOUT WITH CSV", out)
        assert out.getvalue() == '1,a\n2,"b,c"\n3,x\n4,\n'
    finally:
        conn.close()
    assert rows(cluster, reader(cluster, table), "SELECT count(*) FROM tools WHERE name IS NULL") == [(1,)]


def test_asyncpg_copy_records_tables_and_queries(cluster, table):
    async def run():
        conn = await asyncpg.connect(f"postgresql://raftsql@127.0.0.1:{cluster.pg[table]}/raftsql")
        try:
            status = await conn.copy_records_to_table(
                "tools", records=[(1, "as", 1.5, True), (2, None, None, False)], columns=["id", "name", "score", "ok"]
            )
            assert status == "COPY 2"
            buf = io.BytesIO()
            status = await conn.copy_from_query("SELECT id, name FROM tools ORDER BY id", output=buf)
            assert (status, buf.getvalue()) == ("COPY 2", b"1\tas\n2\t\\N\n")
            # copy_to_table: a file's text (here CSV) into a table; copy_from_table: a table out.
            source = io.BytesIO(b'3,"c, d",2.5,t\n4,,,f\n')
            status = await conn.copy_to_table(
                "tools", source=source, columns=["id", "name", "score", "ok"], format="csv"
            )
            assert status == "COPY 2"
            out = io.BytesIO()
            status = await conn.copy_from_table("tools", output=out, columns=["id", "name"], format="csv")
            assert (status, out.getvalue()) == ("COPY 4", b'1,as\n2,\n3,"c, d"\n4,\n')
        finally:
            await conn.close()

    asyncio.run(run())
    assert rows(cluster, reader(cluster, table), "SELECT id, ok FROM tools ORDER BY id") == [
        (1, True),
        (2, False),
        (3, True),
        (4, False),
    ]


def test_asyncpg_typed_queries_and_prepared_statements(cluster, table):
    import datetime
    from decimal import Decimal

    async def run():
        conn = await asyncpg.connect(f"postgresql://raftsql@127.0.0.1:{cluster.pg[table]}/raftsql")
        try:
            await conn.execute("DROP TABLE IF EXISTS typed")
            await conn.execute(
                "CREATE TABLE typed (id int PRIMARY KEY, n numeric, t text, ts timestamptz, b boolean, f float8, d date)"
            )
            ts = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
            await conn.execute(
                "INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7)",
                1, Decimal("1.25"), "x", ts, True, 1.5, datetime.date(2024, 1, 2),
            )
            row = await conn.fetchrow("SELECT * FROM typed WHERE id = $1", 1)
            assert tuple(row) == (1, Decimal("1.25"), "x", ts, True, 1.5, datetime.date(2024, 1, 2))
            statement = await conn.prepare("SELECT id, t FROM typed WHERE b = $1")
            assert [(a.name, a.type.name) for a in statement.get_attributes()] == [("id", "int4"), ("t", "text")]
            assert [tuple(r) for r in await statement.fetch(True)] == [(1, "x")]
            assert await conn.fetchval("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1", "typed") == 1
        finally:
            await conn.close()

    asyncio.run(run())
