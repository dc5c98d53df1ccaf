"""action_ticket_status and action_take_ticket_message (the customer's side of tickets), with
the handoff service's HTTP answers from httpx's MockTransport (the real service in
tests/test_bot_survey.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Dict, List

import httpx
import pytest

from actions import handoff_actions, texts, ticket_actions
from actions.handoff_client import HandoffClient
from contract import tickets
from tests.actions.inprocess.trackers import run, slot_events, tracker

SOON = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
PAST = datetime.now(UTC) - timedelta(days=1)


def beijing(moment: datetime) -> str:
    local = moment.astimezone(timezone(timedelta(hours=8)))
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def ticket(number: str, status: str, resolve_by: datetime = SOON, answer: str = "") -> Dict[str, Any]:
    return {
        "number": number,
        "status": status,
        "status_label": tickets.STATUS_LABELS[status],
        "sla_class": "standard",
        "created_at": "2026-12-01T23:10:00+08:00",
        "respond_by": "2026-12-02T10:00:00+08:00",
        "resolve_by": resolve_by.isoformat(),
        "latest_answer": answer or None,
    }


class Service:
    def __init__(self, status: int = 200, body: Any = None, down: bool = False):
        self.status, self.body, self.down = status, body, down
        self.requests: List[httpx.Request] = []

    def client(self) -> HandoffClient:
        return HandoffClient(transport=httpx.MockTransport(self.answer))

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("down")
        return httpx.Response(self.status, json=self.body)


def status_of(service: Service, text: str = "我的工单怎么样了", **slots) -> Dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ticket_actions, "handoff_service", service.client)
        return run(ticket_actions.ActionTicketStatus(), tracker(text, "ticket_status", **slots))


# ---------------------------------------------------------------------- ticket status
def test_one_ticket_in_progress_with_its_deadline_in_beijing_time():
    service = Service(body={"tickets": [ticket("GD20261202000001", tickets.ASSIGNED)]})
    result = status_of(service)
    assert result["text"] == f"工单 GD20261202000001：处理中，预计{beijing(SOON)} 前处理完毕"
    assert json.loads(service.requests[0].content) == {"sender_id": "inprocess"}
    assert service.requests[0].url.path == "/api/service/tickets/lookup"


def test_an_answered_ticket_tells_the_agents_answer_and_that_a_reply_reaches_them():
    answer = "您好，退款已经原路退回，1-3个工作日到账。"
    service = Service(body={"tickets": [ticket("GD20261202000001", tickets.ANSWERED, answer=answer)]})
    result = status_of(service, ticket_awaiting_message="GD20261202000001")
    assert result["text"].startswith("工单 GD20261202000001：已答复，待客户回复")
    assert f"客服答复：{answer}" in result["text"] and "直接回复我" in result["text"]
    assert "预计" not in result["text"], "no deadline once answered"


def test_several_tickets_tell_the_latest_two():
    found = [
        ticket("GD20261202000009", tickets.OPEN),
        ticket("GD20261130000004", tickets.RESOLVED, answer="已为您补发。"),
        ticket("GD20261101000002", tickets.CLOSED),
    ]
    text = status_of(Service(body={"tickets": found}))["text"]
    assert text.startswith("为您查到最近的两个工单：")
    assert "1. 工单 GD20261202000009：待受理，预计" in text and "2. 工单 GD20261130000004：已解决" in text
    assert "GD20261101000002" not in text


def test_a_ticket_the_customer_names_comes_first():
    found = [ticket("GD20261202000009", tickets.OPEN), ticket("GD20261130000004", tickets.ASSIGNED)]
    text = status_of(Service(body={"tickets": found}), "工单gd20261130000004进度如何")["text"]
    assert text.index("GD20261130000004") < text.index("GD20261202000009")


def test_a_deadline_already_past_is_not_promised():
    text = status_of(Service(body={"tickets": [ticket("GD20261202000001", tickets.ASSIGNED, PAST)]}))["text"]
    assert "已超过预计处理时间" in text and "预计" + beijing(PAST) not in text


def test_no_ticket_is_answered_politely():
    assert status_of(Service(body={"tickets": []}))["text"] == texts.TICKETS_NONE


@pytest.mark.parametrize("service", [Service(down=True), Service(status=500, body={}), Service(status=401, body={})])
def test_a_service_that_does_not_answer_gets_an_apology(service):
    assert status_of(service)["text"] == texts.TICKETS_UNAVAILABLE


# ---------------------------------------------------------------------- the reply to a ticket
def reply(service: Service, text: str, ticket_no: str = "GD20261202000001") -> Dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(handoff_actions, "handoff_service", service.client)
        state = tracker(text, "inform", ticket_awaiting_message=ticket_no)
        return run(handoff_actions.ActionTakeTicketMessage(), state)


def test_the_reply_goes_onto_the_ticket_and_the_customer_hears_it_was_reopened():
    service = Service(status=201, body={"message": {"ticket_number": "GD20261202000001"}, "reopened": True})
    result = reply(service, "还是没收到退款，麻烦再看看")
    assert result["text"] == "已为您补充到工单 GD20261202000001，工单已重新打开，客服会尽快处理。"
    assert service.requests[0].url.path == "/api/service/tickets/GD20261202000001/messages"
    body = json.loads(service.requests[0].content)
    assert body["sender_id"] == "inprocess" and body["text"] == "还是没收到退款，麻烦再看看" and body["message_id"]
    assert slot_events(result["events"]) == {"ticket_awaiting_message": None}


def test_a_reply_to_a_ticket_still_open_is_added_without_reopening():
    service = Service(status=201, body={"message": {"ticket_number": "GD20261202000001"}, "reopened": False})
    assert reply(service, "补充一下，订单号是20261101000001")["text"] == texts.TICKET_REPLY_ADDED.format(
        number="GD20261202000001"
    )


@pytest.mark.parametrize("status", [404, 409])
def test_a_closed_ticket_is_said_and_the_wait_ends(status):
    result = reply(Service(status=status, body={"error": {"code": "ticket_closed", "message": "closed"}}), "在吗")
    assert result["text"] == texts.TICKET_CLOSED.format(number="GD20261202000001")
    assert slot_events(result["events"]) == {"ticket_awaiting_message": None}


def test_a_service_that_is_down_keeps_the_wait_so_the_message_can_be_sent_again():
    result = reply(Service(down=True), "补充一下情况")
    assert result["text"] == texts.TICKET_MESSAGE_FAILED and result["events"] == []


def test_an_empty_message_is_asked_for_again():
    service = Service(status=201, body={})
    result = reply(service, "   ")
    assert result["text"] == texts.TICKET_MESSAGE_EMPTY and service.requests == []
