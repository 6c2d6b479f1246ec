"""Array parameters through psycopg, against a follower of the three-node cluster (see conftest.py): `= ANY(%s)`
and `<> ALL(%s)` with Python lists in psycopg's text and binary formats, and `UNNEST` of list parameters in an
INSERT. (asyncpg looks array types up with a catalog query that aggregates arrays: not yet.)
"""

from decimal import Decimal

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
