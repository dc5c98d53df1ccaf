"""A conversation a person holds stays paused: real Rasa, action server, shop backend and
handoff service (tests/conftest.py), the customer on the REST channel.

- a queued customer silent for longer than the session expiry then writes: Rasa starts a
  new session (action_session_start), the conversation is still paused, the bot says
  nothing and the message reaches the handoff service;
- a queued customer sends /restart, right after the handoff and after a silence that
  started a new session: the conversation stays with the person (one short sentence,
  nothing else: no fallback loop), the next message is relayed, not answered;
- a customer the bot holds who sends /restart is restarted as by Rasa's default.

How the silence is made: Rasa decides that a session expired from the timestamp of the
conversation's latest customer message in its tracker store
(MessageProcessor._has_session_expired: now - last user event > session_expiration_time).
The test moves every stored event of the conversation back by the expiry plus a minute in
the test Rasa's SQLite tracker store (the `timestamp` column and the event JSON Rasa
rebuilds the tracker from), which is exactly the state the store holds after that much
silence; Rasa reads the tracker from the store on every message, so the next message
meets an expired session for real. Nothing else is touched: the handoff service keeps the
handoff QUEUED as it would.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, List

import requests
import yaml

from actions import texts
from tests.services import agent_session, rasa_headers
from tests.test_handoff_conversation import handoff_of, rest, texts_of, tracker, wait_until

ROOT = Path(__file__).resolve().parents[1]
EXPIRY_MIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["session_config"][
    "session_expiration_time"
]


def fall_silent(rasa_state: Path, sender: str, minutes: float) -> int:
    """Moves the stored conversation `minutes` into the past, as if the customer had been
    silent that long; the number of events moved."""
    shift = minutes * 60
    with sqlite3.connect(rasa_state / "tracker.db", timeout=30) as db:
        rows = db.execute("SELECT id, timestamp, data FROM events WHERE sender_id = ?", (sender,)).fetchall()
        for row_id, timestamp, data in rows:
            event = json.loads(data)
            event["timestamp"] = float(event["timestamp"]) - shift
            db.execute(
                "UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                (float(timestamp) - shift, json.dumps(event), row_id),
            )
    return len(rows)


def queued(rasa_url: str, handoff_url: str, sender: str) -> Dict[str, Any]:
    """The customer asks for a person and is queued; the handoff as the console reads it."""
    reply = texts_of(rest(rasa_url, sender, "转人工"))
    assert "人工客服" in reply and ("前面还有" in reply or "马上就轮到您" in reply), reply
    assert tracker(rasa_url, sender)["paused"] is True
    handoff = handoff_of(agent_session(handoff_url, "zhou"), handoff_url, sender)
    assert handoff["state"] == "QUEUED"
    return handoff


def customer_texts_at_agent(handoff_url: str, sender: str) -> List[str]:
    detail = handoff_of(agent_session(handoff_url, "zhou"), handoff_url, sender)
    return [m["text"] for m in detail["messages"] if m["role"] == "customer"]


def events_after(events: List[Dict[str, Any]], kind: str, text: str) -> List[Dict[str, Any]]:
    """The events after the customer message `text`."""
    index = max(i for i, e in enumerate(events) if e["event"] == kind and e.get("text") == text)
    return events[index + 1 :]


def test_a_queued_customer_silent_past_the_session_expiry_stays_with_the_person(rasa_url, handoff_url, rasa_state):
    sender = f"pause-expiry-{uuid.uuid4().hex[:8]}"
    handoff = queued(rasa_url, handoff_url, sender)
    assert fall_silent(rasa_state, sender, EXPIRY_MIN + 1) > 0

    assert rest(rasa_url, sender, "还要等多久啊") == [], "the bot does not answer a held conversation"

    state = tracker(rasa_url, sender)
    events = state["events"]
    sessions = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    assert len(sessions) == 2, "the silence started a new session"
    new_session = [e["event"] for e in events[sessions[-1] :]]
    assert new_session[:2] == ["session_started", "pause"], new_session
    assert state["paused"] is True
    assert not [e for e in events_after(events, "user", "还要等多久啊") if e["event"] == "bot"]
    # the message reaches the person, and the service still has the customer in the queue
    wait_until(lambda: "还要等多久啊" in customer_texts_at_agent(handoff_url, sender), "the relayed message")
    assert handoff_of(agent_session(handoff_url, "zhou"), handoff_url, sender)["state"] == handoff["state"]


def test_restart_does_not_take_a_queued_customer_from_the_person(rasa_url, handoff_url, rasa_state):
    sender = f"pause-restart-{uuid.uuid4().hex[:8]}"
    queued(rasa_url, handoff_url, sender)
    # Right after the handoff the handoff policy answers every message with action_listen
    # (its own action was the last one); after a silence the new session ends with
    # action_listen, and then Rasa's restart rule runs action_restart.
    assert rest(rasa_url, sender, "/restart") == []
    assert tracker(rasa_url, sender)["paused"] is True
    fall_silent(rasa_state, sender, EXPIRY_MIN + 1)

    reply = rest(rasa_url, sender, "/restart")
    assert [m.get("text") for m in reply] == [texts.RESTART_WHILE_HELD], "one sentence, no fallback loop"
    state = tracker(rasa_url, sender)
    assert state["paused"] is True
    assert not [e for e in state["events"] if e["event"] == "restart"]
    ran = [e.get("name") for e in events_after(state["events"], "user", "/restart") if e["event"] == "action"]
    assert ran == ["action_restart", "action_listen"], ran

    # the next message is the person's: relayed, not answered
    assert rest(rasa_url, sender, "我的快递到哪了") == []
    wait_until(lambda: "我的快递到哪了" in customer_texts_at_agent(handoff_url, sender), "the relayed message")
    assert tracker(rasa_url, sender)["paused"] is True
    assert handoff_of(agent_session(handoff_url, "zhou"), handoff_url, sender)["state"] == "QUEUED"


def test_restart_of_a_conversation_the_bot_holds_starts_it_over(rasa_url):
    sender = f"pause-restart-bot-{uuid.uuid4().hex[:8]}"
    assert "您好" in texts_of(rest(rasa_url, sender, "你好"))
    rest(rasa_url, sender, "/restart")
    response = requests.get(
        f"{rasa_url}/conversations/{sender}/tracker",
        params={"include_events": "ALL"},
        headers=rasa_headers(),
        timeout=30,
    )
    response.raise_for_status()
    events = response.json()["events"]
    after = [e["event"] for e in events_after(events, "user", "/restart")]
    assert "restart" in after and after.index("restart") < after.index("session_started"), after
    assert tracker(rasa_url, sender)["paused"] is False
    assert "包邮" in texts_of(rest(rasa_url, sender, "你们满多少包邮"))
