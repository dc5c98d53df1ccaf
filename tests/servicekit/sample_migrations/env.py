"""Alembic environment of the kit's sample service."""

from __future__ import annotations

from servicekit.migrations import run_environment
from tests.servicekit.support import Base

run_environment(Base.metadata, lambda: "sqlite:///:memory:")
