"""Trackers built in the test and actions run in this process (no servers), as Rasa's action server runs them."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

VERIFIED = {"verified": True, "customer_id": "C0001", "customer_name": "张伟"}


def proof(age_s: float, customer_id: str = "C0001", via: str = "code") -> Dict[str, Any]:
    """The slots of an identity proven `age_s` seconds ago (actions/identity.py)."""
    return {
        "verified_at": time.time() - age_s,
        "verified_for": {"customer_id": customer_id, "phone": "138****8000", "via": via},
    }


def tracker(
    text: str = "…",
    intent: str = "affirm",
    entities: Optional[List[dict]] = None,
    active_loop: Optional[str] = None,
    **slots: Any,
) -> Tracker:
    """A tracker whose latest message is `text` (`intent`), with these slots set.

    A verified customer (`**VERIFIED`) without `verified_at` was proven just now.
    """
    if slots.get("verified") and slots.get("customer_id") and "verified_at" not in slots:
        slots = {**proof(0, slots["customer_id"]), **slots}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker.from_dict(
        {
            "sender_id": "inprocess",
            "slots": dict(slots),
            "latest_message": latest,
            "events": [{"event": "user", "text": text, "parse_data": latest, "metadata": {}}],
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: Action, state: Tracker) -> Dict[str, Any]:
    """Runs the action; its events, its messages and their texts joined."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, {}))
    said = " ".join(m["text"] or "" for m in dispatcher.messages)  # a response by name has no text
    return {"events": events, "messages": dispatcher.messages, "text": said}


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def call(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
