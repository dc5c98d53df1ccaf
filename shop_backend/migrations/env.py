"""Alembic environment of the backend (servicekit.migrations runs it)."""

from __future__ import annotations

from servicekit.migrations import run_environment
from shop_backend.models import Base
from shop_backend.settings import Settings

run_environment(Base.metadata, lambda: Settings().database_url)
