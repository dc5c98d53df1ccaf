"""Fixtures of the kit's tests: a tiny service of their own (one table, one migration)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import Migrations
from servicekit.models import SerialId
from servicekit.testing import ServiceDatabase

MIGRATIONS = Migrations(Path(__file__).resolve().parent / "sample_migrations")
PG_ADMIN_URL = os.environ.get("SHOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Base(DeclarativeBase):
    pass


class Parent(SerialId, Base):
    __tablename__ = "parents"

    name: Mapped[str] = mapped_column(String(32), unique=True)


class Child(SerialId, Base):
    """A child row: its parent indexed, a note that may be missing."""

    __tablename__ = "children"

    parent_id: Mapped[int] = mapped_column(ForeignKey("parents.id", ondelete="CASCADE"), index=True, sort_order=1)
    note: Mapped[str | None] = mapped_column(String(64), sort_order=2)


@pytest.fixture(scope="session")
def service_database() -> ServiceDatabase:
    return ServiceDatabase("servicekit", MIGRATIONS, PG_ADMIN_URL)
