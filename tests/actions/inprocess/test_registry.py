"""The errand registry against the domain and the rules: adding an errand misses nothing (no servers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from actions import texts
from actions.errands import ERRAND_INTENTS, ERRAND_STATE, ERRANDS, INTENT_LABELS, errand_named, slot_validator
from actions.errands.base import Errand

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "nlu_data" / "rules.yml").read_text(encoding="utf-8"))
# Asked by the generic actions, not by an errand's module.
SHARED_ASKS = {"order_id": "action_ask_order_id", "confirmed": "action_ask_confirmed"}


def test_every_intent_that_starts_an_errand_is_an_errand():
    started = {
        step["intent"]
        for rule in RULES["rules"]
        if {"action": "action_start_errand"} in rule.get("steps", [])
        for step in rule["steps"]
        if "intent" in step
    }
    # inform, nlu_fallback: with an order number alone (order_status)
    assert started - {"inform", "nlu_fallback"} == set(ERRAND_INTENTS)
    assert all(isinstance(errand, Errand) and errand.name == name for name, errand in ERRANDS.items())


@pytest.mark.parametrize("name", ERRAND_INTENTS)
def test_each_errand_is_declared_in_the_domain_and_started_by_a_rule(name):
    errand = errand_named(name)
    assert name in DOMAIN["intents"]
    assert errand.label and list(INTENT_LABELS.values()).count(errand.label) == 1
    form_slots = DOMAIN["forms"]["errand_form"]["required_slots"]
    for slot in errand.slots:
        assert slot in DOMAIN["slots"], f"{name}: slot {slot} is not in domain.yml"
        assert slot in form_slots, f"{name}: slot {slot} is not in errand_form.required_slots"
        ask = SHARED_ASKS.get(slot, f"action_ask_{slot}")
        assert ask in DOMAIN["actions"] or f"utter_ask_{slot}" in DOMAIN["responses"], f"{name}: nothing asks {slot}"
    for slot in errand.state_slots:
        assert slot in DOMAIN["slots"], f"{name}: slot {slot} is not in domain.yml"
    starts = [
        rule
        for rule in RULES["rules"]
        if {"intent": name} in rule.get("steps", []) and {"action": "action_start_errand"} in rule["steps"]
    ]
    assert starts, f"no rule in nlu_data/rules.yml starts {name}"


def test_every_errand_state_slot_is_in_the_domain():
    assert set(ERRAND_STATE) <= set(DOMAIN["slots"])
    assert "order_id" not in ERRAND_STATE  # the order stays as context


def test_the_form_asks_only_for_what_some_errand_needs():
    needed = {slot for errand in ERRANDS.values() for slot in errand.slots}
    assert set(DOMAIN["forms"]["errand_form"]["required_slots"]) == needed


def test_each_owned_slot_has_one_validator():
    for slot in {slot for errand in ERRANDS.values() for slot in errand.slots} - {"order_id", "confirmed"}:
        owners = [e.name for e in ERRANDS.values() if hasattr(e, f"validate_{slot}")]
        assert len(owners) == 1, f"{slot}: validated by {owners}"
        assert slot_validator(slot) is not None


def test_the_action_server_registers_exactly_the_domain_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == set(DOMAIN["actions"])


def test_intent_labels_cover_errands_and_the_rest():
    assert set(INTENT_LABELS) == set(texts.OTHER_INTENT_LABELS) | set(ERRAND_INTENTS)
    assert not set(texts.OTHER_INTENT_LABELS) & set(ERRAND_INTENTS)
    assert set(INTENT_LABELS) <= set(DOMAIN["intents"])
