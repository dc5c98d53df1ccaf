"""Idempotency keys name the customer message (common.turn_id), not the turn counter that
restarts with every session; the handoff open carries the same name as its request_id
and an unconfirmed open is told so (no servers: the backend and the handoff service are
httpx mock transports that record what they were sent).

tests/actions/test_idempotency_backend.py runs the same errands against the real backend.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any, Dict, List, Optional

import httpx
from rasa_sdk import Tracker

from actions import errand_actions, handoff_actions, texts
from actions.backend_client import BackendClient
from actions.common import turn_id
from actions.handoff_client import HandoffClient
from actions.settings import settings
from tests.actions.inprocess.trackers import VERIFIED, proof, run

HOUR = 3600.0


def session(
    started: float, turns: List[str], message_ids: Optional[List[Optional[str]]] = None, **slots: Any
) -> Tracker:
    """One session of a verified customer who asked for a password reset and confirmed it
    (Rasa sends the events of the latest session only): `turns` customer messages,
    with these message ids (None: a message without one)."""
    message_ids = message_ids or [None] * len(turns)
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": started},
        {"event": "session_started", "timestamp": started},
        {"event": "action", "name": "action_listen", "timestamp": started},
    ]
    for n, (text, message_id) in enumerate(zip(turns, message_ids)):
        user: Dict[str, Any] = {"event": "user", "text": text, "timestamp": started + n + 1, "parse_data": {}}
        if message_id:
            user["message_id"] = message_id
        events.append(user)
    latest = {"text": turns[-1], "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}
    state = {**VERIFIED, **proof(0), "errand": "reset_password", "confirmed": True, **slots}
    return Tracker.from_dict(
        {
            "sender_id": "inprocess-idem",
            "slots": state,
            "latest_message": latest,
            "events": events,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


# ---------------------------------------------------------------- turn_id
def test_the_turn_is_the_latest_customer_message():
    now = time.time()
    assert turn_id(session(now, ["重置密码", "确认"], ["a1", "a2"])) == "m:a2"
    again = session(now, ["重置密码", "确认"], ["a1", "a2"])
    assert turn_id(session(now, ["重置密码", "确认"], ["a1", "a2"])) == turn_id(again)
    assert turn_id(session(now, ["重置密码", "确认"], ["b1", "b2"])) != "m:a2"


def test_without_message_ids_the_session_start_tells_two_sessions_apart():
    first, later = time.time() - 2 * HOUR, time.time()
    # the same shape of conversation: the turn counter alone (2) would repeat
    assert turn_id(session(first, ["重置密码", "确认"])) != turn_id(session(later, ["重置密码", "确认"]))
    assert turn_id(session(first, ["重置密码", "确认"])) == turn_id(session(first, ["重置密码", "确认"]))
    assert turn_id(session(first, ["重置密码", "确认"])) != turn_id(session(first, ["重置密码", "嗯", "确认"]))


# ---------------------------------------------------------------- errand keys
class RecordingBackend:
    """A backend that answers every password reset and records each Idempotency-Key."""

    def __init__(self) -> None:
        self.keys: List[str] = []

    def client(self) -> BackendClient:
        def answer(request: httpx.Request) -> httpx.Response:
            self.keys.append(request.headers.get("Idempotency-Key", ""))
            return httpx.Response(200, json={"sent_to": "138****8000", "channel": "sms"})

        return BackendClient(replace(settings, read_retries=0), transport=httpx.MockTransport(answer))


def test_the_same_errand_in_two_sessions_gets_two_keys(monkeypatch):
    backend = RecordingBackend()
    client = backend.client()
    monkeypatch.setattr(errand_actions, "backend", lambda: client)
    first, later = time.time() - 2 * HOUR, time.time()
    for started, ids in ((first, ["a1", "a2"]), (later, ["b1", "b2"])):
        result = run(errand_actions.ActionDoErrand(), session(started, ["重置密码", "确认"], ids))
        assert "重置密码的短信已发送" in result["text"]
    run(errand_actions.ActionDoErrand(), session(later, ["重置密码", "确认"], ["b1", "b2"]))  # the same turn again
    assert len(backend.keys) == 3 and all(backend.keys)
    assert backend.keys[0] != backend.keys[1], "a new message is a new request"
    assert backend.keys[1] == backend.keys[2], "the same message handled again is the same request"


# ---------------------------------------------------------------- the handoff open
def handoff_request(message_id: str = "m-handoff") -> Tracker:
    latest = {"text": "转人工", "intent": {"name": "request_human", "confidence": 1.0}, "entities": []}
    return Tracker.from_dict(
        {
            "sender_id": "inprocess-handoff",
            "slots": {},
            "latest_message": latest,
            "events": [{"event": "user", "text": "转人工", "parse_data": latest, "message_id": message_id}],
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def test_a_handoff_whose_answers_timed_out_is_not_claimed_either_way(monkeypatch):
    bodies: List[Dict[str, Any]] = []

    def saved_but_slow(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        raise httpx.ReadTimeout("the service saved it, the answer came too late", request=request)

    service = HandoffClient(transport=httpx.MockTransport(saved_but_slow))
    monkeypatch.setattr(handoff_actions, "handoff_service", lambda: service)
    result = run(handoff_actions.ActionHandoff(), handoff_request("m-handoff"))
    assert len(bodies) == 2, "one retry after a timeout"
    assert bodies[0]["request_id"] == bodies[1]["request_id"] == "m:m-handoff", "the retry names the same request"
    assert result["text"] == texts.HANDOFF_UNAVAILABLE
    assert "确认" in result["text"] and "通知您" in result["text"], "not claimed as failed: it may have been recorded"
    assert not any(e.get("event") == "pause" for e in result["events"]), "no pause on a guess: the service repairs"


def test_a_retry_answered_with_this_requests_own_handoff_is_told_as_new(monkeypatch):
    answers = iter(["timeout", "own"])

    def first_lost_then_found(request: httpx.Request) -> httpx.Response:
        if next(answers) == "timeout":
            raise httpx.ReadTimeout("late", request=request)
        queued = {"id": 9, "state": "QUEUED", "queue_message": "您前面还有 2 位。", "request_id": "m:m-handoff"}
        return httpx.Response(200, json=queued)

    service = HandoffClient(transport=httpx.MockTransport(first_lost_then_found))
    monkeypatch.setattr(handoff_actions, "handoff_service", lambda: service)
    result = run(handoff_actions.ActionHandoff(), handoff_request("m-handoff"))
    assert "您前面还有 2 位" in result["text"] and texts.HANDOFF_ALREADY not in result["text"]
    assert result["events"][-1]["event"] == "pause"


def test_an_earlier_requests_handoff_is_told_as_already_waiting(monkeypatch):
    queued = {"id": 9, "state": "QUEUED", "queue_message": "您前面还有 2 位。", "request_id": "m:earlier"}
    service = HandoffClient(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=queued)))
    monkeypatch.setattr(handoff_actions, "handoff_service", lambda: service)
    result = run(handoff_actions.ActionHandoff(), handoff_request("m-handoff"))
    assert result["text"] == texts.HANDOFF_ALREADY and result["events"][-1]["event"] == "pause"


def test_a_long_channel_message_id_is_digested_to_what_the_service_takes():
    request_id = handoff_actions.request_id(handoff_request("x" * 200))
    assert len(request_id) <= handoff_actions.REQUEST_ID_CHARS
    assert request_id == handoff_actions.request_id(handoff_request("x" * 200))
