"""Helpers shared by the actions: masked replies, number parsing, identity from metadata."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from privacy import mask_text

PHONE_FORMAT = re.compile(r"^1[3-9]\d{9}$")


def say(dispatcher: CollectingDispatcher, text: str, buttons: Optional[List[dict]] = None) -> None:
    """Every reply goes out with phones, ID numbers and codes masked (an address or e-mail the
    customer has just typed is echoed for confirmation; stored ones are masked by the errand)."""
    if buttons:
        dispatcher.utter_message(text=_masked(text), buttons=[{**b, "title": _masked(b["title"])} for b in buttons])
    else:
        dispatcher.utter_message(text=_masked(text))


def _masked(text: str) -> str:
    return mask_text(text, kinds=REPLY_MASKED_KINDS)


REPLY_MASKED_KINDS = ("phone", "landline", "id_card", "code")


def digits(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\D", "", text)


def phone_problem(value: Any) -> Optional[str]:
    """None when the value is a mainland mobile number, else what is wrong (Chinese)."""
    number = normalise_phone(value)
    if not number:
        return texts.PHONE_PROBLEM_EMPTY
    if len(number) != 11:
        return texts.PHONE_PROBLEM_LENGTH.format(n=len(number))
    if not PHONE_FORMAT.match(number):
        return texts.PHONE_PROBLEM_PREFIX
    return None


def checked_phone(value: Any, dispatcher: CollectingDispatcher) -> Optional[str]:
    """The mainland mobile number in the value, or None after telling the customer what is wrong."""
    problem = phone_problem(value)
    if problem:
        say(dispatcher, texts.PHONE_BAD_FORMAT.format(problem=problem))
        return None
    return normalise_phone(value)


def normalise_phone(value: Any) -> str:
    number = digits(value)
    if len(number) == 13 and number.startswith("86"):
        number = number[2:]
    return number


def latest_user_event(tracker: Tracker) -> Dict[str, Any]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event
    return {}


def latest_metadata(tracker: Tracker) -> Dict[str, Any]:
    metadata = latest_user_event(tracker).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def events_of_this_session(tracker: Tracker) -> List[Dict[str, Any]]:
    """Applied events after the latest session start or restart (Rasa's applied_events;
    rasa_sdk's does not cut at session_started)."""
    events = tracker.applied_events()
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") in ("session_started", "restart"):
            return events[index + 1 :]
    return events


def local_time(value: Any, timezone: str) -> Optional[datetime]:
    """An ISO 8601 moment from a service, in the customer's time zone (None if unreadable;
    a moment without an offset is taken as already local)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    zone = ZoneInfo(timezone)
    return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)


def month_day_time(moment: datetime) -> str:
    """'12月3日 17:00'."""
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


def turn_id(tracker: Tracker) -> str:
    """What names the customer message this turn answers, for idempotency keys: Rasa's
    message_id of the latest customer message (unique per message, the same when the same
    message is handled again); without one, the session's start time and the number of
    customer messages in the session (a new session never repeats an old one's keys)."""
    latest = latest_user_event(tracker)
    message_id = latest.get("message_id")
    if message_id:
        return f"m:{message_id}"
    started, turns = 0.0, 0
    for event in tracker.events:
        if event.get("event") in ("session_started", "restart"):
            started, turns = float(event.get("timestamp") or 0), 0
        elif event.get("event") == "user":
            turns += 1
            started = started or float(event.get("timestamp") or 0)
    return f"s:{started:.6f}:{turns}"


def short_time(value: Optional[str]) -> str:
    """'2026-11-02T08:30:00+08:00' → '11-02 08:30'."""
    if not value:
        return ""
    match = re.match(r"\d{4}-(\d{2}-\d{2})[T ](\d{2}:\d{2})", value)
    return f"{match.group(1)} {match.group(2)}" if match else value


def short_date(value: Optional[str]) -> str:
    """'2026-11-03T18:00:00+08:00' → '11月3日'."""
    if not value:
        return ""
    match = re.match(r"\d{4}-(\d{2})-(\d{2})", value)
    return f"{int(match.group(1))}月{int(match.group(2))}日" if match else value


def items_text(order: Dict[str, Any]) -> str:
    items = order.get("items") or []
    if not items:
        return "商品"
    first = items[0].get("name", "商品")
    return f"{first}等{len(items)}件商品" if len(items) > 1 else first
