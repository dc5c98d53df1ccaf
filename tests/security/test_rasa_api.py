"""Attacks on Rasa's HTTP API (finding 1), against the real server started by scripts/rasa.

The API takes only a JWT signed with RASA_JWT_SECRET (role admin, or role user for the
sender's own conversation). Without it, with a wrong or expired one, or with one for
another sender, nobody reads a tracker, posts `verified`/`customer_id` slots, shows a
message as a human agent's, or replaces or unloads the model; each test checks that
the tracker and the loaded model are unchanged afterwards.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any, Dict

import pytest
import requests

from contract import messages
from contract.slots import CUSTOMER_ID, VERIFIED
from tests.security.support import jwt_headers, only_loopback
from tests.services import rasa_headers, rest_headers, rest_message, stack_secrets, tracker

WRONG_SECRET = secrets.token_urlsafe(32)


def forged(kind: str, sender: str) -> Dict[str, str]:
    """The credentials an attacker may hold."""
    real = stack_secrets()["RASA_JWT_SECRET"]
    return {
        "none": {},
        "wrong-secret": jwt_headers(WRONG_SECRET),
        "expired": jwt_headers(real, ttl_s=-3600),  # past sanic-jwt's 3-minute leeway
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "basic": {"Authorization": f"Basic {real}"},
        "other-sender": rasa_headers(sender=f"someone-else-{uuid.uuid4().hex[:6]}"),
    }[kind]


KINDS = ["none", "wrong-secret", "expired", "garbage", "basic", "other-sender"]


@pytest.fixture
def victim(rasa_url: str) -> str:
    """A customer's conversation with one turn in it."""
    sender = f"victim-{uuid.uuid4().hex[:8]}"
    assert rest_message(rasa_url, sender, "你好")
    return sender


def snapshot(rasa_url: str, sender: str) -> Dict[str, Any]:
    state = tracker(rasa_url, sender)
    return {"events": state["events"], "slots": state["slots"], "paused": state["paused"]}


def model_file(rasa_url: str) -> str:
    status = requests.get(f"{rasa_url}/status", headers=rasa_headers(), timeout=30)
    assert status.status_code == 200, status.text
    return status.json()["model_file"]


def refused(response: requests.Response, kind: str) -> None:
    # 401: no valid JWT (400: a header that is not a bearer token at all); 403: a valid user
    # JWT for another conversation
    expected = (403,) if kind == "other-sender" else (400, 401) if kind == "basic" else (401,)
    assert response.status_code in expected, (kind, response.status_code)


@pytest.mark.parametrize("kind", KINDS)
def test_reading_a_tracker_is_refused(rasa_url, victim, kind):
    response = requests.get(f"{rasa_url}/conversations/{victim}/tracker", headers=forged(kind, victim), timeout=30)
    refused(response, kind)
    assert "events" not in response.text and "slots" not in response.text


def test_the_old_query_token_opens_nothing(rasa_url, victim):
    """`--auth-token` is gone: `?token=` with any value, the JWT secret included, is ignored."""
    for token in (stack_secrets()["RASA_JWT_SECRET"], "rasa-token"):
        response = requests.get(f"{rasa_url}/conversations/{victim}/tracker", params={"token": token}, timeout=30)
        assert response.status_code == 401


@pytest.mark.parametrize("kind", KINDS)
def test_posting_verified_and_customer_id_slots_is_refused(rasa_url, victim, kind):
    before = snapshot(rasa_url, victim)
    events = [
        {"event": "slot", "name": VERIFIED, "value": True},
        {"event": "slot", "name": CUSTOMER_ID, "value": "C0002"},
    ]
    response = requests.post(
        f"{rasa_url}/conversations/{victim}/tracker/events", json=events, headers=forged(kind, victim), timeout=30
    )
    refused(response, kind)
    after = snapshot(rasa_url, victim)
    assert after == before
    assert after["slots"][VERIFIED] in (None, False) and after["slots"][CUSTOMER_ID] is None


@pytest.mark.parametrize("kind", KINDS)
def test_a_bot_event_dressed_as_an_agent_is_refused(rasa_url, victim, kind):
    before = snapshot(rasa_url, victim)
    fake_agent = [
        {"event": "bot", "text": None, "data": {"custom": messages.agent_message("请把验证码发给我", "小王")}}
    ]
    response = requests.post(
        f"{rasa_url}/conversations/{victim}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        json=fake_agent,
        headers=forged(kind, victim),
        timeout=30,
    )
    refused(response, kind)
    assert snapshot(rasa_url, victim) == before


@pytest.mark.parametrize("kind", KINDS)
def test_executing_an_action_or_triggering_an_intent_is_refused(rasa_url, victim, kind):
    before = snapshot(rasa_url, victim)
    base = f"{rasa_url}/conversations/{victim}"
    for path, body in (("execute", {"name": "action_restart"}), ("trigger_intent", {"name": "greet"})):
        refused(requests.post(f"{base}/{path}", json=body, headers=forged(kind, victim), timeout=30), kind)
    assert snapshot(rasa_url, victim) == before


@pytest.mark.parametrize("kind", KINDS)
def test_unloading_or_replacing_the_model_is_refused(rasa_url, kind):
    loaded = model_file(rasa_url)
    headers = forged(kind, "nobody")
    for response in (
        requests.delete(f"{rasa_url}/model", headers=headers, timeout=30),
        requests.put(f"{rasa_url}/model", json={"model_file": "/tmp/attacker.tar.gz"}, headers=headers, timeout=30),
    ):
        refused(response, kind)  # the model routes have no conversation: a user JWT is as good as none
    assert model_file(rasa_url) == loaded
    parsed = requests.post(f"{rasa_url}/model/parse", json={"text": "你好"}, headers=rasa_headers(), timeout=30)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"]


def test_parsing_needs_a_jwt_too(rasa_url):
    assert requests.post(f"{rasa_url}/model/parse", json={"text": "你好"}, timeout=30).status_code == 401
    expired = jwt_headers(stack_secrets()["RASA_JWT_SECRET"], ttl_s=-3600)
    assert (
        requests.post(f"{rasa_url}/model/parse", json={"text": "你好"}, headers=expired, timeout=30).status_code == 401
    )


def test_a_sender_with_a_user_jwt_reads_only_its_own_conversation(rasa_url, victim):
    """The JWT roles work as Rasa documents them: this is what the refusals above are measured against."""
    own = requests.get(f"{rasa_url}/conversations/{victim}/tracker", headers=rasa_headers(sender=victim), timeout=30)
    assert own.status_code == 200 and own.json()["sender_id"] == victim


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_processed(rasa_url):
    sender = f"huge-{uuid.uuid4().hex[:8]}"
    huge = "好" * (1024 * 1024)  # 3 MiB of UTF-8, over the 1 MiB default
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": huge},
        headers=rest_headers(),
        timeout=60,
    )
    assert response.status_code == 413
    assert not [e for e in tracker(rasa_url, sender)["events"] if e["event"] == "user"]
    parsed = requests.post(f"{rasa_url}/model/parse", json={"text": huge}, headers=rasa_headers(), timeout=60)
    assert parsed.status_code == 413


def test_no_cross_origin_access_and_loopback_only(rasa_url):
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    preflight = requests.options(f"{rasa_url}/webhooks/rest/webhook", headers=evil, timeout=30)
    assert "Access-Control-Allow-Origin" not in preflight.headers
    status = requests.get(
        f"{rasa_url}/status", headers={**rasa_headers(), "Origin": "https://evil.example"}, timeout=30
    )
    assert "Access-Control-Allow-Origin" not in status.headers
    assert only_loopback(int(rasa_url.rsplit(":", 1)[1]))
