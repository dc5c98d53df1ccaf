"""An agent's answer to a ticket on WeChat, through the served connector and the fake WeChat.

Within 48 hours it goes out as a customer-service message; past them (or past the 5
messages) it is held in the durable inbox and goes out first when the customer next
writes, and a template message tells the customer when one is configured. The channel
names the route it took (contract.delivery.Rerouted); the Rasa end to end is in
test_end_to_end_tickets.py.
"""

from __future__ import annotations

import pytest

from bot.channels.wechat import texts
from bot.channels.wechat.tickets import EXCERPT_CHARS
from contract import delivery
from contract.messages import agent_message
from contract.tickets import TICKET_ANSWER, VIA_NEXT_CONTACT, VIA_TEMPLATE
from devtools.waiting import wait_until
from tests.wechat.conftest import config_for
from tests.wechat.harness import ScriptedBot, ServedChannel

TEMPLATE = "tmpl-ticket-answer"
ANSWER = "您好，退款已于今天原路退回，请留意银行卡到账通知，联系电话13812345678。"
HEADER = texts.TICKET_ANSWER_HEADER.format(ticket="T20261202-0007")


def ticket_answer(text: str = ANSWER, ticket: str = "T20261202-0007") -> dict:
    """The message the channel gets for the service's bot event (Rasa merges the metadata)."""
    return {"text": None, "custom": agent_message(text, "小王"), TICKET_ANSWER: ticket}


def send(served: ServedChannel, openid: str, message: dict):
    """What the channel raised for the message (None: delivered live)."""
    output = served.channel.get_output_channel()
    try:
        served.call(output.send_response(openid, message))
    except (delivery.Rerouted, delivery.NotDelivered) as signal:
        return signal
    return None


def test_within_48_hours_the_answer_goes_out_as_a_customer_service_message(fake):
    fake.add_template(TEMPLATE)
    with ServedChannel(config_for(fake, ticket_template_id=TEMPLATE), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oWithin", "我的退款呢"))
        fake.wait_for_sends("oWithin", 1)
        assert send(served, "oWithin", ticket_answer()) is None
        sent = fake.wait_for_sends("oWithin", 2)[1]
    assert sent == HEADER + "\n【人工客服 小王】" + ANSWER
    assert fake.templates_to("oWithin", ok_only=False) == []


def test_past_48_hours_a_template_tells_the_customer_and_the_answer_comes_with_their_next_message(fake):
    fake.add_template(TEMPLATE)
    with ServedChannel(config_for(fake, ticket_template_id=TEMPLATE), ScriptedBot()) as served:
        fake.set_last_message_age("oLate", 49 * 3600)
        signal = send(served, "oLate", ticket_answer())
        assert isinstance(signal, delivery.Rerouted), signal
        assert (signal.via, signal.state) == (VIA_TEMPLATE, delivery.DELIVERED)
        [template] = fake.templates_to("oLate")
        assert template.template_id == TEMPLATE and template.client_msg_id
        data = {key: value["value"] for key, value in template.data.items()}
        assert data["keyword1"] == "T20261202-0007"
        assert data["remark"] == texts.TICKET_TEMPLATE_REMARK == "回复任意消息查看完整答复"
        assert len(data["keyword2"]) == EXCERPT_CHARS and data["keyword2"].startswith("您好，退款已于今天")
        assert "13812345678" not in str(template.data)
        assert [s.errcode for s in fake.sends_to("oLate", ok_only=False)] == [45015]

        fake.push(served.webhook, fake.text_xml("oLate", "收到了吗"))
        first, own = fake.wait_for_sends("oLate", 2)
    assert first == HEADER + "\n【人工客服 小王】" + ANSWER
    assert own == "您说的是：收到了吗"


@pytest.mark.parametrize("refusal", ["no template configured", "unknown template", "customer unfollowed"])
def test_without_a_template_the_answer_is_pending_until_the_customer_writes(fake, refusal):
    fake.add_template(TEMPLATE)
    template = {"no template configured": "", "unknown template": "tmpl-removed"}.get(refusal, TEMPLATE)
    if refusal == "customer unfollowed":
        fake.unfollow("oKept")
    with ServedChannel(config_for(fake, ticket_template_id=template), ScriptedBot()) as served:
        fake.set_last_message_age("oKept", 49 * 3600)
        signal = send(served, "oKept", ticket_answer())
        assert isinstance(signal, delivery.Rerouted), signal
        assert (signal.via, signal.state) == (VIA_NEXT_CONTACT, delivery.PENDING)
        assert served.channel.inbox.held_tickets("oKept") == ["T20261202-0007"]
        assert fake.templates_to("oKept") == []
        expected = {"no template configured": [], "unknown template": [40037], "customer unfollowed": [43004]}
        assert [t.errcode for t in fake.templates_to("oKept", ok_only=False)] == expected[refusal]

        fake.push(served.webhook, fake.text_xml("oKept", "在吗"))
        assert fake.wait_for_sends("oKept", 2) == [HEADER + "\n【人工客服 小王】" + ANSWER, "您说的是：在吗"]
        assert served.channel.inbox.held_tickets("oKept") == []
        fake.push(served.webhook, fake.text_xml("oKept", "好的"))
        sent = [s.content for s in fake.sends_to("oKept")]
        fake.wait_for_sends("oKept", 3)
    assert [s.content for s in fake.sends_to("oKept")][len(sent) :] == ["您说的是：好的"], "sent once"


def test_when_the_five_messages_are_used_up_the_answer_waits_for_the_customer(fake):
    async def five_replies(message):
        for n in range(5):
            await message.output_channel.send_text_message(message.sender_id, f"第{n + 1}条")

    with ServedChannel(config_for(fake), ScriptedBot(five_replies)) as served:
        fake.push(served.webhook, fake.text_xml("oQuota", "你好"))
        fake.wait_for_sends("oQuota", 5)
        wait_until(lambda: served.channel.inbox.count() == 0)  # the five are counted
        signal = send(served, "oQuota", ticket_answer())
        assert isinstance(signal, delivery.Rerouted) and signal.via == VIA_NEXT_CONTACT, signal
        # the connector counted the five: WeChat was not even asked
        assert all(s.errcode == 0 for s in fake.sends_to("oQuota", ok_only=False))


def test_a_held_answer_survives_a_restart(fake, tmp_path):
    path = str(tmp_path / "inbox.db")
    with ServedChannel(config_for(fake, inbox_path=path), ScriptedBot()) as served:
        fake.set_last_message_age("oRestart", 49 * 3600)
        assert isinstance(send(served, "oRestart", ticket_answer()), delivery.Rerouted)
    with ServedChannel(config_for(fake, inbox_path=path), ScriptedBot()) as served:
        fake.push(served.webhook, fake.text_xml("oRestart", "我回来了"))
        assert fake.wait_for_sends("oRestart", 2)[0].startswith(HEADER)


def test_a_reply_that_is_no_ticket_answer_still_is_not_delivered_past_48_hours(fake):
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        fake.set_last_message_age("oLive", 49 * 3600)
        signal = send(served, "oLive", {"text": None, "custom": agent_message("您好", "小王")})
        assert isinstance(signal, delivery.NotDelivered) and signal.reason == delivery.WECHAT_WINDOW
        assert served.channel.inbox.held_tickets("oLive") == []


@pytest.mark.parametrize("bad", [{"x": 1}, ["T1"], True, "", "   "])
def test_a_malformed_ticket_number_is_treated_as_a_live_reply(fake, bad):
    with ServedChannel(config_for(fake), ScriptedBot()) as served:
        fake.set_last_message_age("oOdd", 49 * 3600)
        signal = send(served, "oOdd", ticket_answer(ticket=bad))
        assert isinstance(signal, delivery.NotDelivered) and signal.reason == delivery.WECHAT_WINDOW


def test_the_outcome_travels_in_rasas_error_message():
    rerouted = str(delivery.Rerouted(VIA_TEMPLATE, delivery.DELIVERED))
    message = f"An unexpected error occurred. Error: {rerouted}"
    assert delivery.outcome_in(message) == delivery.Outcome(delivery.DELIVERED, via=VIA_TEMPLATE)
    pending = f"Error: {delivery.Rerouted(VIA_NEXT_CONTACT, delivery.PENDING)}"
    assert delivery.outcome_in(pending) == delivery.Outcome(delivery.PENDING, via=VIA_NEXT_CONTACT)
    refused = f"Error: {delivery.NotDelivered(delivery.WECHAT_WINDOW)}"
    assert delivery.outcome_in(refused) == delivery.Outcome(delivery.NOT_DELIVERED, reason=delivery.WECHAT_WINDOW)
    assert delivery.reason_in(message) is None
    for unknown in ("Error: rerouted:delivered:carrier_pigeon", "Error: rerouted:lost:next_contact", "", None):
        assert delivery.outcome_in(unknown) is None


def test_a_passive_account_keeps_the_answer_for_the_next_passive_reply(fake):
    with ServedChannel(config_for(fake, mode="passive"), ScriptedBot()) as served:
        signal = send(served, "oPassive", ticket_answer())
        assert isinstance(signal, delivery.Rerouted), signal
        assert (signal.via, signal.state) == (VIA_NEXT_CONTACT, delivery.PENDING)
        reply = fake.push(served.webhook, fake.text_xml("oPassive", "在吗")).reply
    assert reply is not None and HEADER + "\n【人工客服 小王】" + ANSWER in reply
    assert reply.index(HEADER) < reply.index("您说的是：在吗")
    assert fake.api.sends == [] and fake.api.template_sends == []
