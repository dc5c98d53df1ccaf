"""The bot's own satisfaction question (actions/survey_actions.py): when it is asked, the
silence reminder, and the rating stored with the handoff service (its HTTP answers here
are httpx's MockTransport; the real service in tests/test_bot_survey.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Dict, List, Optional

import httpx
import pytest
from rasa_sdk import Tracker

from actions import errand_actions, survey_actions, texts
from actions.handoff_client import HandoffClient
from actions.settings import settings
from contract import slots
from tests.actions.inprocess.trackers import proof, run, slot_events


def user(text: str, intent: str, message_id: str = "") -> Dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return {"event": "user", "text": text, "parse_data": parse, "metadata": {}, "message_id": message_id or None}


def action(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


FAQ_THEN_BYE = [
    {"event": "session_started"},
    action("action_listen"),
    user("退货运费谁出", "faq_return_policy"),
    action("action_answer_faq"),
    action("action_listen"),
    user("好的再见", "goodbye"),
    action("utter_goodbye"),
]


def conversation(events: List[Dict[str, Any]], paused: bool = False, channel: str = "socketio", **slot_values):
    latest = next(e for e in reversed(events) if e["event"] == "user")
    for event in events:
        if event["event"] == "user":
            event["input_channel"] = channel
    return Tracker.from_dict(
        {
            "sender_id": "survey-inprocess",
            "slots": dict(slot_values),
            "latest_message": latest["parse_data"],
            "events": events,
            "paused": paused,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def test_after_an_faq_and_goodbye_the_question_is_asked_once_with_five_choices():
    result = run(survey_actions.ActionAskBotSurvey(), conversation(list(FAQ_THEN_BYE)))
    assert result["text"] == texts.BOT_SURVEY_QUESTION
    buttons = result["messages"][0]["buttons"]
    assert [b["payload"] for b in buttons] == ["1", "2", "3", "4", "5"], "a WeChat digit is the rating"
    assert slot_events(result["events"]) == {slots.BOT_SURVEY_OPEN: True, slots.BOT_SURVEY_ASKED: True}

    again = run(survey_actions.ActionAskBotSurvey(), conversation(list(FAQ_THEN_BYE), **{slots.BOT_SURVEY_ASKED: True}))
    assert again["messages"] == [] and again["events"] == []


def test_after_an_errand_done_the_question_is_asked():
    events = [
        {"event": "session_started"},
        user("我的积分有多少", "account_points"),
        action("action_do_errand"),
        slot(slots.ERRAND_OUTCOME, slots.OUTCOME_DONE),
        user("拜拜", "goodbye"),
    ]
    assert run(survey_actions.ActionAskBotSurvey(), conversation(events))["text"] == texts.BOT_SURVEY_QUESTION


@pytest.mark.parametrize(
    "extra, paused, kept",
    [
        ([action("action_handoff")], False, {}),  # a person took over in this session
        ([{"event": "pause"}], True, {}),  # a person holds it now
        ([{"event": "resume"}], False, {}),  # a person gave it back
        ([slot("satisfaction_handoff_id", "12"), action("action_record_satisfaction")], False, {}),
        ([], False, {"satisfaction_handoff_id": "12"}),  # the handoff's survey waits for its answer
    ],
)
def test_never_when_a_person_is_or_was_in_the_session(extra, paused, kept):
    events = FAQ_THEN_BYE[:4] + extra + FAQ_THEN_BYE[4:]
    result = run(survey_actions.ActionAskBotSurvey(), conversation(events, paused=paused, **kept))
    assert result["messages"] == [] and result["events"] == []


def test_a_goodbye_without_anything_served_is_not_asked():
    events = [{"event": "session_started"}, user("你好", "greet"), action("utter_greet"), user("再见", "goodbye")]
    assert run(survey_actions.ActionAskBotSurvey(), conversation(events))["messages"] == []


def test_an_earlier_session_does_not_count():
    events = FAQ_THEN_BYE[:4] + [{"event": "session_started"}, user("再见", "goodbye")]
    assert run(survey_actions.ActionAskBotSurvey(), conversation(events))["messages"] == []


def test_an_answered_faq_sets_the_silence_reminder_killed_by_the_next_message():
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    (reminder,) = survey_actions.silence_reminder(conversation(FAQ_THEN_BYE[:3]), now=now)
    assert reminder["event"] == "reminder" and reminder["intent"] == "EXTERNAL_bot_survey_silence"
    assert reminder["kill_on_user_msg"] is True
    waited = datetime.fromisoformat(reminder["date_time"]) - now
    assert waited.total_seconds() == settings.bot_survey_silence_s


def test_no_reminder_once_asked_or_after_a_handoff():
    asked = conversation(FAQ_THEN_BYE[:3], **{slots.BOT_SURVEY_ASKED: True})
    handed = conversation(FAQ_THEN_BYE[:2] + [action("action_handoff"), user("退货运费谁出", "faq_return_policy")])
    assert survey_actions.silence_reminder(asked) == [] and survey_actions.silence_reminder(handed) == []


def test_a_finished_errand_sets_the_reminder(monkeypatch):
    async def answer(self, name, tracker):
        return [("您当前有 1200 积分。", None)]

    monkeypatch.setattr(errand_actions.ActionDoErrand, "answer", answer)
    state = conversation(
        [{"event": "session_started"}, user("我的积分", "account_points")],
        errand="account_points",
        customer_id="C0001",
        verified=True,
        **proof(0),
    )
    events = run(errand_actions.ActionDoErrand(), state)["events"]
    assert any(e["event"] == "reminder" for e in events)
    assert slot_events(events)[slots.ERRAND_OUTCOME] == slots.OUTCOME_DONE


# ---------------------------------------------------------------------- the rating
class Service:
    """The handoff service's ratings endpoint as the action sees it: the requests it got."""

    def __init__(self, status: int = 201, down: bool = False):
        self.status, self.down = status, down
        self.requests: List[httpx.Request] = []

    def client(self) -> HandoffClient:
        return HandoffClient(transport=httpx.MockTransport(self.answer))

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("down")
        return httpx.Response(self.status, json={"id": 1, "rating": json.loads(request.content)["rating"]})

    def body(self, index: int = -1) -> Dict[str, Any]:
        return json.loads(self.requests[index].content)


def rated(rating: Optional[int], message_id: str = "msg-rating-1") -> Tracker:
    events = [
        {"event": "session_started"},
        user("包邮吗", "faq_shipping"),
        action("action_answer_faq"),
        user("你好", "greet"),
        user("包邮吗", "faq_shipping"),
        {"event": "reminder", "intent": "EXTERNAL_bot_survey_silence"},
        user("", "EXTERNAL_bot_survey_silence"),
        action("action_ask_bot_survey"),
        user("5", "inform", message_id=message_id),
    ]
    return conversation(events, **{"satisfaction_rating": rating, slots.BOT_SURVEY_OPEN: True})


def test_the_rating_is_stored_with_the_sessions_intents_and_the_customer_is_thanked(monkeypatch):
    service = Service()
    monkeypatch.setattr(survey_actions, "handoff_service", service.client)
    result = run(survey_actions.ActionRecordBotSatisfaction(), rated(5))
    assert result["text"] == texts.SATISFACTION_THANKS[5]
    assert service.requests[0].url.path == "/api/service/ratings"
    assert service.body() == {
        "sender_id": "survey-inprocess",
        "channel": "socketio",
        "handled_by": "bot",
        "handoff_id": None,
        "rating": 5,
        "intents": ["faq_shipping", "greet"],  # each once, without the reminder and the rating
        "request_id": "m:msg-rating-1",
    }
    assert slot_events(result["events"]) == {slots.BOT_SURVEY_OPEN: False, "satisfaction_rating": None}


def test_a_low_rating_is_met_with_an_apology_and_a_way_to_a_person(monkeypatch):
    service = Service()
    monkeypatch.setattr(survey_actions, "handoff_service", service.client)
    result = run(survey_actions.ActionRecordBotSatisfaction(), rated(1))
    assert result["text"] == texts.SATISFACTION_THANKS[1] and "转人工" in result["text"]


@pytest.mark.parametrize("service", [Service(down=True), Service(status=503), Service(status=422)])
def test_a_service_that_does_not_take_it_still_thanks_the_customer(monkeypatch, service):
    monkeypatch.setattr(survey_actions, "handoff_service", service.client)
    result = run(survey_actions.ActionRecordBotSatisfaction(), rated(3))
    assert result["text"] == texts.SATISFACTION_FAILED
    assert slot_events(result["events"])[slots.BOT_SURVEY_OPEN] is False


def test_a_timeout_is_retried_under_the_same_request_id(monkeypatch):
    calls: List[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow")
        return httpx.Response(201, json={"id": 1, "rating": 4})

    monkeypatch.setattr(survey_actions, "handoff_service", lambda: HandoffClient(transport=httpx.MockTransport(flaky)))
    assert run(survey_actions.ActionRecordBotSatisfaction(), rated(4))["text"] == texts.SATISFACTION_THANKS[4]
    assert [json.loads(c.content)["request_id"] for c in calls] == ["m:msg-rating-1"] * 2


def test_without_a_rating_nothing_is_stored(monkeypatch):
    service = Service()
    monkeypatch.setattr(survey_actions, "handoff_service", service.client)
    result = run(survey_actions.ActionRecordBotSatisfaction(), rated(None))
    assert service.requests == [] and result["messages"] == []
