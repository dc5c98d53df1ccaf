"""Calling the real action server the way Rasa does: POST /webhook with a tracker."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, Dict, List, Optional

import pytest
import requests

from devtools.rasa_server import ROOT
from tests.services import SERVICE_KEY, action_headers

FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="session")
def domain_dict() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain.yml")).as_dict()


def fresh_proof(customer_id: str, age_s: float = 0, via: str = "code") -> Dict[str, Any]:
    """The slots of an identity proven `age_s` seconds ago (actions/identity.py)."""
    return {
        "verified_at": time.time() - age_s,
        "verified_for": {"customer_id": customer_id, "phone": None, "via": via},
    }


class ActionCall:
    """One conversation's tracker, built up event by event, sent to the action server."""

    def __init__(self, url: str, domain: Dict[str, Any], **slots):
        self.url, self.domain = url, domain
        self.sender = f"t-{uuid.uuid4().hex[:10]}"
        self.slots: Dict[str, Any] = {name: None for name in domain["slots"]}
        self.slots["verified"] = False
        if slots.get("verified") and slots.get("customer_id") and "verified_at" not in slots:
            slots = {**fresh_proof(slots["customer_id"]), **slots}  # a verified caller proved it just now
        self.slots.update(slots)
        self.events: List[Dict[str, Any]] = []
        self.latest: Dict[str, Any] = {}
        self.active_loop: Dict[str, Any] = {}

    def user(
        self,
        text: str,
        intent: str,
        entities: Optional[List[dict]] = None,
        metadata: Optional[dict] = None,
        confidence: float = 1.0,
        sentiment: Optional[dict] = None,
        ranking: Optional[List[str]] = None,
        **slot_values,
    ) -> ActionCall:
        self.latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
        if sentiment is not None:
            self.latest["sentiment"] = sentiment
        if ranking is not None:
            self.latest["intent_ranking"] = [
                {"name": name, "confidence": round(confidence / (i + 1), 3)} for i, name in enumerate(ranking)
            ]
        self.events.append(
            {
                "event": "user",
                "timestamp": time.time(),
                "text": text,
                "parse_data": self.latest,
                "metadata": metadata or {},
            }
        )
        for name, value in slot_values.items():
            self.set(name, value)
        return self

    def set(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self.events.append({"event": "slot", "timestamp": time.time(), "name": name, "value": value})

    def form(self, name: str, requested_slot: Optional[str]) -> ActionCall:
        self.active_loop = {"name": name}
        self.slots["requested_slot"] = requested_slot
        return self

    def payload(self, action: str) -> Dict[str, Any]:
        """What Rasa posts to the action server to run `action` on this tracker."""
        tracker: Dict[str, Any] = {
            "sender_id": self.sender,
            "slots": self.slots,
            "latest_message": self.latest,
            "events": self.events,
            "paused": False,
            "followup_action": None,
            "active_loop": self.active_loop,
            "latest_action_name": "action_listen",
        }
        return {
            "next_action": action,
            "sender_id": self.sender,
            "tracker": tracker,
            "domain": self.domain,
            "version": "3.6.2",
        }

    def run(self, action: str) -> Dict[str, Any]:
        """Runs `action` as Rasa does (with the action server's token); asserts it answered."""
        response = requests.post(self.url, json=self.payload(action), headers=action_headers(), timeout=30)
        assert response.status_code == 200, response.text
        result = response.json()
        for event in result["events"]:
            if event.get("event") == "slot":
                self.set(event["name"], event["value"])
        text = " ".join(r.get("text") or "" for r in result["responses"])
        # masking: no full phone number ever leaves the action server
        assert not FULL_PHONE.search(text), text
        for r in result["responses"]:
            for b in r.get("buttons") or []:
                assert not FULL_PHONE.search(b["title"])
        result["text"] = text
        return result


@pytest.fixture
def call(action_url, domain_dict):
    def make(**slots) -> ActionCall:
        return ActionCall(action_url, domain_dict, **slots)

    return make


def backend_code(backend_url: str, path: str, body: dict) -> str:
    response = requests.post(f"{backend_url}{path}", json=body, headers={"X-Service-Key": SERVICE_KEY}, timeout=10)
    response.raise_for_status()
    return response.json()["dev_code"]
