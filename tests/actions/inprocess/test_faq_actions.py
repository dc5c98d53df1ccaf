"""action_answer_faq: the FAQ responses, business hours from the handoff service (its HTTP
answers here from httpx's MockTransport), the static answer when it does not answer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import httpx
import pytest

from actions import faq_actions
from actions.handoff_client import HandoffClient
from tests.actions.inprocess.trackers import run, tracker

BEIJING = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 2, 23, 30, tzinfo=BEIJING)  # a Wednesday night


def hours(open_now: bool, **extra) -> Dict[str, Any]:
    return {
        "open_now": open_now,
        "hours": "09:00-22:00",  # as the service answers
        "business_days": [1, 2, 3, 4, 5, 6, 7],
        "today": {"date": "2026-12-02", "working": True},
        "next_opening": "2026-12-03T09:00:00+08:00",
        "upcoming": [],
        **extra,
    }


def answer_of(body: Any = None, status: int = 200, down: bool = False, intent: str = "faq_business_hours"):
    def respond(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("down")
        assert request.method == "GET" and request.url.path == "/api/service/business-hours"
        return httpx.Response(status, json=body)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(faq_actions, "handoff_service", lambda: HandoffClient(transport=httpx.MockTransport(respond)))
        return run(faq_actions.ActionAnswerFaq(), tracker("客服几点上班", intent))


def test_open_now_says_the_hours_and_how_to_reach_a_person():
    text = answer_of(hours(True))["text"]
    assert "每天 9:00–22:00" in text and "现在正在服务中" in text and "转人工" in text


def test_closed_says_when_a_person_is_back():
    text = faq_actions.hours_sentence(hours(False), NOW)
    assert "现在不在服务时间，明天 09:00恢复服务" in text and "留言" in text


def test_a_holiday_is_named():
    body = hours(
        False,
        business_days=[1, 2, 3, 4, 5],
        today={"date": "2026-10-01", "working": False, "name": "国庆节"},
        next_opening="2026-10-08T09:00:00+08:00",
    )
    text = faq_actions.hours_sentence(body, datetime(2026, 10, 1, 10, 0, tzinfo=BEIJING))
    assert text.startswith("今天是国庆节，人工客服休息，10月8日 09:00恢复服务")
    assert "周一至周五 9:00–22:00" in text


@pytest.mark.parametrize(
    "days, said", [([1, 2, 3, 4, 5, 6, 7], "每天"), ([1, 2, 3, 4, 5], "周一至周五"), ([6, 7], "周六、周日")]
)
def test_business_days(days, said):
    assert faq_actions.days_text(days) == said


@pytest.mark.parametrize(
    "kwargs",
    [
        {"down": True},
        {"status": 503, "body": {}},
        {"status": 200, "body": {"open_now": False}},  # unreadable: no hours
        {"status": 200, "body": hours(False, next_opening=None)},
    ],
)
def test_the_static_answer_when_the_service_does_not_answer(kwargs):
    result = answer_of(**kwargs)
    assert [m.get("response") for m in result["messages"]] == ["utter_faq_business_hours"]


def test_the_other_faqs_say_their_response_and_set_the_silence_reminder():
    result = run(faq_actions.ActionAnswerFaq(), tracker("包邮吗", "faq_shipping"))
    assert [m.get("response") for m in result["messages"]] == ["utter_faq_shipping"]
    assert [e["event"] for e in result["events"]] == ["reminder"]


def test_a_non_faq_message_is_never_met_with_silence():
    result = run(faq_actions.ActionAnswerFaq(), tracker("嗯", "affirm"))
    assert [m.get("response") for m in result["messages"]] == ["utter_default"]


@pytest.mark.parametrize(
    "value, said",
    [("09:00-22:00", "9:00–22:00"), ("08:30–17:30", "8:30–17:30"), ("00:00-24:00", "全天24小时"), ("全天", "全天")],
)
def test_hours_read_as_customers_write_them(value, said):
    assert faq_actions.readable_hours(value) == said


def test_always_open_is_said_once():
    text = faq_actions.hours_sentence(hours(True, hours="00:00-24:00"), NOW)
    assert text.startswith("人工客服的服务时间是全天24小时，现在正在服务中")
