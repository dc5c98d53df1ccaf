"""Alembic environment of the handoff service (servicekit.migrations runs it)."""

from __future__ import annotations

from handoff.models import Base
from handoff.settings import Settings
from servicekit.migrations import run_environment

run_environment(Base.metadata, lambda: Settings().database_url)
