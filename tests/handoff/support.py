"""Fixtures of the handoff tests: real databases (SQLite always, PostgreSQL when reachable),
the Rasa recorder, the app on a fixed clock, agents logged in, real servers on loopback."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Optional
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from contract.http import SERVICE_KEY_HEADER
from handoff.app import create_app
from handoff.auth import COOKIE_NAME
from handoff.db import MIGRATIONS
from handoff.models import Base
from handoff.seed import seed_demo
from handoff.settings import Settings
from servicekit.clock import Clock
from servicekit.db import session_for
from servicekit.testing import (
    ServiceDatabase,
    empty_tables,
)

from .rasa_recorder import RasaRecorder

KEY = "test-service-key"
SERVICE = {SERVICE_KEY_HEADER: KEY}
PASSWORD = "test-password-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 10:00 in Shanghai: inside the default business hours 09:00-21:00.
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
PG_ADMIN_URL = os.environ.get("HANDOFF_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("HANDOFF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def service_database() -> ServiceDatabase:
    return ServiceDatabase("handoff", MIGRATIONS, PG_ADMIN_URL)


@pytest.fixture(scope="session")
def recorder() -> Iterator[RasaRecorder]:
    rec = RasaRecorder().start()
    yield rec
    rec.stop()


def make_settings(database_url: str, recorder: RasaRecorder, **overrides: Any) -> Settings:
    values = dict(
        database_url=database_url, service_key=KEY, rasa_url=recorder.url, demo_password=PASSWORD, redis_url=None
    )
    # the ticket watcher's rounds come from the tests (Env.watch), besides the one at start
    values["ticket_watch_seconds"] = 3600
    values.update(overrides)
    return Settings(**values)


def reset_database(settings: Settings, clock: Clock) -> None:
    """Empties every table, then seeds the demo agents and canned replies."""
    with session_for(settings.database_url) as db:
        empty_tables(db, Base.metadata)
        seed_demo(db, settings, clock)


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

    def round(self) -> dict:
        """One reconciler round, run to its end (after any round under way)."""
        return self.client.portal.call(self.app.state.reconciler.round)

    def watch(self) -> dict:
        """One ticket watcher round, run to its end."""
        return self.client.portal.call(self.app.state.ticket_watcher.round)

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
