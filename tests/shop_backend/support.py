"""Fixtures of the backend tests: real databases (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shop_backend.app import create_app
from shop_backend.clock import Clock
from shop_backend.db import make_engine, make_sessionmaker, migrate
from shop_backend.models import Base
from shop_backend.seed import seed_contract
from shop_backend.settings import Settings

KEY = "test-service-key"
HEADERS = {"X-Service-Key": KEY}
PG_ADMIN_URL = os.environ.get("SHOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[2]

__all__ = ["_pg", "database_url", "fresh_database_url", "env", "client", "HEADERS", "KEY", "Env"]


def _pg_unreachable_reason() -> str | None:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        return f"psycopg missing: {exc}"
    url = make_url(PG_ADMIN_URL)
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


_PG_REASON: list = []


def pg_reason() -> str | None:
    if not _PG_REASON:
        _PG_REASON.append(_pg_unreachable_reason())
    return _PG_REASON[0]


class _PgDatabases:
    """Creates fresh databases on the server and drops them at the end."""

    def __init__(self) -> None:
        self.admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"shop_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _pg() -> Iterator[_PgDatabases]:
    reason = pg_reason()
    if reason:
        print(f"\nskipping the PostgreSQL runs: {reason}")
        pytest.skip(reason)
    dbs = _PgDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path) -> str:
    """An EMPTY database (no tables) of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("_pg").create()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A migrated database of each kind, shared by the session (tests reset its rows)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'shop.db'}"
    else:
        url = request.getfixturevalue("_pg").create()
    migrate(url)
    return url


@dataclass
class Env:
    client: TestClient
    clock: Clock
    settings: Settings
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()


@pytest.fixture
def env(database_url: str) -> Iterator[Env]:
    """The app on a database holding exactly the contract records, codes exposed."""
    settings = Settings(database_url=database_url, service_key=KEY, expose_codes=True)
    clock = Clock()
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()
        seed_contract(session, settings, clock)
    engine.dispose()
    app = create_app(settings, clock=clock)
    with TestClient(app, headers=HEADERS) as client:
        yield Env(client=client, clock=clock, settings=settings, sessions=app.state.sessionmaker)
    app.state.engine.dispose()


@pytest.fixture
def client(env: Env) -> TestClient:
    return env.client
