"""An answer to a ticket reaches a WeChat customer: real `rasa run` (WeChat connector with a
ticket template configured), real action server and handoff service (never open, so that a
request for a person opens a ticket), the fake WeChat.

The answer is sent the way the handoff service sends it (handoff/rasa_client.py): a `bot`
event with the agent's custom payload and the ticket number in its metadata, executed on
the customer's latest channel. Within 48 hours it goes out as a customer-service message
(200); past them the template tells the customer and the answer waits for their next
message, or, when the template is refused, only waits (500 naming the route,
contract.delivery.outcome_in).
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from bot.channels.wechat import texts
from contract import delivery
from contract.messages import agent_message
from contract.tickets import SLOT_AWAITING_MESSAGE, TICKET_ANSWER, VIA_NEXT_CONTACT, VIA_TEMPLATE
from devtools.rasa_server import free_port
from tests.services import agent_session, rasa_headers, running_actions, running_handoff
from tests.wechat.conftest import new_fake, serve_rasa_with_wechat

TEMPLATE = "tmpl-ticket-answer-e2e"
ANSWER = "您好，您反映的耳机问题已为您办理换货，新耳机明天发出。"


@pytest.fixture(scope="module")
def wechat_stack(model, backend_url, tmp_path_factory):
    """(fake WeChat, Rasa URL, handoff service URL)."""
    state = tmp_path_factory.mktemp("rasa-wechat-tickets")
    port = free_port()
    with (
        new_fake(timeout_s=5.0) as fake,
        # the service never opens: every handoff becomes a ticket
        running_handoff(
            state, rasa_url=f"http://127.0.0.1:{port}", extra_env={"HANDOFF_BUSINESS_DAYS": "[]"}
        ) as handoff_url,
        running_actions(backend_url, state, extra_env={"ACTIONS_HANDOFF_URL": handoff_url}) as action_url,
        serve_rasa_with_wechat(
            model,
            action_url,
            state,
            fake,
            handoff_url=handoff_url,
            port=port,
            reply_timeout_s=5.0,
            passive_budget_s=4.5,
            ticket_template_id=TEMPLATE,
        ) as url,
    ):
        fake.add_template(TEMPLATE)
        yield fake, url, handoff_url


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def webhook(url: str) -> str:
    return f"{url}/webhooks/wechat/webhook"


def post_ticket_answer(url: str, customer: str, ticket: str, text: str = ANSWER) -> requests.Response:
    """The handoff service's call for a ticket's answer."""
    return requests.post(
        f"{url}/conversations/{customer}/tracker/events",
        params={"execute_side_effects": "true", "output_channel": "latest"},
        json=[
            {
                "event": "bot",
                "text": None,
                "data": {"custom": agent_message(text, "小王")},
                "metadata": {TICKET_ANSWER: ticket},
            },
            {"event": "slot", "name": SLOT_AWAITING_MESSAGE, "value": ticket},
        ],
        headers=rasa_headers(),
        timeout=60,
    )


def full_answer(ticket: str) -> str:
    return texts.TICKET_ANSWER_HEADER.format(ticket=ticket) + "\n" + texts.AGENT_PREFIX.format(name="小王") + ANSWER


def a_customer_who_wrote(fake, url: str) -> tuple:
    """(OpenID, how many messages the bot sent them) after one message."""
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "你好"))
    return customer, len(fake.settle(customer))


def test_within_48_hours_the_answer_goes_out_through_the_customer_service_api(wechat_stack):
    fake, url, _ = wechat_stack
    customer, before = a_customer_who_wrote(fake, url)
    answered = post_ticket_answer(url, customer, "T-E2E-1")
    assert answered.status_code == 200, answered.text
    assert fake.wait_for_sends(customer, before + 1)[before] == full_answer("T-E2E-1")
    assert fake.templates_to(customer, ok_only=False) == []


def test_after_49_hours_the_template_goes_out_and_the_answer_comes_before_the_bots_next_reply(wechat_stack):
    fake, url, _ = wechat_stack
    customer, before = a_customer_who_wrote(fake, url)
    fake.set_last_message_age(customer, 49 * 3600)
    answered = post_ticket_answer(url, customer, "T-E2E-2")
    assert answered.status_code == 500, answered.text
    assert delivery.outcome_in(answered.text) == delivery.Outcome(delivery.DELIVERED, via=VIA_TEMPLATE)
    [template] = fake.templates_to(customer)
    assert template.template_id == TEMPLATE and template.data["keyword1"]["value"] == "T-E2E-2"
    assert template.data["remark"]["value"] == "回复任意消息查看完整答复"
    assert len(fake.sends_to(customer)) == before, "no customer-service message got through"

    fake.push(webhook(url), fake.text_xml(customer, "你好，我看到通知了"))
    after = fake.settle(customer)[before:]
    assert after[0] == full_answer("T-E2E-2") and len(after) >= 2, after
    assert all(full_answer("T-E2E-2") not in text for text in after[1:]), "the answer goes out once"


def test_with_the_template_refused_the_answer_waits_for_the_customers_return(wechat_stack):
    fake, url, _ = wechat_stack
    customer, before = a_customer_who_wrote(fake, url)
    fake.set_last_message_age(customer, 49 * 3600)
    fake.unfollow(customer)  # WeChat refuses templates to them (43004)
    answered = post_ticket_answer(url, customer, "T-E2E-3")
    assert answered.status_code == 500, answered.text
    assert delivery.outcome_in(answered.text) == delivery.Outcome(delivery.PENDING, via=VIA_NEXT_CONTACT)
    assert [t.errcode for t in fake.templates_to(customer, ok_only=False)] == [43004]

    # they follow the account again: the answer goes out before the greeting
    fake.push(webhook(url), fake.event_xml(customer, "subscribe"))
    after = fake.settle(customer)[before:]
    assert after[0] == full_answer("T-E2E-3") and len(after) >= 2, after
    assert "您好" in after[1], after


def test_an_agents_answer_through_the_service_after_49_hours_is_a_template_and_the_console_knows(wechat_stack):
    fake, url, handoff_url = wechat_stack
    customer = openid()
    fake.push(webhook(url), fake.text_xml(customer, "我要找人工客服"))
    opened = " ".join(fake.settle(customer))
    number = re.search(r"工单 (\S+?)，", opened)
    assert number, opened
    number = number.group(1)
    before = len(fake.sends_to(customer))
    fake.set_last_message_age(customer, 49 * 3600)  # the agent answers two days later

    agent = agent_session(handoff_url, "wang")
    [ticket] = [t for t in agent.get(f"{handoff_url}/api/tickets", timeout=10).json() if t["number"] == number]
    assert agent.post(f"{handoff_url}/api/tickets/{ticket['id']}/claim", timeout=10).status_code == 200
    answered = agent.post(f"{handoff_url}/api/tickets/{ticket['id']}/answer", json={"text": ANSWER}, timeout=60)
    assert answered.status_code == 201, answered.text
    message = answered.json()
    assert (message["delivery"], message["delivery_reason"], message["delivered_via"]) == (
        delivery.DELIVERED,
        None,
        VIA_TEMPLATE,
    )
    [template] = fake.templates_to(customer)
    assert template.data["keyword1"]["value"] == number
    assert agent.get(f"{handoff_url}/api/tickets/{ticket['id']}", timeout=10).json()["status"] == "answered"
    # the conversation keeps the answer and the ticket's slot (Rasa saved nothing of the refused call)
    tracker = requests.get(f"{url}/conversations/{customer}/tracker", headers=rasa_headers(), timeout=30).json()
    assert any((e.get("metadata") or {}).get(TICKET_ANSWER) == number for e in tracker["events"] if e["event"] == "bot")
    assert tracker["slots"][SLOT_AWAITING_MESSAGE] == number

    fake.push(webhook(url), fake.text_xml(customer, "好的，我看到了，谢谢"))
    after = fake.settle(customer)[before:]
    assert after[0] == full_answer(number) and len(after) >= 2, after
