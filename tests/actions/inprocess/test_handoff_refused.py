"""action_handoff when the handoff service refuses (429: this conversation asked for a person
too often lately): the customer reads the service's polite sentence, the bot stays with them."""

from __future__ import annotations

import httpx

from actions import handoff_actions, texts
from actions.handoff_client import HandoffClient
from tests.actions.inprocess.trackers import run, tracker

POLITE = "您的转人工请求太频繁了，请 40 分钟后再试。我们已收到您的问题，会尽快处理。"


def _service(status: int, body: dict) -> HandoffClient:
    return HandoffClient(transport=httpx.MockTransport(lambda request: httpx.Response(status, json=body)))


def test_a_refused_handoff_tells_the_customer_when_to_ask_again(monkeypatch):
    limited = {"error": {"code": "rate_limited", "message": POLITE, "retry_after": 2400}}
    monkeypatch.setattr(handoff_actions, "handoff_service", lambda: _service(429, limited))
    result = run(handoff_actions.ActionHandoff(), tracker("转人工", "request_human"))
    assert result["text"] == POLITE
    assert not any(e.get("event") == "pause" for e in result["events"])  # the bot keeps answering


def test_a_failing_service_is_still_told_as_unavailable(monkeypatch):
    monkeypatch.setattr(handoff_actions, "handoff_service", lambda: _service(500, {"error": {"code": "internal"}}))
    result = run(handoff_actions.ActionHandoff(), tracker("转人工", "request_human"))
    assert result["text"] == texts.HANDOFF_UNAVAILABLE
