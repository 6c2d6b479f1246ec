"""psycopg 3 against a three-node raftsql cluster (see conftest.py): parameters of every common Python type
round-trip through INSERT ... %s and SELECT (text and binary results), `conn.transaction()` commits and
rolls back (also nested, as savepoints), an error inside a transaction makes the next statement fail with
InFailedSqlTransaction, exact SQLSTATEs as psycopg's exception classes, executemany read back through another
node, autocommit mode, and the server version. Every test runs through each node: the leader and both
followers must behave the same.
"""

import datetime
from decimal import Decimal

import psycopg
import psycopg.errors as E
import pytest
from psycopg.pq import TransactionStatus

NODE_IDS = [1, 2, 3]
by_node = pytest.mark.parametrize("node", NODE_IDS, ids=[f"node{i}" for i in NODE_IDS])


def other(node):
    """Another node than `node`, to read what `node` wrote."""
    return node % len(NODE_IDS) + 1


def test_cluster_has_one_leader_and_two_followers(cluster):
    roles = cluster.roles()
    assert sorted(roles.values()) == ["Follower", "Follower", "Leader"], roles


@by_node
def test_server_version(cluster, node):
    with cluster.connect(node) as conn:
        assert 150000 <= conn.info.server_version < 160000
        assert conn.info.parameter_status("server_version").startswith("15.")
        assert conn.info.parameter_status("server_encoding") == "UTF8"
        assert conn.info.parameter_status("client_encoding") == "UTF8"
        assert conn.info.parameter_status("integer_datetimes") == "on"
        assert conn.info.parameter_status("standard_conforming_strings") == "on"
        (version,) = conn.execute("SELECT version()").fetchone()
        assert version.startswith("PostgreSQL 15"), version


ROWS = [
    (
        1,
        2**40,
        1.25,
        "héllo, 'quoted' \"double\" \\ back\nslash ✓",
        bytes(range(256)),
        True,
        None,
        datetime.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
        Decimal("12.345"),
    ),
    (
        2,
        -(2**63),
        -0.5,
        "",
        b"",
        False,
        "not null",
        datetime.datetime(1999, 12, 31, 0, 0, 0, tzinfo=datetime.timezone.utc),
        Decimal("-0.001"),
    ),
    (3, 2**63 - 1, 1e300, "x" * 1000, b"\x00", True, None, None, Decimal("1000000")),
    (4, None, None, None, None, None, None, None, None),
]


@by_node
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_parameters_round_trip(cluster, node, binary):
    table = f"params_{node}_{'bin' if binary else 'txt'}"
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, s TEXT, b BYTEA, "
            "ok BOOLEAN, n TEXT, ts TIMESTAMPTZ, d NUMERIC)"
        )
        with conn.cursor() as cur:
            for row in ROWS:
                cur.execute(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", row)
                assert cur.rowcount == 1
                assert cur.statusmessage == "INSERT 0 1"
        with conn.cursor(binary=binary) as cur:
            got = cur.execute(f"SELECT id, i, f, s, b, ok, n, ts, d FROM {table} ORDER BY id").fetchall()
            assert got == ROWS
            # Aware datetimes come back in the session time zone (UTC), the same instant.
            assert got[0][7].utcoffset() == datetime.timedelta(0)
            assert type(got[0][8]) is Decimal and type(got[0][5]) is bool and type(got[0][4]) is bytes
            # Parameters in WHERE: one per type, each must match exactly one row.
            for column, index in [("i", 1), ("f", 2), ("s", 3), ("b", 4), ("ts", 7), ("d", 8)]:
                cur.execute(f"SELECT id FROM {table} WHERE {column} = %s", (ROWS[0][index],))
                assert cur.fetchall() == [(1,)], column
            cur.execute(f"SELECT id FROM {table} WHERE ok = %s ORDER BY id", (False,))
            assert cur.fetchall() == [(2,)]
            cur.execute(f"SELECT id FROM {table} WHERE n IS NOT DISTINCT FROM %s ORDER BY id", (None,))
            assert cur.fetchall() == [(1,), (3,), (4,)]
    # Another node has the same rows.
    with cluster.connect(other(node), autocommit=True) as conn:
        with conn.cursor(binary=binary) as cur:
            assert cur.execute(f"SELECT id, i, f, s, b, ok, n, ts, d FROM {table} ORDER BY id").fetchall() == ROWS


@by_node
def test_transaction_commit_and_rollback(cluster, node):
    table = f"tx_{node}"
    with cluster.connect(node, autocommit=True) as conn, cluster.connect(other(node), autocommit=True) as reader:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")

        with conn.transaction():
            conn.execute(f"INSERT INTO {table} VALUES (1, 'committed')")
            conn.execute(f"INSERT INTO {table} VALUES (2, 'committed too')")
            assert conn.info.transaction_status == TransactionStatus.INTRANS
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (2,), "read-your-writes"
            assert reader.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), "visible before COMMIT"
        assert conn.info.transaction_status == TransactionStatus.IDLE
        assert reader.execute(f"SELECT id FROM {table} ORDER BY id").fetchall() == [(1,), (2,)]

        class Boom(Exception):
            pass

        with pytest.raises(Boom):
            with conn.transaction():
                conn.execute(f"INSERT INTO {table} VALUES (3, 'rolled back')")
                conn.execute(f"UPDATE {table} SET v = 'changed' WHERE id = 1")
                raise Boom()
        assert conn.info.transaction_status == TransactionStatus.IDLE
        assert reader.execute(f"SELECT id, v FROM {table} ORDER BY id").fetchall() == [
            (1, "committed"),
            (2, "committed too"),
        ]

        # A nested transaction block is a savepoint: its rollback keeps the outer block's work.
        with conn.transaction():
            conn.execute(f"INSERT INTO {table} VALUES (4, 'outer')")
            with pytest.raises(Boom):
                with conn.transaction():
                    conn.execute(f"INSERT INTO {table} VALUES (5, 'inner')")
                    raise Boom()
            with conn.transaction():
                conn.execute(f"INSERT INTO {table} VALUES (6, 'inner kept')")
        assert reader.execute(f"SELECT id FROM {table} ORDER BY id").fetchall() == [(1,), (2,), (4,), (6,)]

        # Leaving the block early with Rollback rolls back without an error.
        with conn.transaction() as tx:
            conn.execute(f"DELETE FROM {table}")
            raise psycopg.Rollback(tx)
        assert reader.execute(f"SELECT count(*) FROM {table}").fetchone() == (4,)


@by_node
def test_error_inside_transaction_fails_until_rollback(cluster, node):
    table = f"failed_{node}"
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
        conn.execute(f"INSERT INTO {table} VALUES (1)")
    with cluster.connect(node) as conn:  # not autocommit: psycopg opens a transaction itself
        conn.execute(f"INSERT INTO {table} VALUES (2)")
        with pytest.raises(E.UniqueViolation):
            conn.execute(f"INSERT INTO {table} VALUES (1)")
        assert conn.info.transaction_status == TransactionStatus.INERROR
        with pytest.raises(E.InFailedSqlTransaction) as failed:
            conn.execute("SELECT 1")
        assert failed.value.sqlstate == "25P02"
        with pytest.raises(E.InFailedSqlTransaction):
            conn.execute(f"INSERT INTO {table} VALUES (3)")
        conn.rollback()
        assert conn.info.transaction_status == TransactionStatus.IDLE
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.commit()
        # The same through a transaction block: the error propagates and the block rolls back.
        with pytest.raises(E.UniqueViolation):
            with conn.transaction():
                conn.execute(f"INSERT INTO {table} VALUES (4)")
                conn.execute(f"INSERT INTO {table} VALUES (1)")
        conn.commit()
    with cluster.connect(other(node), autocommit=True) as reader:
        assert reader.execute(f"SELECT id FROM {table} ORDER BY id").fetchall() == [(1,)]


@by_node
def test_sqlstates(cluster, node):
    table = f"codes_{node}"
    with cluster.connect(node, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        conn.execute(f"INSERT INTO {table} VALUES (%s, %s)", (1, "a"))
        cases = [
            (f"INSERT INTO {table} VALUES (1, 'dup')", E.UniqueViolation, "23505"),
            ("SELECT * FROM no_such_table", E.UndefinedTable, "42P01"),
            ("SELEC 1", E.SyntaxError, "42601"),
            (f"SELECT no_such_column FROM {table}", E.UndefinedColumn, "42703"),
            (f"INSERT INTO {table} VALUES (2, NULL)", E.NotNullViolation, "23502"),
            (f"CREATE TABLE {table} (x INTEGER)", E.DuplicateTable, "42P07"),
        ]
        for sql, exc, code in cases:
            with pytest.raises(exc) as err:
                conn.execute(sql)
            assert err.value.sqlstate == code, sql
            assert err.value.diag.severity == "ERROR", sql
            # The connection stays usable after every error.
            assert conn.execute("SELECT 1").fetchone() == (1,)
        # The same with parameters (extended protocol).
        with pytest.raises(E.UniqueViolation):
            conn.execute(f"INSERT INTO {table} VALUES (%s, %s)", (1, "dup"))
        with pytest.raises(E.UndefinedTable):
            conn.execute("SELECT * FROM no_such_table WHERE id = %s", (1,))
        assert conn.execute(f"SELECT id, v FROM {table}").fetchall() == [(1, "a")]


@by_node
def test_executemany_read_from_another_node(cluster, node):
    table = f"many_{node}"
    with cluster.connect(node) as conn:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT, f DOUBLE PRECISION)")
        conn.commit()
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {table} (id, v, f) VALUES (%s, %s, %s)", [(i, f"row {i}", i / 4) for i in range(100)]
            )
            assert cur.rowcount == 100
        conn.commit()
        # And in autocommit mode, with RETURNING.
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {table} (id, v) VALUES (%s, %s) RETURNING id", [(i, "more") for i in range(100, 110)],
                returning=True,
            )  # fmt: skip
            ids = []
            while True:
                ids.append(cur.fetchone()[0])
                if not cur.nextset():
                    break
            assert ids == list(range(100, 110))
    with cluster.connect(other(node), autocommit=True) as reader:
        assert reader.execute(f"SELECT count(*) FROM {table} WHERE id < 100").fetchone() == (100,)
        assert reader.execute(f"SELECT count(*), sum(id), count(f) FROM {table}").fetchone() == (110, 5995, 100)
        assert reader.execute(f"SELECT f FROM {table} WHERE id = 99").fetchone() == (24.75,)
        assert reader.execute(f"SELECT v FROM {table} WHERE id = 42").fetchone() == ("row 42",)


@by_node
def test_autocommit(cluster, node):
    table = f"auto_{node}"
    with cluster.connect(node, autocommit=True) as conn, cluster.connect(other(node), autocommit=True) as reader:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
        cur = conn.execute(f"INSERT INTO {table} VALUES (1), (2)")
        assert cur.statusmessage == "INSERT 0 2"
        assert conn.info.transaction_status == TransactionStatus.IDLE
        # Visible elsewhere at once, without a commit.
        assert reader.execute(f"SELECT count(*) FROM {table}").fetchone() == (2,)
        assert conn.execute(f"UPDATE {table} SET id = id + 10 WHERE id = 2").statusmessage == "UPDATE 1"
        assert conn.execute(f"DELETE FROM {table} WHERE id = 1").statusmessage == "DELETE 1"
        assert reader.execute(f"SELECT id FROM {table}").fetchall() == [(12,)]

        # Not autocommit: the write is in a transaction psycopg opened, invisible until commit().
        conn.autocommit = False
        conn.execute(f"INSERT INTO {table} VALUES (3)")
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        assert reader.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
        conn.commit()
        assert reader.execute(f"SELECT id FROM {table} ORDER BY id").fetchall() == [(3,), (12,)]
        conn.execute(f"INSERT INTO {table} VALUES (4)")
        conn.rollback()
        assert reader.execute(f"SELECT id FROM {table} ORDER BY id").fetchall() == [(3,), (12,)]


# BUG (server): sum() is always described as int8 (OID 20), whatever its argument's type, so a fractional
# sum arrives as text "1.25" in an int8 column and psycopg cannot load it ("invalid literal for int() with
# base 10"). PostgreSQL types sum(double precision) as double precision and sum(numeric) as numeric.
def test_sum_of_float_and_canonical_columns(cluster):
    with cluster.connect(1, autocommit=True) as conn:
        conn.execute("CREATE TABLE sums (id INTEGER PRIMARY KEY, f DOUBLE PRECISION, n NUMERIC)")
        conn.execute("INSERT INTO sums VALUES (1, 0.25, 1.5), (2, 1, 2.25)")
        assert conn.execute("SELECT sum(id), sum(f), sum(n) FROM sums").fetchone() == (3, 1.25, Decimal("3.75"))


# Was a bug: NUMERIC values were SQLite REALs and digits past a double's precision were lost
# (12345678901234567890.123456789 read back as 12345678901234567000). Numerics are exact decimal text now.
def test_numeric_keeps_every_digit(cluster):
    values = [Decimal("12345678901234567890.123456789"), Decimal("0.000000000000000000001"), Decimal("-99.99")]
    with cluster.connect(2, autocommit=True) as conn:
        conn.execute("CREATE TABLE exact (id INTEGER PRIMARY KEY, d NUMERIC)")
        conn.cursor().executemany("INSERT INTO exact VALUES (%s, %s)", list(enumerate(values)))
        assert [d for (d,) in conn.execute("SELECT d FROM exact ORDER BY id")] == values


# BUG (server): a result column computed from a parameter is described as text (OID 25) whatever the type
# the client declared for the parameter (psycopg declares int2/int8/float8/bool...), so `SELECT id + %s`
# returns the string '2' and `SELECT %s` with False returns the string '0'. PostgreSQL types them from the
# declared parameter types.
def test_expressions_of_parameters_keep_their_types(cluster):
    with cluster.connect(3, autocommit=True) as conn:
        conn.execute("CREATE TABLE exprs (id INTEGER PRIMARY KEY, f DOUBLE PRECISION)")
        conn.execute("INSERT INTO exprs VALUES (1, 0.5)")
        assert conn.execute("SELECT id + %s, f * %s FROM exprs", (1, 3.0)).fetchone() == (2, 1.5)
        assert conn.execute("SELECT %s, %s, %s", (41, 1.5, False)).fetchone() == (41, 1.5, False)


# BUG (server): a scalar subquery's column (and a derived table's column) is described as int8 when results
# are requested in text format but as text (OID 25) when they are requested in binary format, so a binary
# cursor (or tokio-postgres, whose prepared statements always ask for binary) gets the string '2' for
# `SELECT (SELECT sum(balance) FROM t)`. PostgreSQL describes a column the same way in both formats (bigint).
def test_subquery_columns_typed_the_same_in_text_and_binary_results(cluster):
    with cluster.connect(1, autocommit=True) as conn:
        conn.execute("CREATE TABLE subq (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)")
        conn.execute("INSERT INTO subq VALUES (1, 5), (2, -3)")
        for sql in ["SELECT (SELECT sum(balance) FROM subq)", "SELECT x FROM (SELECT sum(balance) AS x FROM subq) s"]:
            for binary in (False, True):
                assert conn.cursor(binary=binary).execute(sql).fetchone() == (2,), (sql, binary)


def test_bad_input_and_check_constraints(cluster):
    with cluster.connect(2, autocommit=True) as conn:
        conn.execute("CREATE TABLE typed_in (i INTEGER CHECK (i > 0))")
        with pytest.raises(E.InvalidTextRepresentation) as bad:
            conn.execute("INSERT INTO typed_in VALUES (%s::int)", ["abc"])
        assert bad.value.sqlstate == "22P02"
        with pytest.raises(E.CheckViolation) as check:
            conn.execute("INSERT INTO typed_in VALUES (%s)", [-1])
        assert check.value.sqlstate == "23514"
        with pytest.raises(E.DivisionByZero):
            conn.execute("SELECT 1 / 0")
        assert conn.execute("SELECT count(*) FROM typed_in").fetchone() == (0,)
