"""Arrays through psycopg and asyncpg, against a follower of the three-node cluster (see conftest.py): `= ANY(%s)`
and `<> ALL(%s)` with Python lists in psycopg's text and binary formats, `UNNEST` of list parameters in an
INSERT, `array_agg` results read back as lists, and array columns (`text[]`, `int[]`, `numeric(6,2)[]`) written
and read through lists, compared with PostgreSQL 15. asyncpg first looks array types up with its introspection
query (a recursive CTE over `pg_type`, `pg_range` and aggregated `pg_attribute` arrays): its answers and results
are compared with PostgreSQL 15's.
"""

import asyncio
from decimal import Decimal

import asyncpg
import psycopg
import pytest


def follower(cluster):
    return next(i for i, r in sorted(cluster.roles().items()) if r == "Follower")


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg_any_and_unnest_with_lists(cluster, binary):
    node = follower(cluster)
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS arr")
        conn.execute("CREATE TABLE arr (id int PRIMARY KEY, name text, price numeric(6,2))")
        cur = conn.cursor(binary=binary)
        cur.execute(
            "INSERT INTO arr SELECT * FROM UNNEST(%s::int[], %s::text[], %s::numeric[])",
            ([1, 2, 3], ["a", "b", None], [Decimal("1.5"), Decimal("2"), None]),
        )
        assert cur.execute("SELECT id FROM arr WHERE id = ANY(%s) ORDER BY id", ([1, 3, 7],)).fetchall() == [(1,), (3,)]
        assert cur.execute("SELECT id FROM arr WHERE name <> ALL(%s) ORDER BY id", (["a"],)).fetchall() == [(2,)]
        assert cur.execute("SELECT id FROM arr WHERE price = ANY(%s)", ([Decimal("1.50")],)).fetchall() == [(1,)]
        assert cur.execute("SELECT id FROM arr WHERE id = ANY(%s)", ([],)).fetchall() == []


async def asyncpg_answers(dsn):
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS arr_apg")
        await conn.execute("CREATE TABLE arr_apg (id serial PRIMARY KEY, x int, s text, ok boolean)")
        await conn.executemany(
            "INSERT INTO arr_apg (x, s, ok) VALUES ($1, $2, $3)", [(1, "a", True), (2, None, False), (3, "c d", True)]
        )
        return [
            await conn.fetch("SELECT id, x FROM arr_apg WHERE x = ANY($1::int[]) ORDER BY id", [1, 3]),
            await conn.fetch("SELECT x FROM arr_apg WHERE s = ANY($1) ORDER BY x", ["a", "c d"]),
            await conn.fetch(
                "SELECT array_agg(x ORDER BY x) AS xs, array_agg(s ORDER BY x) AS ss, array_agg(ok ORDER BY x) AS oks, "
                "bool_and(ok) AS every_ok, bool_or(ok) AS some_ok FROM arr_apg"
            ),
            await conn.fetch("SELECT array_agg(x) AS none FROM arr_apg WHERE false"),
            await conn.fetch("SELECT v FROM unnest($1::text[]) AS u(v)", ["p", None, "q"]),
            [type(r["id"]) for r in await conn.fetch("SELECT id FROM arr_apg ORDER BY id")],
        ]
    finally:
        await conn.execute("DROP TABLE IF EXISTS arr_apg")
        await conn.close()


def test_asyncpg_arrays_match_postgres(cluster, oracle):
    node = follower(cluster)
    ours = asyncio.run(asyncpg_answers(f"postgresql://raftsql@127.0.0.1:{cluster.pg[node]}/raftsql"))
    theirs = asyncio.run(asyncpg_answers(f"postgresql://raftsql@127.0.0.1:{oracle.port}/raftsql"))
    assert [[tuple(r) for r in rows] if rows and hasattr(rows[0], "items") else rows for rows in ours] == [
        [tuple(r) for r in rows] if rows and hasattr(rows[0], "items") else rows for rows in theirs
    ]
    assert [tuple(r) for r in ours[2]] == [([1, 2, 3], ["a", None, "c d"], [True, False, True], False, True)]


def array_column_answers(conn, binary):
    conn.execute("DROP TABLE IF EXISTS arr_col")
    conn.execute("CREATE TABLE arr_col (id int PRIMARY KEY, tags text[], nums int[], prices numeric(6,2)[])")
    cur = conn.cursor(binary=binary)
    cur.execute(
        "INSERT INTO arr_col VALUES (%s, %s, %s, %s), (%s, %s, %s, %s)",
        (1, ["a", "b c", None], [1, 2, 3], [Decimal("1.5")], 2, [], [4], None),
    )
    out = [
        cur.execute("SELECT * FROM arr_col ORDER BY id").fetchall(),
        cur.execute("SELECT id FROM arr_col WHERE nums @> %s::int[] ORDER BY id", ([2],)).fetchall(),
        cur.execute("SELECT id, nums[1], cardinality(tags) FROM arr_col ORDER BY id").fetchall(),
        cur.execute("UPDATE arr_col SET nums = array_append(nums, %s) WHERE id = 2 RETURNING nums", (5,)).fetchall(),
    ]
    conn.execute("DROP TABLE arr_col")
    return out


@pytest.mark.parametrize("binary", [False, True])
def test_array_columns_match_postgres(cluster, oracle, binary):
    node = follower(cluster)
    with cluster.connect(node, autocommit=True) as ours, psycopg.connect(oracle.dsn(), autocommit=True) as theirs:
        got, want = array_column_answers(ours, binary), array_column_answers(theirs, binary)
    assert got == want
    assert got[0] == [(1, ["a", "b c", None], [1, 2, 3], [Decimal("1.50")]), (2, [], [4], None)]
