"""When to hand the conversation to a human, and why: a Rasa dialogue policy.

The policy reads what the other components already put on the tracker (the
FallbackClassifier's ``nlu_fallback``, the sentiment reading of every message,
the errand outcome the actions record) and, when a trigger trips, predicts
``action_handoff`` with the reason and the reading that tripped it in the
``handoff_trigger`` slot. Every threshold is a key of this policy in config.yml.

It also owns the one-message exchanges that follow a question: the
satisfaction survey the handoff service asks after returning a conversation
(the next message, when it is a rating, goes to ``action_record_satisfaction``),
the bot's own survey after a conversation it served alone (a rating goes to
``action_record_bot_satisfaction``), and the message a customer leaves for a
ticket (outside business hours, or their reply to an agent's answer; a bare
thanks or goodbye is answered as usual instead).

Its predictions carry priority 7, above RulePolicy (6), and overrule an active
form: a customer who asks for a human gets one even where a rule or a form would
go on otherwise. While a human holds the
conversation Rasa predicts nothing at all (ConversationPaused), so this policy
never runs then.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from contract import handoff as reasons
from contract import slots, tickets

ACTION_HANDOFF = "action_handoff"
ACTION_CLARIFY = "action_clarify_intent"
ACTION_RECORD_SATISFACTION = "action_record_satisfaction"
ACTION_TAKE_TICKET_MESSAGE = "action_take_ticket_message"
ACTION_RECORD_BOT_SATISFACTION = "action_record_bot_satisfaction"
OWN_ACTIONS = (
    ACTION_HANDOFF,
    ACTION_CLARIFY,
    ACTION_RECORD_SATISFACTION,
    ACTION_TAKE_TICKET_MESSAGE,
    ACTION_RECORD_BOT_SATISFACTION,
)

# Slots (domain.yml) only this policy and the handoff actions use; the ones another
# process reads are named in contract.slots.
SLOT_SURVEY = "satisfaction_handoff_id"
SLOT_RATING = "satisfaction_rating"
SLOT_TICKET = tickets.SLOT_AWAITING_MESSAGE

NLU_FALLBACK = "nlu_fallback"
# Messages a reminder triggers (Rasa's EXTERNAL_ convention): not the customer's words.
EXTERNAL_PREFIX = "EXTERNAL_"
# While a ticket waits for the customer's message: a short thanks or goodbye closes the
# wait and is answered as usual; a question about the ticket is answered and the wait stays.
TICKET_CLOSING_INTENTS = ("thank", "goodbye")
TICKET_CLOSING_MAX_CHARS = 12
TICKET_QUESTION_INTENT = "ticket_status"

# A survey answer: a digit 1-5 (the normaliser already made full-width digits
# half-width) or the words a customer uses for one.
RATING_DIGIT = re.compile(r"^\s*([1-5])\s*(分|星|颗星)?\s*[。.!！]*\s*$")
RATING_WORDS = (  # longest first: 非常不满意 before 不满意 before 满意
    ("非常不满意", 1),
    ("很不满意", 1),
    ("太差", 1),
    ("很差", 1),
    ("不满意", 2),
    ("较差", 2),
    ("差", 2),
    ("一般", 3),
    ("还行", 3),
    ("凑合", 3),
    ("非常满意", 5),
    ("很满意", 5),
    ("超满意", 5),
    ("满意", 4),
    ("很好", 5),
    ("不错", 4),
    ("好评", 5),
)
RATING_MAX_CHARS = 12  # a longer message is a new request, not a rating


def read_rating(text: Optional[Text]) -> Optional[int]:
    """1-5 from a survey answer ("5", "５分", "很满意"), None for anything else."""
    text = (text or "").strip()
    if not text or len(text) > RATING_MAX_CHARS:
        return None
    digit = RATING_DIGIT.match(text)
    if digit:
        return int(digit.group(1))
    for word, rating in RATING_WORDS:
        if word in text:
            return rating
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class HandoffPolicy(Policy):
    """Predicts the handoff (with its reason), the clarification and the survey steps."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            # low NLU confidence (the FallbackClassifier's nlu_fallback): the first
            # turns get a clarification, this many in a row get a human when the
            # customer sounds upset (their mean P(negative) over those turns at or
            # above upset_mean_threshold)...
            "low_confidence_turns": 2,
            # ...and this many in a row when they do not: a calm customer's short
            # remarks ("好的 我去申请一下") are often not understood, and a person
            # is not what they need after two of them
            "low_confidence_turns_calm": 3,
            # sentiment score = P(negative): one message at or above this...
            "upset_single_threshold": 0.85,
            # ...or the mean of the last `upset_window` customer messages at or above this
            "upset_mean_threshold": 0.6,
            "upset_window": 3,
            # failed errands (refused by a business rule or an error) before a human
            "errand_failures": 2,
            # membership levels that go first in the queue, like upset customers
            "priority_levels": ["钻石", "金卡"],
        }

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the thresholds are the model. Nothing is persisted either, so
        # Rasa's Policy.load builds the policy from config.yml the way create does.
        return self._resource

    # ------------------------------------------------------------------ predicting
    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        latest_action = tracker.latest_action_name
        if latest_action in OWN_ACTIONS:
            return self._predict(domain, ACTION_LISTEN_NAME)
        if latest_action == ACTION_LISTEN_NAME:
            return self._after_customer_message(tracker, domain)
        return self._after_bot_action(tracker, domain)

    def _after_customer_message(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        message = tracker.latest_message
        if message is None or not isinstance(message, UserUttered):
            return self._abstain(domain)
        if _intent_of(message).startswith(EXTERNAL_PREFIX):
            return self._abstain(domain)  # a reminder: its rule runs
        cleared: List[SlotSet] = []
        if tracker.get_slot(SLOT_SURVEY):
            # the normalised text: full-width digits are half-width there
            rating = read_rating(message.parse_data.get("text") or message.text)
            if rating is not None:
                return self._predict(domain, ACTION_RECORD_SATISFACTION, optional_events=[SlotSet(SLOT_RATING, rating)])
            # not an answer to the survey: asked once, the message is served as usual
            cleared.append(SlotSet(SLOT_SURVEY, None))
        bot_survey = self._bot_survey_answer(tracker, domain, message, cleared)
        if bot_survey is not None:
            return bot_survey
        if tracker.get_slot(SLOT_TICKET):
            ticket = self._ticket_message(domain, message, cleared)
            if ticket is not None:
                return ticket

        trigger = self.trigger(tracker)
        if trigger is not None:
            return self._handoff(tracker, domain, trigger, cleared)
        if self._is_low_confidence(message) and not tracker.active_loop_name:
            return self._predict(domain, ACTION_CLARIFY, events=cleared)
        return self._abstain(domain, events=cleared)

    def _after_bot_action(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        """An errand that just failed (twice, or on a backend that is down) goes to a human."""
        turn = _events_of_this_turn(tracker)
        if any(isinstance(e, ActionExecuted) and e.action_name == ACTION_HANDOFF for e in turn):
            return self._abstain(domain)
        slots_set = {e.key: e.value for e in turn if isinstance(e, SlotSet)}
        if slots_set.get(slots.ERRAND_OUTCOME) == slots.OUTCOME_BACKEND_DOWN:
            return self._handoff(
                tracker,
                domain,
                {"reason": reasons.BACKEND_DOWN, "reading": {"errand": tracker.get_slot(slots.ERRAND)}},
                [],
            )
        failures = slots_set.get(slots.ERRAND_FAILURES)
        if failures is not None and failures >= self.config["errand_failures"]:
            return self._handoff(
                tracker,
                domain,
                {
                    "reason": reasons.ERRAND_FAILED,
                    "reading": {"failed_errands": int(failures), "threshold": self.config["errand_failures"]},
                },
                [],
            )
        return self._abstain(domain)

    def _bot_survey_answer(
        self, tracker: DialogueStateTracker, domain: Domain, message: UserUttered, cleared: List[SlotSet]
    ) -> Optional[PolicyPrediction]:
        """The answer to the bot's own survey (actions/survey_actions.py): a rating is
        recorded; anything else closes the survey and is served as usual."""
        if not tracker.get_slot(slots.BOT_SURVEY_OPEN):
            return None
        rating = read_rating(message.parse_data.get("text") or message.text)
        if rating is not None:
            return self._predict(
                domain, ACTION_RECORD_BOT_SATISFACTION, events=cleared, optional_events=[SlotSet(SLOT_RATING, rating)]
            )
        cleared.append(SlotSet(slots.BOT_SURVEY_OPEN, False))
        return None

    def _ticket_message(
        self, domain: Domain, message: UserUttered, cleared: List[SlotSet]
    ) -> Optional[PolicyPrediction]:
        """The message a ticket waits for goes onto it, except a question about the ticket
        (answered, the wait stays) and a bare thanks or goodbye (answered, the wait ends)."""
        intent = _intent_of(message)
        if intent == TICKET_QUESTION_INTENT:
            return None
        text = (message.parse_data.get("text") or message.text or "").strip()
        if intent in TICKET_CLOSING_INTENTS and len(text) <= TICKET_CLOSING_MAX_CHARS:
            cleared.append(SlotSet(SLOT_TICKET, None))
            return None
        return self._predict(domain, ACTION_TAKE_TICKET_MESSAGE, events=cleared)

    # ------------------------------------------------------------------ the triggers
    def trigger(self, tracker: DialogueStateTracker) -> Optional[Dict[Text, Any]]:
        """The first trigger the latest customer message trips: {reason, reading}, or None."""
        message = tracker.latest_message
        intent = (message.intent or {}).get(INTENT_NAME_KEY)
        confidence = (message.intent or {}).get("confidence")
        if intent in (reasons.REQUEST_HUMAN, reasons.COMPLAIN):
            return {"reason": intent, "reading": {"intent": intent, "confidence": _round(confidence)}}

        readings = [_negativity(m) for m in _customer_messages_since_bot_took_over(tracker)]
        scores = [s for s in readings if s is not None]
        if scores and scores[-1] >= self.config["upset_single_threshold"]:
            return {
                "reason": reasons.UPSET,
                "reading": {"sentiment": _round(scores[-1]), "threshold": self.config["upset_single_threshold"]},
            }
        window = self.config["upset_window"]
        if len(scores) >= window:
            mean = sum(scores[-window:]) / window
            if mean >= self.config["upset_mean_threshold"]:
                return {
                    "reason": reasons.UPSET,
                    "reading": {
                        "sentiment_mean": _round(mean),
                        "messages": window,
                        "threshold": self.config["upset_mean_threshold"],
                    },
                }

        if self._is_low_confidence(message) and not tracker.active_loop_name:
            streak: List[UserUttered] = []
            for previous in reversed(_customer_messages_since_bot_took_over(tracker)):
                if not self._is_low_confidence(previous):
                    break
                streak.append(previous)
            in_a_row = len(streak)
            streak_scores = [s for s in (_negativity(m) for m in streak) if s is not None]
            sounds_upset = bool(streak_scores) and (
                sum(streak_scores) / len(streak_scores) >= self.config["upset_mean_threshold"]
            )
            needed = self.config["low_confidence_turns" if sounds_upset else "low_confidence_turns_calm"]
            if in_a_row >= needed:
                ranking = [
                    {"intent": i.get("name"), "confidence": _round(i.get("confidence"))}
                    for i in (message.parse_data.get("intent_ranking") or [])[:3]
                ]
                return {
                    "reason": reasons.LOW_CONFIDENCE,
                    "reading": {
                        "turns_in_a_row": in_a_row,
                        "threshold": needed,
                        "sounds_upset": sounds_upset,
                        "intent_ranking": ranking,
                    },
                }
        return None

    @staticmethod
    def _is_low_confidence(message: UserUttered) -> bool:
        """nlu_fallback (FallbackClassifier's threshold in config.yml), unless it carries
        an entity: an order number on its own is looked up, not clarified."""
        intent = (message.intent or {}).get(INTENT_NAME_KEY)
        return intent == NLU_FALLBACK and not message.entities

    def _handoff(
        self, tracker: DialogueStateTracker, domain: Domain, trigger: Dict[Text, Any], events: List[SlotSet]
    ) -> PolicyPrediction:
        upset = trigger["reason"] == reasons.UPSET or _is_negative(tracker.latest_message)
        vip = tracker.get_slot(slots.CUSTOMER_LEVEL) in self.config["priority_levels"]
        trigger = dict(trigger, upset=upset, vip=vip, priority=int(upset) + int(vip))
        return self._predict(
            domain, ACTION_HANDOFF, events=events, optional_events=[SlotSet(slots.HANDOFF_TRIGGER, trigger)]
        )

    # ------------------------------------------------------------------ predictions
    def _predict(
        self, domain: Domain, action: Text, events: Optional[List] = None, optional_events: Optional[List] = None
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        # "No user" predictions overrule an active form's happy path (RulePolicy marks
        # those so): a customer who asks for a human in the middle of the identity
        # check, or loses their temper there, is handed off, not asked for the code again.
        return self._prediction(
            probabilities, events=events, optional_events=optional_events, is_no_user_prediction=True
        )

    def _abstain(self, domain: Domain, events: Optional[List] = None) -> PolicyPrediction:
        return self._prediction(self._default_predictions(domain), events=events)


# ---------------------------------------------------------------------- tracker reading
def _customer_messages_since_bot_took_over(tracker: DialogueStateTracker) -> List[UserUttered]:
    """Customer messages since the session started or a human gave the conversation back:
    anger that a human already dealt with does not send the customer back again."""
    messages: List[UserUttered] = []
    for event in reversed(tracker.applied_events()):
        if isinstance(event, (SessionStarted, ConversationResumed)):
            break
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_HANDOFF:
            break
        if isinstance(event, UserUttered):
            messages.append(event)
    return list(reversed(messages))


def _events_of_this_turn(tracker: DialogueStateTracker) -> List[Any]:
    turn: List[Any] = []
    for event in reversed(tracker.applied_events()):
        if isinstance(event, UserUttered):
            break
        turn.append(event)
    return turn


def _intent_of(message: UserUttered) -> str:
    return str((message.intent or {}).get(INTENT_NAME_KEY) or "")


def _negativity(message: UserUttered) -> Optional[float]:
    reading = (message.parse_data or {}).get("sentiment") or {}
    score = reading.get("score")
    return float(score) if isinstance(score, (int, float)) else None


def _is_negative(message: Optional[UserUttered]) -> bool:
    reading = ((message.parse_data or {}).get("sentiment") or {}) if message else {}
    return reading.get("label") == "negative"


def _round(value: Any) -> Any:
    return round(float(value), 3) if isinstance(value, (int, float)) else value
