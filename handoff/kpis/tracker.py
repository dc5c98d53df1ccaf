"""Rasa's tracker store, read-only: its events, and the facts of each conversation.

A conversation is one Rasa session of a sender (the events between two ``session_started``)
that has at least one customer message; it starts at its first customer message, and its
channel is that message's ``input_channel``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from contract import handoff as reasons
from contract import slots

# Customer messages the bot did not understand: the FallbackClassifier's low confidence and
# the out-of-scope second stage (config.yml); both are what INTENTS.md counts as rejected.
FALLBACK_INTENTS = ("nlu_fallback", "out_of_scope")
CLARIFY_ACTION = "action_clarify_intent"
HANDOFF_ACTION = "action_handoff"
EVENT_TYPES = ("user", "action", "slot", "session_started")
REPEAT_HOURS = 24  # FCR: a repeat contact about the same errand within this long


class TrackerUnavailable(Exception):
    """The tracker store is not configured, missing or unreadable; ``str()`` says why (no URL)."""


@dataclass
class TrackerEvent:
    sender_id: str
    type_name: str
    timestamp: float
    name: Optional[str]  # the intent of a user event, the action of an action event
    data: dict[str, Any]


@dataclass
class Attempt:
    """An errand started (slot `errand` set) and how it ended (slot `errand_outcome`; None: left)."""

    errand: str
    outcome: Optional[str] = None


@dataclass
class Conversation:
    sender_id: str
    start: datetime  # naive UTC, the first customer message
    channel: Optional[str]
    intents: list[Optional[str]] = field(default_factory=list)  # one per customer message
    clarifications: int = 0
    # one per action_handoff: (reason, intent of the customer message before it)
    handoffs: list[tuple[str, Optional[str]]] = field(default_factory=list)
    errands: list[Attempt] = field(default_factory=list)

    @property
    def handed_off(self) -> bool:
        return bool(self.handoffs)

    @property
    def fallbacks(self) -> int:
        return sum(1 for intent in self.intents if intent in FALLBACK_INTENTS)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def conversations(events: Iterable[TrackerEvent]) -> list[Conversation]:
    """The conversations in ``events`` (ordered per sender as stored), oldest first per sender."""
    result: list[Conversation] = []
    current: dict[str, Optional[Conversation]] = {}
    slot_values: dict[str, dict[str, Any]] = {}
    last_intent: dict[str, Optional[str]] = {}
    for event in events:
        sender = event.sender_id
        values = slot_values.setdefault(sender, {})
        conv = current.get(sender)
        if event.type_name == "session_started":
            current[sender] = None
            last_intent[sender] = None
            values.clear()  # a new session starts with the domain's defaults
            continue
        if event.type_name == "user":
            intent = event.name or ((event.data.get("parse_data") or {}).get("intent") or {}).get("name")
            if conv is None:
                conv = Conversation(sender, _utc(event.timestamp), event.data.get("input_channel"))
                current[sender] = conv
                result.append(conv)
            conv.intents.append(intent)
            last_intent[sender] = intent
        elif event.type_name == "slot":
            name, value = str(event.data.get("name")), event.data.get("value")
            values[name] = value
            if conv is None:
                continue
            if name == slots.ERRAND and value:
                conv.errands.append(Attempt(str(value)))
            elif name == slots.ERRAND_OUTCOME and value and conv.errands and conv.errands[-1].outcome is None:
                conv.errands[-1].outcome = str(value)
        elif event.type_name == "action" and conv is not None:
            if event.name == CLARIFY_ACTION:
                conv.clarifications += 1
            elif event.name == HANDOFF_ACTION:
                trigger = values.get(slots.HANDOFF_TRIGGER)
                reason = (trigger.get("reason") if isinstance(trigger, dict) else None) or reasons.REQUEST_HUMAN
                conv.handoffs.append((reason, last_intent.get(sender)))
    return result


# ----- reading the store -----
def _engine_url(url: str) -> str:
    """A SQLite file opened read-only (and never created); other databases as given."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    database = parsed.database or ""
    if not database or database == ":memory:":
        raise TrackerUnavailable("the tracker store URL names no SQLite file")
    path = Path(database)
    if not path.is_file():
        raise TrackerUnavailable("the tracker store's SQLite file does not exist")
    return f"sqlite:///file:{path.resolve()}?mode=ro&uri=true"


def read_tracker_events(url: Optional[str], since: datetime, until: datetime) -> list[TrackerEvent]:
    """Every event (of the kinds the figures read) of the senders who wrote in [since, until)
    (naive UTC), up to ``REPEAT_HOURS`` after ``until`` (repeat contacts), ordered per sender."""
    if not url:
        raise TrackerUnavailable("no tracker store is configured (HANDOFF_TRACKER_STORE_URL)")
    try:
        engine = create_engine(_engine_url(url))
    except TrackerUnavailable:
        raise
    except Exception as exc:  # a malformed URL or a missing driver
        raise TrackerUnavailable(f"the tracker store URL is unusable ({type(exc).__name__})") from exc
    start = since.replace(tzinfo=UTC).timestamp()
    end = until.replace(tzinfo=UTC).timestamp()
    kinds = ", ".join(f"'{kind}'" for kind in EVENT_TYPES)
    query = text(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
        "WHERE sender_id IN (SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' "
        "AND timestamp >= :start AND timestamp < :end) "
        f"AND timestamp < :horizon AND type_name IN ({kinds}) ORDER BY sender_id, id"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"start": start, "end": end, "horizon": end + REPEAT_HOURS * 3600}).all()
    except SQLAlchemyError as exc:
        raise TrackerUnavailable(f"the tracker store could not be read ({type(exc).__name__})") from exc
    finally:
        engine.dispose()
    events = []
    for sender_id, type_name, timestamp, intent_name, action_name, data in rows:
        try:
            body = json.loads(data) if data else {}
        except ValueError:
            body = {}
        name = intent_name if type_name == "user" else action_name if type_name == "action" else None
        events.append(TrackerEvent(sender_id, type_name, float(timestamp or 0), name, body))
    return events
