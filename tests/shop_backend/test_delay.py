"""SHOP_TEST_DELAY_SECONDS, the slow backend of the fault-injection tests (tests/faults):
off by default, /v1 answers delayed and /health not, refused in production."""

from __future__ import annotations

from typing import List

from fastapi.testclient import TestClient

from shop_backend import app as app_module
from shop_backend.app import create_app
from shop_backend.settings import Settings, production_problems

from .support import HEADERS, KEY


def test_off_by_default_and_refused_in_production():
    assert Settings().test_delay_seconds == 0
    problems = production_problems(Settings(service_key="a-long-random-service-key-0123456789", sms_gateway="x:y"))
    assert problems == []
    slow = Settings(service_key="a-long-random-service-key-0123456789", sms_gateway="x:y", test_delay_seconds=3)
    assert production_problems(slow) == ["SHOP_TEST_DELAY_SECONDS delays every answer (fault-injection tests only)"]


def test_v1_answers_wait_and_health_does_not(database_url, monkeypatch):
    slept: List[float] = []

    async def recorded_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(app_module.asyncio, "sleep", recorded_sleep)
    app = create_app(Settings(database_url=database_url, service_key=KEY, test_delay_seconds=3))
    with TestClient(app, headers=HEADERS) as client:
        assert client.get("/health").status_code == 200
        assert slept == []
        client.get("/v1/orders/20261101000001")
        assert slept == [3]
    app.state.engine.dispose()
