"""Rasa's two conversation-resetting default actions, overridden so that neither un-pauses a
conversation a person holds (domain.yml lists both: a custom action of a default action's
name replaces the default).

The handoff service is the source of truth of who holds a conversation: it pauses Rasa when
it queues a customer (action_handoff returns ConversationPaused), and only its resume events
(POST /conversations/<id>/tracker/events) give the conversation back to the bot. Rasa itself
would end the hold in two places, and both are closed here:

- session expiry: after `session_expiration_time` minutes of customer silence (domain.yml)
  Rasa runs `action_session_start` before the next message; the default's SessionStarted
  resets the tracker, pause included, so the bot would answer a customer still waiting for
  a person. `ActionSessionStart` does what the default does and, when the old session was
  paused, pauses the new one at once (ConversationPaused right after SessionStarted, before
  the closing action_listen), so the customer's message is parsed and relayed to the
  handoff service as before but not answered by the bot.
- `/restart`: Rasa lets a restart intent through a paused conversation
  (MessageProcessor._should_handle_message) and the default action_restart resets the
  tracker. `ActionRestart` restarts only a conversation the bot holds; in a held one it
  tells the customer a person is on it and ends the turn (FollowupAction action_listen:
  the processor predicts nothing more, so no fallback answers).

Neither action ever resumes: a conversation that is paused stays paused until the handoff
service says otherwise.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, FollowupAction, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.common import events_of_this_session, say

ACTION_LISTEN = "action_listen"

# Slots of an open promise to the customer that outlive a session (whatever
# carry_over_slots_to_new_session says): the rating the handoff service asked for when it
# gave the conversation back, and the ticket the customer was told to leave a message on
# outside business hours. Everything else starts afresh as the domain configures it:
# identity is proven again, errands start over (the handoff service keeps its own copy of
# what the agent needs, the package sent with the handoff).
KEPT_ACROSS_SESSIONS = ("satisfaction_handoff_id", "ticket_awaiting_message")


class ActionSessionStart(Action):
    """Rasa's action_session_start, and a held conversation stays held in the new session.

    Events, in the order Rasa's processor expects of a session start
    (rasa.core.actions.action.ActionSessionStart, MessageProcessor._update_tracker_session):
    SessionStarted (resets the tracker), ConversationPaused when the old session was paused,
    the slots carried over (all of them when the domain's session_config carries slots over,
    else only KEPT_ACROSS_SESSIONS that are set), then ActionExecuted(action_listen), after
    which the customer's message is logged.
    """

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        events: List[Dict[Text, Any]] = [SessionStarted()]
        if tracker.is_paused():
            events.append(ConversationPaused())
        events += carried_over_slots(tracker, domain)
        events.append(ActionExecuted(ACTION_LISTEN))
        return events


class ActionRestart(Action):
    """Rasa's action_restart for a conversation the bot holds; none for one a person holds."""

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        if tracker.is_paused():
            say(dispatcher, texts.RESTART_WHILE_HELD)
            return [FollowupAction(ACTION_LISTEN)]
        if "utter_restart" in (domain.get("responses") or {}):
            dispatcher.utter_message(response="utter_restart")  # as Rasa's default does
        # Restarted resets the tracker and makes Rasa run action_session_start next.
        return [Restarted()]


def carried_over_slots(tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
    """The SlotSet events of the new session."""
    session_config = domain.get("session_config") or {}
    if session_config.get("carry_over_slots_to_new_session"):
        # Rasa's default: the session's SlotSet events again, in their order
        return [
            SlotSet(event["name"], event.get("value"))
            for event in events_of_this_session(tracker)
            if event.get("event") == "slot"
        ]
    return [SlotSet(name, tracker.get_slot(name)) for name in KEPT_ACROSS_SESSIONS if tracker.get_slot(name)]
