"""The customer's side of a ticket on the real action server and the real handoff service
(closed all week, so that a handoff becomes a ticket): where the ticket stands, told from
the service; the customer's next message onto it; a closed ticket said as closed."""

from __future__ import annotations

import re

import pytest
import requests

from actions import texts
from tests.actions.conftest import ActionCall
from tests.services import HANDOFF_DEMO_PASSWORD, running_actions, running_handoff

UPSET = {"label": "negative", "score": 0.97}
COMPLAINT = {"reason": "complain", "reading": {"intent": "complain"}, "upset": True, "vip": False, "priority": 1}


@pytest.fixture(scope="module")
def closed_service(backend_url, tmp_path_factory):
    """(action server URL, handoff service URL): the service has no business days at all."""
    state = tmp_path_factory.mktemp("handoff-closed-tickets")
    closed = {"HANDOFF_BUSINESS_DAYS": "[]", "HANDOFF_BUSINESS_HOURS": "09:00-22:00"}
    with (
        running_handoff(state, rasa_url="http://127.0.0.1:9", extra_env=closed) as url,
        running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": url}) as actions,
    ):
        yield actions, url


def agent(handoff_url: str, username: str = "wang") -> requests.Session:
    session = requests.Session()
    login = session.post(
        f"{handoff_url}/api/auth/login", json={"username": username, "password": HANDOFF_DEMO_PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    return session


def test_a_ticket_is_told_from_the_service_takes_the_next_message_and_refuses_once_closed(closed_service, domain_dict):
    action_url, handoff_url = closed_service
    c = ActionCall(action_url, domain_dict)
    c.user("我的工单怎么样了", "ticket_status")
    assert c.run("action_ticket_status")["text"] == texts.TICKETS_NONE

    c.user("你们这服务太差了，我要投诉", "complain", sentiment=UPSET, handoff_trigger=COMPLAINT)
    opened = c.run("action_handoff")["text"]
    number = re.search(r"GD\d{14,}", opened).group(0)
    assert c.slots["ticket_awaiting_message"] == number, "the next message goes onto this ticket"

    c.user("订单20261101000001，快递员态度很差，请尽快联系我", "complain", sentiment=UPSET)
    added = c.run("action_take_ticket_message")
    assert added["text"] == texts.TICKET_REPLY_ADDED.format(number=number)
    assert c.slots["ticket_awaiting_message"] is None

    c.user("我的工单处理得怎么样了", "ticket_status")
    status = c.run("action_ticket_status")["text"]
    assert status.startswith(f"工单 {number}：待受理，预计") and status.endswith("前处理完毕"), status

    wang = agent(handoff_url)
    listed = wang.get(f"{handoff_url}/api/tickets", timeout=10).json()
    ticket_id = next(t["id"] for t in listed if t["number"] == number)
    assert wang.post(f"{handoff_url}/api/tickets/{ticket_id}/claim", timeout=10).status_code == 200
    detail = wang.get(f"{handoff_url}/api/tickets/{ticket_id}", timeout=10).json()
    assert [m["text"] for m in detail["messages"] if m["role"] == "customer"][-1].startswith("订单")
    assert wang.post(f"{handoff_url}/api/tickets/{ticket_id}/close", timeout=10).status_code == 200

    c.set("ticket_awaiting_message", number)  # as the service sets it with an agent's answer
    c.user("还有个问题想补充", "inform")
    refused = c.run("action_take_ticket_message")
    assert refused["text"] == texts.TICKET_CLOSED.format(number=number)
    assert c.slots["ticket_awaiting_message"] is None
    c.user("工单呢", "ticket_status")
    closed = c.run("action_ticket_status")["text"]
    assert closed.startswith(f"工单 {number}：已关闭") and "预计" not in closed
