"""action_session_start and action_restart (actions/session_actions.py) on trackers built here
(no servers): a conversation a person holds stays paused across a new session and a
/restart; one the bot holds starts afresh as with Rasa's defaults.

The events are also applied to a real Rasa DialogueStateTracker, the way Rasa's processor
logs a remote action's events, so the tests check the state Rasa ends up in, not only
the event names.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ConversationPaused, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.session_actions import KEPT_ACROSS_SESSIONS, ActionRestart, ActionSessionStart
from tests.actions.inprocess.test_registry import ROOT
from tests.actions.inprocess.trackers import run

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
DOMAIN_DICT = DOMAIN.as_dict()
HOUR = 3600.0


def held_conversation(paused: bool, **slots: Any) -> DialogueStateTracker:
    """A Rasa tracker of a customer who asked for a person an hour ago (paused or given back),
    with these slots set, as the tracker store holds it."""
    then = time.time() - 2 * HOUR
    events: List[Event] = [
        ActionExecuted("action_session_start", timestamp=then),
        SessionStarted(timestamp=then),
        ActionExecuted("action_listen", timestamp=then),
        UserUttered("转人工", {"name": "request_human", "confidence": 1.0}, timestamp=then, message_id="m-1"),
        ActionExecuted("action_handoff", timestamp=then),
    ]
    events += [SlotSet(name, value, timestamp=then) for name, value in slots.items()]
    if paused:
        events.append(ConversationPaused(timestamp=then))
    events.append(ActionExecuted("action_listen", timestamp=then))
    return DialogueStateTracker.from_events("inprocess-held", events, DOMAIN.slots)


def as_sent(tracker: DialogueStateTracker) -> Tracker:
    """The tracker as Rasa posts it to the action server (RemoteAction: EventVerbosity.ALL)."""
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


def run_remote(action, tracker: DialogueStateTracker, domain: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Runs the action as Rasa's RemoteAction would and logs its events on the Rasa tracker."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, as_sent(tracker), domain or DOMAIN_DICT))
    tracker.update(ActionExecuted(action.name()))
    for event in events:
        tracker.update(Event.from_parameters(event), DOMAIN)
    return {"events": events, "text": " ".join(m.get("text") or "" for m in dispatcher.messages)}


# ---------------------------------------------------------------- session start
def test_a_new_session_of_a_held_conversation_is_paused_again():
    tracker = held_conversation(paused=True)
    assert tracker.is_paused()
    result = run_remote(ActionSessionStart(), tracker)
    names = [e["event"] for e in result["events"]]
    # Rasa's order: SessionStarted first (it resets), the pause right after, action_listen last
    assert names == ["session_started", "pause", "action"]
    assert result["events"][-1]["name"] == "action_listen"
    assert tracker.is_paused(), "still paused in the new session"
    assert result["text"] == ""  # nothing said: the customer's message goes to the person
    # the processor predicts nothing for a paused tracker: the next message is only relayed
    tracker.update(UserUttered("还在吗", {"name": "greet", "confidence": 1.0}))
    assert tracker.is_paused() and tracker.latest_action_name == "action_listen"


def test_a_new_session_of_a_conversation_the_bot_holds_starts_afresh():
    tracker = held_conversation(paused=False, customer_id="C0001", verified=True)
    result = run_remote(ActionSessionStart(), tracker)
    assert [e["event"] for e in result["events"]] == ["session_started", "action"]
    assert not tracker.is_paused()
    # carry_over_slots_to_new_session is false: identity is proven again
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("verified") is False


def test_an_open_promise_outlives_the_session():
    kept = {"satisfaction_handoff_id": "42", "ticket_awaiting_message": "7"}
    tracker = held_conversation(paused=False, customer_id="C0001", **kept)
    run_remote(ActionSessionStart(), tracker)
    assert set(kept) == set(KEPT_ACROSS_SESSIONS)
    assert {name: tracker.get_slot(name) for name in kept} == kept
    assert tracker.get_slot("customer_id") is None


def test_with_carry_over_configured_every_slot_of_the_session_is_carried():
    domain = dict(DOMAIN_DICT, session_config={"session_expiration_time": 60, "carry_over_slots_to_new_session": True})
    tracker = held_conversation(paused=True, customer_id="C0001", order_id="100120261101001")
    result = run_remote(ActionSessionStart(), tracker, domain)
    assert [e["event"] for e in result["events"]][:2] == ["session_started", "pause"]
    assert tracker.get_slot("customer_id") == "C0001" and tracker.get_slot("order_id") == "100120261101001"
    assert tracker.is_paused()


# ---------------------------------------------------------------- restart
def restart_message(tracker: DialogueStateTracker) -> DialogueStateTracker:
    tracker.update(UserUttered("/restart", {"name": "restart", "confidence": 1.0}, message_id="m-2"))
    return tracker


def test_restart_in_a_held_conversation_keeps_it_with_the_person():
    tracker = restart_message(held_conversation(paused=True, customer_id="C0001"))
    result = run_remote(ActionRestart(), tracker)
    assert result["text"] == texts.RESTART_WHILE_HELD
    assert [e["event"] for e in result["events"]] == ["followup"]
    assert tracker.is_paused()
    assert tracker.get_slot("customer_id") == "C0001", "nothing was reset"
    # the processor's next prediction is the follow-up, action_listen: the turn ends there
    assert tracker.followup_action == "action_listen"


def test_restart_in_a_conversation_the_bot_holds_restarts_it():
    tracker = restart_message(held_conversation(paused=False, customer_id="C0001"))
    result = run_remote(ActionRestart(), tracker)
    assert [e["event"] for e in result["events"]] == ["restart"]
    assert tracker.get_slot("customer_id") is None
    # Rasa then runs action_session_start (Restarted's follow-up), which does not pause
    assert tracker.followup_action == "action_session_start"
    after = run_remote(ActionSessionStart(), tracker)
    assert [e["event"] for e in after["events"]] == ["session_started", "action"]
    assert not tracker.is_paused()


def test_the_restart_sentence_is_said_only_to_a_held_conversation():
    tracker = restart_message(held_conversation(paused=False))
    assert run(ActionRestart(), as_sent(tracker))["text"] == ""
