"""Fixtures of the handoff tests: real databases (SQLite always, PostgreSQL when reachable),
the Rasa recorder, the app on a fixed clock, agents logged in, real servers on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Optional
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, text
from sqlalchemy.engine import make_url

from handoff.app import create_app
from handoff.auth import COOKIE_NAME
from handoff.clock import Clock
from handoff.db import make_engine, make_sessionmaker, migrate
from handoff.models import Base
from handoff.seed import seed_demo
from handoff.settings import Settings

from .rasa_recorder import RasaRecorder

KEY = "test-service-key"
SERVICE = {"X-Service-Key": KEY}
PASSWORD = "test-password-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 10:00 in Shanghai: inside the default business hours 09:00-21:00.
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
PG_ADMIN_URL = os.environ.get("HANDOFF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HANDOFF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "_pg",
    "database_url",
    "fresh_database_url",
    "recorder",
    "env",
    "Env",
    "AgentClient",
    "KEY",
    "SERVICE",
    "PASSWORD",
    "SHANGHAI",
    "MONDAY_10",
    "ROOT",
    "REDIS_URL",
    "package",
    "free_port",
    "LiveServer",
    "make_settings",
    "reset_database",
]


# ----- PostgreSQL, as tests/shop_backend does it, with databases of our own name -----
def _pg_unreachable_reason() -> Optional[str]:
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


class _PgDatabases:
    def __init__(self) -> None:
        self.admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self) -> str:
        name = f"handoff_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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
    reason = _pg_unreachable_reason()
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
    """A migrated database of each kind, shared by the session (each test resets its rows)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'handoff.db'}"
    else:
        url = request.getfixturevalue("_pg").create()
    migrate(url)
    return url


@pytest.fixture(scope="session")
def recorder() -> Iterator[RasaRecorder]:
    rec = RasaRecorder().start()
    yield rec
    rec.stop()


def make_settings(database_url: str, recorder: RasaRecorder, **overrides: Any) -> Settings:
    values = dict(
        database_url=database_url, service_key=KEY, rasa_url=recorder.url, demo_password=PASSWORD, redis_url=None
    )
    values.update(overrides)
    return Settings(**values)


def reset_database(settings: Settings, clock: Clock) -> None:
    """Empties every table, then seeds the demo agents and canned replies."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as db:
            for table in reversed(Base.metadata.sorted_tables):
                db.execute(delete(table))
            db.commit()
            seed_demo(db, settings, clock)
    finally:
        engine.dispose()


def package(sender_id: Optional[str] = None, **overrides: Any) -> dict[str, Any]:
    """A handoff package as the action server sends it."""
    body = {
        "sender_id": f"web-{uuid.uuid4().hex[:10]}" if sender_id is None else sender_id,
        "channel": "socketio",
        "customer": {"id": "C0001", "name": "张伟", "phone_masked": "138****8000", "level": "金卡", "verified": True},
        "reason": "upset",
        "trigger": {"reading": "sentiment 0.97 ≥ 0.85"},
        "priority": 1,
        "summary": "客户想查询订单 20261101000001 的物流进度，情绪激动，要求人工处理。",
        "transcript": [
            {
                "role": "customer",
                "text": "我的快递怎么还没到！",
                "at": "2026-11-30T09:58:00+08:00",
                "intent": "logistics_track",
                "confidence": 0.93,
                "sentiment": {"label": "negative", "score": 0.97},
            },
            {"role": "bot", "text": "非常抱歉，我帮您转人工客服。", "at": "2026-11-30T09:58:01+08:00"},
        ],
        "slots": {"order_id": "20261101000001"},
        "orders": [{"order_id": "20261101000001", "status": "shipped"}],
    }
    body.update(overrides)
    return body


class AgentClient:
    """Requests as one logged-in agent: the session cookie sent by hand, so that several
    agents can share one TestClient (one event loop, one app)."""

    def __init__(self, client: TestClient, token: str, me: dict) -> None:
        self.client, self.token, self.me = client, token, me
        self.id = me["id"]

    def _headers(self) -> dict:
        return {"Cookie": f"{COOKIE_NAME}={self.token}"}

    def get(self, url: str, **kwargs: Any):
        return self.client.get(url, headers=self._headers(), **kwargs)

    def post(self, url: str, **kwargs: Any):
        return self.client.post(url, headers=self._headers(), **kwargs)

    def patch(self, url: str, **kwargs: Any):
        return self.client.patch(url, headers=self._headers(), **kwargs)


@dataclass
class Env:
    app: FastAPI
    client: TestClient
    clock: Clock
    settings: Settings
    recorder: RasaRecorder

    def login(self, username: str) -> AgentClient:
        response = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        token = response.cookies[COOKIE_NAME]
        self.client.cookies.clear()
        return AgentClient(self.client, token, response.json())

    def open(self, **overrides: Any) -> dict:
        response = self.client.post("/api/handoffs", json=package(**overrides), headers=SERVICE)
        assert response.status_code == 201, response.text
        return response.json()

    def event(self, sender_id: str, **fields: Any):
        body = {"sender_id": sender_id, "event": "user", "timestamp": time.time(), **fields}
        return self.client.post("/api/rasa-events", json=body, headers=SERVICE)


@pytest.fixture
def env(request, database_url: str, recorder: RasaRecorder) -> Iterator[Env]:
    """The app on a clean database with the demo agents, a clock frozen on Monday 10:00 in
    Shanghai, Rasa replaced by the recorder. ``@pytest.mark.settings(...)`` overrides settings."""
    marker = request.node.get_closest_marker("settings")
    settings = make_settings(database_url, recorder, **(marker.kwargs if marker else {}))
    clock = Clock(MONDAY_10)
    reset_database(settings, clock)
    recorder.reset()
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        yield Env(app=app, client=client, clock=clock, settings=settings, recorder=recorder)
    app.state.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under a real uvicorn on loopback, in a thread (real HTTP and websockets)."""

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
