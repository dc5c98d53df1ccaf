"""The satisfaction question after a conversation the bot served alone.

When the bot finished an errand (errand_outcome done) or answered an FAQ, and the
customer then says goodbye or falls silent for ACTIONS_BOT_SURVEY_SILENCE_S seconds, the
bot asks once 「请问本次服务您满意吗？」 with five choices. Silence is a Rasa reminder
(ReminderScheduled, killed by the customer's next message) that triggers
EXTERNAL_BOT_SURVEY_SILENCE, whose rule runs action_ask_bot_survey.

Never when a person is or was part of this session (a handoff, a pause, the handoff
service's own survey), and at most once a session (BOT_SURVEY_ASKED). The answer is
routed by the handoff policy (bot/policies/handoff_policy.py, read_rating) to
action_record_bot_satisfaction, which stores it with the handoff service
(POST /api/service/ratings) with the intents of the session.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.common import events_of_this_session, say
from actions.handoff_actions import request_id
from actions.handoff_client import HandoffUnavailable, handoff_service
from actions.settings import settings
from contract import channels, tickets
from contract import slots as slot_names

logger = logging.getLogger(__name__)

# The reminder's intent (domain.yml; Rasa's EXTERNAL_ convention for intents no customer types).
EXTERNAL_BOT_SURVEY_SILENCE = "EXTERNAL_bot_survey_silence"
# One reminder per conversation: a later one of the same name replaces the earlier.
SILENCE_REMINDER = "bot_survey_silence"
ACTION_ANSWER_FAQ = "action_answer_faq"
# Slots of the handoff policy and the handoff actions (domain.yml).
SLOT_RATING = "satisfaction_rating"
SLOT_HANDOFF_SURVEY = "satisfaction_handoff_id"
# Signs that a person is or was part of this session.
PERSON_ACTIONS = ("action_handoff", "action_record_satisfaction")
PERSON_EVENTS = ("pause", "resume")


def person_involved(tracker: Tracker) -> bool:
    """Whether a person holds the conversation or held it in this session."""
    if tracker.is_paused() or tracker.get_slot(SLOT_HANDOFF_SURVEY):
        return True
    for event in events_of_this_session(tracker):
        kind = event.get("event")
        if kind in PERSON_EVENTS:
            return True
        if kind == "action" and event.get("name") in PERSON_ACTIONS:
            return True
        if kind == "slot" and event.get("name") == SLOT_HANDOFF_SURVEY and event.get("value"):
            return True
    return False


def bot_served(tracker: Tracker) -> bool:
    """Whether the bot finished an errand or answered an FAQ in this session."""
    for event in events_of_this_session(tracker):
        if event.get("event") == "action" and event.get("name") == ACTION_ANSWER_FAQ:
            return True
        if (
            event.get("event") == "slot"
            and event.get("name") == slot_names.ERRAND_OUTCOME
            and event.get("value") == slot_names.OUTCOME_DONE
        ):
            return True
    return False


def survey_due(tracker: Tracker, serving_now: bool = False) -> bool:
    """The question may be asked: served by the bot alone (`serving_now`: the calling action
    is serving the customer this turn), and not asked yet in this session."""
    if tracker.get_slot(slot_names.BOT_SURVEY_ASKED):
        return False
    return (serving_now or bot_served(tracker)) and not person_involved(tracker)


def silence_reminder(tracker: Tracker, now: Optional[datetime] = None) -> List[Dict[Text, Any]]:
    """The reminder that asks after a silence, for the actions that serve the customer
    (an FAQ answer, a finished errand); none when the question is not due."""
    if not survey_due(tracker, serving_now=True):
        return []
    when = (now or datetime.now(UTC)) + timedelta(seconds=settings.bot_survey_silence_s)
    return [ReminderScheduled(EXTERNAL_BOT_SURVEY_SILENCE, when, name=SILENCE_REMINDER, kill_on_user_message=True)]


def session_intents(tracker: Tracker) -> List[str]:
    """The customer's intents in this session, each once, in order; without the latest
    message (the rating itself) and without reminders' EXTERNAL_ intents."""
    users = [e for e in events_of_this_session(tracker) if e.get("event") == "user"][:-1]
    intents: List[str] = []
    for event in users:
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if isinstance(name, str) and name and not name.startswith("EXTERNAL_") and name not in intents:
            intents.append(name)
    return intents


class ActionAskBotSurvey(Action):
    """Asks how the bot did, once, when it served the customer alone (after goodbye or silence)."""

    def name(self) -> Text:
        return "action_ask_bot_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if not survey_due(tracker):
            return []
        buttons = [{"title": title, "payload": payload} for title, payload in texts.BOT_SURVEY_BUTTONS]
        say(dispatcher, texts.BOT_SURVEY_QUESTION, buttons)
        return [SlotSet(slot_names.BOT_SURVEY_OPEN, True), SlotSet(slot_names.BOT_SURVEY_ASKED, True)]


class ActionRecordBotSatisfaction(Action):
    """Stores the rating (the policy put it in satisfaction_rating) and thanks the customer."""

    def name(self) -> Text:
        return "action_record_bot_satisfaction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        rating = tracker.get_slot(SLOT_RATING)
        events = [SlotSet(slot_names.BOT_SURVEY_OPEN, False), SlotSet(SLOT_RATING, None)]
        if rating is None:
            return events
        rating = int(rating)
        body = {
            "sender_id": tracker.sender_id,
            "channel": tracker.get_latest_input_channel() or channels.REST,
            "handled_by": tickets.HANDLED_BY_BOT,
            "handoff_id": None,
            "rating": rating,
            "intents": session_intents(tracker),
            # the rating message: a retry of the same message stores it once
            "request_id": request_id(tracker),
        }
        try:
            await handoff_service().store_rating(body)
        except HandoffUnavailable:
            # never silence: the customer is thanked all the same (the log says it was not stored)
            logger.warning("bot survey rating not stored: the handoff service did not take it")
            say(dispatcher, texts.SATISFACTION_FAILED)
            return events
        say(dispatcher, texts.SATISFACTION_THANKS.get(rating, texts.SATISFACTION_FAILED))
        return events
