"""Fixtures of the backend tests: real databases (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from contract.http import SERVICE_KEY_HEADER
from servicekit.clock import Clock
from servicekit.db import session_for
from servicekit.testing import ServiceDatabase, empty_tables
from shop_backend.app import create_app
from shop_backend.db import MIGRATIONS
from shop_backend.models import Base
from shop_backend.seed import seed_contract
from shop_backend.settings import Settings

KEY = "test-service-key"
HEADERS = {SERVICE_KEY_HEADER: KEY}
PG_ADMIN_URL = os.environ.get("SHOP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def service_database() -> ServiceDatabase:
    return ServiceDatabase("shop", MIGRATIONS, PG_ADMIN_URL)


@dataclass
class Env:
    client: TestClient
    clock: Clock
    settings: Settings
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        return self.sessions()


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    """The app on a database holding exactly the contract records, codes exposed, the SMS
    outbox in ``tmp_path``, the default throttles."""
    settings = Settings(
        database_url=database_url, service_key=KEY, expose_codes=True, sms_outbox=tmp_path / "sms-outbox.jsonl"
    )
    clock = Clock()
    with session_for(database_url) as session:
        empty_tables(session, Base.metadata)
        seed_contract(session, settings, clock)
    app = create_app(settings, clock=clock)
    with TestClient(app, headers=HEADERS) as client:
        yield Env(client=client, clock=clock, settings=settings, sessions=app.state.sessionmaker)
    app.state.engine.dispose()


@pytest.fixture
def client(env: Env) -> TestClient:
    return env.client
