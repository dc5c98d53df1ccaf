"""SMS throttles with the default settings: per phone and per requester, each rule either
side of its limit; a throttled request sends nothing and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contract.http import REQUESTER_HEADER
from shop_backend.models import SmsSend, VerificationCode

PHONE = "13800138000"
UNKNOWN = "13300000000"


@pytest.fixture(autouse=True)
def _frozen_clock(env):
    """Exact retry_after figures: time moves only when a test moves it."""
    env.clock.set(env.clock.now())


def send(client, phone=PHONE, requester: str | None = "conv-1", **headers):
    if requester is not None:
        headers[REQUESTER_HEADER] = requester
    return client.post("/v1/verification-codes", json={"phone": phone}, headers=headers)


def outbox_lines(env) -> list[str]:
    path = env.settings.sms_outbox
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def assert_rate_limited(resp, retry_after: int) -> None:
    assert resp.status_code == 429
    error = resp.json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert error["retry_after"] == retry_after


def fresh_phones(count: int) -> list[str]:
    return [f"1360000{i:04d}" for i in range(count)]


def test_defaults(env):
    s = env.settings
    assert (s.sms_phone_interval_seconds, s.sms_phone_per_hour, s.sms_phone_per_day) == (60, 5, 10)
    assert (s.sms_requester_per_hour, s.sms_requester_per_day) == (10, 30)


def test_one_code_per_phone_per_minute(env):
    assert send(env.client, requester="a").status_code == 202
    env.clock.advance(seconds=59)
    refused = send(env.client, requester="b")  # another conversation, the same phone
    assert_rate_limited(refused, 1)
    assert len(outbox_lines(env)) == 1
    env.clock.advance(seconds=1)
    assert send(env.client, requester="b").status_code == 202
    assert len(outbox_lines(env)) == 2


def test_a_throttled_request_changes_nothing(env):
    code = send(env.client).json()["dev_code"]
    with env.session() as s:
        before = s.scalars(select(VerificationCode)).one()
        sends = s.scalar(select(func.count()).select_from(SmsSend))
    assert_rate_limited(send(env.client, requester="other"), 60)
    with env.session() as s:
        after = s.scalars(select(VerificationCode)).one()
        assert s.scalar(select(func.count()).select_from(SmsSend)) == sends
    assert (after.code_hash, after.created_at, after.attempts) == (before.code_hash, before.created_at, 0)
    ok = env.client.post("/v1/verification-codes/check", json={"phone": PHONE, "code": code})
    assert ok.status_code == 200


def test_five_codes_per_phone_per_hour(env):
    for i in range(5):
        assert send(env.client, requester=f"c{i}").status_code == 202
        env.clock.advance(seconds=61)
    # 5 × 61 s after the first code: the first leaves the hour at 3600 s.
    assert_rate_limited(send(env.client, requester="c5"), 3600 - 5 * 61)
    assert len(outbox_lines(env)) == 5
    env.clock.advance(seconds=3600 - 5 * 61 - 1)
    assert_rate_limited(send(env.client, requester="c5"), 1)
    env.clock.advance(seconds=1)
    assert send(env.client, requester="c5").status_code == 202


def test_ten_codes_per_phone_per_day(env):
    sent = 0
    for hour in range(2):
        for i in range(5):
            assert send(env.client, requester=f"h{hour}-{i}").status_code == 202
            sent += 1
            env.clock.advance(seconds=61)
        env.clock.advance(seconds=3600)
    elapsed = 2 * (5 * 61 + 3600)
    assert_rate_limited(send(env.client, requester="late"), 86400 - elapsed)
    assert len(outbox_lines(env)) == sent == 10
    env.clock.advance(seconds=86400 - elapsed)
    assert send(env.client, requester="late").status_code == 202


def test_ten_codes_per_requester_per_hour(env):
    phones = fresh_phones(11)
    for phone in phones[:10]:
        assert send(env.client, phone, requester="bomber").status_code == 202
    assert_rate_limited(send(env.client, phones[10], requester="bomber"), 3600)
    # Another conversation may, and the refused request did not count against the phone.
    assert send(env.client, phones[10], requester="someone-else").status_code == 202
    env.clock.advance(seconds=3599)
    assert_rate_limited(send(env.client, phones[0], requester="bomber"), 1)
    env.clock.advance(seconds=1)
    assert send(env.client, phones[0], requester="bomber").status_code == 202


def test_thirty_codes_per_requester_per_day(env):
    phones = iter(fresh_phones(40))
    for _hour in range(3):
        for _ in range(10):
            assert send(env.client, next(phones), requester="bomber").status_code == 202
        env.clock.advance(seconds=3600)
    assert_rate_limited(send(env.client, next(phones), requester="bomber"), 86400 - 3 * 3600)
    env.clock.advance(seconds=86400 - 3 * 3600)
    assert send(env.client, next(phones), requester="bomber").status_code == 202


def test_requests_without_a_requester_share_one(env):
    phones = fresh_phones(12)
    for phone in phones[:10]:
        assert send(env.client, phone, requester=None).status_code == 202
    assert_rate_limited(send(env.client, phones[10], requester=None), 3600)
    assert_rate_limited(send(env.client, phones[10], requester=""), 3600)
    assert send(env.client, phones[11], requester="conv-9").status_code == 202


def test_unknown_phones_are_throttled_alike(env):
    env.settings.expose_codes = False
    first = send(env.client, PHONE, requester="a"), send(env.client, UNKNOWN, requester="b")
    again = send(env.client, PHONE, requester="c"), send(env.client, UNKNOWN, requester="d")
    assert first[0].content == first[1].content and first[0].status_code == 202
    assert again[0].content == again[1].content and again[0].status_code == 429


def test_login_and_phone_change_codes_count_for_the_same_phone(env):
    new_phone = "13600000001"
    assert send(env.client, new_phone, requester="a").status_code == 202
    resp = env.client.post(
        "/v1/customers/C0001/phone-change/code", json={"new_phone": new_phone}, headers={REQUESTER_HEADER: "b"}
    )
    assert_rate_limited(resp, 60)
    env.clock.advance(seconds=60)
    resp = env.client.post(
        "/v1/customers/C0001/phone-change/code", json={"new_phone": new_phone}, headers={REQUESTER_HEADER: "b"}
    )
    assert resp.status_code == 202


def test_phone_change_codes_are_throttled_per_requester(env):
    phones = fresh_phones(11)
    for phone in phones[:10]:
        resp = env.client.post(
            "/v1/customers/C0001/phone-change/code", json={"new_phone": phone}, headers={REQUESTER_HEADER: "agent"}
        )
        assert resp.status_code == 202
    resp = env.client.post(
        "/v1/customers/C0001/phone-change/code", json={"new_phone": phones[10]}, headers={REQUESTER_HEADER: "agent"}
    )
    assert_rate_limited(resp, 3600)


def test_a_replay_with_the_same_key_is_not_throttled_and_429_is_not_kept(env):
    first = send(env.client, **{"Idempotency-Key": "k1"})
    replay = send(env.client, **{"Idempotency-Key": "k1"})
    assert replay.status_code == 202 and replay.json() == first.json()
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert_rate_limited(send(env.client, **{"Idempotency-Key": "k2"}), 60)
    env.clock.advance(seconds=60)
    assert send(env.client, **{"Idempotency-Key": "k2"}).status_code == 202
    assert len(outbox_lines(env)) == 2


@pytest.mark.parametrize(
    "setting,value,sends",
    [("sms_phone_interval_seconds", 0, 5), ("sms_phone_per_hour", 2, 2), ("sms_requester_per_hour", 3, 3)],
)
def test_limits_are_settings(env, setting, value, sends):
    setattr(env.settings, setting, value)
    for _ in range(sends):
        assert send(env.client).status_code == 202
        if setting != "sms_phone_interval_seconds":
            env.clock.advance(seconds=61)
    assert send(env.client).status_code == 429
