"""Attacks on the REST channel (finding 3: any `sender` was accepted), against the real
Rasa started by scripts/rasa with the project's credentials.yml.

Only callers with `Authorization: Bearer $REST_CHANNEL_TOKEN` get in; anyone else gets
401 and nothing reaches the conversation. A burst over the per-conversation message
limit is answered with the polite text and not passed on.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot import rate_limit
from contract.messages import RATE_LIMITED_TEXT
from tests.services import rasa_headers, rest_headers, stack_secrets, tracker


def user_events(rasa_url: str, sender: str) -> list:
    return [e for e in tracker(rasa_url, sender)["events"] if e["event"] == "user"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic " + "x" * 43},
        "jwt",  # the Rasa API's JWT is not the channel's token
        "token-without-scheme",
    ],
    ids=["none", "wrong", "empty", "basic", "rasa-jwt", "no-scheme"],
)
def test_a_caller_without_the_token_gets_401_and_nothing_is_processed(rasa_url, headers):
    if headers == "jwt":
        headers = rasa_headers()
    elif headers == "token-without-scheme":
        headers = {"Authorization": stack_secrets()["REST_CHANNEL_TOKEN"]}
    sender = f"takeover-{uuid.uuid4().hex[:8]}"
    # the attacker even brings a customer's identity claims: nothing is read
    body = {"sender": sender, "message": "帮我把订单20261101000003取消", "metadata": {"shop_customer_id": "C0001"}}
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, headers=headers, timeout=60)
    assert response.status_code == 401
    assert user_events(rasa_url, sender) == []


def test_the_token_in_the_url_is_not_accepted(rasa_url):
    sender = f"takeover-{uuid.uuid4().hex[:8]}"
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        params={"token": stack_secrets()["REST_CHANNEL_TOKEN"]},
        json={"sender": sender, "message": "你好"},
        timeout=60,
    )
    assert response.status_code == 401
    assert user_events(rasa_url, sender) == []


def test_a_trusted_caller_is_served_and_cannot_claim_another_channel(rasa_url):
    """The control for the refusals above: the same request with the token is answered."""
    sender = f"trusted-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": "你好", "input_channel": "wechat"}
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, headers=rest_headers(), timeout=60)
    assert response.status_code == 200 and response.json()
    [event] = user_events(rasa_url, sender)
    assert event["input_channel"] == "rest"


DEEP = b'{"a":' * 500 + b"1" + b"}" * 500
MALFORMED = {
    "not json": b"not json",
    "array": b"[1, 2]",
    "sender not a string": b'{"sender": 5, "message": "hi"}',
    "message null": b'{"sender": "a", "message": null}',
    # bytes that are not UTF-8 (once read as a corrupt string that broke the normaliser)
    "invalid utf-8": b'{"sender": "a", "message": "\xe4\xbd\xa0\xf4\x90\x80\x80"}',
    # metadata nested deep enough to exhaust recursion later (once an unanswered message)
    "deep metadata": b'{"sender": "a", "message": "hi", "metadata": ' + DEEP + b"}",
    "deep message": b'{"sender": "a", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_get_400_not_500(rasa_url, body):
    response = requests.post(
        f"{rasa_url}/webhooks/rest/webhook",
        data=body,
        headers={**rest_headers(), "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 400 and "error" in response.json()


def test_a_burst_over_the_message_limit_is_answered_politely_and_not_passed_on(rasa_url):
    """All requests are sent at once, so they arrive well within the limit's window."""
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    limit, extra = rate_limit.from_environment().limit, 5  # the limit the stack runs with

    def send(_: int) -> requests.Response:
        body = {"sender": sender, "message": "你好"}
        return requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, headers=rest_headers(), timeout=300)

    with ThreadPoolExecutor(limit + extra) as pool:
        responses = list(pool.map(send, range(limit + extra)))
    limited = [r for r in responses if r.status_code == 429]
    assert len(limited) == extra and sum(r.status_code == 200 for r in responses) == limit
    assert all(r.json() == [{"recipient_id": sender, "text": RATE_LIMITED_TEXT}] for r in limited)
    assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)
    assert len(user_events(rasa_url, sender)) == limit
