"""Alembic, the same way in both services: the environment runner and table helpers.

A service's ``migrations/env.py`` is one call::

    run_environment(Base.metadata, lambda: Settings().database_url)

Revision files describe tables with the helpers below instead of spelling every
``sa.Column(..., nullable=False)``: ``cols(id=SERIAL, name=string(64))`` for columns,
``table()`` for a table with its keys and indexes (created in the order Alembic's
autogenerate writes them), ``creating()`` for a revision's upgrade and downgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Literal, Optional, Union

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy import MetaData
from sqlalchemy.schema import SchemaItem

from .db import make_engine


# ----- env.py -----
def run_environment(target_metadata: MetaData, default_url: Callable[[], str]) -> None:
    """The body of ``env.py``: the URL from the caller (``Migrations.config``) or the settings;
    a connection passed in ``config.attributes["connection"]`` is used as it is."""
    config = context.config
    url = config.attributes.get("database_url") or default_url()
    if context.is_offline_mode():
        context.configure(
            url=url,
            target_metadata=target_metadata,
            render_as_batch=True,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection, target_metadata)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run_on(conn, target_metadata)
    finally:
        engine.dispose()


def _run_on(connection: sa.Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


# ----- columns -----
@dataclass(frozen=True)
class Kind:
    """What a column holds: a SQLAlchemy type, NOT NULL unless ``optional``."""

    make: Callable[[], sa.types.TypeEngine]
    nullable: bool = False
    autoincrement: Union[bool, Literal["auto"]] = "auto"

    def column(self, name: str) -> sa.Column:
        return sa.Column(name, self.make(), autoincrement=self.autoincrement, nullable=self.nullable)


SERIAL = Kind(sa.Integer, autoincrement=True)  # an autoincrementing integer key
INT, TEXT, WHEN, DATE = Kind(sa.Integer), Kind(sa.Text), Kind(sa.DateTime), Kind(sa.Date)
JSON, FLOAT, BOOL = Kind(sa.JSON), Kind(sa.Float), Kind(sa.Boolean)


def string(length: int) -> Kind:
    return Kind(lambda: sa.String(length=length))


def optional(kind: Kind) -> Kind:
    return replace(kind, nullable=True)


def cols(**kinds: Kind) -> list[sa.Column]:
    """Columns in the order named: ``cols(id=SERIAL, name=string(64), paid_at=optional(WHEN))``."""
    return [kind.column(name) for name, kind in kinds.items()]


def references(ondelete: Optional[str] = None, **targets: str) -> list[sa.ForeignKeyConstraint]:
    """Foreign keys: ``references(customer_id="customers.id")``."""
    return [sa.ForeignKeyConstraint([column], [target], ondelete=ondelete) for column, target in targets.items()]


Part = Union[SchemaItem, Iterable[SchemaItem]]


# ----- tables -----
@dataclass
class Table:
    name: str
    parts: list[SchemaItem]
    indexes: dict[str, list[str]] = field(default_factory=dict)

    def create(self) -> None:
        op.create_table(self.name, *self.parts)
        if not self.indexes:
            return
        with op.batch_alter_table(self.name, schema=None) as batch_op:
            for name in sorted(self.indexes):
                batch_op.create_index(batch_op.f(name), self.indexes[name], unique=False)

    def drop(self) -> None:
        if self.indexes:
            with op.batch_alter_table(self.name, schema=None) as batch_op:
                for name in sorted(self.indexes, reverse=True):
                    batch_op.drop_index(batch_op.f(name))
        op.drop_table(self.name)


def table(
    name: str,
    *parts: Part,
    primary_key: tuple[str, ...] = ("id",),
    unique: Iterable[Union[str, sa.UniqueConstraint]] = (),
    index: Iterable[str] = (),
    indexes: Optional[dict[str, list[str]]] = None,
) -> Table:
    """Columns and foreign keys (``parts``), then the primary key and the unique constraints;
    ``index``: single columns indexed as ``ix_<table>_<column>``; ``indexes``: named ones."""
    items: list[SchemaItem] = []
    for part in parts:
        items.extend([part] if isinstance(part, SchemaItem) else part)
    items.append(sa.PrimaryKeyConstraint(*primary_key))
    items.extend(sa.UniqueConstraint(u) if isinstance(u, str) else u for u in unique)
    named = {f"ix_{name}_{column}": [column] for column in index}
    named.update(indexes or {})
    return Table(name, items, named)


def create_tables(tables: Iterable[Table]) -> None:
    for spec in tables:
        spec.create()


def drop_tables(tables: Iterable[Table]) -> None:
    """In the reverse order of creation."""
    for spec in reversed(list(tables)):
        spec.drop()


def creating(tables: Callable[[], list[Table]]) -> tuple[Callable[[], None], Callable[[], None]]:
    """``upgrade, downgrade = creating(tables)``: a revision that creates the tables ``tables()``
    describes (in order) and drops them again (in reverse)."""
    return (lambda: create_tables(tables())), (lambda: drop_tables(tables()))
