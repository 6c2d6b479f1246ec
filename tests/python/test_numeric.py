"""Exact numerics through the drivers, against a follower of the three-node cluster (see conftest.py): Decimal
parameters with more digits than a double keeps, in psycopg's text and binary formats and asyncpg's binary
format, come back digit for digit (scale included) from every node; `numeric(p,s)` rounds to its scale and
refuses what does not fit with 22003; sums are exact.
"""

import asyncio
import decimal
from decimal import Decimal

import asyncpg
import psycopg
import psycopg.errors as E
import pytest

# Python's default context keeps 28 digits: the expected values are computed with more.
decimal.getcontext().prec = 100

VALUES = [
    Decimal("12345678901234567890.123456789012345678"),
    Decimal("0.1"),
    Decimal("-0.000000000000000000000000000001"),
    Decimal("99999999999999999999999999999999999999"),
    Decimal("1.50"),
]


def follower(cluster):
    return next(i for i, r in sorted(cluster.roles().items()) if r == "Follower")


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg_decimals_round_trip_exactly(cluster, binary):
    node = follower(cluster)
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS money")
        conn.execute("CREATE TABLE money (id int PRIMARY KEY, amount numeric, price numeric(12,2))")
        cur = conn.cursor(binary=binary)
        for i, v in enumerate(VALUES):
            cur.execute("INSERT INTO money VALUES (%s, %s, %s)", (i, v, Decimal("2.345")))
        assert cur.execute("SELECT %s::numeric", (VALUES[0],)).fetchone()[0] == VALUES[0]
        with pytest.raises(E.NumericValueOutOfRange):
            cur.execute("INSERT INTO money VALUES (%s, %s, %s)", (99, 1, Decimal("12345678901.5")))
    for reader in cluster.ids:
        with cluster.connect(reader) as conn:
            cur = conn.cursor(binary=binary)
            got = cur.execute("SELECT amount, price FROM money ORDER BY id").fetchall()
            assert got == [(v, Decimal("2.35")) for v in VALUES]
            assert str(got[4][0]) == "1.50"
            total = cur.execute("SELECT sum(amount), sum(price) FROM money").fetchone()
            assert total == (sum(VALUES), Decimal("11.75"))
            assert cur.execute("SELECT id FROM money WHERE amount = %s", (Decimal("0.10"),)).fetchall() == [(1,)]


def test_asyncpg_decimals_round_trip_exactly(cluster):
    node = follower(cluster)

    async def run():
        conn = await asyncpg.connect(f"postgresql://raftsql@127.0.0.1:{cluster.pg[node]}/raftsql")
        try:
            await conn.execute("DROP TABLE IF EXISTS ledger")
            await conn.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount numeric(40,18))")
            await conn.executemany("INSERT INTO ledger VALUES ($1, $2)", [(i, v) for i, v in enumerate(VALUES[:3])])
            rows = await conn.fetch("SELECT amount FROM ledger ORDER BY id")
            assert [r[0] for r in rows] == [v.quantize(Decimal("1e-18")) for v in VALUES[:3]]
            assert await conn.fetchval("SELECT sum(amount) * 3 FROM ledger") == sum(
                v.quantize(Decimal("1e-18")) for v in VALUES[:3]
            ) * 3
        finally:
            await conn.close()

    asyncio.run(run())
