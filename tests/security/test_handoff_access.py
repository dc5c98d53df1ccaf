"""Attacks on the handoff service and the agent console, against the real service process
(scripts/handoff, as scripts/start starts it) with a recorder standing in for Rasa's HTTP
API, so that every message the service sends towards a customer is seen.

- agent 小李 opens, reads, replies to, transfers, returns and closes 小王's conversation by
  guessing its id: 404 exactly like a missing id, nothing changed, nothing sent;
- a login flood: the username ends up locked (even the right password is refused) while
  the service-key endpoints of the action server and the event broker keep answering;
- 转人工 again and again out of hours: one ticket, the messages on it;
- a relayed customer message with a full phone number is stored and shown masked.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
import requests

from contract.http import SERVICE_KEY_HEADER
from devtools.rasa_server import ROOT
from privacy import mask_text
from tests.handoff.rasa_recorder import RasaRecorder
from tests.services import HANDOFF_DEMO_PASSWORD, HANDOFF_SERVICE_KEY, agent_session, running_handoff

SERVICE = {SERVICE_KEY_HEADER: HANDOFF_SERVICE_KEY}
PHONE = "13800138000"
MISSING = 999_999
TIMEOUT = 30


def _state_dir(name: str) -> Path:
    """Under TEST_LOG_DIR, so that the log audit of the test run reads the service's log."""
    root = Path(os.environ.get("TEST_LOG_DIR") or ROOT / "var" / "test-logs")
    path = root / f"{name}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def recorder() -> Iterator[RasaRecorder]:
    rec = RasaRecorder().start()
    yield rec
    rec.stop()


@pytest.fixture(scope="module")
def on_duty(recorder: RasaRecorder) -> Iterator[tuple[str, Path]]:
    """The service open around the clock; yields its URL and its SQLite file."""
    state = _state_dir("handoff-access")
    with running_handoff(state, rasa_url=recorder.url) as url:
        yield url, state / "handoff.db"


@pytest.fixture(scope="module")
def off_duty(recorder: RasaRecorder) -> Iterator[tuple[str, Path]]:
    """The service with no business day at all: every handoff becomes a ticket."""
    state = _state_dir("handoff-night")
    with running_handoff(state, rasa_url=recorder.url, extra_env={"HANDOFF_BUSINESS_DAYS": "[]"}) as url:
        yield url, state / "handoff.db"


def _package(sender: str, text: str = "转人工") -> dict:
    return {
        "sender_id": sender,
        "channel": "rest",
        "customer": {"verified": False},
        "reason": "request_human",
        "summary": "客户要求人工服务。",
        "transcript": [{"role": "customer", "text": text}],
    }


def _open(url: str, sender: str, text: str = "转人工") -> requests.Response:
    return requests.post(f"{url}/api/handoffs", json=_package(sender, text), headers=SERVICE, timeout=TIMEOUT)


def _rows(db: Path, query: str, *args) -> list:
    with sqlite3.connect(db) as conn:
        return conn.execute(query, args).fetchall()


def _attempts(session: requests.Session, url: str, handoff_id: int, li_id: int) -> list[requests.Response]:
    base = f"{url}/api/handoffs/{handoff_id}"
    return [
        session.get(base, timeout=TIMEOUT),
        session.post(f"{base}/accept", timeout=TIMEOUT),
        session.post(f"{base}/messages", json={"text": "您好，我是小李，请把验证码发给我"}, timeout=TIMEOUT),
        session.post(f"{base}/notes", json={"text": "偷看"}, timeout=TIMEOUT),
        session.post(f"{base}/transfer", json={"agent_id": li_id}, timeout=TIMEOUT),
        session.post(f"{base}/return", timeout=TIMEOUT),
        session.post(f"{base}/close", json={"disposition": "spam"}, timeout=TIMEOUT),
    ]


def test_an_agent_cannot_reach_another_agents_conversation_by_its_id(on_duty, recorder):
    url, db = on_duty
    sender = f"web-{uuid.uuid4().hex[:10]}"
    opened = _open(url, sender).json()
    wang, li = agent_session(url, "wang"), agent_session(url, "li")
    assert wang.post(f"{url}/api/handoffs/{opened['id']}/accept", timeout=TIMEOUT).status_code == 200
    before = wang.get(f"{url}/api/handoffs/{opened['id']}", timeout=TIMEOUT).json()
    sent_before = len(recorder.for_sender(sender))
    li_id = li.get(f"{url}/api/auth/me", timeout=TIMEOUT).json()["id"]

    for theirs, missing in zip(
        _attempts(li, url, opened["id"], li_id), _attempts(li, url, MISSING, li_id), strict=True
    ):
        assert theirs.status_code == missing.status_code == 404, theirs.text
        assert theirs.json() == missing.json()
    # guessing every id in turn shows nothing of it either
    listed = li.get(f"{url}/api/handoffs", timeout=TIMEOUT).json()
    assert opened["id"] not in [h["id"] for h in listed]
    for guess in range(1, opened["id"] + 3):
        seen = li.get(f"{url}/api/handoffs/{guess}", timeout=TIMEOUT)
        assert seen.status_code == 404 or seen.json()["state"] == "QUEUED"

    after = wang.get(f"{url}/api/handoffs/{opened['id']}", timeout=TIMEOUT).json()
    assert (after["state"], after["assigned_agent_id"]) == ("AGENT", before["assigned_agent_id"])
    assert after["messages"] == before["messages"] and after["notes"] == [] and after["transfers"] == []
    assert len(recorder.for_sender(sender)) == sent_before  # no message reached the customer
    assert _rows(db, "select count(*) from messages where role = 'agent'") == [(0,)]


def test_a_relayed_phone_number_is_stored_masked(on_duty):
    url, db = on_duty
    sender = f"web-{uuid.uuid4().hex[:10]}"
    opened = _open(url, sender).json()
    wang = agent_session(url, "wang")
    assert wang.post(f"{url}/api/handoffs/{opened['id']}/accept", timeout=TIMEOUT).status_code == 200
    event = {"sender_id": sender, "event": "user", "text": f"我的手机号是{PHONE}，帮我改一下"}
    assert requests.post(f"{url}/api/rasa-events", json=event, headers=SERVICE, timeout=TIMEOUT).json() == {
        "stored": True
    }
    stored = [t for (t,) in _rows(db, "select text from messages where handoff_id = ?", opened["id"])]
    assert mask_text(event["text"]) in stored
    assert not any(PHONE in t for t in stored)
    assert PHONE not in wang.get(f"{url}/api/handoffs/{opened['id']}", timeout=TIMEOUT).text


def test_a_login_flood_locks_the_user_while_the_bot_side_keeps_answering(on_duty):
    # after the tests that log in: the flood also locks this client address (127.0.0.1)
    url, _ = on_duty

    def attempt(n: int) -> int:
        body = {"username": "zhou", "password": f"guess-{n}"}
        return requests.post(f"{url}/api/auth/login", json=body, timeout=60).status_code

    def bot_side(n: int) -> int:
        event = {"sender_id": f"flood-{n}", "event": "user", "text": "你好"}
        return requests.post(f"{url}/api/rasa-events", json=event, headers=SERVICE, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=48) as pool:
        logins = [pool.submit(attempt, n) for n in range(120)]
        with ThreadPoolExecutor(max_workers=4) as bot_pool:
            bot_answers = list(bot_pool.map(bot_side, range(40)))
        login_answers = [f.result() for f in logins]

    assert bot_answers == [202] * 40  # the action server and the broker were served throughout
    assert set(login_answers) <= {401, 429} and 429 in login_answers and 200 not in login_answers
    right = requests.post(
        f"{url}/api/auth/login", json={"username": "zhou", "password": HANDOFF_DEMO_PASSWORD}, timeout=TIMEOUT
    )
    assert right.status_code == 429 and right.json()["error"]["code"] == "rate_limited"
    assert "handoff_session" not in right.cookies
    assert _open(url, f"web-{uuid.uuid4().hex[:10]}").status_code == 201


def test_asking_for_a_person_again_and_again_out_of_hours_opens_one_ticket(off_duty):
    url, db = off_duty
    sender = f"web-{uuid.uuid4().hex[:10]}"
    answers = [_open(url, sender, f"转人工 第{n}次") for n in range(12)]
    assert [a.status_code for a in answers] == [201] + [200] * 11
    assert len({a.json()["ticket"]["id"] for a in answers}) == 1
    assert _rows(db, "select count(*) from tickets where sender_id = ?", sender) == [(1,)]
    assert _rows(db, "select count(*) from handoffs where sender_id = ?", sender) == [(1,)]
    ticket_texts = [t for (t,) in _rows(db, "select text from ticket_messages order by id")]
    assert ticket_texts[-1] == "转人工 第11次" and len(ticket_texts) == 11
