"""Alembic: up from an empty database, the schema matches the models, down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from handoff.db import alembic_config, make_engine, migrate
from handoff.models import Base


def test_upgrade_from_empty(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        assert inspect(engine).get_table_names() == []
        migrate(fresh_database_url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        head = ScriptDirectory.from_config(alembic_config(fresh_database_url)).get_current_head()
        with engine.connect() as conn:
            assert conn.execute(text("select version_num from alembic_version")).scalar() == head
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        migrate(fresh_database_url)  # again: nothing to do
    finally:
        engine.dispose()


def test_downgrade_and_up_again(fresh_database_url):
    migrate(fresh_database_url)
    command.downgrade(alembic_config(fresh_database_url), "base")
    engine = make_engine(fresh_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(fresh_database_url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
