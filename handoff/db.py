"""The handoff service's database: its Alembic folder, run by servicekit."""

from __future__ import annotations

from pathlib import Path

from servicekit.db import Migrations

MIGRATIONS = Migrations(Path(__file__).resolve().parent / "migrations")
migrate = MIGRATIONS.upgrade
