"""The handoff actions on the real action server, against the real handoff service
(open around the clock: tests/conftest.py; closed all week: this module's own)."""

from __future__ import annotations

import pytest
import requests

from actions import texts
from actions.settings import settings
from tests.actions.conftest import ActionCall, fresh_proof
from tests.services import HANDOFF_DEMO_PASSWORD, running_actions, running_handoff

UPSET = {"label": "negative", "score": 0.97}
CALM = {"label": "neutral", "score": 0.04}


def supervisor(handoff_url: str) -> requests.Session:
    session = requests.Session()
    assert (
        session.post(
            f"{handoff_url}/api/auth/login", json={"username": "zhou", "password": HANDOFF_DEMO_PASSWORD}, timeout=10
        ).status_code
        == 200
    )
    return session


def handoff_of(session: requests.Session, handoff_url: str, sender: str) -> dict:
    row = next(r for r in session.get(f"{handoff_url}/api/handoffs", timeout=10).json() if r["sender_id"] == sender)
    return session.get(f"{handoff_url}/api/handoffs/{row['id']}", timeout=10).json()


def angry_zhang_wei(url: str, domain_dict, proven_s_ago: float = 0) -> ActionCall:
    """张伟 (金卡), verified with his phone `proven_s_ago`, asked about 20261101000001, then lost his temper."""
    c = ActionCall(url, domain_dict)
    c.user("我的快递怎么还没到", "logistics_track", sentiment=CALM)
    c.user("13800138000", "inform", phone="13800138000", sentiment=CALM)
    c.set("verified", True)
    for name, value in fresh_proof("C0001", age_s=proven_s_ago).items():
        c.set(name, value)
    c.set("customer_id", "C0001")
    c.set("customer_name", "张伟")
    c.set("customer_level", "金卡")
    c.user("订单20261101000001", "inform", order_id="20261101000001", sentiment=CALM)
    c.user("都一个星期了还没到，气死我了！！！", "logistics_track", confidence=0.88, sentiment=UPSET)
    c.set(
        "handoff_trigger",
        {
            "reason": "upset",
            "reading": {"sentiment": 0.97, "threshold": 0.85},
            "upset": True,
            "vip": True,
            "priority": 2,
        },
    )
    return c


def test_the_handoff_carries_the_whole_context_and_pauses_the_bot(action_url, handoff_url, domain_dict):
    c = angry_zhang_wei(action_url, domain_dict)
    result = c.run("action_handoff")
    assert result["text"].startswith(texts.HANDOFF_LEAD["upset"])
    assert "前面还有" in result["text"] or "马上就轮到您" in result["text"]
    assert result["events"][-1]["event"] == "pause"
    assert c.slots["handoff_trigger"] is None and c.slots["errand_failures"] == 0

    handoff = handoff_of(supervisor(handoff_url), handoff_url, c.sender)
    package = handoff["package"]
    assert handoff["state"] == "QUEUED" and handoff["reason"] == "upset" and handoff["priority"] == 2
    assert package["trigger"] == {"sentiment": 0.97, "threshold": 0.85}
    assert package["customer"] == {
        "id": "C0001",
        "name": "张伟",
        "phone_masked": "138****8000",
        "level": "金卡",
        "verified": True,
    }
    assert package["slots"]["order_id"] == "20261101000001"
    [order] = package["orders"]
    assert order["order_id"] == "20261101000001" and order["tracking_no"] == "SF1234567890123"
    customer_turns = [m for m in handoff["messages"] if m["role"] == "customer"]
    assert [m["text"] for m in customer_turns] == [
        "我的快递怎么还没到",
        "138****8000",
        "订单20261101000001",
        "都一个星期了还没到，气死我了！！！",
    ]
    assert customer_turns[-1]["intent"] == "logistics_track" and customer_turns[-1]["confidence"] == 0.88
    assert customer_turns[-1]["sentiment"] == UPSET
    assert "张伟（金卡会员）想查物流" in handoff["summary"] and "20261101000001" in handoff["summary"]
    assert "情绪激动" in handoff["summary"]

    # the action run again for the same message (the client's retry after a lost answer):
    # the customer hears of their own new handoff again, still one handoff
    retry = c.run("action_handoff")
    assert texts.HANDOFF_ALREADY not in retry["text"] and texts.HANDOFF_NO_REPEAT in retry["text"]
    assert retry["events"][-1]["event"] == "pause"
    # a new message asking again while it waits: told it is already waiting, no second handoff
    c.user("人呢？怎么还没人理我", "request_human", sentiment=UPSET)
    again = c.run("action_handoff")
    assert texts.HANDOFF_ALREADY in again["text"]
    rows = supervisor(handoff_url).get(f"{handoff_url}/api/handoffs", timeout=10).json()
    assert [r["sender_id"] for r in rows].count(c.sender) == 1


def test_an_expired_proof_is_not_shown_as_verified(action_url, handoff_url, domain_dict):
    c = angry_zhang_wei(action_url, domain_dict, proven_s_ago=settings.verification_ttl_s + 60)
    c.run("action_handoff")
    package = handoff_of(supervisor(handoff_url), handoff_url, c.sender)["package"]
    assert package["customer"]["verified"] is False
    assert package["slots"]["verified"] is False
    assert package["orders"] == [{"order_id": "20261101000001"}], "no order details for an unproven customer"


def test_a_low_confidence_message_is_clarified_with_the_two_likeliest_intents(action_url, domain_dict):
    c = ActionCall(action_url, domain_dict)
    c.user(
        "那个东西咋还不动",
        "nlu_fallback",
        confidence=0.35,
        ranking=["nlu_fallback", "logistics_track", "urge_delivery", "order_status"],
    )
    result = c.run("action_clarify_intent")
    assert result["text"] == texts.CLARIFY_TWO.format(first="查物流", second="催发货")
    buttons = result["responses"][0]["buttons"]
    assert [(b["title"], b["payload"]) for b in buttons] == [
        ("查物流", "/logistics_track"),
        ("催发货", "/urge_delivery"),
        (texts.CLARIFY_HUMAN_BUTTON, "/request_human"),
    ]


def test_a_clarification_without_candidates_asks_to_rephrase(action_url, domain_dict):
    c = ActionCall(action_url, domain_dict)
    c.user("嗯嗯嗯", "nlu_fallback", confidence=0.2, ranking=["nlu_fallback", "out_of_scope", "greet"])
    assert c.run("action_clarify_intent")["text"] == texts.CLARIFY_NONE


# ---------------------------------------------------------------------- outside business hours
@pytest.fixture(scope="module")
def closed_action_url(backend_url, tmp_path_factory):
    """An action server whose handoff service has no business days at all."""
    state = tmp_path_factory.mktemp("handoff-closed")
    closed = {"HANDOFF_BUSINESS_DAYS": "[]", "HANDOFF_BUSINESS_HOURS": "09:00-22:00"}
    with (
        running_handoff(state, rasa_url="http://127.0.0.1:9", extra_env=closed) as url,
        running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": url}) as actions,
    ):
        yield actions, url


def test_outside_business_hours_a_ticket_takes_the_customers_message(closed_action_url, domain_dict):
    action_url, handoff_url = closed_action_url
    c = ActionCall(
        action_url,
        domain_dict,
        handoff_trigger={
            "reason": "complain",
            "reading": {"intent": "complain"},
            "upset": True,
            "vip": False,
            "priority": 1,
        },
    )
    c.user("你们这服务太差了，我要投诉", "complain", sentiment=UPSET)
    result = c.run("action_handoff")
    assert "工单 GD" in result["text"] and "服务时间（09:00-22:00）" in result["text"]
    assert not any(e["event"] == "pause" for e in result["events"]), "nobody is there: the bot stays"
    ticket_id = c.slots["ticket_awaiting_message"]
    assert ticket_id

    c.user("", "nlu_fallback", confidence=0.0)
    assert c.run("action_take_ticket_message")["text"] == texts.TICKET_MESSAGE_EMPTY
    assert c.slots["ticket_awaiting_message"] == ticket_id, "an empty message is not the message"

    c.user("订单20261101000001，快递员态度很差，请尽快联系我", "complain", sentiment=UPSET)
    taken = c.run("action_take_ticket_message")
    assert "已为您补充到工单" in taken["text"] and c.slots["ticket_awaiting_message"] is None

    handoff = handoff_of(supervisor(handoff_url), handoff_url, c.sender)
    assert handoff["state"] == "CLOSED" and handoff["ticket"]["sla_class"] == "urgent"
    assert handoff["ticket"]["number"] in taken["text"]
    assert [m["text"] for m in handoff["ticket"]["messages"]] == ["订单20261101000001，快递员态度很差，请尽快联系我"]
