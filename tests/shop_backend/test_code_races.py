"""Concurrent requests: wrong codes never count past the lock, a code is consumed once, and
concurrent sends never get past a throttle, also from two app instances (two processes'
engines) on one database."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from contract.http import REQUESTER_HEADER
from shop_backend.app import create_app
from shop_backend.models import PhoneChangeCode, VerificationCode

from .support import HEADERS

PHONE = "13800138000"
UNKNOWN = "13300000000"
RACERS = 20


def race(calls: list[Callable[[], object]]) -> list:
    """Runs the calls at once (released together by a barrier)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def login_row(env, phone: str) -> VerificationCode:
    with env.session() as s:
        return s.scalars(select(VerificationCode).where(VerificationCode.phone == phone)).one()


@pytest.mark.parametrize("phone", [PHONE, UNKNOWN])
def test_twenty_concurrent_wrong_codes_count_five_then_lock(env, phone):
    # The phone of no customer has no right code: its wrong codes count all the same.
    right = env.client.post("/v1/verification-codes", json={"phone": phone}).json().get("dev_code", "000000")
    bad = wrong(right)

    def check():
        return env.client.post("/v1/verification-codes/check", json={"phone": phone, "code": bad})

    answers = race([check] * RACERS)
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(400) == 4 and statuses.count(423) == RACERS - 4, statuses
    left = sorted(a.json()["error"]["attempts_left"] for a in answers if a.status_code == 400)
    assert left == [1, 2, 3, 4]
    row = login_row(env, phone)
    assert row.attempts == 5 and row.locked_until is not None and row.consumed_at is None
    after = env.client.post("/v1/verification-codes/check", json={"phone": phone, "code": right})
    assert after.status_code == 423 and after.json()["error"]["code"] == "code_locked"


def test_the_right_code_is_consumed_once(env):
    code = env.client.post("/v1/verification-codes", json={"phone": PHONE}).json()["dev_code"]

    def check():
        return env.client.post("/v1/verification-codes/check", json={"phone": PHONE, "code": code})

    statuses = sorted(a.status_code for a in race([check] * 10))
    assert statuses == [200] + [400] * 9


def test_right_and_wrong_codes_together_never_pass_the_lock(env):
    code = env.client.post("/v1/verification-codes", json={"phone": PHONE}).json()["dev_code"]

    def check(value):
        return lambda: env.client.post("/v1/verification-codes/check", json={"phone": PHONE, "code": value})

    answers = race([check(wrong(code))] * 19 + [check(code)])
    right = answers[-1]
    row = login_row(env, PHONE)
    assert row.attempts <= 5
    if right.status_code == 200:  # it came before the 5th wrong code
        assert row.consumed_at is not None
    else:
        assert right.status_code == 423 and row.consumed_at is None


def test_concurrent_wrong_phone_change_codes_count_five(env):
    env.client.post("/v1/customers/C0001/phone-change/code", json={"new_phone": "13600000001"})

    def change():
        body = {"new_phone": "13600000001", "code": "000000"}
        return env.client.post("/v1/customers/C0001/phone-change", json=body)

    statuses = sorted(a.status_code for a in race([change] * RACERS))
    assert statuses.count(400) <= 4 and statuses.count(400) + statuses.count(423) == RACERS
    with env.session() as s:
        row = s.scalars(select(PhoneChangeCode)).one()
    assert row.attempts == 5 and row.locked_until is not None
    assert env.client.get("/v1/customers/C0001").json()["phone"] == PHONE


def test_concurrent_sends_to_one_phone_send_one_code(env):
    def send(i):
        headers = {REQUESTER_HEADER: f"conv-{i}"}
        return lambda: env.client.post("/v1/verification-codes", json={"phone": PHONE}, headers=headers)

    statuses = sorted(a.status_code for a in race([send(i) for i in range(RACERS)]))
    assert statuses == [202] + [429] * (RACERS - 1)
    assert len(env.settings.sms_outbox.read_text().splitlines()) == 1


def test_two_instances_on_one_database_share_the_throttle(env):
    """Two apps with their own engines (as two processes) count in the same database."""
    other_app = create_app(env.settings, clock=env.clock)
    try:
        with TestClient(other_app, headers=HEADERS) as other:
            clients = [env.client, other]

            def send(i):
                phone = f"1360000{i:04d}"
                return lambda: clients[i % 2].post(
                    "/v1/verification-codes", json={"phone": phone}, headers={REQUESTER_HEADER: "bomber"}
                )

            statuses = sorted(a.status_code for a in race([send(i) for i in range(RACERS)]))
    finally:
        other_app.state.engine.dispose()
    limit = env.settings.sms_requester_per_hour
    assert statuses == [202] * limit + [429] * (RACERS - limit)
    with env.session() as s:
        assert len(s.scalars(select(VerificationCode)).all()) == limit
