"""Retention (privacy/retention.py, scripts/retention) on tracker stores written by Rasa itself.

Rasa's SQLTrackerStore writes the conversations (SQLite, and PostgreSQL when one answers
on 127.0.0.1:5432); the retention purges or anonymises the old ones; Rasa reads back
what is left.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from devtools.rasa_server import ROOT
from privacy.retention import ANONYMISED_PREFIX, RetentionSettings, apply_retention, tracker_store_url

DAY = 86_400
NOW = time.time()
PHONE_TEXT = "我的手机 138 0013 8000，验证码 482913，地址北京市朝阳区建国路88号"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _session(at: float, text: str) -> List[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 1),
        ActionExecuted("action_listen", timestamp=at + 2),
        UserUttered(
            text,
            intent={"name": "inform", "confidence": 0.9},
            entities=[{"entity": "phone", "value": "13800138000", "start": 5, "end": 18}],
            metadata={"identity_token": "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln"},
            timestamp=at + 3,
        ),
        SlotSet("phone", "13800138000", timestamp=at + 4),
        SlotSet("verified", True, timestamp=at + 5),
        BotUttered("已向 138****8000 发送验证码", timestamp=at + 6),
    ]


# sender → its events: a conversation that ended 40 days ago, one that began 40 days ago
# and goes on in a new session, one of yesterday.
CONVERSATIONS: Dict[str, List[Event]] = {
    "old-customer": _session(NOW - 40 * DAY, PHONE_TEXT),
    "returning-customer": _session(NOW - 40 * DAY, PHONE_TEXT) + _session(NOW - 3600, "还是那个订单"),
    "recent-customer": _session(NOW - DAY, PHONE_TEXT),
}


def _write(store: SQLTrackerStore, domain: Domain) -> None:
    for sender, events in CONVERSATIONS.items():
        tracker = DialogueStateTracker.from_events(sender, events, slots=domain.slots)
        asyncio.run(store.save(tracker))


def _events(url: str) -> List[sa.engine.Row]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, type_name, data FROM events ORDER BY id")).all()
    engine.dispose()
    return rows


def _sqlite(tmp_path: Path, domain: Domain) -> str:
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "rasa_tracker.db"))
    _write(store, domain)
    store.engine.dispose()
    return f"sqlite:///{tmp_path / 'rasa_tracker.db'}"


def _postgres(domain: Domain) -> str:
    db = f"retention_{uuid.uuid4().hex[:8]}"
    try:
        store = SQLTrackerStore(
            domain, dialect="postgresql", host="127.0.0.1", port=5432, db=db, username="postgres", login_db="postgres"
        )
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({type(error).__name__})")
    _write(store, domain)
    url = store.engine.url.render_as_string(hide_password=False)
    store.engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, domain):
    if request.param == "sqlite":
        yield _sqlite(tmp_path, domain)
        return
    url = _postgres(domain)
    yield url
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _read_back(url: str, domain: Domain, sender: str) -> DialogueStateTracker:
    store = SQLTrackerStore(domain, host=url)
    tracker = asyncio.run(store.retrieve_full_tracker(sender))
    store.engine.dispose()
    return tracker


def test_purge_deletes_old_conversations_and_old_sessions_and_keeps_the_rest(store_url, domain):
    before = _events(store_url)
    report = apply_retention(store_url, days=30, mode="purge", now=NOW)
    after = _events(store_url)
    senders = {row.sender_id for row in after}
    assert senders == {"returning-customer", "recent-customer"}
    per_session = len(CONVERSATIONS["old-customer"])
    assert report.conversations == 2 and report.events == 2 * per_session
    assert len(after) == len(before) - 2 * per_session
    # Rasa still reads the live conversation: its current session, whole
    returning = _read_back(store_url, domain, "returning-customer")
    assert [e.text for e in returning.events if isinstance(e, UserUttered)] == ["还是那个订单"]
    assert returning.get_slot("verified") is True
    recent = _read_back(store_url, domain, "recent-customer")
    assert len(recent.events) == per_session
    # a second run finds nothing more
    assert apply_retention(store_url, days=30, mode="purge", now=NOW).events == 0


def test_anonymise_keeps_old_events_without_anything_that_points_to_a_person(store_url, domain):
    report = apply_retention(store_url, days=30, mode="anonymise", now=NOW)
    rows = _events(store_url)
    anonymised = [row for row in rows if row.sender_id.startswith(ANONYMISED_PREFIX)]
    assert report.events == len(anonymised) == 2 * len(CONVERSATIONS["old-customer"])
    assert len({row.sender_id for row in anonymised}) == 2, "one new id per conversation"
    text = " ".join(row.data for row in anonymised)
    for personal in ("13800138000", "0013", "482913", "建国路", "identity_token", "eyJ"):
        assert personal not in text
    user = next(json.loads(row.data) for row in anonymised if row.type_name == "user")
    assert user["text"] == "我的手机 138****8000，验证码 ******，地址北京市朝阳区****"
    assert user["parse_data"]["intent"]["name"] == "inform"
    slots = {json.loads(r.data)["name"]: json.loads(r.data)["value"] for r in anonymised if r.type_name == "slot"}
    assert slots == {"phone": None, "verified": True}
    # the current session of the live conversation and yesterday's conversation are untouched
    assert sum(row.sender_id == "recent-customer" for row in rows) == len(CONVERSATIONS["recent-customer"])
    assert sum(row.sender_id == "returning-customer" for row in rows) == len(_session(NOW, ""))
    recent = _read_back(store_url, domain, "recent-customer").events
    assert PHONE_TEXT in [e.text for e in recent if isinstance(e, UserUttered)]
    # anonymised conversations are not taken again
    assert apply_retention(store_url, days=30, mode="anonymise", now=NOW).events == 0


def test_the_command_reads_the_store_from_endpoints_and_says_what_it_did(tmp_path, domain):
    url = _sqlite(tmp_path, domain)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'rasa_tracker.db'}\n")
    assert tracker_store_url(endpoints) == url
    env = dict(os.environ, RETENTION_DAYS="30", RETENTION_MODE="purge")
    command = [str(ROOT / "scripts" / "retention"), "--endpoints", str(endpoints)]
    dry = subprocess.run([*command, "--dry-run"], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "2 conversations, 14 events would be purged" in dry.stdout
    assert len(_events(url)) == sum(len(e) for e in CONVERSATIONS.values())
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "2 conversations, 14 events purged" in done.stdout
    assert "customer" not in done.stdout + done.stderr, "no sender id in the output"
    assert {row.sender_id for row in _events(url)} == {"returning-customer", "recent-customer"}


def test_the_project_store_is_the_sqlite_file_under_var(monkeypatch):
    # endpoints.yml names ${ACTIONS_TOKEN}: Rasa (and this reader) expand it, as scripts/retention does
    monkeypatch.setenv("ACTIONS_TOKEN", "token-of-the-action-server")
    assert tracker_store_url(ROOT / "endpoints.yml") == f"sqlite:///{ROOT / 'var' / 'rasa_tracker.db'}"


def test_settings_have_safe_defaults_and_refuse_nonsense():
    assert RetentionSettings.from_env({}) == RetentionSettings(days=30, mode="purge")
    assert RetentionSettings.from_env({"RETENTION_DAYS": "7", "RETENTION_MODE": "Anonymise"}).mode == "anonymise"
    for bad in ({"RETENTION_DAYS": "0"}, {"RETENTION_MODE": "keep"}):
        with pytest.raises(ValueError):
            RetentionSettings.from_env(bad)


def test_an_empty_store_is_nothing_to_do(tmp_path):
    assert apply_retention(f"sqlite:///{tmp_path / 'none.db'}", days=30, mode="purge").events == 0
