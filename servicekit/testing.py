"""Test scaffolding both services' tests use (tests/handoff, tests/shop_backend).

Real databases: SQLite always, PostgreSQL too when one answers (each service names its
admin URL). A service's test support module defines the session fixture
``service_database`` (a ``ServiceDatabase``); ``servicekit.service_tests`` adds the
fixtures ``_pg``, ``fresh_database_url`` and ``database_url`` of ``database_fixtures``. Real servers: ``served`` runs
a service's command line in a subprocess, ``LiveServer`` an app under uvicorn in a thread.

Imports pytest: for tests only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import MetaData, delete, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from .db import Migrations, make_engine

ROOT = Path(__file__).resolve().parent.parent


# ----- databases -----
@dataclass
class ServiceDatabase:
    """What the database fixtures need to know of a service."""

    name: str  # database names and SQLite files start with it
    migrations: Migrations
    pg_admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    _pg_reason: list[Optional[str]] = field(default_factory=list)

    def pg_unreachable_reason(self) -> Optional[str]:
        """None when PostgreSQL answers at ``pg_admin_url`` (asked once), else why not."""
        if not self._pg_reason:
            self._pg_reason.append(pg_unreachable_reason(self.pg_admin_url))
        return self._pg_reason[0]


def pg_unreachable_reason(admin_url: str) -> Optional[str]:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        return f"psycopg missing: {exc}"
    url = make_url(admin_url)
    try:
        with psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database or "postgres",
            connect_timeout=3,
        ):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {url.host}:{url.port or 5432} ({type(exc).__name__}: {exc})".strip()


class PgDatabases:
    """Creates fresh databases on the server and drops them at the end."""

    def __init__(self, admin_url: str, prefix: str) -> None:
        self.admin_url, self.prefix = admin_url, prefix
        self.admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"{self.prefix}_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def database_fixtures() -> dict[str, Any]:
    """New fixtures ``_pg``, ``fresh_database_url`` and ``database_url`` for one test folder, whose
    conftest defines ``service_database`` (``servicekit.service_tests`` installs them): new
    functions each time, so that two folders in one pytest run keep their own databases."""

    @pytest.fixture(scope="session")
    def _pg(service_database: ServiceDatabase) -> Iterator[PgDatabases]:
        reason = service_database.pg_unreachable_reason()
        if reason:
            print(f"\nskipping the PostgreSQL runs: {reason}")
            pytest.skip(reason)
        dbs = PgDatabases(service_database.pg_admin_url, service_database.name)
        yield dbs
        dbs.drop_all()

    @pytest.fixture(params=["sqlite", "postgresql"])
    def fresh_database_url(request, tmp_path) -> str:
        """An EMPTY database (no tables) of each kind."""
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / 'fresh.db'}"
        return request.getfixturevalue("_pg").create()

    @pytest.fixture(scope="session", params=["sqlite", "postgresql"])
    def database_url(request, tmp_path_factory, service_database: ServiceDatabase) -> str:
        """A migrated database of each kind, shared by the session (each test resets its rows)."""
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / (service_database.name + '.db')}"
        else:
            url = request.getfixturevalue("_pg").create()
        service_database.migrations.upgrade(url)
        return url

    return {"_pg": _pg, "fresh_database_url": fresh_database_url, "database_url": database_url}


def empty_tables(session: Session, metadata: MetaData) -> None:
    """Deletes every row, children first, and commits."""
    for table in reversed(metadata.sorted_tables):
        session.execute(delete(table))
    session.commit()


# ----- migrations -----
def check_upgrade_from_empty(url: str, migrations: Migrations, metadata: MetaData) -> None:
    """Up from an empty database: every table, at head, the schema the models describe; again: nothing."""
    engine = make_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
        migrations.upgrade(url)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        head = ScriptDirectory.from_config(migrations.config(url)).get_current_head()
        with engine.connect() as conn:
            assert conn.execute(text("select version_num from alembic_version")).scalar() == head
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        migrations.upgrade(url)  # again: nothing to do
    finally:
        engine.dispose()


def check_downgrade_and_up_again(url: str, migrations: Migrations, metadata: MetaData) -> None:
    migrations.upgrade(url)
    migrations.downgrade(url, "base")
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(url)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


# ----- servers -----
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(command: list[str], env: dict[str, str], log_path: Path, port: int, timeout: float = 60) -> Iterator[str]:
    """Runs a service's ``serve`` command (from the project folder) until its /health answers;
    yields its base URL, terminates it afterwards. Its output goes to ``log_path``."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "server did not start:\n" + log_path.read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


class LiveServer:
    """An app under a real uvicorn on loopback, in a thread (real HTTP and websockets)."""

    def __init__(self, app: FastAPI) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped while starting"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
