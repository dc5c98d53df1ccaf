"""The client against the real backend, and against a port where nothing listens (backend down)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from actions.backend_client import BackendClient, BackendError, BackendUnavailable, CircuitBreaker
from actions.settings import load
from devtools.rasa_server import free_port
from tests.services import SERVICE_KEY


def config(url, **overrides):
    return dataclasses.replace(load(), backend_url=url, service_key=SERVICE_KEY, retry_backoff_s=0.01, **overrides)


def run(coroutine):
    return asyncio.run(coroutine)


def test_reads_and_error_codes_from_the_real_backend(backend_url):
    client = BackendClient(config(backend_url))

    async def scenario():
        try:
            order = await client.order("20261101000001", "C0001")
            assert order["tracking_no"] == "SF1234567890123"
            with pytest.raises(BackendError) as missing:
                await client.order("20261101000001", "C0002")
            assert missing.value.code == "order_not_found" and missing.value.status == 404
        finally:
            await client.aclose()

    run(scenario())
    wrong_key = BackendClient(dataclasses.replace(config(backend_url), service_key="wrong"))
    with pytest.raises(BackendError) as unauthorized:
        run(wrong_key.points("C0001"))
    assert unauthorized.value.code == "unauthorized"


def test_reads_are_retried_twice_posts_never():
    dead = f"http://127.0.0.1:{free_port()}"
    client = BackendClient(config(dead, breaker_failures=100))
    with pytest.raises(BackendUnavailable):
        run(client.points("C0001"))
    assert client.breaker.failures == 3  # 1 try + 2 retries
    with pytest.raises(BackendUnavailable):
        run(client.urge("20261101000003", "C0001", "k"))
    assert client.breaker.failures == 4  # a POST is tried once


def test_circuit_breaker_opens_fails_fast_and_closes_after_a_good_trial(backend_url):
    dead = BackendClient(
        config(f"http://127.0.0.1:{free_port()}", breaker_failures=3, breaker_cooldown_s=0.3, read_retries=0)
    )
    for _ in range(3):
        with pytest.raises(BackendUnavailable):
            run(dead.points("C0001"))
    assert dead.breaker.state == "open"
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="circuit breaker open"):
        run(dead.points("C0001"))
    assert time.monotonic() - started < 0.05
    time.sleep(0.35)
    assert dead.breaker.state == "half-open"
    healthy = BackendClient(config(backend_url))
    healthy.breaker = dead.breaker  # the same breaker, now with a backend that answers
    assert run(healthy.points("C0001"))["balance"] >= 0
    assert dead.breaker.state == "closed"


def test_breaker_reopens_when_the_trial_fails():
    clock = [0.0]
    breaker = CircuitBreaker(failures=2, cooldown_s=10, clock=lambda: clock[0])
    breaker.failure()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    clock[0] = 11
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.failure()
    assert breaker.state == "open"
