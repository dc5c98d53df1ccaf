"""Verification codes (expiry, wrong tries, lock, masked log) and channel bindings."""

from __future__ import annotations

import logging

import pytest

PHONE = "13800138000"


def send(client, phone=PHONE, **headers):
    return client.post("/v1/verification-codes", json={"phone": phone}, headers=headers)


def check(client, code, phone=PHONE):
    return client.post("/v1/verification-codes/check", json={"phone": phone, "code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_send_and_check(client):
    resp = send(client)
    assert resp.status_code == 202
    body = resp.json()
    assert body["sent"] is True and body["expires_in"] == 300 and len(body["dev_code"]) == 6
    ok = check(client, body["dev_code"])
    assert ok.status_code == 200
    assert ok.json() == {"customer_id": "C0001", "verified": True}
    # A code works once.
    assert check(client, body["dev_code"]).json()["error"]["code"] == "code_invalid"


def test_code_is_logged_with_the_phone_masked(client, caplog):
    with caplog.at_level(logging.INFO, logger="shop_backend"):
        code = send(client).json()["dev_code"]
        check(client, code)
    assert f"verification code for 138****8000: {code}" in caplog.text
    assert PHONE not in caplog.text


def test_no_dev_code_unless_exposed(env):
    env.settings.expose_codes = False
    body = send(env.client).json()
    assert body["sent"] is True and body.get("dev_code") is None


def test_unknown_phone(client):
    resp = send(client, "13300000000")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "customer_not_found"


def test_malformed_phone_is_a_validation_error(client):
    resp = send(client, "12345")
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "validation_error"
    assert "12345" not in resp.json()["error"]["message"]


def test_wrong_code_counts_down(client):
    code = send(client).json()["dev_code"]
    resp = check(client, wrong(code))
    assert resp.status_code == 400
    assert resp.json()["error"] == {"code": "code_invalid", "message": "wrong code", "attempts_left": 4}
    assert check(client, wrong(code)).json()["error"]["attempts_left"] == 3
    assert check(client, code).status_code == 200


def test_code_expires_after_five_minutes(env):
    code = send(env.client).json()["dev_code"]
    env.clock.advance(seconds=299)
    env.client.post("/v1/verification-codes/check", json={"phone": PHONE, "code": wrong(code)})
    env.clock.advance(seconds=2)
    resp = check(env.client, code)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "code_expired"


def test_five_wrong_tries_lock_for_fifteen_minutes(env):
    client = env.client
    code = send(client).json()["dev_code"]
    for left in (4, 3, 2, 1):
        assert check(client, wrong(code)).json()["error"]["attempts_left"] == left
    locked = check(client, wrong(code))
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "code_locked"
    # Even the right code, and a new code, are refused while locked.
    assert check(client, code).status_code == 423
    assert send(client).status_code == 423
    env.clock.advance(minutes=14)
    assert send(client).status_code == 423
    env.clock.advance(minutes=1, seconds=5)
    new_code = send(client).json()["dev_code"]
    assert check(client, new_code).status_code == 200


def test_a_new_code_does_not_reset_wrong_tries(client):
    code = send(client).json()["dev_code"]
    for _ in range(3):
        check(client, wrong(code))
    code2 = send(client).json()["dev_code"]
    assert check(client, wrong(code2)).json()["error"]["attempts_left"] == 1


@pytest.mark.parametrize("channel,ext", [("web", "shop-user-1"), ("wechat", "oWECHAT_ZHANGWEI")])
def test_by_channel(client, channel, ext):
    body = client.get("/v1/customers/by-channel", params={"channel": channel, "external_id": ext}).json()
    assert body["id"] == "C0001" and body["name"] == "张伟" and body["phone_masked"] == "138****8000"


def test_by_channel_unbound_and_invalid(client):
    resp = client.get("/v1/customers/by-channel", params={"channel": "wechat", "external_id": "oNOBODY"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "customer_not_found"
    resp = client.get("/v1/customers/by-channel", params={"channel": "qq", "external_id": "x"})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_error"
