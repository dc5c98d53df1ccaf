"""How a ticket's answer reached the customer when the channel took a fallback: the channel
names the route in Rasa's 500 (contract.delivery.Rerouted), Rasa kept none of the events, so
the service appends them again without side effects and stores the route on the message."""

from __future__ import annotations

from datetime import datetime

import pytest

from contract import delivery, tickets

from .support import SERVICE, SHANGHAI, package

ANSWER = "您好，您的换货申请已通过，新商品将于明天发出。"


def _claimed_ticket(env, sender_id: str, channel: str = "wechat") -> tuple:
    env.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI))  # after closing: a ticket
    complaint = package(sender_id, reason="complain", channel=channel)
    opened = env.client.post("/api/handoffs", json=complaint, headers=SERVICE)
    assert opened.status_code == 201, opened.text
    ticket = opened.json()["ticket"]
    env.clock.set(datetime(2026, 12, 1, 9, 1, tzinfo=SHANGHAI))
    wang = env.login("wang")
    assert wang.post(f"/api/tickets/{ticket['id']}/claim").status_code == 200
    env.recorder.reset()
    return ticket, wang


@pytest.mark.parametrize(
    ("via", "state", "status"),
    [
        (tickets.VIA_TEMPLATE, delivery.DELIVERED, "answered"),
        (tickets.VIA_NEXT_CONTACT, delivery.PENDING, "assigned"),
    ],
)
def test_the_route_the_channel_took_is_stored_and_the_conversation_keeps_the_answer(env, via, state, status):
    ticket, wang = _claimed_ticket(env, f"wx-{via}")
    env.recorder.channel_signal = str(delivery.Rerouted(via, state))
    answered = wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER})
    assert answered.status_code == 201, answered.text
    message = answered.json()
    assert (message["delivery"], message["delivery_reason"], message["delivered_via"]) == (state, None, via)
    # the refused call kept nothing; the second one (no side effects) put the answer and the slot in
    [kept] = env.recorder.for_sender(f"wx-{via}")
    assert kept.query["execute_side_effects"] == "false"
    bot, slot = kept.events
    assert bot["metadata"] == {tickets.TICKET_ANSWER: ticket["number"]}
    assert slot["name"] == "ticket_awaiting_message"
    detail = wang.get(f"/api/tickets/{ticket['id']}").json()
    assert detail["status"] == status
    assert detail["messages"][-1]["delivered_via"] == via


def test_a_refusal_still_reads_as_not_delivered_with_its_reason(env):
    ticket, wang = _claimed_ticket(env, "wx-refused")
    env.recorder.channel_signal = str(delivery.NotDelivered(delivery.WECHAT_REFUSED))
    message = wang.post(f"/api/tickets/{ticket['id']}/answer", json={"text": ANSWER}).json()
    assert (message["delivery"], message["delivery_reason"]) == (delivery.NOT_DELIVERED, delivery.WECHAT_REFUSED)
    assert message["delivered_via"] == tickets.VIA_CUSTOMER_SERVICE
    assert env.recorder.for_sender("wx-refused") == [], "nothing appended for a refused answer"
