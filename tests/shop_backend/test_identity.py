"""Verification codes (expiry, wrong tries, lock, masked log) and channel bindings."""

from __future__ import annotations

import json
import logging
import os
import stat

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


def test_the_code_goes_to_the_outbox_never_to_the_log(env, caplog):
    with caplog.at_level(logging.DEBUG):
        code = send(env.client).json()["dev_code"]
        check(env.client, code)
    assert "login code sent to 138****8000" in caplog.text
    assert code not in caplog.text and PHONE not in caplog.text
    [line] = env.settings.sms_outbox.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record.keys() == {"phone", "code", "purpose", "time"}
    assert (record["phone"], record["code"], record["purpose"]) == (PHONE, code, "login")
    assert record["time"].endswith("+08:00")
    assert stat.S_IMODE(os.stat(env.settings.sms_outbox).st_mode) == 0o600


def test_no_dev_code_unless_exposed(env):
    env.settings.expose_codes = False
    resp = send(env.client)
    assert resp.status_code == 202 and resp.json() == {"sent": True, "expires_in": 300}


def test_unknown_phone_is_answered_like_a_known_one(env):
    """202 and the same body; no code is made or sent; wrong codes count down and lock alike."""
    env.settings.expose_codes = False
    known, unknown = send(env.client), send(env.client, "13300000000")
    assert (unknown.status_code, unknown.headers["content-type"], unknown.content) == (
        known.status_code,
        known.headers["content-type"],
        known.content,
    )
    outbox = env.settings.sms_outbox.read_text(encoding="utf-8")
    assert PHONE in outbox and "13300000000" not in outbox
    for _ in range(5):
        a, b = check(env.client, "000000"), check(env.client, "000000", phone="13300000000")
        assert (a.status_code, a.content) == (b.status_code, b.content)
    assert b.status_code == 423 and b.json()["error"]["code"] == "code_locked"


def test_a_phone_nobody_asked_a_code_for(client):
    for phone in (PHONE, "13300000000"):
        resp = check(client, "123456", phone=phone)
        assert resp.status_code == 400
        assert resp.json()["error"] == {
            "code": "code_invalid",
            "message": "no valid code: request a new one",
            "attempts_left": 5,
        }


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
    # Even the right code is refused while locked, and no new code is sent (the answer is
    # the usual 202: it tells nothing).
    assert check(client, code).status_code == 423
    env.clock.advance(minutes=1)
    resp = send(client)
    assert resp.status_code == 202 and "dev_code" not in resp.json()
    env.clock.advance(minutes=13)
    assert "dev_code" not in send(client).json()
    assert check(client, code).status_code == 423
    env.clock.advance(minutes=1, seconds=5)
    new_code = send(client).json()["dev_code"]
    assert check(client, new_code).status_code == 200


def test_a_new_code_does_not_reset_wrong_tries(env):
    code = send(env.client).json()["dev_code"]
    for _ in range(3):
        check(env.client, wrong(code))
    env.clock.advance(seconds=61)
    code2 = send(env.client).json()["dev_code"]
    assert check(env.client, wrong(code2)).json()["error"]["attempts_left"] == 1
    assert check(env.client, code2).status_code == 200


@pytest.mark.parametrize("channel,ext", [("web", "shop-user-1"), ("wechat", "oWECHAT_ZHANGWEI")])
def test_by_channel(client, channel, ext):
    body = client.get("/v1/customers/by-channel", params={"channel": channel, "external_id": ext}).json()
    assert body["id"] == "C0001" and body["name"] == "张伟" and body["phone_masked"] == "138****8000"


def test_by_channel_unbound_and_invalid(client):
    resp = client.get("/v1/customers/by-channel", params={"channel": "wechat", "external_id": "oNOBODY"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "customer_not_found"
    resp = client.get("/v1/customers/by-channel", params={"channel": "qq", "external_id": "x"})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_error"
