"""SQLAlchemy 2 (psycopg 3 driver) against a follower of the three-node cluster (see conftest.py): the dialect
connects (it asks `pg_catalog` for the server version, its types and hstore), `create_all`/`drop_all`, ORM
inserts with a relationship (SQLAlchemy's batched `INSERT ... SELECT ... FROM (VALUES ...) AS t(a, b)
RETURNING`), a join query, and the inspector's table names and columns. The inspector's whole answer for a
schema with keys, foreign keys, indexes, unique and check constraints, defaults, serials and comments is
compared with
PostgreSQL 15's for the same schema, through psycopg and psycopg2, and Alembic's autogenerate finds nothing to
change on either. psycopg's
`TypeInfo.fetch` finds built-in types through `pg_type`.
"""

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from psycopg.types import TypeInfo
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "sa_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "sa_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("sa_author.id"), index=True)
    author: Mapped[Author] = relationship(back_populates="books")


@pytest.fixture
def engine(cluster):
    node = next(i for i, r in sorted(cluster.roles().items()) if r == "Follower")
    engine = sa.create_engine(f"postgresql+psycopg://raftsql@127.0.0.1:{cluster.pg[node]}/raftsql")
    Base.metadata.drop_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


def test_create_all_orm_and_reflection(engine):
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Author(name="Ada", books=[Book(title="Notes"), Book(title="More")]))
        s.add(Author(name="Grace", books=[Book(title="Compilers")]))
        s.commit()
        titles = s.scalars(sa.select(Book.title).join(Author).where(Author.name == "Ada").order_by(Book.title))
        assert list(titles) == ["More", "Notes"]
        ada = s.scalars(sa.select(Author).where(Author.name == "Ada")).one()
        assert sorted(b.title for b in ada.books) == ["More", "Notes"]
    inspector = sa.inspect(engine)
    assert {"sa_author", "sa_book"} <= set(inspector.get_table_names())
    columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("sa_book")]
    assert columns == [("id", "INTEGER", False), ("title", "TEXT", False), ("author_id", "INTEGER", False)]
    assert inspector.has_table("sa_author") and not inspector.has_table("nope")


def test_psycopg_type_info_fetch(cluster):
    with cluster.connect(1) as conn:
        info = TypeInfo.fetch(conn, "int4")
        assert (info.name, info.oid) == ("int4", 23)
        assert TypeInfo.fetch(conn, "hstore") is None


def reflection_schema():
    md = sa.MetaData()
    sa.Table(
        "rf_author", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        sa.Column("email", sa.String(100), comment="where to reach them"),
        sa.Column("big", sa.BigInteger, server_default="0"),
        sa.UniqueConstraint("name", "email", name="uq_rf_name_email"),
        comment="who wrote them",
    )  # fmt: skip
    sa.Table(
        "rf_book", md,
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("title", sa.Text, nullable=False, server_default="untitled"),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("rf_author.id", ondelete="CASCADE"), index=True),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("copies", sa.SmallInteger, server_default="-1"),
        sa.Column("flag", sa.Boolean, server_default=sa.false()),
        sa.Column("at", sa.DateTime(timezone=True)),
        sa.Column("day", sa.Date),
        sa.Column("doc", sa.JSON),
        sa.Column("uid", sa.Uuid),
        sa.Column("raw", sa.LargeBinary),
        sa.Column("ratio", sa.Float),
        sa.Index("ix_rf_title_price", "title", "price", unique=True),
        sa.CheckConstraint("copies >= 0", name="ck_rf_copies"),
    )  # fmt: skip
    return md


def reflect(engine):
    """Everything the inspector says about the schema's tables, as comparable text."""
    inspector = sa.inspect(engine)
    out = {}
    for table in ["rf_author", "rf_book"]:
        for what in [
            "get_columns", "get_pk_constraint", "get_foreign_keys", "get_indexes", "get_unique_constraints",
            "get_check_constraints", "get_table_comment",
        ]:  # fmt: skip
            out[(table, what)] = repr(getattr(inspector, what)(table))
    return out


@pytest.mark.parametrize("driver", ["psycopg", "psycopg2"])
def test_reflection_and_alembic_match_postgres(cluster, oracle, driver):
    node = next(i for i, r in sorted(cluster.roles().items()) if r == "Follower")
    engines = {
        "raftsql": sa.create_engine(f"postgresql+{driver}://raftsql@127.0.0.1:{cluster.pg[node]}/raftsql"),
        "postgres": sa.create_engine(oracle.url(driver)),
    }
    md = reflection_schema()
    answers = {}
    try:
        for name, engine in engines.items():
            md.drop_all(engine)
            md.create_all(engine)
            answers[name] = reflect(engine)
            with engine.connect() as conn:
                context = MigrationContext.configure(
                    conn,
                    opts={
                        "compare_type": True,
                        "compare_server_default": True,
                        "include_name": lambda n, kind, _: kind != "table" or n.startswith("rf_"),
                    },
                )
                assert compare_metadata(context, md) == [], name
    finally:
        for engine in engines.values():
            md.drop_all(engine)
            engine.dispose()
    for key, expected in answers["postgres"].items():
        assert answers["raftsql"][key] == expected, key
