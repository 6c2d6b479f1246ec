"""SQLAlchemy 2 (psycopg 3 driver) against a follower of the three-node cluster (see conftest.py): the dialect
connects (it asks `pg_catalog` for the server version, its types and hstore), `create_all`/`drop_all`, ORM
inserts with a relationship (SQLAlchemy's batched `INSERT ... SELECT ... FROM (VALUES ...) AS t(a, b)
RETURNING`), a join query, and the inspector's table names and columns. psycopg's `TypeInfo.fetch` finds
built-in types through `pg_type`. (Primary-key, foreign-key and index reflection need array results: not yet.)
"""

import psycopg
import pytest
import sqlalchemy as sa
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
    assert columns == [("id", "BIGINT", False), ("title", "TEXT", False), ("author_id", "INTEGER", False)]
    assert inspector.has_table("sa_author") and not inspector.has_table("nope")


def test_psycopg_type_info_fetch(cluster):
    with cluster.connect(1) as conn:
        info = TypeInfo.fetch(conn, "int4")
        assert (info.name, info.oid) == ("int4", 23)
        assert TypeInfo.fetch(conn, "hstore") is None
