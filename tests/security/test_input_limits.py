"""Attack (finding 5): unbounded and unencodable input, against the real Rasa server.

Rasa, the action server, the shop backend and the handoff service run as `scripts/start`
runs them (tests/conftest.py). Each hostile message gets an answer, is kept in the
tracker, and the conversation's next message is still answered. That NLU read only the
cut text shows in the tracker: the parse result's `text` has at most the pipeline's
500 characters and `original_text` at most the normaliser's MAX_INPUT_CHARS.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import requests

from bot.serve import DEFAULT_REQUEST_MAX_SIZE
from bot.text_normalization import MAX_INPUT_CHARS
from tests.services import rasa_headers, rest_headers

NLU_CHARS = 500  # config.yml: ChineseTextNormalizer max_chars
TIMEOUT = 120

HOSTILE = {
    "120k characters": "我要退货" * 30_000,
    "1 MB": "查" * (1024 * 1024 // 3) + "订单",
    "lone surrogates": "\ud800我要退貨\udfff",
    "only a lone surrogate": "\ud800",
    "surrogates in bulk": "\udc00" * 50_000,
    "control characters": "".join(chr(c) for c in range(32)) + "\x7f\u200b\u202e订单到哪了",
    "emoji": "😭😭😭 快递到哪了 🙏" * 3,
    "full-width digits": "订单 ２０２６ １１０１ ００００ ０１ 到哪了",
    "huge full-width number": "１" * 200_000,
}


def post(url: str, sender: str, message: str) -> requests.Response:
    # requests writes a lone surrogate as the JSON escape "\ud800", as a hostile client would
    return requests.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        headers=rest_headers(),
        timeout=TIMEOUT,
    )


def over_the_body_limit(sender: str, message: str) -> bool:
    """Whether the request body is larger than Rasa takes (bot/serve.py: RASA_REQUEST_MAX_SIZE)."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    return len(body) > int(os.environ.get("RASA_REQUEST_MAX_SIZE") or DEFAULT_REQUEST_MAX_SIZE)


def say(url: str, sender: str, message: str) -> list:
    response = post(url, sender, message)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def user_events(url: str, sender: str) -> list:
    tracker = requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=TIMEOUT).json()
    return [e for e in tracker["events"] if e["event"] == "user"]


def held_by_a_person(url: str, sender: str) -> bool:
    """Whether the conversation was handed off and is paused for an agent."""
    tracker = requests.get(f"{url}/conversations/{sender}/tracker", headers=rasa_headers(), timeout=TIMEOUT).json()
    names = [e["name"] for e in tracker["events"] if e["event"] == "action"]
    return bool(tracker.get("paused")) and "action_handoff" in names


@pytest.mark.parametrize("message", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_answered_and_the_next_message_too(rasa_url, message):
    sender = f"hostile-{uuid.uuid4().hex[:8]}"
    refused = over_the_body_limit(sender, message)
    if refused:  # a body over the limit: 413 before anything reads it, nothing stored
        assert post(rasa_url, sender, message).status_code == 413
        assert user_events(rasa_url, sender) == []
    else:
        replies = say(rasa_url, sender, message)
        assert any(r.get("text") for r in replies), "the customer gets an answer"
        (event,) = user_events(rasa_url, sender)  # nothing dropped: the message is in the tracker
        parse = event["parse_data"]
        assert len(parse["text"]) <= NLU_CHARS
        assert len(parse.get("original_text") or "") <= MAX_INPUT_CHARS
        assert parse["intent"]["name"]

    follow_up = say(rasa_url, sender, "你好")
    # the conversation goes on: the bot answers, or a person holds it (an upset-sounding
    # message is handed off; then the follow-up is kept for the agent, not answered by the bot)
    assert any(r.get("text") for r in follow_up) or held_by_a_person(rasa_url, sender), "the conversation goes on"
    assert len(user_events(rasa_url, sender)) == (1 if refused else 2)


def test_full_width_digits_are_read_as_the_number(rasa_url):
    sender = f"hostile-{uuid.uuid4().hex[:8]}"
    say(rasa_url, sender, HOSTILE["full-width digits"])
    (event,) = user_events(rasa_url, sender)
    orders = [e["value"] for e in event["parse_data"]["entities"] if e["entity"] == "order_id"]
    assert orders == ["20261101000001"]
